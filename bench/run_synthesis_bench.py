#!/usr/bin/python3
"""One step of the synthesis recipes, deepvis against PyTorch side by side (issue 4, Performance).

Rows, each at 1 and 2 threads:
  class vgg16 / squeezenet1_1, 224x224   one step of the class-model recipe (REFERENCE.md): jitter
        (roll by 0-16 px), forward to the class scores, backward to the image, L2 penalty
        (lambda = 1e-3), normalised step lr 25, roll back, clamp to the valid pixels, and the
        Gaussian blur (sigma 0.5) of every 10th step.
  style squeezenet1_1, 192x256            one Gatys step with the course's layers and weights:
        content features.3 (5e-2), style features.1/4/6/7 (20000, 500, 12, 1), G = F F^T/(C H W),
        TV 5e-2; forward to features.7, backward to the image, Adam lr 3, clamp.
deepvis runs bench/bench_synthesis (the library's visualize_class() and style_transfer());
PyTorch runs the natural plain-torch loop in a worker process of this script: torchvision
models with the seeded weights of tests/reference/make_reference.py (eval(), parameters without
grad), the image a leaf tensor, torch.autograd.grad / loss.backward(), torch.optim.Adam, the
features run only up to the deepest tapped layer (as deepvis does). Both sides first compute the
objective at the same image (value and gradient norm) and the script stops if they disagree.
A sample is the mean time of steps 1..S of one run of S+1 steps (step 0 allocates buffers).
Threads: deepvis with OPENBLAS_NUM_THREADS = t; PyTorch at its best per row (t = 1: torch 1 /
OpenBLAS 1; t = 2: torch 2 with OpenBLAS 2 and with OpenBLAS 1, the faster reported).
The processes alternate over --rounds rounds (order reversed every other round).

It also runs bench_synthesis_kernels (Google Benchmark) and tabulates the Gram kernel's GFLOP/s
next to OpenBLAS ssyrk and the TV kernel's GB/s next to a STREAM triad from the same run.

Usage: /usr/bin/python3 bench/run_synthesis_bench.py [--build build] [--threads 1,2] [--rounds 3]
       [--runs 3] [--steps 10] [--rows class-vgg16,class-squeezenet1_1,style-squeezenet1_1]
       [--no-kernels | --no-steps] [--workdir DIR] [--readme bench/README.md | --no-readme]
It rewrites bench/README.md between <!-- synthesis-bench:begin/end --> and
<!-- synthesis-kernels:begin/end -->.
"""
import argparse
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import benchlib as bl  # noqa: E402

STEP_BEGIN, STEP_END = "<!-- synthesis-bench:begin -->", "<!-- synthesis-bench:end -->"
KERNEL_BEGIN, KERNEL_END = "<!-- synthesis-kernels:begin -->", "<!-- synthesis-kernels:end -->"
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
CLASS = 0
L2, LR, JITTER, BLUR_SIGMA, BLUR_EVERY = 1e-3, 25.0, 16, 0.5, 10
STYLE_SIZE = (192, 256)
CONTENT_LAYER, CONTENT_WEIGHT = 3, 5e-2
STYLE_LAYERS, STYLE_WEIGHTS = [1, 4, 6, 7], [20000.0, 500.0, 12.0, 1.0]
TV_WEIGHT, ADAM_LR = 5e-2, 3.0
ROWS = {  # row -> (task, model, (H, W))
    "class-vgg16": ("class", "vgg16", (224, 224)),
    "class-squeezenet1_1": ("class", "squeezenet1_1", (224, 224)),
    "style-squeezenet1_1": ("style", "squeezenet1_1", STYLE_SIZE),
}


def onnx_layer(index):
    """The ONNX node of torchvision squeezenet1_1's features[index] (a ReLU or a Fire module)."""
    return f"/features/features.{index}/Relu" if index == 1 else f"/features/features.{index}/Concat"


