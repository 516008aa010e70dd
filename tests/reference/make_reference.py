#!/usr/bin/python3
"""PyTorch reference fixtures for deepvis' numerical tests (tests/reference/reference_test.cpp).

For each model this writes, into OUTDIR/<model>/:
  model.onnx            the float32 model exported at opset 13 (graph input "input", batch free)
  model_opset11.onnx,
  model_opset17.onnx    the same model at other opsets (only for the models in EXTRA_OPSETS)
  input.npy             float32 (N, C, H, W), N = 2, seeded
  classes.npy           float32 (N,): the class selected for each batch item
  logits.npy            float32 (N, K): the class scores (the input of a trailing Softmax)
  grad_standard.npy     d(sum_n score[n, classes[n]]) / d input, the true gradient
  grad_guided.npy       the same under guided backpropagation (Springenberg et al. 2015):
                        at every ReLU gx = [x > 0] * max(gy, 0)
  grad_deconvnet.npy    the same under the deconvnet rule (Zeiler & Fergus 2014): gx = max(gy, 0)
  allowance_standard.npy,
  allowance_guided.npy  per element, how far float32 rounding may move the gradient. Two terms:
                        (1) the near ties: how far the gradient moves when the ReLUs whose input
                        lies within FRAGILE (1e-5) of zero, relative to their layer, fall the other
                        way, and the max-pool windows whose two largest values lie within FRAGILE
                        of each other pick the other one — as float32 rounding may make them do in
                        any implementation: |g(all such units open) - g| + |g(all closed) - g| +
                        |g(all such windows on their runner-up) - g|; (2) how far float32 rounding
                        did move PyTorch's own gradient under the same rule: |g(PyTorch float32) -
                        g|. Term (1) misses flips that accumulated rounding causes deeper in the
                        network, and the guided rule's gate on the sign of the incoming gradient;
                        on vgg16 PyTorch float32 itself lies 9e-3 of max|g| beyond term (1) (the
                        log prints it), so term (1) alone would fail PyTorch. The same two terms
                        make the attribution reference's allowance (make_attribution_reference.py).
                        The test allows |deepvis - torch| <= tolerance * max|torch| + allowance.
  stamp.json            what produced the files (script hash, torch version, seeds); a folder
                        whose stamp matches is not regenerated

The reference numbers are computed in float64 from the float32 weights stored in the ONNX file
and the float32 input, then saved as float32, so they carry no float32 rounding of their own.
x is conditioned away from ties (condition_away_from_ties): moved by about 1e-4 of its range so
that no ReLU input and no max-pool lead at x lies within TIE_MARGIN = 1e-4 of its layer's scale
of a tie, far beyond what float32 rounding (about 1e-6 of the scale) can move on any CPU.
Random-init weights are re-drawn (Kaiming fan-in for every conv and linear layer, small random
biases, random batch-norm statistics) so that activations keep their scale through the depth of
VGG-16 and AlexNet instead of vanishing, and no ReLU sees an exactly-zero pre-activation.

Usage: /usr/bin/python3 make_reference.py OUTDIR [--models alexnet,vgg16,...] [--force]
Without torch the script prints a skip message and exits 0 (the C++ test then skips too).
"""
import argparse
import copy
import hashlib
import json
import os
import sys
import time

LARGE_MODELS = ["alexnet", "vgg16", "squeezenet1_1", "resnet18"]
ALL_MODELS = LARGE_MODELS + ["fashion_cnn"]
EXTRA_OPSETS = {"fashion_cnn": [11, 17], "squeezenet1_1": [11, 17]}
SEEDS = {"alexnet": 101, "vgg16": 102, "squeezenet1_1": 103, "resnet18": 104, "fashion_cnn": 105}
BATCH = 2
RULES = ["standard", "guided", "deconvnet"]
RELU_MARGIN = 2.5
FRAGILE = 1e-5

try:
    import numpy as np
    import torch
    import torch.nn as nn
