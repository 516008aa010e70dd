#!/usr/bin/python3
"""Caffe fixtures for tests/caffe/replica_test.cpp, written with Python's protobuf and deepvis'
own schema (include/deepvis/io/detail/caffe.proto, compiled here with protoc --python_out).

Two small PyTorch networks with Caffe semantics, random weights (seeded), written as Caffe files:

  caffenet/     a CaffeNet-like replica on a 3 x 69 x 69 input: grouped convolutions, LRN across
                channels, MAX pooling whose output size Caffe rounds up (ceil mode), in-place ReLUs,
                in-place Dropout, InnerProduct, a trailing Softmax. Written twice:
                  v2.prototxt + v2.caffemodel  modern `layer { }`, an Input layer, blobs with
                                               `shape`, plus a TRAIN-phase Data layer and an
                                               Accuracy layer that the loader must skip;
                  v1.prototxt + v1.caffemodel  legacy `layers { }` with enum types, `input:` +
                                               `input_dim`, blobs with num/channels/height/width,
                                               InnerProduct weights as 1 x 1 x N x K, and fc8's
                                               weights in `double_data`.
  resnet/       a ResNet-style block on 3 x 16 x 16: Convolution without bias + BatchNorm (with a
                moving-average scale factor of 0.5) + Scale with bias, an explicit Split, Eltwise SUM
                with coefficients, AVE pooling with padding (Caffe's divisor), a dilated
                convolution, TanH, Power, Sigmoid, Eltwise PROD and MAX, LRN WITHIN_CHANNEL,
                Deconvolution, global AVE pooling and InnerProduct (v2.prototxt + v2.caffemodel).

For each network the folder also holds, as .npy (float32, computed in float64 from the float32
weights): input.npy (2, C, H, W), classes.npy (2,), logits.npy (the input of a trailing
Softmax, else the output), and grad_<rule>.npy = d(sum_n logits[n, classes[n]]) / d input under
the standard, guided (Springenberg 2015) and deconvnet (Zeiler & Fergus 2014) rules at every
ReLU. The input is re-drawn until no ReLU input lies within 1e-5 (relative to its layer) of zero,
so float32 rounding cannot flip a rectifier.

Usage: /usr/bin/python3 make_caffe_fixtures.py path/to/caffe.proto OUTDIR
Without torch or protobuf the script prints a skip message and exits 0 (the C++ test skips too).
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from google.protobuf import text_format
except ImportError as e:
    print(f"make_caffe_fixtures: skipped: {e.name} is not installed (needs python3-torch, python3-protobuf)")
    sys.exit(0)

RULES = ["standard", "guided", "deconvnet"]
MARGIN = 1e-5


# The rule-switching ReLU of the PyTorch reference tests (its backward applies RuleRelu.rule).
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from make_reference import RuleRelu  # noqa: E402


class Recorder:
    """Collects every ReLU input of a forward pass, to keep them away from zero."""

    def __init__(self):
        self.inputs = []

    def relu(self, x):
        self.inputs.append(x.detach())
        return RuleRelu.apply(x)


def compile_schema(proto, folder):
    subprocess.run(["protoc", f"-I{os.path.dirname(proto)}", f"--python_out={folder}", proto], check=True)
    sys.path.insert(0, folder)
    import caffe_pb2  # noqa: E402

    return caffe_pb2


# --- the networks: (list of layer specs, torch forward) -----------------------------------------


def rand(gen, *shape, scale=1.0):
    return (torch.randn(*shape, generator=gen, dtype=torch.float64) * scale).float().double()


def kaiming(gen, out, fan_in, *shape):
    return rand(gen, out, *shape, scale=(2.0 / fan_in) ** 0.5)


def caffenet_weights(gen):
    w = {}
    w["conv1"] = [kaiming(gen, 16, 3 * 49, 3, 7, 7), rand(gen, 16, scale=0.1)]
    w["conv2"] = [kaiming(gen, 32, 8 * 25, 8, 5, 5), rand(gen, 32, scale=0.1)]
    w["conv3"] = [kaiming(gen, 48, 32 * 9, 32, 3, 3), rand(gen, 48, scale=0.1)]
    w["conv4"] = [kaiming(gen, 48, 24 * 9, 24, 3, 3), rand(gen, 48, scale=0.1)]
    w["conv5"] = [kaiming(gen, 32, 24 * 9, 24, 3, 3), rand(gen, 32, scale=0.1)]
    w["fc6"] = [kaiming(gen, 64, 512, 512), rand(gen, 64, scale=0.1)]
    w["fc7"] = [kaiming(gen, 64, 64, 64), rand(gen, 64, scale=0.1)]
    w["fc8"] = [kaiming(gen, 10, 64, 64), rand(gen, 10, scale=0.1)]
    return w


def caffenet_forward(w, x, rec):
    lrn = lambda t: F.local_response_norm(t, 5, alpha=1e-4 * 1e4, beta=0.75, k=2.0)  # noqa: E731
    y = rec.relu(F.conv2d(x, *w["conv1"], stride=2))
    y = lrn(F.max_pool2d(y, 3, 2, ceil_mode=True))
    y = rec.relu(F.conv2d(y, *w["conv2"], padding=2, groups=2))
    y = lrn(F.max_pool2d(y, 3, 2, ceil_mode=True))
    y = rec.relu(F.conv2d(y, *w["conv3"], padding=1))
    y = rec.relu(F.conv2d(y, *w["conv4"], padding=1, groups=2))
    y = rec.relu(F.conv2d(y, *w["conv5"], padding=1, groups=2))
    y = F.max_pool2d(y, 3, 2, ceil_mode=True).flatten(1)
    y = rec.relu(F.linear(y, *w["fc6"]))
    y = rec.relu(F.linear(y, *w["fc7"]))
    return F.linear(y, *w["fc8"])


def caffenet_layers():
    """(name, type, bottoms, tops, params) in Caffe order; params: {param_field: {field: value}}."""
    lrn = {"lrn_param": {"local_size": 5, "alpha": 1.0, "beta": 0.75, "k": 2.0}}
    pool = {"pooling_param": {"pool": 0, "kernel_size": 3, "stride": 2}}
    return [
        ("conv1", "Convolution", ["data"], ["conv1"], {"convolution_param": {"num_output": 16, "kernel_size": [7], "stride": [2]}}),
        ("relu1", "ReLU", ["conv1"], ["conv1"], {}),
        ("pool1", "Pooling", ["conv1"], ["pool1"], pool),
        ("norm1", "LRN", ["pool1"], ["norm1"], lrn),
        ("conv2", "Convolution", ["norm1"], ["conv2"],
         {"convolution_param": {"num_output": 32, "kernel_size": [5], "pad": [2], "group": 2}}),
        ("relu2", "ReLU", ["conv2"], ["conv2"], {}),
        ("pool2", "Pooling", ["conv2"], ["pool2"], pool),
        ("norm2", "LRN", ["pool2"], ["norm2"], lrn),
        ("conv3", "Convolution", ["norm2"], ["conv3"], {"convolution_param": {"num_output": 48, "kernel_size": [3], "pad": [1]}}),
        ("relu3", "ReLU", ["conv3"], ["conv3"], {}),
        ("conv4", "Convolution", ["conv3"], ["conv4"],
         {"convolution_param": {"num_output": 48, "kernel_h": 3, "kernel_w": 3, "pad_h": 1, "pad_w": 1, "group": 2}}),
        ("relu4", "ReLU", ["conv4"], ["conv4"], {}),
        ("conv5", "Convolution", ["conv4"], ["conv5"],
         {"convolution_param": {"num_output": 32, "kernel_size": [3], "pad": [1], "group": 2}}),
        ("relu5", "ReLU", ["conv5"], ["conv5"], {}),
        ("pool5", "Pooling", ["conv5"], ["pool5"], pool),
        ("fc6", "InnerProduct", ["pool5"], ["fc6"], {"inner_product_param": {"num_output": 64}}),
        ("relu6", "ReLU", ["fc6"], ["fc6"], {}),
        ("drop6", "Dropout", ["fc6"], ["fc6"], {"dropout_param": {"dropout_ratio": 0.5}}),
        ("fc7", "InnerProduct", ["fc6"], ["fc7"], {"inner_product_param": {"num_output": 64}}),
        ("relu7", "ReLU", ["fc7"], ["fc7"], {}),
        ("drop7", "Dropout", ["fc7"], ["fc7"], {"dropout_param": {"dropout_ratio": 0.5}}),
        ("fc8", "InnerProduct", ["fc7"], ["fc8"], {"inner_product_param": {"num_output": 10}}),
        ("prob", "Softmax", ["fc8"], ["prob"], {}),
    ]


def resnet_weights(gen):
    w = {}
    w["conv1"] = [kaiming(gen, 16, 27, 3, 3, 3)]
    w["bn1"] = [rand(gen, 16, scale=0.2) * 0.5, (torch.rand(16, generator=gen, dtype=torch.float64) + 0.5).float().double() * 0.5,
                torch.tensor([0.5], dtype=torch.float64)]
    w["scale1"] = [(torch.rand(16, generator=gen, dtype=torch.float64) + 0.5).float().double(), rand(gen, 16, scale=0.1)]
    w["conv2a"] = [kaiming(gen, 16, 144, 16, 3, 3)]
    w["bn2a"] = [rand(gen, 16, scale=0.2), (torch.rand(16, generator=gen, dtype=torch.float64) + 0.5).float().double(),
                 torch.tensor([1.0], dtype=torch.float64)]
    w["scale2a"] = [(torch.rand(16, generator=gen, dtype=torch.float64) + 0.5).float().double(), rand(gen, 16, scale=0.1)]
    w["conv2b"] = [kaiming(gen, 16, 144, 16, 3, 3), rand(gen, 16, scale=0.1)]
    w["conv3"] = [kaiming(gen, 16, 144, 16, 3, 3), rand(gen, 16, scale=0.1)]
    w["conv4"] = [kaiming(gen, 16, 144, 16, 3, 3), rand(gen, 16, scale=0.1)]
    w["deconv"] = [kaiming(gen, 16, 64, 8, 4, 4), rand(gen, 8, scale=0.1)]
    w["fc"] = [kaiming(gen, 10, 8, 8), rand(gen, 10, scale=0.1)]
    return w


def resnet_forward(w, x, rec):
    def bn(t, name, eps=1e-5):
        m, v, s = w[name]
        f = 0.0 if s[0] == 0 else 1.0 / s[0]
        return (t - (m * f).view(1, -1, 1, 1)) / torch.sqrt((v * f).view(1, -1, 1, 1) + eps)

    def scale(t, name):
        g, b = w[name]
        return t * g.view(1, -1, 1, 1) + b.view(1, -1, 1, 1)

    y = rec.relu(scale(bn(F.conv2d(x, w["conv1"][0], padding=1), "bn1"), "scale1"))
    a = rec.relu(scale(bn(F.conv2d(y, w["conv2a"][0], padding=1), "bn2a"), "scale2a"))
    b = F.conv2d(a, *w["conv2b"], padding=1)
    r = rec.relu(1.0 * y + 0.5 * b)
    p = F.avg_pool2d(r, 3, 2, padding=1, ceil_mode=True, count_include_pad=True)
    t = torch.tanh(F.conv2d(p, *w["conv3"], padding=2, dilation=2))
    pw = (1.0 + 0.5 * t) ** 2
    s = torch.sigmoid(F.conv2d(p, *w["conv4"], padding=1))
    m = torch.maximum(p * pw, s)
    lrn = m * (1.0 + 0.1 * F.avg_pool2d(m * m, 3, 1, padding=1, count_include_pad=True)) ** -0.75
    d = rec.relu(F.conv_transpose2d(lrn, *w["deconv"], stride=2, padding=1))
    g = d.mean(dim=(2, 3))
    return F.linear(g, *w["fc"])


def resnet_layers():
    conv = lambda n, **kw: {"convolution_param": dict({"num_output": n}, **kw)}  # noqa: E731
    return [
        ("conv1", "Convolution", ["data"], ["conv1"], conv(16, kernel_size=[3], pad=[1], bias_term=False)),
        ("bn1", "BatchNorm", ["conv1"], ["conv1"], {"batch_norm_param": {"use_global_stats": True}}),
        ("scale1", "Scale", ["conv1"], ["conv1"], {"scale_param": {"bias_term": True}}),
        ("relu1", "ReLU", ["conv1"], ["conv1"], {}),
        ("split1", "Split", ["conv1"], ["conv1_a", "conv1_b"], {}),
        ("conv2a", "Convolution", ["conv1_a"], ["conv2a"], conv(16, kernel_size=[3], pad=[1], bias_term=False)),
        ("bn2a", "BatchNorm", ["conv2a"], ["conv2a"], {}),
        ("scale2a", "Scale", ["conv2a"], ["conv2a"], {"scale_param": {"bias_term": True}}),
        ("relu2a", "ReLU", ["conv2a"], ["conv2a"], {}),
        ("conv2b", "Convolution", ["conv2a"], ["conv2b"], conv(16, kernel_size=[3], pad=[1])),
        ("res2", "Eltwise", ["conv1_b", "conv2b"], ["res2"], {"eltwise_param": {"operation": 1, "coeff": [1.0, 0.5]}}),
        ("relu_res2", "ReLU", ["res2"], ["res2"], {}),
        ("pool2", "Pooling", ["res2"], ["pool2"], {"pooling_param": {"pool": 1, "kernel_size": 3, "stride": 2, "pad": 1}}),
        ("conv3", "Convolution", ["pool2"], ["conv3"], conv(16, kernel_size=[3], pad=[2], dilation=[2])),
        ("tanh3", "TanH", ["conv3"], ["conv3"], {}),
        ("power3", "Power", ["conv3"], ["power3"], {"power_param": {"power": 2.0, "scale": 0.5, "shift": 1.0}}),
        ("conv4", "Convolution", ["pool2"], ["conv4"], conv(16, kernel_size=[3], pad=[1])),
        ("sigmoid4", "Sigmoid", ["conv4"], ["conv4"], {}),
        ("prod", "Eltwise", ["pool2", "power3"], ["prod"], {"eltwise_param": {"operation": 0}}),
        ("max", "Eltwise", ["prod", "conv4"], ["max"], {"eltwise_param": {"operation": 2}}),
        ("lrn_within", "LRN", ["max"], ["lrn_within"],
         {"lrn_param": {"local_size": 3, "alpha": 0.1, "beta": 0.75, "norm_region": 1}}),
        ("deconv", "Deconvolution", ["lrn_within"], ["deconv"], conv(8, kernel_size=[4], stride=[2], pad=[1])),
        ("relu_deconv", "ReLU", ["deconv"], ["deconv"], {}),
        ("gap", "Pooling", ["deconv"], ["gap"], {"pooling_param": {"pool": 1, "global_pooling": True}}),
        ("fc", "InnerProduct", ["gap"], ["fc"], {"inner_product_param": {"num_output": 10}}),
    ]


# --- writing Caffe files ------------------------------------------------------------------------

V1_TYPES = {"Convolution": "CONVOLUTION", "ReLU": "RELU", "Pooling": "POOLING", "LRN": "LRN",
            "InnerProduct": "INNER_PRODUCT", "Dropout": "DROPOUT", "Softmax": "SOFTMAX"}


def fill_params(pb, layer_msg, params):
    for field, values in params.items():
        sub = getattr(layer_msg, field)
        for k, v in values.items():
            if isinstance(v, list):
                getattr(sub, k).extend(v)
            else:
                setattr(sub, k, v)


def fill_blob(blob, array, legacy_dims=None, double=False):
    flat = array.detach().numpy().astype(np.float64 if double else np.float32).ravel()
    if legacy_dims is not None:
        blob.num, blob.channels, blob.height, blob.width = legacy_dims
    else:
        blob.shape.dim.extend(list(array.shape))
    (blob.double_data if double else blob.data).extend(flat.tolist())


def legacy4(shape):
    """Caffe's legacy 4-D shape: right-aligned, ones in front (fc weights (N, K) -> 1 x 1 x N x K)."""
    dims = [1] * (4 - len(shape)) + list(shape)
    return dims


