#!/usr/bin/python3
"""PyTorch reference attribution maps for deepvis (tests/reference/attribution_reference_test.cpp).

For each torchvision model (alexnet, vgg16, squeezenet1_1, resnet18) this writes, into
OUTDIR/<model>/:
  model.onnx           the float32 model at opset 13 (graph input "input", batch free)
  input.npy            float32 (N, 3, 224, 224), N = 2, seeded
  classes.npy          float32 (N,): the explained class of each batch item (random among its
                       TOP_CLASSES best)
  cam_layer.txt        the torch module whose output Grad-CAM uses (for the log)
  saliency.npy         (N, H, W): max over channels of |d score_c / d x|
  guided_backprop.npy  (N, C, H, W): input gradient with gx = [x > 0] * max(gy, 0) at every ReLU
  deconvolution.npy    (N, C, H, W): input gradient with gx = max(gy, 0) at every ReLU
  gradcam.npy          (N, H, W): ReLU(sum_k mean_ij(dS/dA_k) A_k), bilinear, align_corners=False
  guided_gradcam.npy   (N, C, H, W): guided_backprop * gradcam
  input_x_gradient.npy (N, C, H, W): x * d score_c / d x
  integrated_gradients.npy
                       (N, C, H, W): zero baseline, IG_STEPS-point Gauss-Legendre rule on [0, 1]
  gradcam_plus_plus.npy
                       (N, H, W): pytorch-grad-cam's Grad-CAM++ weights, ReLU, bilinear
  stamp.json           what produced the files; a folder whose stamp matches is not regenerated

Everything is computed here, independently of deepvis: autograd on a float64 copy of the float32
weights stored in the ONNX file, ReLUs replaced by a function whose backward applies the rule, a
forward hook on the Grad-CAM layer, numpy's Gauss-Legendre nodes for integrated gradients. The
Grad-CAM layer is the one deepvis picks by default (attribution/detail/cam.hpp: the last 4-D
spatial node output that is not pooling/reshaping): alexnet and vgg16 the last ReLU of
`features`, squeezenet1_1 the ReLU after classifier's final 1x1 convolution (it still has a
13x13 map), resnet18 layer4 (its last block's ReLU).

Weights are re-drawn (Kaiming fan-in, small biases, random batch-norm statistics) and the bias
feeding each ReLU shifted so that its inputs on x sit about 2.5 standard deviations away from
zero, so float32 rounding rarely flips a ReLU (see make_reference.py, which does the same).

Usage: /usr/bin/python3 make_attribution_reference.py OUTDIR [--models alexnet,...] [--force]
Without torch/torchvision the script prints a skip message and exits 0 (the C++ test skips too).
"""
import argparse
import hashlib
import json
import os
import sys
import time

MODELS = ["alexnet", "vgg16", "squeezenet1_1", "resnet18"]
SEEDS = {"alexnet": 201, "vgg16": 202, "squeezenet1_1": 203, "resnet18": 204}
BATCH = 2
IG_STEPS = 16
RELU_MARGIN = 2.5
TOP_CLASSES = 50

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:
    print(f"make_attribution_reference: skipped: {e.name} is not installed (needs python3-torch, python3-numpy)")
    sys.exit(0)

# The model set-up (weights, rule ReLUs, biases moved away from zero) is make_reference.py's.
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import (RuleRelu, RuleReluModule, build, replace_relus,  # noqa: E402
                            separate_from_zero, up_to_date)



def cam_module(name, model):
    """The module whose output is deepvis' default Grad-CAM layer, and its name."""
    if name in ("alexnet", "vgg16"):
        index = max(i for i, m in enumerate(model.features) if isinstance(m, (nn.ReLU, RuleReluModule)))
        return model.features[index], f"features.{index}"
    if name == "squeezenet1_1":
        index = max(i for i, m in enumerate(model.classifier) if isinstance(m, (nn.ReLU, RuleReluModule)))
        return model.classifier[index], f"classifier.{index}"
    if name == "resnet18":
        return model.layer4, "layer4"
    raise ValueError(name)


def make_input(name):
    g = torch.Generator().manual_seed(SEEDS[name] + 1000)
    return torch.randn(BATCH, 3, 224, 224, generator=g)


def pick_classes(name, model, x):
    """One class per item, drawn at random among its TOP_CLASSES highest scores: squeezenet1_1's
    scores come out of a ReLU, and a class whose score is 0 would have a zero gradient."""
    g = torch.Generator().manual_seed(SEEDS[name] + 2000)
    with torch.no_grad():
        top = model(x).topk(TOP_CLASSES, dim=1).indices
    return top.gather(1, torch.randint(0, TOP_CLASSES, (x.shape[0], 1), generator=g))[:, 0]


def upsample(cam, size):
    return F.interpolate(cam[:, None], size=size, mode="bilinear", align_corners=False)[:, 0]


def save(path, array):
    tmp = path + ".tmp.npy"
    np.save(tmp, np.ascontiguousarray(array.detach().numpy() if torch.is_tensor(array) else array,
                                      dtype=np.float32))
    os.replace(tmp, path)


def stamp_for(name):
    script = hashlib.sha256()
    for path in (__file__, os.path.join(os.path.dirname(os.path.abspath(__file__)), "make_reference.py")):
        with open(path, "rb") as f:
            script.update(f.read())
    return {"model": name, "script_sha256": script.hexdigest(), "torch": torch.__version__, "seed": SEEDS[name],
            "batch": BATCH, "ig_steps": IG_STEPS}