except ImportError as e:  # the C++ test reports each model as skipped
    print(f"make_reference: skipped: {e.name} is not installed (needs python3-torch, python3-numpy)")
    sys.exit(0)


class RuleRelu(torch.autograd.Function):
    """ReLU whose backward applies the rule named in RuleRelu.rule (read at backward time, so one
    forward pass serves all three rules)."""

    rule = "standard"
    # "on" / "off": treat every fragile unit (|x| < FRAGILE * max|x| of its layer and batch item)
    # as open / closed, to measure how much the gradient depends on those rounding-close calls.
    fragile = None

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        if RuleRelu.rule == "deconvnet":
            return gy.clamp(min=0)
        mask = x > 0
        if RuleRelu.fragile is not None:
            scale = x.abs().amax(dim=tuple(range(1, x.dim())), keepdim=True)
            close = x.abs() < FRAGILE * scale
            mask = (mask | close) if RuleRelu.fragile == "on" else (mask & ~close)
        if RuleRelu.rule == "standard":
            return gy * mask.to(gy.dtype)
        if RuleRelu.rule == "guided":
            return gy.clamp(min=0) * mask.to(gy.dtype)
        raise ValueError(RuleRelu.rule)


class RuleMaxPool(torch.autograd.Function):
    """MaxPool2d whose backward, when RuleMaxPool.alternative is set, sends the gradient of every
    fragile window (largest and second-largest value within FRAGILE of each other but not equal,
    relative to max|x| of the batch item) to the second-largest instead: a near-tie that float32
    rounding may decide the other way, as it does for ReLUs near zero."""

    alternative = False

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode):
        y, idx = nn.functional.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, return_indices=True)
        ctx.save_for_backward(x, y, idx)
        ctx.window = (kernel, stride, padding, dilation)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y, idx = ctx.saved_tensors
        if RuleMaxPool.alternative:
            idx = runner_up(x, y, idx, *ctx.window)
        n, c, h, w = x.shape
        gx = torch.zeros(n, c, h * w, dtype=gy.dtype).scatter_add_(2, idx.flatten(2), gy.flatten(2))
        return gx.view_as(x), None, None, None, None, None


def runner_up(x, y, idx, kernel, stride, padding, dilation):
    """idx with every fragile window's entry replaced by the flat index of its second-largest value."""
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = pair(kernel), pair(stride or kernel), pair(padding), pair(dilation)
    n, c, h, w = x.shape
    oh, ow = y.shape[2:]
    eh = max(0, (oh - 1) * sh + (kh - 1) * dh + 1 - (h + 2 * ph))  # ceil-mode overhang
    ew = max(0, (ow - 1) * sw + (kw - 1) * dw + 1 - (w + 2 * pw))
    unfold = lambda t: nn.functional.unfold(t, (kh, kw), dilation=(dh, dw), stride=(sh, sw))
    values = unfold(nn.functional.pad(x.reshape(n * c, 1, h, w), (pw, pw + ew, ph, ph + eh), value=float("-inf")))
    where = torch.arange(h * w, dtype=torch.float64).view(1, 1, h, w)
    where = unfold(nn.functional.pad(where, (pw, pw + ew, ph, ph + eh), value=-1.0)).long().expand(n * c, -1, -1)
    flat = idx.reshape(n * c, 1, oh * ow)
    second, which = values.masked_fill(where == flat, float("-inf")).max(dim=1)
    scale = x.abs().amax(dim=(1, 2, 3)).repeat_interleave(c).view(n * c, 1)
    # An exact tie (the zeros of dead ReLU units, mostly) is exact in every precision and broken
    # the same way (first in scan order) by PyTorch and deepvis: not a rounding question.
    gap = y.reshape(n * c, oh * ow) - second
    fragile = (gap > 0) & (gap < FRAGILE * scale)
    alt = where.gather(1, which[:, None]).squeeze(1)
    RuleMaxPool.fragile_windows += int(fragile.sum())
    return torch.where(fragile, alt, flat.squeeze(1)).view_as(idx)


RuleMaxPool.fragile_windows = 0


