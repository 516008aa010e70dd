#!/usr/bin/python3
"""Shared pieces of deepvis' side-by-side benchmark scripts (run_bench.py, the attribution and
synthesis benchmarks). Import it from a script in bench/:

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import benchlib as bl

What it offers (see each function's docstring):
  thread_env(openblas, omp)            environment for a child process with fixed thread counts
  run_json(cmd, env)                   run a process, return the JSON object on its last stdout line
  time_samples(fn, runs, warmup)       wall-clock ms of repeated calls (for torch workers)
  peak_rss_mib(cmd, env)               peak resident memory of a fresh process
  stats(samples), fmt(stats)           median/min/max and "median (min–max)" formatting
  find_binary(name, given)             locate a bench executable in the usual build directories
  alternate_rounds(contenders, rounds) run contender processes alternately, collect their JSON
  export_models(models, workdir)       torchvision models with seeded weights -> ONNX (+ GFLOP)
  machine_description()                "CPU (n CPUs), PyTorch x.y" for table headers
  replace_between_markers(path, begin, end, body)   rewrite one section of a README atomically

Run as a script, `benchlib.py export MODEL OUT.onnx [--batch N]` is the export worker that
export_models starts (a fresh process, so torch's thread settings do not leak into the caller).
"""
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REFERENCE_DIR = os.path.join(ROOT, "tests", "reference")  # make_reference.py: models and seeded weights
BUILD_DIRS = ("build", "build-ref", "build-bench", "build-release")


def thread_env(openblas, omp):
    """A copy of os.environ with OPENBLAS_NUM_THREADS=`openblas` and OMP/MKL_NUM_THREADS=`omp`.

    Pass it to the child process: torch and OpenBLAS read these at start-up, so they must be set
    before the process starts (torch.set_num_threads does not limit OpenBLAS)."""
    env = dict(os.environ)
    env["OPENBLAS_NUM_THREADS"] = str(openblas)
    env["OMP_NUM_THREADS"] = str(omp)
    env["MKL_NUM_THREADS"] = str(omp)
    return env


def run_json(cmd, env=None):
    """Runs `cmd` (a list) and returns the JSON object printed on the last line of its stdout.
    Raises RuntimeError with the tail of stderr if the process fails."""
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def time_samples(fn, runs, warmup):
    """Calls fn() warmup + runs times; returns the wall-clock ms of the last `runs` calls."""
    samples = []
    for r in range(warmup + runs):
        start = time.perf_counter()
        fn()
        if r >= warmup:
            samples.append((time.perf_counter() - start) * 1e3)
    return samples


def peak_rss_mib(cmd, env=None):
    """Peak resident set size of `cmd` run as a fresh process, in MiB, and the tool that measured
    it: /usr/bin/time -v (Debian package `time`) when present, getrusage otherwise."""
    if os.path.exists("/usr/bin/time"):
        p = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stderr[-3000:]}")
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        return int(m.group(1)) / 1024.0, "/usr/bin/time -v"
    wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
               "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    p = subprocess.run([sys.executable, "-c", wrapper] + cmd, env=env, stdout=subprocess.PIPE, text=True, check=True)
    return int(p.stdout.strip()) / 1024.0, "getrusage(RUSAGE_CHILDREN)"


def stats(samples):
    """(median, min, max) of a list of numbers."""
    return statistics.median(samples), min(samples), max(samples)


def fmt(s, digits=1):
    """Formats stats() as "median (min–max)"."""
    med, lo, hi = s
    return f"{med:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def find_binary(name, given=None):
    """Absolute path of the executable `given`, or of `name` under <build dir>/bench/ for the usual
    build directories; exits with a message saying how to build it when none exists."""
    candidates = [given] if given else [os.path.join(ROOT, d, "bench", name) for d in BUILD_DIRS]
    for c in candidates:
        if c and os.path.exists(c):
            return os.path.abspath(c)
    sys.exit(f"{name} not found; configure with -DDEEPVIS_BUILD_BENCH=ON, build the target {name} and pass its path")


def alternate_rounds(contenders, rounds, on_result=None):
    """Runs every contender once per round, in order on even rounds and in reverse order on odd
    ones (so neither side always runs first on a warm or cold machine).

    contenders: list of (label, cmd, env); every cmd prints one JSON object (see run_json).
    on_result(label, round, result) is called after each run, e.g. to print progress.
    Returns {label: [result of round 0, result of round 1, ...]}."""
    results = {label: [] for label, _, _ in contenders}
    for rnd in range(rounds):
        order = contenders if rnd % 2 == 0 else list(reversed(contenders))
        for label, cmd, env in order:
            r = run_json(cmd, env)
            results[label].append(r)
            if on_result:
                on_result(label, rnd, r)
    return results