def generate(name, outdir, force):
    folder = os.path.join(outdir, name)
    stamp = stamp_for(name)
    if not force and up_to_date(folder, stamp):
        print(f"make_attribution_reference: {name}: up to date in {folder}")
        return
    os.makedirs(folder, exist_ok=True)
    stamp_path = os.path.join(folder, "stamp.json")
    if os.path.exists(stamp_path):
        os.remove(stamp_path)
    t0 = time.time()
    model = build(name, SEEDS[name])
    x = make_input(name)
    separate_from_zero(model, x, RELU_MARGIN, seed=4343)
    classes = pick_classes(name, model, x)
    path = os.path.join(folder, "model.onnx")
    torch.onnx.export(model, x[:1], path + ".tmp", opset_version=13, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
                      do_constant_folding=True)
    os.replace(path + ".tmp", path)
    t_export = time.time() - t0

    # float64 copy with rule-switching ReLUs; one forward pass serves the three rules and Grad-CAM.
    ref = model.double()
    del model
    replace_relus(ref)
    layer, layer_name = cam_module(name, ref)
    taps = []
    hook = layer.register_forward_hook(lambda mod, inp, out: taps.append(out))
    x64 = x.double().requires_grad_(True)
    scores = ref(x64)
    hook.remove()
    assert len(taps) == 1, f"{name}: the Grad-CAM layer ran {len(taps)} times"
    a = taps[0]
    assert a.dim() == 4 and a.shape[2] * a.shape[3] > 1, f"{name}: Grad-CAM layer shape {tuple(a.shape)}"
    target = scores.gather(1, classes[:, None]).sum()
    RuleRelu.rule = "standard"
    grad, grad_a = torch.autograd.grad(target, [x64, a], retain_graph=True)
    RuleRelu.rule = "guided"
    guided, = torch.autograd.grad(target, x64, retain_graph=True)
    RuleRelu.rule = "deconvnet"
    deconv, = torch.autograd.grad(target, x64)
    RuleRelu.rule = "standard"
    a, scores = a.detach(), scores.detach()
    size = tuple(x.shape[2:])

    saliency = grad.abs().amax(dim=1)
    alpha = grad_a.mean(dim=(2, 3), keepdim=True)
    gradcam = upsample((alpha * a).sum(dim=1).clamp(min=0), size)
    guided_gradcam = guided * gradcam[:, None]
    input_x_gradient = x64.detach() * grad
    # Grad-CAM++ as pytorch-grad-cam: alpha = g^2 / (2 g^2 + sum_ab A * g^3), 0 where g = 0.
    g2, g3 = grad_a ** 2, grad_a ** 3
    denom = 2 * g2 + a.sum(dim=(2, 3), keepdim=True) * g3 + 1e-6
    aij = torch.where(grad_a != 0, g2 / denom, torch.zeros_like(g2))
    weights = (aij * grad_a.clamp(min=0)).sum(dim=(2, 3), keepdim=True)
    gradcam_pp = upsample((weights * a).sum(dim=1).clamp(min=0), size)

    # Integrated gradients: zero baseline, Gauss-Legendre nodes mapped to [0, 1].
    xi, wi = np.polynomial.legendre.leggauss(IG_STEPS)
    nodes, wts = (1 + xi) / 2, wi / 2
    ig_sum = torch.zeros_like(x64)
    xd = x64.detach()
    for s in range(IG_STEPS):
        xs = (float(nodes[s]) * xd).requires_grad_(True)
        out = ref(xs).gather(1, classes[:, None]).sum()
        g, = torch.autograd.grad(out, xs)
        ig_sum += float(wts[s]) * g
    ig = xd * ig_sum
    with torch.no_grad():
        completeness = (ig.sum(dim=(1, 2, 3)), scores.gather(1, classes[:, None])[:, 0]
                        - ref(torch.zeros_like(xd)).gather(1, classes[:, None])[:, 0])

    maps = {"saliency": saliency, "guided_backprop": guided, "deconvolution": deconv, "gradcam": gradcam,
            "guided_gradcam": guided_gradcam, "input_x_gradient": input_x_gradient,
            "integrated_gradients": ig, "gradcam_plus_plus": gradcam_pp}
    for key, m in maps.items():
        assert torch.isfinite(m).all() and m.abs().max() > 0, f"{name}: {key} is zero or not finite"
    save(os.path.join(folder, "input.npy"), x)
    save(os.path.join(folder, "classes.npy"), classes)
    for key, m in maps.items():
        save(os.path.join(folder, key + ".npy"), m)
    with open(os.path.join(folder, "cam_layer.txt"), "w") as f:
        f.write(f"{layer_name} {tuple(a.shape)}\n")
    with open(stamp_path + ".tmp", "w") as f:
        json.dump(stamp, f, indent=1)
    os.replace(stamp_path + ".tmp", stamp_path)
    print(f"make_attribution_reference: {name}: seed {SEEDS[name]}, classes {classes.tolist()}, Grad-CAM at "
          f"{layer_name} {tuple(a.shape)}, IG completeness sum {completeness[0].tolist()} vs score difference "
          f"{completeness[1].tolist()} ({IG_STEPS} steps); {time.time() - t0:.1f} s (export {t_export:.1f} s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated subset of {','.join(MODELS)}")
    parser.add_argument("--force", action="store_true", help="regenerate even when the stamp matches")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    models = [m for m in args.models.split(",") if m]
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {MODELS}")
    import importlib.util
    if importlib.util.find_spec("torchvision") is None:
        print("make_attribution_reference: skipped: torchvision is not installed (needs python3-torchvision)")
        return 0
    torch.set_num_threads(args.threads)
    os.makedirs(args.outdir, exist_ok=True)
    for name in models:
        generate(name, args.outdir, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