class RuleMaxPoolModule(nn.Module):
    def __init__(self, pool):
        super().__init__()
        self.args = (pool.kernel_size, pool.stride, pool.padding, pool.dilation, pool.ceil_mode)

    def forward(self, x):
        return RuleMaxPool.apply(x, *self.args)


def replace_max_pools(module):
    """Replaces every nn.MaxPool2d by RuleMaxPoolModule; returns the count."""
    count = 0
    for name, child in module.named_children():
        if isinstance(child, nn.MaxPool2d):
            setattr(module, name, RuleMaxPoolModule(child))
            count += 1
        else:
            count += replace_max_pools(child)
    return count


class RuleReluModule(nn.Module):
    def forward(self, x):
        return RuleRelu.apply(x)


def replace_relus(module):
    """Replaces every nn.ReLU (torchvision's are inplace=True) by RuleReluModule; returns the count."""
    count = 0
    for name, child in module.named_children():
        if isinstance(child, nn.ReLU):
            setattr(module, name, RuleReluModule())
            count += 1
        else:
            count += replace_relus(child)
    return count


class FashionCNN(nn.Module):
    """A Fashion-MNIST-sized classifier: 1x28x28 -> (conv3x3, relu, maxpool2) x 2 -> fc -> 10 -> softmax."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2))
        self.classifier = nn.Linear(16 * 7 * 7, 10)
        self.softmax = nn.Softmax(dim=1)

    def scores(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))

    def forward(self, x):
        return self.softmax(self.scores(x))


def build(name, seed=None):
    """A model with re-drawn weights, seeded by `seed` (default: SEEDS[name])."""
    import torchvision.models as tvm
    torch.manual_seed(SEEDS[name] if seed is None else seed)
    if name == "fashion_cnn":
        model = FashionCNN()
    else:
        model = getattr(tvm, name)(weights=None)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.normal_(m.bias, 0.0, 0.1)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.uniform_(m.weight, 0.5, 1.5)
            nn.init.normal_(m.bias, 0.0, 0.1)
            m.running_mean.normal_(0.0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def separate_from_zero(model, x, margin=RELU_MARGIN, seed=4242):
    """Shifts, channel by channel, the bias that feeds each ReLU so that on input x the channel's
    ReLU inputs are centred at +margin or -margin (random sign) times their standard deviation.

    float32 rounding (about 1e-7 of a layer's scale, in PyTorch and deepvis alike) flips a ReLU
    whose input lies that close to zero, and a flipped unit changes the input gradient over its
    whole receptive field by up to a few per cent of its maximum, which no tolerance could absorb.
    Centring the channels away from zero makes such units about 20 times rarer (the density at 0
    of a normal centred 2.5 sd away), while each channel still has units on both sides. A ReLU
    module used twice (ResNet's blocks) is left alone."""
    pairs, last = [], None
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear, nn.BatchNorm2d)):
            last = m
        elif isinstance(m, nn.ReLU) and last is not None and getattr(last, "bias", None) is not None:
            pairs.append((last, m))
            last = None
    g = torch.Generator().manual_seed(seed)
    for producer, relu in pairs:
        seen = []
        hook = relu.register_forward_pre_hook(lambda mod, inp: seen.append(inp[0].detach().clone()))
        with torch.no_grad():
            scores_of(model, x)
        hook.remove()
        if len(seen) != 1:
            continue
        v = seen[0]
        if v.dim() == 4:
            mean, std = v.mean(dim=(0, 2, 3)), v.std(dim=(0, 2, 3))
        else:
            mean, std = v.mean(dim=0), v.std().expand(v.shape[1])
        sign = torch.randint(0, 2, mean.shape, generator=g).to(v.dtype) * 2 - 1
        producer.bias.add_(-mean + sign * margin * std)


TIE_MARGIN = 1e-4