def write_net(pb, folder, stem, layers, weights, input_shape, v1):
    deploy = pb.NetParameter(name=stem)
    model = pb.NetParameter(name=stem)
    if v1:
        for net in (deploy, model):
            net.input.append("data")
            net.input_dim.extend(input_shape)
    else:
        for net in (deploy, model):
            l = net.layer.add(name="data", type="Input")
            l.top.append("data")
            l.input_param.shape.add().dim.extend(input_shape)
        # Layers the loader must skip: a TRAIN-phase data layer and an accuracy layer.
        d = deploy.layer.add(name="train_data", type="Data")
        d.top.extend(["data", "label"])
        d.include.add().phase = pb.TRAIN
    for name, type_, bottoms, tops, params in layers:
        for net, with_blobs in ((deploy, False), (model, True)):
            if v1:
                l = net.layers.add(name=name, type=getattr(pb.V1LayerParameter, V1_TYPES[type_]))
            else:
                l = net.layer.add(name=name, type=type_)
            l.bottom.extend(bottoms)
            l.top.extend(tops)
            fill_params(pb, l, params)
            if with_blobs:
                for i, array in enumerate(weights.get(name, [])):
                    double = v1 and name == "fc8"
                    fill_blob(l.blobs.add(), array, legacy4(array.shape) if v1 else None, double)
    if not v1:
        a = deploy.layer.add(name="accuracy", type="Accuracy")
        a.bottom.extend([layers[-1][3][0], "label"])
        a.top.append("accuracy")
        a.include.add().phase = pb.TEST
    with open(os.path.join(folder, stem + ".prototxt"), "w") as f:
        f.write(text_format.MessageToString(deploy))
    with open(os.path.join(folder, stem + ".caffemodel"), "wb") as f:
        f.write(model.SerializeToString())


