#!/usr/bin/python3
"""Attribution methods, deepvis against PyTorch, side by side (issue 3, "Performance").

For each model (default vgg16, squeezenet1_1; seeded random weights, the initialisation of
tests/reference/make_reference.py), batch size (1, 8) and thread count (1, 2) it times
  saliency  max over channels of |d score_c / d x|              (N, H, W)
  guided    guided backpropagation                              (N, C, H, W)
  gradcam   Grad-CAM at deepvis' default layer, bilinear upsampled to 224x224   (N, H, W)
and integrated gradients (50 Gauss-Legendre steps, 16 scaled inputs per pass) on --ig-model at
batch 1. deepvis runs as `bench_network --attribution ...` (the library's functions, as the CLI
calls them); PyTorch in a worker process of this script computing the same thing the way Captum
does it in plain torch:
  saliency  input with requires_grad, torch.autograd.grad of the summed class scores, |g|.amax(1)
  guided    the same with a hook on every ReLU's output that clamps the incoming gradient at 0
            (Captum's GuidedBackprop: [x > 0] * max(gy, 0))
  gradcam   forward hook on the layer making its output require grad, autograd.grad to it only,
            alpha = spatial mean, ReLU(sum_k alpha_k A_k), F.interpolate(bilinear, align_corners=False)
  ig        the 50 scaled inputs in batches of 16 (deepvis' batching), autograd.grad per batch,
            Gauss-Legendre weights, times (x - 0)
Each process gets OPENBLAS_NUM_THREADS / OMP_NUM_THREADS before it starts; PyTorch also
torch.set_num_threads. At 2 threads PyTorch runs with both OPENBLAS_NUM_THREADS=2 and =1 and the
faster is reported per row. The processes alternate over --rounds rounds (order reversed every
other round); each warms up, then times --runs calls per method; a cell is the median (min-max)
of all samples. Model loading is not timed.

Before timing, a check (one call per method, batch 2, the same input on both sides) confirms that
both sides compute the same maps: max|deepvis - torch| / max|torch| and the correlation are
printed and written to the README.

Usage: /usr/bin/python3 bench/run_attribution_bench.py [--bench-binary build/bench/bench_network]
       [--models vgg16,squeezenet1_1] [--batches 1,8] [--threads 1,2] [--ig-model squeezenet1_1]
       [--rounds 3] [--runs 3] [--warmup 1] [--readme bench/README.md | --no-readme] [--check-only]
"""
import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

BEGIN, END = "<!-- attribution-bench:begin -->", "<!-- attribution-bench:end -->"
CLASS = "top1"  # each batch item is explained for its highest-scoring class (as `--class top1` in the CLI)
METHODS = ["saliency", "guided", "gradcam"]
# The torch module whose output is deepvis' default Grad-CAM layer (default_cam_layer: the last
# conv block's output); the runner checks that deepvis reports a layer under this module.
GRADCAM_MODULE = {"vgg16": "features.29", "squeezenet1_1": "classifier.2", "alexnet": "features.11"}