def tie_distances(model, x):
    """Every decision float32 rounding could take the other way, as differentiable functions of x,
    in one forward pass of `model` (built with RuleReluModule / RuleMaxPoolModule): a list of
    (distance, scale, valid): each ReLU's input (distance to its kink) and each max-pool window's
    lead of the largest value over the second (valid where the two differ: an exact tie, the
    zeros of dead ReLU units, is exact in every precision), with scale = max|.| of the layer's
    input per batch item."""
    found = []

    def on_relu(mod, inp):
        v = inp[0]
        scale = v.detach().abs().amax(dim=tuple(range(1, v.dim())), keepdim=True)
        found.append((v, scale, torch.ones_like(v, dtype=torch.bool)))

    def on_pool(mod, inp):
        p = inp[0]
        kernel, stride, padding, dilation, _ = mod.args
        pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = pair(kernel), pair(stride or kernel), pair(padding), pair(dilation)
        y = nn.functional.max_pool2d(p.detach(), kernel, stride, padding, dilation, mod.args[4])
        n, c, h, w = p.shape
        oh, ow = y.shape[2:]
        eh = max(0, (oh - 1) * sh + (kh - 1) * dh + 1 - (h + 2 * ph))
        ew = max(0, (ow - 1) * sw + (kw - 1) * dw + 1 - (w + 2 * pw))
        padded = nn.functional.pad(p.reshape(n * c, 1, h, w), (pw, pw + ew, ph, ph + eh), value=float("-inf"))
        values = nn.functional.unfold(padded, (kh, kw), dilation=(dh, dw), stride=(sh, sw))
        top = values.topk(2, dim=1).values
        lead = (top[:, 0] - top[:, 1]).reshape(n, c, oh * ow)
        scale = p.detach().abs().amax(dim=(1, 2, 3)).view(n, 1, 1)
        found.append((lead, scale, torch.isfinite(lead.detach()) & (lead.detach() > 0)))

    hooks = [m.register_forward_pre_hook(on_relu) for m in model.modules() if isinstance(m, RuleReluModule)]
    hooks += [m.register_forward_pre_hook(on_pool) for m in model.modules() if isinstance(m, RuleMaxPoolModule)]
    try:
        scores_of(model, x)
    finally:
        for h in hooks:
            h.remove()
    return found


def count_near_ties(model, x, margin=TIE_MARGIN):
    """How many ReLU inputs and max-pool leads of x lie within margin of a tie (relative to their
    layer): the decisions float32 rounding might take the other way."""
    with torch.no_grad():
        return sum(int((v.abs() < margin * s)[ok].sum()) for v, s, ok in tie_distances(model, x))


def condition_away_from_ties(model, x, margin=TIE_MARGIN, iterations=12):
    """x moved slightly so that every ReLU input lies at least `margin` of its layer's max|input|
    from zero and every max-pool winner leads its runner-up by at least that much: then no
    float32 implementation (deepvis on any CPU, PyTorch) can take a ReLU or max-pool decision the
    other way from the float64 reference, whatever its rounding (about 1e-6 of a layer's scale
    after 20 layers), and the reference tests can hold deepvis to 1e-3 of the map's maximum
    without a tie allowance.

    The network is piecewise linear in x, so within the current decisions each near-tie distance
    d_u moves by exactly grad d_u . dx. Each round moves x by dx = sum_u c_u s_u grad d_u over the
    near ties u (s_u the side d_u is on), a minimum-norm move within their span, with c_u from the
    measured response of d_u to a unit step (a finite difference, exact on a linear piece; the
    Jacobi approximation, corrected by the next round where near ties share a receptive field),
    aiming at 2 x margin. Returns the float32 input and the counts of near ties before and after."""
    ref = copy.deepcopy(model).double()
    replace_relus(ref)
    replace_max_pools(ref)
    x64 = x.double().clone()
    before = count_near_ties(ref, x64, margin)
    for _ in range(iterations):
        xg = x64.clone().requires_grad_(True)
        found = tie_distances(ref, xg)
        near = [(v, s, ok & (v.detach().abs() < margin * s)) for v, s, ok in found]
        if sum(int(m.sum()) for _, _, m in near) == 0:
            break
        signs = [torch.where(v.detach() >= 0, 1.0, -1.0).to(v.dtype) * m for v, _, m in near]
        weights = [sg / s for sg, (_, s, _) in zip(signs, near)]
        probe, = torch.autograd.grad(sum((w * v).sum() for w, (v, _, _) in zip(weights, near)), xg,
                                     retain_graph=True)
        eps = 1e-3 * margin * float(x64.abs().max()) / max(float(probe.abs().max()), 1e-300)
        with torch.no_grad():
            moved = tie_distances(ref, x64 + eps * probe)
        coefficients = []
        for (v, s, m), sg, w, (v2, _, _) in zip(near, signs, weights, moved):
            response = sg * (v2 - v.detach()) / eps  # how far d_u moved away from its tie per unit step
            need = (2 * margin * s - v.detach().abs()).clamp(min=0)
            ok = m & (response > 1e-12 * w.abs())
            coefficients.append(torch.where(ok, sg * need * w.abs() / response.clamp(min=1e-300), 0.0))
        step, = torch.autograd.grad(sum((c * v).sum() for c, (v, _, _) in zip(coefficients, near)), xg)
        x64 = x64 + step
    x32 = x64.float()
    return x32, before, count_near_ties(ref, x32.double(), margin)