# ----------------------------------------------------------------------------- torch worker
def torch_worker(task, model, threads, steps, runs, warmup, size, workdir):
    import numpy as np
    import torch
    import torch.nn.functional as F
    net = bl.torch_worker_setup(model, threads)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    low, high = (0 - mean) / std, (1 - mean) / std
    h, w = size

    radius = int(4 * BLUR_SIGMA + 0.5)
    k = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=torch.float32) / BLUR_SIGMA) ** 2)
    k = k / k.sum()
    kx, ky = k.view(1, 1, 1, -1).repeat(3, 1, 1, 1), k.view(1, 1, -1, 1).repeat(3, 1, 1, 1)

    def blur(x):  # separable Gaussian, mirrored borders (the recipe calls scipy's gaussian_filter1d)
        x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="reflect"), kx, groups=3)
        return F.conv2d(F.pad(x, (0, 0, radius, radius), mode="reflect"), ky, groups=3)

    if task == "class":
        def objective(img):  # what deepvis minimises: -score_c + lambda * |x|^2
            return -net(img)[0, CLASS] + L2 * (img * img).sum()

        def run(seed):
            g = torch.Generator().manual_seed(seed)
            rng = random.Random(seed)
            img = torch.randn(1, 3, h, w, generator=g).requires_grad_()
            ends = []
            for t in range(steps + 1):
                ox, oy = rng.randint(0, JITTER), rng.randint(0, JITTER)
                with torch.no_grad():
                    img.copy_(torch.roll(img, (oy, ox), dims=(2, 3)))
                (grad,) = torch.autograd.grad(objective(img), img)
                with torch.no_grad():
                    img -= LR * grad / grad.norm()
                    img.copy_(torch.roll(img, (-oy, -ox), dims=(2, 3)))
                    img.copy_(torch.max(torch.min(img, high), low))
                    if t % BLUR_EVERY == 0:
                        img.copy_(blur(img))
                ends.append(time.perf_counter())
            return ends
    else:
        deepest = max(STYLE_LAYERS + [CONTENT_LAYER])
        features = net.features[: deepest + 1]
        content = torch.from_numpy(np.load(os.path.join(workdir, "style_content.npy")))
        style = torch.from_numpy(np.load(os.path.join(workdir, "style_style.npy")))

        def extract(x):
            out = []
            for m in features:
                x = m(x)
                out.append(x)
            return out

        def gram(f):
            n, c, fh, fw = f.shape
            f = f.view(c, fh * fw)
            return f @ f.t() / (c * fh * fw)

        with torch.no_grad():
            content_target = extract(content)[CONTENT_LAYER]
            feats = extract(style)
            style_targets = [gram(feats[i]) for i in STYLE_LAYERS]

        def objective(img):
            f = extract(img)
            loss = CONTENT_WEIGHT * ((f[CONTENT_LAYER] - content_target) ** 2).sum()
            for i, wt, a in zip(STYLE_LAYERS, STYLE_WEIGHTS, style_targets):
                loss = loss + wt * ((gram(f[i]) - a) ** 2).sum()
            tv = ((img[:, :, 1:, :] - img[:, :, :-1, :]) ** 2).sum() + ((img[:, :, :, 1:] - img[:, :, :, :-1]) ** 2).sum()
            return loss + TV_WEIGHT * tv

        def run(seed):
            img = content.clone().requires_grad_()
            opt = torch.optim.Adam([img], lr=ADAM_LR)
            ends = []
            for _ in range(steps + 1):
                opt.zero_grad()
                objective(img).backward()
                opt.step()
                with torch.no_grad():
                    img.copy_(torch.max(torch.min(img, high), low))
                ends.append(time.perf_counter())
            return ends

    check_img = torch.from_numpy(np.load(os.path.join(workdir, f"check_{task}_{h}x{w}.npy"))).requires_grad_()
    value = objective(check_img)
    (g,) = torch.autograd.grad(value, check_img)
    samples = []
    for r in range(warmup + runs):
        ends = run(r)
        if r >= warmup:
            samples.append((ends[-1] - ends[0]) * 1e3 / steps)
    print(json.dumps({"tool": "torch", "step_ms": {"samples": samples},
                      "check": {"loss": float(value), "grad_norm": float(g.norm())}}))


