#!/usr/bin/python3
"""Writes the seed corpora of fuzz_caffe and fuzz_cli (tests/fuzz/corpus/caffe, corpus/cli).

caffe: one input per file, prototxt text + "\\n#caffemodel#\\n" + caffemodel bytes (targets.hpp:
run_caffe); the weights are encoded by protoc (protobuf-compiler) with deepvis' schema.
  v2_tiny.caffe    Input, Convolution, ReLU, Pooling MAX, LRN, InnerProduct, Softmax on (1, 3, 8, 8)
  v1_tiny.caffe    the same in the legacy `layers { }` format with input_dim, V1 blob dims
  v2_blocks.caffe  BatchNorm, Scale, Eltwise, Concat, Power, Dropout, AVE and global pooling, Flatten
cli: one argv per file, arguments separated by NUL bytes, the first picking the declaration.
Deterministic (values i % 17); the files are a few KB in all. Run: tests/fuzz/make_seeds.py
"""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
PROTO_DIR = os.path.join(ROOT, "include", "deepvis", "io", "detail")
SEPARATOR = b"\n#caffemodel#\n"


def values(n):
    return " ".join(f"data: {0.01 * (i % 17) - 0.08:.2f}" for i in range(n))


def blob(dims, v1=False):
    n = 1
    for d in dims:
        n *= d
    if v1:
        d4 = [1] * (4 - len(dims)) + list(dims)
        shape = f"num: {d4[0]} channels: {d4[1]} height: {d4[2]} width: {d4[3]}"
    else:
        shape = "shape { " + " ".join(f"dim: {d}" for d in dims) + " }"
    return "blobs { " + shape + " " + values(n) + " }"


def encode(text):
    return subprocess.run(["protoc", f"--proto_path={PROTO_DIR}", "--encode=deepvis_caffe.NetParameter", "caffe.proto"],
                          input=text.encode(), stdout=subprocess.PIPE, check=True).stdout


V2_TINY = """name: "tiny"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 stride: 1 pad: 0 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "norm1" type: "LRN" bottom: "pool1" top: "norm1" lrn_param { local_size: 3 alpha: 0.0001 beta: 0.75 } }
layer { name: "fc" type: "InnerProduct" bottom: "norm1" top: "fc" inner_product_param { num_output: 5 } }
layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }
"""
V2_TINY_WEIGHTS = f"""layer {{ name: "conv1" type: "Convolution" {blob([4, 3, 3, 3])} {blob([4])} }}
layer {{ name: "fc" type: "InnerProduct" {blob([5, 36])} {blob([5])} }}
"""
V1_TINY = """name: "tiny_v1"
input: "data"
input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8
layers { name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1" convolution_param { num_output: 4 kernel_size: 3 } }
layers { name: "relu1" type: RELU bottom: "conv1" top: "conv1" }
layers { name: "pool1" type: POOLING bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layers { name: "drop" type: DROPOUT bottom: "pool1" top: "pool1" }
layers { name: "fc" type: INNER_PRODUCT bottom: "pool1" top: "fc" inner_product_param { num_output: 5 } }
"""
V1_TINY_WEIGHTS = f"""layers {{ name: "conv1" type: CONVOLUTION {blob([4, 3, 3, 3], v1=True)} {blob([4], v1=True)} }}
layers {{ name: "fc" type: INNER_PRODUCT {blob([1, 1, 5, 36], v1=True)} {blob([5], v1=True)} }}
"""
V2_BLOCKS = """name: "blocks"
input: "data"
input_shape { dim: 1 dim: 2 dim: 6 dim: 6 }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 2 kernel_size: 3 pad: 1 bias_term: false group: 2 } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" batch_norm_param { use_global_stats: true } }
layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "sum" type: "Eltwise" bottom: "conv1" bottom: "data" top: "sum" eltwise_param { operation: SUM } }
layer { name: "relu" type: "ReLU" bottom: "sum" top: "sum" relu_param { negative_slope: 0.1 } }
layer { name: "cat" type: "Concat" bottom: "sum" bottom: "data" top: "cat" concat_param { axis: 1 } }
layer { name: "pow" type: "Power" bottom: "cat" top: "pow" power_param { power: 1 scale: 0.5 shift: 1 } }
layer { name: "ave" type: "Pooling" bottom: "pow" top: "ave" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "gap" type: "Pooling" bottom: "ave" top: "gap" pooling_param { pool: MAX global_pooling: true } }
layer { name: "flat" type: "Flatten" bottom: "gap" top: "flat" }
layer { name: "drop" type: "Dropout" bottom: "flat" top: "flat" include { phase: TEST } }
"""
V2_BLOCKS_WEIGHTS = f"""layer {{ name: "conv1" type: "Convolution" {blob([2, 1, 3, 3])} }}
layer {{ name: "bn1" type: "BatchNorm" {blob([2])} blobs {{ shape {{ dim: 2 }} data: 1.0 data: 2.0 }} blobs {{ shape {{ dim: 1 }} data: 1.0 }} }}
layer {{ name: "scale1" type: "Scale" {blob([2])} {blob([2])} }}
"""

CLI = [
    ["gradient", "--model", "m.onnx", "--input", "x.npy", "--class", "1,top2", "--out", "a.npy"],
    ["integrated-gradients", "--model=m.onnx", "--image", "a.png,b.jpg", "--preprocess", "caffe", "--class", "top1",
     "--steps", "32", "--method", "trapezoid", "--batch", "8", "--out", "ig.png"],
    ["smoothgrad", "--model", "m.caffemodel", "--prototxt", "d.prototxt", "--input", "x.npy", "--class", "3",
     "--samples", "10", "--stdev", "0.2", "--absolute", "--seed", "7", "--out", "s.npy"],
    ["occlusion", "--model", "m.onnx", "--image", "a.png", "--size", "224,224", "--mean", "0.485,0.456,0.406",
     "--std", "0.229,0.224,0.225", "--scale", "1/255", "--bgr", "--class", "0", "--window", "8,4", "--stride", "2",
     "--out", "o.npy"],
    ["gradcam", "--model", "m.onnx", "--input", "x.npy", "--class", "top1", "--layer", "conv2", "--raw",
     "--out", "g.png", "--overlay"],
    ["visualize", "--model", "m.onnx", "--input", "x.npy", "--steps", "200", "--every", "50", "--zoom", "4",
     "--lr", "0.05", "--jitter", "8", "--neuron", "3,4", "--quiet", "--out", "v.png", "extra"],
    ["fool", "--model", "m.onnx", "--input", "x.npy", "--iterations", "1000000000", "--out", "x.npy"],
    ["predict", "--help"],
]


def main():
    caffe = os.path.join(HERE, "corpus", "caffe")
    os.makedirs(caffe, exist_ok=True)
    for name, net, weights in [("v2_tiny", V2_TINY, V2_TINY_WEIGHTS), ("v1_tiny", V1_TINY, V1_TINY_WEIGHTS),
                               ("v2_blocks", V2_BLOCKS, V2_BLOCKS_WEIGHTS)]:
        with open(os.path.join(caffe, name + ".caffe"), "wb") as f:
            f.write(net.encode() + SEPARATOR + encode(weights))
    cli = os.path.join(HERE, "corpus", "cli")
    os.makedirs(cli, exist_ok=True)
    for i, argv in enumerate(CLI):
        with open(os.path.join(cli, f"argv{i}.bin"), "wb") as f:
            f.write(b"\0".join(a.encode() for a in argv))
    print("make_seeds: wrote", len(os.listdir(caffe)), "caffe and", len(os.listdir(cli)), "cli seeds")


if __name__ == "__main__":
    main()