# ----------------------------------------------------------------------------- model export
def export_worker(model, path, batch=1, size=(224, 224)):
    """In a fresh process: builds torchvision `model` with make_reference.py's seeded weights
    (eval(), requires_grad=False), exports it to ONNX opset 13 for (H, W) = `size` with a free batch
    dimension and prints {"model", "gflop"}: the forward multiply-adds x 2 of conv and linear
    layers, per image."""
    sys.dont_write_bytecode = True  # importing make_reference must not litter the source tree
    sys.path.insert(0, REFERENCE_DIR)
    import torch
    import make_reference as mr
    torch.set_num_threads(2)
    net = mr.build(model)
    flops = []

    def count(module, inputs, output):
        if isinstance(module, torch.nn.Conv2d):
            k = module.weight.shape[1] * module.weight.shape[2] * module.weight.shape[3]
            flops.append(2 * output.numel() * k)
        elif isinstance(module, torch.nn.Linear):
            flops.append(2 * output.numel() * module.in_features)

    hooks = [m.register_forward_hook(count) for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    x = torch.zeros(batch, 3, size[0], size[1])
    with torch.no_grad():
        net(x)
    for h in hooks:
        h.remove()
    mr.export(net, x, path + ".tmp", 13)
    os.replace(path + ".tmp", path)
    print(json.dumps({"model": model, "gflop": sum(flops) / 1e9 / batch}))


def export_models(models, workdir, log_prefix="bench", size=(224, 224)):
    """Exports each torchvision model name in `models` to workdir/<model>.onnx (see export_worker;
    workdir/<model>_<H>x<W>.onnx for another input `size`), each in its own process; an export
    newer than this file and make_reference.py is reused. Returns {model: {"onnx": path, "gflop": forward GFLOP per image}}."""
    os.makedirs(workdir, exist_ok=True)
    sources = [os.path.abspath(__file__), os.path.join(REFERENCE_DIR, "make_reference.py")]
    newest_source = max(os.path.getmtime(p) for p in sources)
    info = {}
    for m in models:
        suffix = "" if tuple(size) == (224, 224) else f"_{size[0]}x{size[1]}"
        path = os.path.join(workdir, f"{m}{suffix}.onnx")
        meta = path + ".json"  # the export worker's output: an export newer than its sources is reused
        if os.path.exists(path) and os.path.exists(meta) and os.path.getmtime(meta) > newest_source:
            with open(meta) as f:
                r = json.load(f)
            verb = "reused"
        else:
            r = run_json([sys.executable, os.path.abspath(__file__), "export", m, path, "--size", f"{size[0]},{size[1]}"],
                         thread_env(2, 2))
            with open(meta + ".tmp", "w") as f:
                json.dump(r, f)
            os.replace(meta + ".tmp", meta)
            verb = "exported"
        info[m] = {"onnx": path, "gflop": r["gflop"]}
        print(f"{log_prefix}: {verb} {m} ({r['gflop']:.2f} GFLOP forward) to {path}", flush=True)
    return info


def torch_worker_setup(model, threads):
    """In a torch worker process: sets torch's thread count and returns make_reference.py's
    seeded `model` (eval(), parameters requires_grad=False) — the network export_models wrote."""
    sys.dont_write_bytecode = True
    sys.path.insert(0, REFERENCE_DIR)
    import torch
    import make_reference as mr
    torch.set_num_threads(threads)
    return mr.build(model)


# ----------------------------------------------------------------------------- reporting
def machine_description():
    """(cpu model name, number of CPUs, torch version) of this machine, for table headers."""
    torch_version = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__)"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return cpu or platform.processor(), os.cpu_count(), torch_version


def replace_between_markers(path, begin, end, body):
    """Replaces everything from the line `begin` to `end` (both kept) in the file `path` by
    `body`; appends begin/body/end when the markers are missing. Written to a temporary file and
    renamed, so an interrupted run never leaves a truncated README."""
    section = begin + "\n\n" + body.strip("\n") + "\n\n" + end
    text = open(path).read() if os.path.exists(path) else ""
    if begin in text and end in text:
        text = text[:text.index(begin)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + ("\n\n" if text else "") + section + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description="benchlib worker: export MODEL OUT.onnx")
    ap.add_argument("command", choices=["export"])
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--size", default="224,224", help="H,W of the exported input")
    a = ap.parse_args()
    export_worker(a.model, a.out, a.batch, tuple(int(v) for v in a.size.split(",")))