# ----------------------------------------------------------------------------- driver
def write_inputs(workdir):
    """Seeded inputs shared by both tools: the style row's content and style images (pixels in
    [0, 1] as smooth random fields, normalised) and the images at which the objectives are checked."""
    import numpy as np
    rng = np.random.default_rng(2026)
    mean, std = np.array(MEAN).reshape(1, 3, 1, 1), np.array(STD).reshape(1, 3, 1, 1)

    def picture(h, w):
        coarse = rng.random((1, 3, h // 16 + 1, w // 16 + 1))
        up = coarse.repeat(16, axis=2).repeat(16, axis=3)[:, :, :h, :w]
        return ((0.7 * up + 0.3 * rng.random((1, 3, h, w)) - mean) / std).astype(np.float32)

    h, w = STYLE_SIZE
    np.save(os.path.join(workdir, "style_content.npy"), picture(h, w))
    np.save(os.path.join(workdir, "style_style.npy"), picture(h, w))
    np.save(os.path.join(workdir, f"check_style_{h}x{w}.npy"), picture(h, w))
    np.save(os.path.join(workdir, "check_class_224x224.npy"), rng.standard_normal((1, 3, 224, 224)).astype(np.float32))


def deepvis_cmd(binary, task, onnx, size, a, workdir):
    h, w = size
    cmd = [binary, onnx, "--task", task, "--size", f"{h},{w}", "--steps", str(a.steps), "--runs", str(a.runs),
           "--warmup", "1", "--check", os.path.join(workdir, f"check_{task}_{h}x{w}.npy")]
    if task == "class":
        cmd += ["--class", str(CLASS)]
    else:
        cmd += ["--content", os.path.join(workdir, "style_content.npy"), "--style",
                os.path.join(workdir, "style_style.npy"), "--content-layer", onnx_layer(CONTENT_LAYER),
                "--style-layers", ",".join(onnx_layer(i) for i in STYLE_LAYERS),
                "--style-weights", ",".join(str(v) for v in STYLE_WEIGHTS)]
    return cmd


def torch_cmd(task, model, size, a, workdir):
    return [sys.executable, os.path.abspath(__file__), "--worker", task, model, f"{size[0]},{size[1]}",
            "--steps", str(a.steps), "--runs", str(a.runs), "--workdir", workdir]


def check_same_function(row, results):
    """deepvis and torch must compute the same objective at the same image."""
    d = results["deepvis"][0]["check"]
    t = results[next(k for k in results if k != "deepvis")][0]["check"]
    for key in ("loss", "grad_norm"):
        rel = abs(d[key] - t[key]) / max(abs(t[key]), 1e-30)
        if rel > 1e-3:
            sys.exit(f"{row}: deepvis {key} {d[key]:.6g} differs from torch {t[key]:.6g} (relative {rel:.2e})")
    return f"{d['loss']:.6g} / {t['loss']:.6g}"


def step_rows(a, workdir):
    binary = bl.find_binary("bench_synthesis", a.bench_binary)
    write_inputs(workdir)
    models = {}
    for row in a.rows:
        task, model, size = ROWS[row]
        if (model, size) not in models:
            models[(model, size)] = bl.export_models([model], workdir, "synthesis-bench", size=size)[model]["onnx"]
    lines = []
    checks = []
    for row in a.rows:
        task, model, size = ROWS[row]
        onnx = models[(model, size)]
        for t in a.threads:
            contenders = [("deepvis", deepvis_cmd(binary, task, onnx, size, a, workdir), bl.thread_env(t, t))]
            settings = [(t, 1)] if t == 1 else [(t, t), (t, 1)]
            for tt, ob in settings:
                contenders.append((f"torch(threads={tt},openblas={ob})", torch_cmd(task, model, size, a, workdir) +
                                   ["--threads", str(tt)], bl.thread_env(ob, tt)))
            results = bl.alternate_rounds(contenders, a.rounds,
                                          lambda label, rnd, r: print(f"  {row} t={t} round {rnd} {label}: "
                                                                      f"{r['step_ms']['samples']}", flush=True))
            check = check_same_function(row, results)
            samples = {label: [s for r in rs for s in r["step_ms"]["samples"]] for label, rs in results.items()}
            stats = {label: bl.stats(s) for label, s in samples.items()}
            best = min((l for l in stats if l != "deepvis"), key=lambda l: stats[l][0])
            ratio = stats["deepvis"][0] / stats[best][0]
            lines.append(f"| {task} | {model} | {size[0]}×{size[1]} | {t} | {bl.fmt(stats['deepvis'])} | "
                         f"{bl.fmt(stats[best])} | {ratio:.2f} | {best} |")
            if t == a.threads[0]:
                checks.append(f"{task} {model}: {check}")
            print(lines[-1], flush=True)
    cpu, ncpu, torch_version = bl.machine_description()
    n = a.rounds * a.runs
    head = (f"Measured {time.strftime('%Y-%m-%d')} on {cpu} ({ncpu} CPUs), PyTorch {torch_version}, by "
            f"`bench/run_synthesis_bench.py --rounds {a.rounds} --runs {a.runs} --steps {a.steps}` ({n} samples per "
            f"cell, each the mean of {a.steps} steps). Times in ms per step: median (min–max). Ratio = deepvis / "
            "torch median (below 1: deepvis is faster).")
    table = ["| step | model | image | threads | deepvis ms | torch ms | ratio | torch setting |",
             "|---|---|---|---|---|---|---|---|"] + lines
    foot = ("Same function on both sides: the objective at one fixed image, deepvis / torch, " + "; ".join(checks) +
            " (gradient norms agree too; the script stops when either differs by more than 1e-3 relative).")
    return head + "\n\n" + "\n".join(table) + "\n\n" + foot


def kernel_rows(a):
    binary = bl.find_binary("bench_synthesis_kernels", a.kernels_binary)
    out = os.path.join(a.workdir, "synthesis_kernels.json")
    import subprocess
    subprocess.run([binary, "--benchmark_format=json", f"--benchmark_out={out}", "--benchmark_out_format=json",
                    "--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true",
                    "--benchmark_min_time=0.2"], check=True, stdout=subprocess.DEVNULL, env=bl.thread_env(1, 1))
    bench = json.load(open(out))["benchmarks"]
    median = {b["run_name"]: b for b in bench if b.get("aggregate_name") == "median"}

    def counter(name, key):
        return median[name][key]

    gram = ["| C | H·W | threads | deepvis gram GFLOP/s | OpenBLAS ssyrk GFLOP/s | gram / ssyrk | sgemm F·Fᵀ GFLOP/s |",
            "|---|---|---|---|---|---|---|"]
    for t in (1, 2):
        for c, hw in ((64, 112 * 112), (128, 56 * 56), (256, 28 * 28), (512, 14 * 14)):
            args = f"C:{c}/HW:{hw}/threads:{t}/real_time"
            g, s, m = (counter(f"{k}/{args}", "GFLOP/s") for k in ("BM_gram", "BM_ssyrk", "BM_sgemm_ffT"))
            gram.append(f"| {c} | {hw} | {t} | {g:.1f} | {s:.1f} | {100 * g / s:.0f} % | {m:.1f} |")
    tv = ["| shape | deepvis TV GB/s | scalar reference GB/s | STREAM triad GB/s | TV / triad |", "|---|---|---|---|---|"]
    for planes, h, w in ((3, 512, 512), (64, 224, 224)):
        args = f"planes:{planes}/H:{h}/W:{w}/real_time"
        v, r, s = (counter(f"{k}/{args}", "GB/s") for k in ("BM_tv", "BM_tv_reference", "BM_stream_triad"))
        tv.append(f"| 1×{planes}×{h}×{w} | {v:.1f} | {r:.1f} | {s:.1f} | {100 * v / s:.0f} % |")
    return (f"Measured {time.strftime('%Y-%m-%d')} by the same command (Google Benchmark, median of 3 repetitions). "
            "Gram: targets ≥ 85 % of ssyrk; flops counted as c·(c+1)·hw for all three. TV (loss + gradient, one "
            "pass): bytes counted as 8 per element (read x, write the gradient), the triad as 12; single thread; "
            "target ≥ 70 % of the triad.\n\n" + "\n".join(gram) + "\n\n" + "\n".join(tv))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", nargs=3, metavar=("TASK", "MODEL", "H,W"), help=argparse.SUPPRESS)
    ap.add_argument("--build", help="the build directory (configured with -DDEEPVIS_BUILD_BENCH=ON) whose "
                    "bench/bench_synthesis and bench/bench_synthesis_kernels to run")
    ap.add_argument("--bench-binary", help="bench_synthesis (default: <build>/bench/bench_synthesis)")
    ap.add_argument("--kernels-binary", help="bench_synthesis_kernels")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rows", default=",".join(ROWS))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--no-kernels", action="store_true", help="skip the Gram/TV kernel table")
    ap.add_argument("--no-steps", action="store_true", help="skip the step table")
    ap.add_argument("--workdir", default=os.path.join("/tmp", "deepvis-synthesis-bench"))
    ap.add_argument("--readme", default=os.path.join(HERE, "README.md"))
    ap.add_argument("--no-readme", action="store_true")
    a = ap.parse_args()
    if a.worker:
        task, model, hw = a.worker
        torch_worker(task, model, int(a.threads), a.steps, a.runs, 1, tuple(int(v) for v in hw.split(",")),
                     a.workdir)
        return
    a.threads = [int(t) for t in a.threads.split(",")]
    if a.build:
        a.bench_binary = a.bench_binary or os.path.join(a.build, "bench", "bench_synthesis")
        a.kernels_binary = a.kernels_binary or os.path.join(a.build, "bench", "bench_synthesis_kernels")
    a.rows = a.rows.split(",")
    for r in a.rows:
        if r not in ROWS:
            sys.exit(f"unknown row '{r}'; rows: {', '.join(ROWS)}")
    os.makedirs(a.workdir, exist_ok=True)
    if not a.no_steps:
        steps = step_rows(a, a.workdir)
        print(steps)
        if not a.no_readme:
            bl.replace_between_markers(a.readme, STEP_BEGIN, STEP_END, steps)
    if not a.no_kernels:
        kernels = kernel_rows(a)
        print(kernels)
        if not a.no_readme:
            bl.replace_between_markers(a.readme, KERNEL_BEGIN, KERNEL_END, kernels)


if __name__ == "__main__":
    main()