def relu_inputs(model, x):
    """The input of every RuleReluModule call during one forward pass of `model`."""
    seen = []
    hooks = [m.register_forward_pre_hook(lambda mod, inp: seen.append(inp[0].detach()))
             for m in model.modules() if isinstance(m, RuleReluModule)]
    with torch.no_grad():
        scores_of(model, x)
    for h in hooks:
        h.remove()
    return seen


def rel_beyond(actual, expected, allowance):
    """max(|actual - expected| - allowance, 0) / max|expected|: the test's criterion."""
    excess = ((actual.double() - expected).abs() - allowance).clamp(min=0)
    return float(excess.max() / expected.abs().max())


def fragile_relu_count(model, x):
    """How many ReLU inputs of one forward pass lie within FRAGILE of zero, relative to max|input|
    of their layer and batch item: the units float32 rounding may switch either way."""
    return sum(int((v.abs() < FRAGILE * v.abs().amax(dim=tuple(range(1, v.dim())), keepdim=True)).sum())
               for v in relu_inputs(model, x))


def perturbed_gradients(target, wrt):
    """d target / d wrt (a list) three times, under the current RuleRelu.rule, with the near-ties
    float32 rounding may decide either way decided otherwise: every fragile ReLU open, every fragile
    ReLU closed, every fragile max-pool window on its runner-up (RuleRelu, RuleMaxPool). Needs the
    graph of `target` built through RuleReluModule / RuleMaxPoolModule; keeps it (retain_graph)."""
    for mode in ["on", "off"]:
        RuleRelu.fragile = mode
        yield torch.autograd.grad(target, wrt, retain_graph=True)
    RuleRelu.fragile = None
    RuleMaxPool.alternative, RuleMaxPool.fragile_windows = True, 0
    grads = torch.autograd.grad(target, wrt, retain_graph=True)
    RuleMaxPool.alternative = False
    yield grads


def rounding_allowance(target, wrt, nominal):
    """Per element of each gradient d target / d wrt[i] (nominal[i] is its value), how far float32
    rounding of near-ties may move it: the sum over perturbed_gradients of |g(perturbed) - g|."""
    allowance = [torch.zeros_like(g) for g in nominal]
    for grads in perturbed_gradients(target, wrt):
        for a, g, g0 in zip(allowance, grads, nominal):
            a += (g - g0).abs()
    return allowance


def scores_of(model, x):
    """The class scores: the input of the trailing Softmax for fashion_cnn, else the output."""
    return model.scores(x) if isinstance(model, FashionCNN) else model(x)