# --- reference numbers --------------------------------------------------------------------------


def save(path, array):
    np.save(path, np.ascontiguousarray(array.detach().numpy().astype(np.float32)))


def references(folder, forward, weights, shape, seed):
    for attempt in range(200):
        gen = torch.Generator().manual_seed(seed + attempt)
        x = torch.randn(2, *shape, generator=gen, dtype=torch.float64).float().double()
        rec = Recorder()
        with torch.no_grad():
            forward(weights, x, rec)
        closest = min((t.abs() / t.abs().amax()).min().item() for t in rec.inputs)
        if closest > MARGIN:
            break
    else:
        raise RuntimeError("no input keeps every ReLU away from zero")
    x.requires_grad_(True)
    logits = forward(weights, x, Recorder())
    classes = torch.tensor([3, 7])
    save(os.path.join(folder, "input.npy"), x)
    save(os.path.join(folder, "classes.npy"), classes.double())
    save(os.path.join(folder, "logits.npy"), logits)
    for rule in RULES:
        RuleRelu.rule = rule
        x.grad = None
        out = forward(weights, x, Recorder())
        out.gather(1, classes.view(-1, 1)).sum().backward()
        save(os.path.join(folder, f"grad_{rule}.npy"), x.grad)
    RuleRelu.rule = "standard"
    print(f"  {folder}: input seed {seed + attempt}, closest ReLU input {closest:.2e} of its layer's max")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    proto, out = sys.argv[1], sys.argv[2]
    with open(__file__, "rb") as f, open(proto, "rb") as g:
        stamp = hashlib.sha256(f.read() + g.read() + torch.__version__.encode()).hexdigest()
    stamp_file = os.path.join(out, "stamp.json")
    if os.path.exists(stamp_file) and json.load(open(stamp_file)).get("stamp") == stamp:
        print(f"make_caffe_fixtures: {out} is up to date")
        return
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pb = compile_schema(os.path.abspath(proto), tmp)
        torch.set_num_threads(2)
        cn = os.path.join(out, "caffenet")
        os.makedirs(cn, exist_ok=True)
        w = caffenet_weights(torch.Generator().manual_seed(1201))
        write_net(pb, cn, "v2", caffenet_layers(), w, [1, 3, 69, 69], v1=False)
        write_net(pb, cn, "v1", caffenet_layers(), w, [1, 3, 69, 69], v1=True)
        references(cn, caffenet_forward, w, (3, 69, 69), 1301)
        rn = os.path.join(out, "resnet")
        os.makedirs(rn, exist_ok=True)
        w = resnet_weights(torch.Generator().manual_seed(1202))
        write_net(pb, rn, "v2", resnet_layers(), w, [1, 3, 16, 16], v1=False)
        references(rn, resnet_forward, w, (3, 16, 16), 1302)
    json.dump({"stamp": stamp, "torch": torch.__version__}, open(stamp_file, "w"))
    print(f"make_caffe_fixtures: wrote {out}")


if __name__ == "__main__":
    main()
