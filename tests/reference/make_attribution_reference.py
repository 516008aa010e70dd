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
  layercam.npy         (N, H, W): ReLU(sum_k ReLU(G_k) A_k), bilinear (Jiang et al. 2021)
  xgradcam.npy         (N, H, W): ReLU(sum_k w_k A_k), w_k = sum_ij G_k A_k / (sum_ij A_k + 1e-7)
                       (Fu et al. 2020)
  hirescam.npy         (N, H, W): ReLU(sum_k G_k A_k) (Draelos & Carin 2020)
  eigencam.npy         (N, H, W): ReLU of the centred (hw, K) matrix of A projected on its first
                       right singular vector (torch.linalg.svd), pytorch-grad-cam's
                       get_2d_projection, with the sign that makes the projection correlate
                       positively with sum_k A_k (pytorch-grad-cam keeps the SVD's sign)
  eigengradcam.npy     (N, H, W): the same for the matrix of G A, sign against sum_k G_k A_k
  <map>_skipped.txt    instead of <map>.npy, for Eigen-CAM maps whose first singular value is too
                       close to the second for a stable reference (the reason, one line)
  allowance_<map>.npy  per element of each map above, how far float32 rounding may move it (below)
  stamp.json           what produced the files; a folder whose stamp matches is not regenerated

Everything is computed here, independently of deepvis: autograd on a float64 copy of the float32
weights stored in the ONNX file, ReLUs and max-pools replaced by functions whose backward applies
the rule, a forward hook on the Grad-CAM layer, numpy's Gauss-Legendre nodes for integrated
gradients. The Grad-CAM layer is the one deepvis picks by default (attribution/detail/cam.hpp: the
last 4-D spatial node output that is not pooling/reshaping): alexnet and vgg16 the last ReLU of
`features`, squeezenet1_1 the ReLU after classifier's final 1x1 convolution (it still has a
13x13 map), resnet18 layer4 (its last block's ReLU).

Weights are re-drawn (Kaiming fan-in, small biases, random batch-norm statistics) and the bias
feeding each ReLU shifted so that its inputs on x sit about 2.5 standard deviations away from
zero, so float32 rounding rarely flips a ReLU (see make_reference.py, which does the same). Then
x itself is conditioned (make_reference.condition_away_from_ties): moved by about 1e-4 of its
range so that every ReLU input lies at least TIE_MARGIN = 1e-4 of its layer's scale from zero and
every max-pool winner leads by as much. float32 rounding, in any implementation on any CPU,
moves a layer's values by about 1e-6 of its scale, so no ReLU or max-pool decision at x can fall
the other way: saliency, guided backprop, deconvnet, Grad-CAM, guided Grad-CAM, input x gradient
and Grad-CAM++ are then held to 1e-3 of max|map| with an allowance that is zero wherever PyTorch's
own float32 map agrees. (The integrated-gradients nodes s x are not conditioned; their allowance
still does the work.)

Rounding allowance. Some units remain near a tie: a ReLU input within FRAGILE (1e-5, relative to
its layer) of zero, a max-pool window whose two largest values are that close. float32 rounding
(in PyTorch as in deepvis) may decide them either way, and each such decision moves a gradient
over the unit's whole receptive field. make_reference.rounding_allowance measures, per element,
how far a gradient can move: the sum of |g(perturbed) - g| over the three perturbations (fragile
ReLUs all open, all closed, fragile max-pool windows on their runner-up). Each map carries that
gradient allowance through its formula as an error bound (A = allowance, g = input gradient,
G = gradient at the Grad-CAM layer, A_k its activations):
  saliency             max_c A(g)               (|.| and max over channels are 1-Lipschitz)
  guided_backprop,     A(guided), A(deconvnet)  (deconvnet: only max-pool ties matter)
  deconvolution
  gradcam              up(sum_k A(alpha)_k |A_k|), A(alpha) the allowance of alpha_k = mean_ij G_k
                       (itself a gradient: along a uniform shift of A_k) from the same perturbed
                       passes; ReLU is 1-Lipschitz, bilinear weights are >= 0 and sum to 1
  guided_gradcam       A(guided) cam + |guided| A(cam) + A(guided) A(cam)
  input_x_gradient     |x| A(g)
  integrated_gradients |x| sum_s w_s A(g at node s)   (each node has its own near-ties)
  gradcam_plus_plus    sum over the perturbations of |map(G perturbed) - map(G)| (its weights are
  layercam, xgradcam,  a rational function of G: the map is recomputed instead of bounded)
  hirescam
  eigencam,            the same recomputation (zero for eigencam, which needs no gradient), plus
  eigengradcam         the Davis-Kahan bound on the first singular vector: a perturbation E of
                       the centred matrix M moves v1 by at most 2 |E|_2 / (s1 - s2), hence the
                       projection at position p by |M_p| 2 |E|_2 / (s1 - s2) + |E_p|; with the
                       normwise relative model of float32 rounding (the backward error of a
                       float32 pipeline and SVD): |E|_2 <= |E|_F <= 2 FRAGILE |M|_F and
                       |E_p| <= 2 FRAGILE |M_p|, ten times the ~1e-6 rounding level, twice for
                       A and G in G A (and 2 |map| where the sign
                       rule's margin sum_p proj_p sum_k M_pk is within that bound's reach of
                       0, as the sign could flip). Where that bound exceeds
                       EIGEN_SKIP of max|map| the gap s1 - s2 is too small for a stable
                       reference: the map is not saved and <map>_skipped.txt says why
Forward values move by at most FRAGILE of their layer's scale under these flips and are not
counted. The all-open / all-closed sums can cancel where a few actual flips do not (resnet18 has
130 fragile ReLU units; PyTorch's own float32 maps flip 2 ReLUs and 3 max-pool windows and miss the
reference by 2.4e-3 (saliency) and 5.0e-3 (input x gradient) of max|map| beyond that bound), so the
saved allowance adds, per element, how far float32 rounding did move the map in PyTorch:
|map(PyTorch float32) - map|, a sample of the same effect (PyTorch float32 is within 1e-6 of the
reference wherever no tie flipped). The log prints the tie allowance's maximum relative to
max|map| and PyTorch float32's distance, raw and beyond the tie allowance. The test allows
|deepvis - torch| <= 1e-3 max|torch| + allowance.

Usage: /usr/bin/python3 make_attribution_reference.py OUTDIR [--models alexnet,...] [--force]
Without torch/torchvision the script prints a skip message and exits 0 (the C++ test skips too).
"""
import argparse
import copy
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
EIGEN_SKIP = 0.05  # Eigen-CAM maps whose Davis-Kahan allowance exceeds this share of max|map|
FRAGILE_FORWARD = 1e-5  # make_reference.FRAGILE: how far a forward value may move, of its scale

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
from make_reference import (RuleMaxPool, RuleRelu, RuleReluModule, build, condition_away_from_ties,  # noqa: E402
                            fragile_relu_count, perturbed_gradients, rel_beyond, replace_max_pools,
                            replace_relus, rounding_allowance, separate_from_zero, up_to_date, TIE_MARGIN)



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


def grad_cam_plus_plus_raw(a, grad_a):
    """pytorch-grad-cam's Grad-CAM++ at layer resolution: weights_k = sum_ij alpha_kij relu(g_kij),
    alpha = g^2 / (2 g^2 + sum_ab A_kab g^3) (0 where g = 0); ReLU(sum_k weights_k A_k)."""
    g2, g3 = grad_a ** 2, grad_a ** 3
    denom = 2 * g2 + a.sum(dim=(2, 3), keepdim=True) * g3 + 1e-6
    aij = torch.where(grad_a != 0, g2 / denom, torch.zeros_like(g2))
    weights = (aij * grad_a.clamp(min=0)).sum(dim=(2, 3), keepdim=True)
    return (weights * a).sum(dim=1).clamp(min=0)


def layer_cam_raw(a, grad_a):
    """LayerCAM (Jiang et al. 2021, eq. 5-6): ReLU(sum_k ReLU(G_k) A_k)."""
    return (grad_a.clamp(min=0) * a).sum(dim=1).clamp(min=0)


def xgrad_cam_raw(a, grad_a):
    """XGrad-CAM (Fu et al. 2020, eq. 14), pytorch-grad-cam's eps: w_k = sum_ij G_k A_k /
    (sum_ij A_k + 1e-7); ReLU(sum_k w_k A_k)."""
    weights = (grad_a * a).sum(dim=(2, 3), keepdim=True) / (a.sum(dim=(2, 3), keepdim=True) + 1e-7)
    return (weights * a).sum(dim=1).clamp(min=0)


def hires_cam_raw(a, grad_a):
    """HiResCAM (Draelos & Carin 2020, eq. 4): ReLU(sum_k G_k A_k)."""
    return (grad_a * a).sum(dim=1).clamp(min=0)


def principal_projection(m, relative=None):
    """pytorch-grad-cam's get_2d_projection for one (N, K, h, w) tensor: per item, the (hw, K)
    matrix centred over positions, projected on its first right singular vector (torch.linalg.svd),
    sign chosen so that the projection correlates positively with sum_k m_k (pytorch-grad-cam keeps
    the SVD's sign); then ReLU. Returns the map (N, h, w) and, per item, (s1, s2, the Davis-Kahan
    allowance (h, w) for a perturbation E of the centred matrix M with |E|_F <= relative |M|_F and
    |E_p| <= relative |M_p| for each row p)."""
    n, k, h, w = m.shape
    out, facts = [], []
    for i in range(n):
        raw = m[i].reshape(k, h * w).T
        centred = raw - raw.mean(dim=0, keepdim=True)
        _, s, vt = torch.linalg.svd(centred, full_matrices=False)
        proj = centred @ vt[0]
        c = float((proj * raw.sum(dim=1)).sum())
        if c < 0 or (c == 0 and proj[proj.abs().argmax()] < 0):
            proj = -proj
        s1, s2 = float(s[0]), float(s[1]) if s.numel() > 1 else 0.0
        bound = torch.zeros(h * w, dtype=m.dtype)
        if relative is not None:
            dv = 2 * relative * float(centred.norm()) / (s1 - s2) if s1 > s2 else float("inf")  # |E|_2 <= |E|_F
            bound = centred.norm(dim=1) * (dv + relative)
            # A sign decided by a margin the perturbation could cross flips the whole map.
            if abs(c) <= float(bound.norm() * raw.sum(dim=1).norm()):
                bound = bound + 2 * proj.abs()
        out.append(proj.reshape(h, w).clamp(min=0))
        facts.append((s1, s2, bound.reshape(h, w)))
    return torch.stack(out), facts


GRADIENT_CAMS = {"gradcam_plus_plus": grad_cam_plus_plus_raw, "layercam": layer_cam_raw,
                 "xgradcam": xgrad_cam_raw, "hirescam": hires_cam_raw,
                 "eigengradcam": lambda a, g: principal_projection(g * a)[0]}


def attribution_maps(model, layer, x, classes, with_allowance):
    """The eight maps of x (in the dtype of model and x) and, when asked, their rounding allowances
    (see the module docstring), as two dicts keyed by file name; and a dict of facts for the log."""
    taps = []
    hook = layer.register_forward_hook(lambda mod, inp, out: taps.append(out))
    xg = x.detach().clone().requires_grad_(True)
    scores = model(xg)
    hook.remove()
    assert len(taps) == 1, f"the Grad-CAM layer ran {len(taps)} times"
    a = taps[0]
    assert a.dim() == 4 and a.shape[2] * a.shape[3] > 1, f"Grad-CAM layer shape {tuple(a.shape)}"
    target = scores.gather(1, classes[:, None]).sum()
    grads, allow = {}, {}
    for rule in ["standard", "guided", "deconvnet"]:
        RuleRelu.rule = rule
        wrt = [xg, a] if rule == "standard" else [xg]
        grads[rule] = torch.autograd.grad(target, wrt, retain_graph=True)
        if with_allowance and rule != "standard":
            allow[rule], = rounding_allowance(target, wrt, grads[rule])
    RuleRelu.rule = "standard"
    info = {"cam_shape": tuple(a.shape), "fragile_windows": RuleMaxPool.fragile_windows}
    (grad, grad_a), (guided,), (deconv,) = grads["standard"], grads["guided"], grads["deconvnet"]
    size = tuple(x.shape[2:])
    xd = xg.detach()
    a = a.detach()

    alpha = grad_a.mean(dim=(2, 3), keepdim=True)
    gradcam = upsample((alpha * a).sum(dim=1).clamp(min=0), size)
    maps = {"saliency": grad.abs().amax(dim=1), "guided_backprop": guided, "deconvolution": deconv,
            "gradcam": gradcam, "guided_gradcam": guided * gradcam[:, None], "input_x_gradient": xd * grad,
            "eigencam": upsample(principal_projection(a)[0], size)}
    for key, f in GRADIENT_CAMS.items():
        maps[key] = upsample(f(a, grad_a), size)
    info["eigen"] = {}
    for key, m in (("eigencam", a), ("eigengradcam", grad_a * a)):
        _, facts = principal_projection(m, 2 * FRAGILE_FORWARD)
        info["eigen"][key] = ([(s1, s2) for s1, s2, _ in facts], upsample(torch.stack([b for _, _, b in facts]), size))
    if with_allowance:
        # The standard rule's perturbed passes give the input gradient's allowance and the Grad-CAM
        # weights' own: alpha_k (1/hw times the derivative of the score along a uniform shift of
        # A_k) is a gradient, perturbed directly. The other gradient CAMs' maps are nonlinear in
        # the layer gradient (Grad-CAM++'s weights are a rational function of it), so each map is
        # recomputed from each perturbed one.
        d_grad, d_alpha = torch.zeros_like(grad), torch.zeros_like(alpha)
        d_cams = {key: torch.zeros_like(maps[key]) for key in GRADIENT_CAMS}
        for g, g_a in perturbed_gradients(target, [xg, taps[0]]):
            d_grad += (g - grad).abs()
            d_alpha += (g_a.mean(dim=(2, 3), keepdim=True) - alpha).abs()
            for key, f in GRADIENT_CAMS.items():
                d_cams[key] += (upsample(f(a, g_a), size) - maps[key]).abs()
        d_guided, d_deconv = allow["guided"], allow["deconvnet"]
        # ReLU is 1-Lipschitz; bilinear weights are >= 0 and sum to 1.
        d_gradcam = upsample((d_alpha * a.abs()).sum(dim=1), size)
        allow = {"saliency": d_grad.amax(dim=1), "guided_backprop": d_guided, "deconvolution": d_deconv,
                 "gradcam": d_gradcam,
                 "guided_gradcam": d_guided * gradcam[:, None] + guided.abs() * d_gradcam[:, None]
                 + d_guided * d_gradcam[:, None],
                 "input_x_gradient": xd.abs() * d_grad, "eigencam": info["eigen"]["eigencam"][1], **d_cams}
        allow["eigengradcam"] = allow["eigengradcam"] + info["eigen"]["eigengradcam"][1]
    del target

    # Integrated gradients: zero baseline, Gauss-Legendre nodes mapped to [0, 1]; each point has
    # its own near-ties, so its allowance is summed with the (positive) quadrature weights.
    xi, wi = np.polynomial.legendre.leggauss(IG_STEPS)
    nodes, wts = (1 + xi) / 2, wi / 2
    ig_sum, ig_allow = torch.zeros_like(xd), torch.zeros_like(xd)
    for s in range(IG_STEPS):
        xs = (float(nodes[s]) * xd).requires_grad_(True)
        out = model(xs).gather(1, classes[:, None]).sum()
        g, = torch.autograd.grad(out, xs, retain_graph=with_allowance)
        ig_sum += float(wts[s]) * g
        if with_allowance:
            ig_allow += float(wts[s]) * rounding_allowance(out, [xs], [g])[0]
        del out
    maps["integrated_gradients"] = xd * ig_sum
    if with_allowance:
        allow["integrated_gradients"] = xd.abs() * ig_allow
    with torch.no_grad():
        baseline = model(torch.zeros_like(xd)).gather(1, classes[:, None])[:, 0]
    info["completeness"] = (maps["integrated_gradients"].sum(dim=(1, 2, 3)).tolist(),
                            (scores.detach().gather(1, classes[:, None])[:, 0] - baseline).tolist())
    return {k: v.detach() for k, v in maps.items()}, allow, info


def rule_model(model, name, dtype):
    """A copy of `model` in dtype with rule-switching ReLUs and max-pools, and its Grad-CAM layer."""
    ref = copy.deepcopy(model).to(dtype)
    replace_relus(ref)
    replace_max_pools(ref)
    layer, layer_name = cam_module(name, ref)
    return ref, layer, layer_name


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
    x, near_before, near_after = condition_away_from_ties(model, x)
    t_condition = time.time() - t0
    classes = pick_classes(name, model, x)
    path = os.path.join(folder, "model.onnx")
    torch.onnx.export(model, x[:1], path + ".tmp", opset_version=13, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
                      do_constant_folding=True)
    os.replace(path + ".tmp", path)
    t_export = time.time() - t0 - t_condition

    # The reference: float64, with allowances.
    ref, layer, layer_name = rule_model(model, name, torch.float64)
    fragile = fragile_relu_count(ref, x.double())
    maps, allow, info = attribution_maps(ref, layer, x.double(), classes, True)
    del ref
    # The same computation in float32 (PyTorch as a user runs it): its distance to the reference
    # beyond the allowance says whether the allowance accounts for float32 rounding.
    ref32, layer32, _ = rule_model(model, name, torch.float32)
    maps32, _, _ = attribution_maps(ref32, layer32, x, classes, False)
    del ref32

    for key, m in maps.items():
        assert torch.isfinite(m).all() and m.abs().max() > 0, f"{name}: {key} is zero or not finite"
    save(os.path.join(folder, "input.npy"), x)
    save(os.path.join(folder, "classes.npy"), classes)
    report = []
    for key, m in maps.items():
        skip_path = os.path.join(folder, key + "_skipped.txt")
        if os.path.exists(skip_path):
            os.remove(skip_path)
        scale = float(m.abs().max())
        if key in info["eigen"]:
            gaps = ", ".join(f"s1/s2 {s1 / s2:.4g}" if s2 > 0 else "s2 = 0" for s1, s2 in info["eigen"][key][0])
            report.append(f"{key} {gaps}")
            if float(info["eigen"][key][1].max()) > EIGEN_SKIP * scale:
                reason = (f"{key}: first singular value too close to the second ({gaps}): the Davis-Kahan "
                          f"allowance reaches {float(info['eigen'][key][1].max()) / scale:.2g} of max|map| "
                          f"(limit {EIGEN_SKIP})")
                for stale in (key + ".npy", f"allowance_{key}.npy"):
                    if os.path.exists(os.path.join(folder, stale)):
                        os.remove(os.path.join(folder, stale))
                with open(skip_path, "w") as f:
                    f.write(reason + "\n")
                report.append(f"skipped: {reason} (torch float32 moved it by "
                              f"{float((maps32[key].double() - m).abs().max()) / scale:.1e})")
                continue
        # What float32 rounding did move in PyTorch is allowed too: with many fragile units the
        # all-open / all-closed sums can cancel where a few actual flips do not (resnet18).
        moved32 = (maps32[key].double() - m).abs()
        save(os.path.join(folder, key + ".npy"), m)
        save(os.path.join(folder, f"allowance_{key}.npy"), allow[key] + moved32)
        report.append(f"{key} tie allowance max {float(allow[key].max()) / scale:.1e}, torch float32 "
                      f"{float(moved32.max()) / scale:.1e} ({rel_beyond(maps32[key], m, allow[key]):.1e} beyond "
                      f"the tie allowance)")
    with open(os.path.join(folder, "cam_layer.txt"), "w") as f:
        f.write(f"{layer_name} {info['cam_shape']}\n")
    with open(stamp_path + ".tmp", "w") as f:
        json.dump(stamp, f, indent=1)
    os.replace(stamp_path + ".tmp", stamp_path)
    print(f"make_attribution_reference: {name}: seed {SEEDS[name]}, classes {classes.tolist()}, Grad-CAM at "
          f"{layer_name} {info['cam_shape']}, IG completeness sum {info['completeness'][0]} vs score difference "
          f"{info['completeness'][1]} ({IG_STEPS} steps); near ties (ReLU inputs and max-pool leads within "
          f"{TIE_MARGIN:g} of their layer's scale) {near_before} before conditioning x, {near_after} after "
          f"({t_condition:.1f} s); at x {fragile} fragile ReLU units, "
          f"{info['fragile_windows']} fragile max-pool windows; relative to max|map|: "
          + "; ".join(report) + f"; {time.time() - t0:.1f} s (export {t_export:.1f} s)")


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