def make_input(name):
    g = torch.Generator().manual_seed(SEEDS[name] + 1000)
    if name == "fashion_cnn":
        x = torch.rand(BATCH, 1, 28, 28, generator=g)
        classes = torch.randint(0, 10, (BATCH,), generator=g)
    else:
        x = torch.randn(BATCH, 3, 224, 224, generator=g)
        classes = torch.randint(0, 1000, (BATCH,), generator=g)
    return x, classes


def export(model, x, path, opset):
    torch.onnx.export(model, x[:1], path, opset_version=opset, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
                      do_constant_folding=True)


def onnx_op_types(path):
    try:
        import onnx
    except ImportError:
        return []
    m = onnx.load(path, load_external_data=False)
    return sorted({n.op_type for n in m.graph.node})


def save(path, array):
    tmp = path + ".tmp.npy"
    np.save(tmp, np.ascontiguousarray(array, dtype=np.float32))
    os.replace(tmp, path)


def stamp_for(name):
    with open(__file__, "rb") as f:
        script = hashlib.sha256(f.read()).hexdigest()
    return {"model": name, "script_sha256": script, "torch": torch.__version__, "seed": SEEDS[name],
            "batch": BATCH, "opsets": [13] + EXTRA_OPSETS.get(name, [])}


def up_to_date(folder, stamp):
    try:
        with open(os.path.join(folder, "stamp.json")) as f:
            return json.load(f) == stamp
    except (OSError, ValueError):
        return False


