#!/usr/bin/python3
"""deepvis against PyTorch, side by side, on whole networks (see docs BENCHMARKING.md).

In one run, for each model (default alexnet, vgg16, squeezenet1_1; seeded random weights, the
same initialisation as tests/reference/make_reference.py) and each thread count (1 and 2):
  forward   x -> class scores, batch 1, 224x224
  saliency  forward + backward of one class score to the input (the cost of a gradient map)
deepvis runs as the bench_network binary, PyTorch in a worker process of this script; each
process gets OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) before it starts, because torch reads
them at import. PyTorch is measured at its best setting per row: at 2 threads both
torch.set_num_threads(2) with OPENBLAS_NUM_THREADS=2 and with OPENBLAS_NUM_THREADS=1 are run and
the faster one is reported. PyTorch baseline: eval(), parameters requires_grad=False, forward
under torch.no_grad(), saliency with an input that requires grad and torch.autograd.grad.
The processes alternate (deepvis, torch, torch, deepvis, ...) over --rounds rounds; each process
warms up, then times --runs repetitions; the table gives the median and min-max of all samples.
Finally the peak resident memory of one VGG-16 saliency run (process start to end, including
loading the model) is measured for each, in separate processes, with /usr/bin/time -v
(Debian package `time`) or getrusage.

Usage: /usr/bin/python3 bench/run_bench.py [--bench-binary build/bench/bench_network]
       [--models alexnet,vgg16,squeezenet1_1] [--threads 1,2] [--rounds 3] [--runs 3]
       [--workdir DIR] [--readme bench/README.md | --no-readme]
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
from benchlib import fmt, run_json, stats, thread_env  # noqa: E402

HERE = bl.HERE
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
CLASS = 0


# ----------------------------------------------------------------------------- worker
def worker_torch(model, threads, task, runs, warmup):
    import torch
    net = bl.torch_worker_setup(model, threads)  # eval(), requires_grad=False
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(20240601))
    out = {"model": model, "torch_threads": threads, "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS")}

    def forward():
        with torch.no_grad():
            net(x)

    def saliency():
        xr = x.clone().requires_grad_(True)
        s = net(xr)
        g, = torch.autograd.grad(s[:, CLASS].sum(), xr)
        assert g.shape == x.shape

    for name, fn in (("forward", forward), ("saliency", saliency)):
        if task not in ("both", name):
            continue
        out[name + "_ms"] = {"samples": bl.time_samples(fn, runs, warmup)}
    print(json.dumps(out))


# ----------------------------------------------------------------------------- driver
def per_node_summary(result, top=6):
    nodes = result.get("per_node", [])
    by_op = {}
    total = 0.0
    for n in nodes:
        t = n["forward_ms"] + n.get("backward_ms", 0.0)
        by_op[n["op"]] = by_op.get(n["op"], 0.0) + t
        total += t
    heavy = sorted(nodes, key=lambda n: -(n["forward_ms"] + n.get("backward_ms", 0.0)))[:top]
    ops = ", ".join(f"{op} {100 * t / total:.0f} %" for op, t in sorted(by_op.items(), key=lambda kv: -kv[1]) if t > 0.005 * total)
    layers = "; ".join(f"{n['name']} ({n['op']} → {n['output_shape']}) {n['forward_ms']:.1f} + {n.get('backward_ms', 0.0):.1f} ms"
                       for n in heavy)
    return total, ops, layers


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench-binary")
    ap.add_argument("--models", default="alexnet,vgg16,squeezenet1_1")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=3, help="alternations of deepvis and torch processes")
    ap.add_argument("--runs", type=int, default=3, help="timed repetitions per process (after warm-up)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--workdir", help="where the ONNX exports go (default: next to the binary)")
    ap.add_argument("--readme", default=os.path.join(HERE, "README.md"))
    ap.add_argument("--no-readme", action="store_true")
    ap.add_argument("--skip-rss", action="store_true")
    ap.add_argument("--worker", choices=["torch"], help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--torch-threads", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--task", default="both", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker == "torch":
        return worker_torch(args.model, args.torch_threads, args.task, args.runs, args.warmup)

    if args.rounds * args.runs < 7:
        ap.error("rounds x runs must be at least 7 (medians of at least 7 samples)")
    binary = bl.find_binary("bench_network", args.bench_binary)
    workdir = args.workdir or os.path.join(os.path.dirname(os.path.dirname(binary)), "bench-models")
    models = [m for m in args.models.split(",") if m]
    threads = [int(t) for t in args.threads.split(",") if t]
    me = [sys.executable, os.path.abspath(__file__)]
    started = time.time()

    info = bl.export_models(models, workdir, "run_bench")

    rows = []
    for m in models:
        for t in threads:
            # (label, command, env) of each contender; torch at 2 threads is tried with both
            # OpenBLAS settings and the faster reported.
            contenders = [("deepvis", [binary, info[m]["onnx"], "--runs", str(args.runs), "--warmup", str(args.warmup),
                                       "--class", str(CLASS)], thread_env(t, t))]
            blas_settings = [t] if t == 1 else [t, 1]
            for b in blas_settings:
                contenders.append((f"torch(threads={t},openblas={b})",
                                   me + ["--worker", "torch", "--model", m, "--torch-threads", str(t), "--runs",
                                         str(args.runs), "--warmup", str(args.warmup)], thread_env(b, t)))
            results = bl.alternate_rounds(contenders, args.rounds)
            samples = {label: {task: [x for r in rs for x in r[task + "_ms"]["samples"]] for task in ("forward", "saliency")}
                       for label, rs in results.items()}
            for task in ("forward", "saliency"):
                dv_stats = stats(samples["deepvis"][task])
                best_label, best = None, None
                for label, _, _ in contenders[1:]:
                    s = stats(samples[label][task])
                    if best is None or s[0] < best[0]:
                        best_label, best = label, s
                rows.append({"model": m, "threads": t, "task": task, "deepvis": dv_stats, "torch": best,
                             "torch_setting": best_label, "gflop": info[m]["gflop"] * (1 if task == "forward" else 2)})
                print(f"run_bench: {m:14s} {t} thread(s) {task:9s} deepvis {fmt(dv_stats)} ms, "
                      f"torch {fmt(best)} ms [{best_label}], ratio {dv_stats[0] / best[0]:.2f}", flush=True)

    # Where deepvis spends its time: one per-node run per model at 1 thread.
    profiles = {}
    for m in models:
        r = run_json([binary, info[m]["onnx"], "--runs", "3", "--warmup", "1", "--per-node", "--class", str(CLASS)],
                     thread_env(1, 1))
        profiles[m] = per_node_summary(r)
        print(f"run_bench: {m} per node (1 thread): {profiles[m][1]}", flush=True)

    rss = {}
    if not args.skip_rss and "vgg16" in info:
        cmd_dv = [binary, info["vgg16"]["onnx"], "--task", "saliency", "--runs", "1", "--warmup", "0"]
        cmd_pt = me + ["--worker", "torch", "--model", "vgg16", "--torch-threads", "1", "--task", "saliency",
                       "--runs", "1", "--warmup", "0"]
        rss["deepvis"], tool = bl.peak_rss_mib(cmd_dv, thread_env(1, 1))
        rss["torch"], _ = bl.peak_rss_mib(cmd_pt, thread_env(1, 1))
        rss["tool"] = tool
        print(f"run_bench: VGG-16 saliency peak RSS: deepvis {rss['deepvis']:.0f} MiB, torch {rss['torch']:.0f} MiB ({tool})")

    cpu, ncpu, torch_version = bl.machine_description()

    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {cpu} ({ncpu} CPUs), "
             f"PyTorch {torch_version}, by `bench/run_bench.py --rounds {args.rounds} --runs {args.runs}` "
             f"({args.rounds * args.runs} samples per cell, {time.time() - started:.0f} s in all). Batch 1, 224×224, "
             f"times in ms: median (min–max). Ratio = deepvis / torch median (below 1: deepvis is faster).", "",
             "| model | threads | task | deepvis ms | deepvis GFLOP/s | torch ms | torch GFLOP/s | ratio | torch setting |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['threads']} | {r['task']} | {fmt(r['deepvis'])} | "
                     f"{r['gflop'] / r['deepvis'][0] * 1e3:.0f} | {fmt(r['torch'])} | {r['gflop'] / r['torch'][0] * 1e3:.0f} | "
                     f"{r['deepvis'][0] / r['torch'][0]:.2f} | {r['torch_setting']} |")
    lines += ["", "GFLOP/s counts convolution and fully connected multiply-adds only (saliency: twice the forward "
              "count, as the backward pass to the input repeats each layer's work once).", ""]
    if rss:
        lines += [f"Peak resident memory of one VGG-16 saliency run (a fresh process each, from start to exit, "
                  f"1 thread, measured with {rss['tool']}): deepvis {rss['deepvis']:.0f} MiB "
                  f"(includes parsing the {os.path.getsize(info['vgg16']['onnx']) / 2**20:.0f} MiB ONNX file), "
                  f"PyTorch {rss['torch']:.0f} MiB (builds the model in memory).", ""]
    lines += ["Where deepvis spends its time (`bench_network --per-node`, 1 thread, forward + backward per node):", ""]
    for m in models:
        total, ops, layers = profiles[m]
        lines.append(f"- **{m}** ({total:.0f} ms in all): by op: {ops}. Heaviest nodes: {layers}.")
    table = "\n".join(lines)

    if not args.no_readme:
        bl.replace_between_markers(args.readme, BEGIN, END, table)
        print(f"run_bench: wrote {args.readme}")
    else:
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