# ----------------------------------------------------------------------------- torch worker
def torch_methods(net, model, steps, ig_batch):
    """{method: fn(x) -> map} computing what deepvis computes, in plain torch."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    guided_on = [False]

    def clamp_gradient(module, inputs, output):
        if guided_on[0] and output.requires_grad:
            output.register_hook(lambda g: g.clamp(min=0))

    for m in net.modules():
        if isinstance(m, torch.nn.ReLU):
            m.register_forward_hook(clamp_gradient)

    def class_score(scores, cls):
        return scores.gather(1, cls.view(-1, 1)).sum()

    def input_gradient(x, cls):
        xr = x.clone().requires_grad_(True)
        g, = torch.autograd.grad(class_score(net(xr), cls), xr)
        return g

    def saliency(x, cls):
        return input_gradient(x, cls).abs().amax(dim=1)

    def guided(x, cls):
        guided_on[0] = True
        try:
            return input_gradient(x, cls)
        finally:
            guided_on[0] = False

    layer = dict(net.named_modules())[GRADCAM_MODULE[model]]
    captured = []

    def capture(module, inputs, output):
        if gradcam_on[0]:
            output.requires_grad_(True)  # as Captum: gradients flow from the layer on, not below it
            captured.append(output)

    layer.register_forward_hook(capture)
    gradcam_on = [False]

    def gradcam(x, cls):
        captured.clear()
        gradcam_on[0] = True
        try:
            scores = net(x)
        finally:
            gradcam_on[0] = False
        a = captured.pop()
        g, = torch.autograd.grad(class_score(scores, cls), a)
        alpha = g.mean(dim=(2, 3), keepdim=True)
        cam = torch.relu((alpha * a).sum(dim=1, keepdim=True))
        return F.interpolate(cam.detach(), size=x.shape[2:], mode="bilinear", align_corners=False)[:, 0]

    nodes, weights = np.polynomial.legendre.leggauss(steps)
    alphas = torch.tensor((nodes + 1) / 2, dtype=torch.float32)
    wts = torch.tensor(weights / 2, dtype=torch.float32)

    def ig(x, cls):
        n = x.shape[0]
        out = torch.empty_like(x)
        rows = n * steps  # row j = (item j // steps, step j % steps), as deepvis orders them
        acc = None
        for start in range(0, rows, ig_batch):
            j = torch.arange(start, min(start + ig_batch, rows))
            xs = (alphas[j % steps].view(-1, 1, 1, 1) * x[j // steps]).requires_grad_(True)
            g, = torch.autograd.grad(class_score(net(xs), cls[j // steps]), xs)
            for r, jj in enumerate(j.tolist()):
                i, s = divmod(jj, steps)
                acc = wts[s] * g[r] if s == 0 else acc + wts[s] * g[r]
                if s + 1 == steps:
                    out[i] = x[i] * acc
        return out

    return {"saliency": saliency, "guided": guided, "gradcam": gradcam, "ig": ig}


def worker_torch(a):
    import numpy as np
    import torch
    net = bl.torch_worker_setup(a.model, a.torch_threads)
    fns = torch_methods(net, a.model, a.steps, a.ig_batch)
    methods = [m for m in a.methods.split(",") if m]

    def top1(x):
        with torch.no_grad():
            return net(x).argmax(dim=1)
    if a.check_dir:  # compare with the maps deepvis saved for the same input
        x = torch.from_numpy(np.load(os.path.join(a.check_dir, "input.npy")))
        cls = top1(x)
        out = {"classes": cls.tolist()}
        for m in methods:
            ours = fns[m](x, cls).detach().double().numpy()
            theirs = np.load(os.path.join(a.check_dir, m + ".npy")).astype(np.float64)
            assert ours.shape == theirs.shape, (m, ours.shape, theirs.shape)
            out[m] = {"max_rel": float(np.abs(theirs - ours).max() / np.abs(ours).max()),
                      "corr": float(np.corrcoef(theirs.ravel(), ours.ravel())[0, 1])}
        print(json.dumps(out))
        return 0
    x = torch.randn(a.batch, 3, 224, 224, generator=torch.Generator().manual_seed(20240601))
    cls = top1(x)
    out = {"model": a.model, "torch_threads": a.torch_threads, "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
           "attribution": {}}
    for m in methods:
        out["attribution"][m] = {"samples": bl.time_samples(lambda: fns[m](x, cls), a.runs, a.warmup)}
    print(json.dumps(out))
    return 0


# ----------------------------------------------------------------------------- driver
def check_agreement(binary, me, model, onnx, methods, args):
    """Runs each method once on both sides on the same batch-2 input; returns {method: check}."""
    with tempfile.TemporaryDirectory(prefix="deepvis-attr-check-") as d:
        r = bl.run_json([binary, onnx, "--task", "none", "--attribution", ",".join(methods), "--batch", "2", "--runs", "1",
                         "--warmup", "0", "--class", str(CLASS), "--steps", str(args.steps), "--ig-batch",
                         str(args.ig_batch), "--save", d], bl.thread_env(2, 2))
        if "/" + GRADCAM_MODULE[model] + "/" not in r["gradcam_layer"]:
            sys.exit(f"run_attribution_bench: deepvis' Grad-CAM layer of {model} is {r['gradcam_layer']}, "
                     f"not the output of torch module {GRADCAM_MODULE[model]}; update GRADCAM_MODULE")
        c = bl.run_json(me + ["--worker", "torch", "--model", model, "--torch-threads", "2", "--methods", ",".join(methods),
                              "--steps", str(args.steps), "--ig-batch", str(args.ig_batch), "--check-dir", d],
                        bl.thread_env(2, 2))
    if c.pop("classes") != r["classes"]:
        sys.exit(f"run_attribution_bench: top-1 classes differ: deepvis {r['classes']}, torch {c}")
    return c, r["gradcam_layer"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench-binary")
    ap.add_argument("--models", default="vgg16,squeezenet1_1")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--ig-model", default="squeezenet1_1", help="model on which integrated gradients is timed (batch 1)")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--ig-batch", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3, help="alternations of deepvis and torch processes")
    ap.add_argument("--runs", type=int, default=3, help="timed calls per method per process (after warm-up)")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--workdir", help="where the ONNX exports go (default: next to the binary)")
    ap.add_argument("--readme", default=os.path.join(bl.HERE, "README.md"))
    ap.add_argument("--no-readme", action="store_true")
    ap.add_argument("--check-only", action="store_true", help="only check that both sides agree")
    ap.add_argument("--worker", choices=["torch"], help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--batch", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--torch-threads", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--methods", default=",".join(METHODS), help=argparse.SUPPRESS)
    ap.add_argument("--check-dir", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker == "torch":
        return worker_torch(args)

    binary = bl.find_binary("bench_network", args.bench_binary)
    workdir = args.workdir or os.path.join(os.path.dirname(os.path.dirname(binary)), "bench-models")
    models = [m for m in args.models.split(",") if m]
    batches = [int(b) for b in args.batches.split(",") if b]
    threads = [int(t) for t in args.threads.split(",") if t]
    for m in models:
        if m not in GRADCAM_MODULE:
            ap.error(f"no Grad-CAM layer known for {m}; add it to GRADCAM_MODULE")
    me = [sys.executable, os.path.abspath(__file__)]
    started = time.time()
    info = bl.export_models(sorted(set(models + [args.ig_model])), workdir, "run_attribution_bench")

    def methods_of(m, b):
        return METHODS + (["ig"] if m == args.ig_model and b == 1 else [])

    checks, layers = {}, {}
    for m in sorted(set(models + [args.ig_model])):
        checks[m], layers[m] = check_agreement(binary, me, m, info[m]["onnx"],
                                               METHODS + (["ig"] if m == args.ig_model else []), args)
        for method, c in checks[m].items():
            print(f"run_attribution_bench: check {m} {method}: max|deepvis - torch| / max|torch| = {c['max_rel']:.1e}, "
                  f"correlation {c['corr']:.6f}", flush=True)
    if args.check_only:
        return 0

    rows = []
    for m in models:
        for b in batches:
            methods = methods_of(m, b)
            for t in threads:
                common = ["--runs", str(args.runs), "--warmup", str(args.warmup)]
                contenders = [("deepvis", [binary, info[m]["onnx"], "--task", "none", "--attribution", ",".join(methods),
                                           "--batch", str(b), "--class", str(CLASS), "--steps", str(args.steps),
                                           "--ig-batch", str(args.ig_batch)] + common, bl.thread_env(t, t))]
                for blas in ([t] if t == 1 else [t, 1]):
                    contenders.append((f"torch(threads={t},openblas={blas})",
                                       me + ["--worker", "torch", "--model", m, "--batch", str(b), "--torch-threads", str(t),
                                             "--methods", ",".join(methods), "--steps", str(args.steps), "--ig-batch",
                                             str(args.ig_batch)] + common, bl.thread_env(blas, t)))
                results = bl.alternate_rounds(contenders, args.rounds)
                for method in methods:
                    samples = {label: [x for r in rs for x in r["attribution"][method]["samples"]]
                               for label, rs in results.items()}
                    dv = bl.stats(samples["deepvis"])
                    best_label, best = min(((label, bl.stats(samples[label])) for label, _, _ in contenders[1:]),
                                           key=lambda kv: kv[1][0])
                    rows.append({"model": m, "batch": b, "threads": t, "method": method, "deepvis": dv, "torch": best,
                                 "setting": best_label})
                    print(f"run_attribution_bench: {m:14s} batch {b} {t} thread(s) {method:9s} deepvis {bl.fmt(dv)} ms, "
                          f"torch {bl.fmt(best)} ms [{best_label}], ratio {dv[0] / best[0]:.2f}", flush=True)

    cpu, ncpu, torch_version = bl.machine_description()
    names = {"saliency": "saliency", "guided": "guided backprop", "gradcam": "Grad-CAM",
             "ig": f"integrated gradients ({args.steps} steps)"}
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {cpu} ({ncpu} CPUs), PyTorch {torch_version}, by "
             f"`bench/run_attribution_bench.py --rounds {args.rounds} --runs {args.runs}` ({args.rounds * args.runs} "
             f"sample{'s' if args.rounds * args.runs > 1 else ''} per cell, {time.time() - started:.0f} s in all). 224×224, times in ms: median (min–max). "
             f"Ratio = deepvis / torch median (below 1: deepvis is faster).", "",
             "| model | batch | threads | method | deepvis ms | torch ms | ratio | torch setting |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['batch']} | {r['threads']} | {names[r['method']]} | {bl.fmt(r['deepvis'])} | "
                     f"{bl.fmt(r['torch'])} | {r['deepvis'][0] / r['torch'][0]:.2f} | {r['setting']} |")
    lines += ["", "Both sides compute the same maps (one call each on the same batch-2 input, Grad-CAM at "
              + ", ".join(f"{m}: `{layers[m]}`" for m in sorted(layers)) + "): "
              + "; ".join(f"{m} {names[k]} max rel. difference {c['max_rel']:.1e}, correlation {c['corr']:.6f}"
                          for m in sorted(checks) for k, c in checks[m].items()) + "."]
    table = "\n".join(lines)
    if args.no_readme:
        print(table)
    else:
        bl.replace_between_markers(args.readme, BEGIN, END, table)
        print(f"run_attribution_bench: wrote {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