def generate(name, outdir, force):
    folder = os.path.join(outdir, name)
    stamp = stamp_for(name)
    if not force and up_to_date(folder, stamp):
        print(f"make_reference: {name}: up to date in {folder}")
        return
    os.makedirs(folder, exist_ok=True)
    stamp_path = os.path.join(folder, "stamp.json")
    if os.path.exists(stamp_path):
        os.remove(stamp_path)
    t0 = time.time()
    model = build(name)
    x, classes = make_input(name)
    separate_from_zero(model, x)
    x, near_before, near_after = condition_away_from_ties(model, x)

    # ONNX export of the float32 model, as a user would produce it.
    for opset in [13] + EXTRA_OPSETS.get(name, []):
        path = os.path.join(folder, "model.onnx" if opset == 13 else f"model_opset{opset}.onnx")
        export(model, x, path + ".tmp", opset)
        os.replace(path + ".tmp", path)
    t_export = time.time() - t0

    # float32 pass, rule by rule: its distance to the float64 reference says how much float32
    # rounding alone moves the numbers (a ReLU input or a max-pool pair within rounding distance
    # of a tie flips, and changes the gradient inside that unit's receptive field).
    model32 = copy.deepcopy(model)
    replace_relus(model32)
    replace_max_pools(model32)
    x32 = x.clone().requires_grad_(True)
    s32 = scores_of(model32, x32)
    target32 = s32.gather(1, classes[:, None]).sum()
    g32 = {}
    for rule in ["standard", "guided"]:
        RuleRelu.rule = rule
        g32[rule], = torch.autograd.grad(target32, x32, retain_graph=True)
    RuleRelu.rule = "standard"
    del model32, target32

    # float64 reference with every ReLU replaced by the rule-switching one; the plain autograd
    # gradient of the untouched float64 model checks the 'standard' rule.
    ref = copy.deepcopy(model).double()
    x64 = x.double().requires_grad_(True)
    s_plain = scores_of(ref, x64)
    g_plain, = torch.autograd.grad(s_plain.gather(1, classes[:, None]).sum(), x64)
    del s_plain
    relus = replace_relus(ref)
    replace_max_pools(ref)
    s64 = scores_of(ref, x64)
    target = s64.gather(1, classes[:, None]).sum()
    grads = {}
    for rule in RULES:
        RuleRelu.rule = rule
        grads[rule], = torch.autograd.grad(target, x64, retain_graph=True)
    # Rounding allowance: a ReLU whose input is within FRAGILE of zero (relative to its layer) may
    # fall either way in float32, and so may a max-pool near-tie (see rounding_allowance). The
    # deconvnet rule does not read the ReLU's sign.
    fragile = fragile_relu_count(ref, x64)
    allowance = {}
    for rule in ["standard", "guided"]:
        RuleRelu.rule = rule
        allowance[rule], = rounding_allowance(target, [x64], [grads[rule]])
    RuleRelu.rule = "standard"
    del target

    # A degenerate fixture (dead network, vanishing scores) would test nothing.
    logits = s64.detach()
    assert torch.isfinite(logits).all() and logits.std() > 1e-3, f"{name}: degenerate scores"
    for rule in RULES:
        g = grads[rule]
        assert torch.isfinite(g).all() and g.abs().max() > 0, f"{name}: zero {rule} gradient"
    assert not torch.allclose(grads["standard"], grads["guided"]), f"{name}: guided equals standard"
    assert not torch.allclose(grads["guided"], grads["deconvnet"]), f"{name}: deconvnet equals guided"
    rel = lambda a, b: float((a.double() - b).abs().max() / b.abs().max())
    assert rel(g_plain, grads["standard"]) < 1e-12, f"{name}: rule 'standard' differs from autograd"
    rel_logits32, rel_grad32 = rel(s32.detach(), logits), rel(g32["standard"], grads["standard"])
    beyond32 = {rule: rel_beyond(g32[rule], grads[rule], allowance[rule]) for rule in allowance}
    for rule in allowance:
        allowance[rule] = allowance[rule] + (g32[rule].double() - grads[rule]).abs()

    save(os.path.join(folder, "input.npy"), x.numpy())
    save(os.path.join(folder, "classes.npy"), classes.numpy())
    save(os.path.join(folder, "logits.npy"), logits.numpy())
    for rule in RULES:
        save(os.path.join(folder, f"grad_{rule}.npy"), grads[rule].numpy())
    for rule, a in allowance.items():
        path = os.path.join(folder, f"allowance_{rule}.npy")
        if a.max() > 0:  # no file: zero allowance
            save(path, a.numpy())
        elif os.path.exists(path):
            os.remove(path)
    stamp["ops"] = onnx_op_types(os.path.join(folder, "model.onnx"))
    with open(stamp_path + ".tmp", "w") as f:
        json.dump(stamp, f, indent=1)
    os.replace(stamp_path + ".tmp", stamp_path)
    print(f"make_reference: {name}: seed {SEEDS[name]}, {relus} ReLUs, classes {classes.tolist()}, "
          f"|score| max {logits.abs().max():.3g}, score std {logits.std():.3g}, "
          f"|grad| max standard {grads['standard'].abs().max():.3g} guided {grads['guided'].abs().max():.3g} "
          f"deconvnet {grads['deconvnet'].abs().max():.3g}; torch float32 vs float64: scores {rel_logits32:.1e}, "
          f"gradient {rel_grad32:.1e} (relative to max), beyond the near-tie allowance of {fragile} fragile ReLU "
          f"units and {RuleMaxPool.fragile_windows} fragile max-pool windows: standard {beyond32['standard']:.1e}, "
          f"guided {beyond32['guided']:.1e} (largest saved allowance, relative to max|g|: "
          f"{float(allowance['standard'].max() / grads['standard'].abs().max()):.1e}); ops {','.join(stamp['ops'])}; "
          f"near ties (within {TIE_MARGIN:g}) {near_before} before conditioning x, {near_after} after; "
          f"{time.time() - t0:.1f} s (export {t_export:.1f} s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("--models", default=",".join(LARGE_MODELS),
                        help=f"comma-separated subset of {','.join(ALL_MODELS)}")
    parser.add_argument("--force", action="store_true", help="regenerate even when the stamp matches")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    models = [m for m in args.models.split(",") if m]
    unknown = [m for m in models if m not in ALL_MODELS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {ALL_MODELS}")
    import importlib.util
    if importlib.util.find_spec("torchvision") is None:
        print("make_reference: skipped: torchvision is not installed (needs python3-torchvision)")
        return 0
    torch.set_num_threads(args.threads)
    os.makedirs(args.outdir, exist_ok=True)
    for name in models:
        generate(name, args.outdir, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
