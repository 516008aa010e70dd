#!/usr/bin/python3
"""Writes the fixtures of the `deepvis` CLI tests into tests/cli/data/ (run with /usr/bin/python3).

  tiny_cnn.onnx          Conv-Relu-MaxPool-Flatten-Gemm-Softmax on (N, 3, 8, 8), 5 classes, PyTorch export
  dynamic_hw.onnx        Relu on (N, 3, H, W) with H, W dynamic (info needs --input-shape)
  unknown_op.onnx        Relu then Det, a valid ONNX op deepvis does not implement
  input.npy              a seeded batch (2, 3, 8, 8), float32
  input_f64.npy          the same batch as float64 (the CLI must reject it)
  input_wrong_shape.npy  (1, 3, 9, 9), float32
  scores.npy             PyTorch's class scores (the Softmax input) for input.npy, (2, 5)
  probabilities.npy      PyTorch's output for input.npy, (2, 5)
  gradient_1_3.npy       d score[n, c_n] / d input for classes (1, 3), (2, 3, 8, 8)
  image.png              an 8x8 RGB image
  image_scores.npy       PyTorch's class scores for image.png scaled to [0, 1], (1, 5)
  not_an_image.png       text, not an image
  random_bytes.onnx      256 seeded random bytes
  truncated.onnx         the first half of tiny_cnn.onnx
  labels.txt             five class names

Seed 20240612; the files are a few KB in all.
"""
import os
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from tiny_cnn import TinyCnn, export  # noqa: E402  (the model both fixture sets share)

SEED = 20240612
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def write_png(path, pixels):
    """A minimal RGB PNG writer (zlib + CRC), so the fixture does not need PIL."""
    import struct
    import zlib

    h, w, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].astype(np.uint8).tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))


def main():
    print(f"make_fixtures: seed {SEED}")
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    os.makedirs(HERE, exist_ok=True)
    net = TinyCnn().eval()
    x = torch.randn(2, 3, 8, 8)

    model_path = os.path.join(HERE, "tiny_cnn.onnx")
    export(net, x, model_path)

    with torch.no_grad():
        np.save(os.path.join(HERE, "scores.npy"), net.scores(x).numpy().astype(np.float32))
        np.save(os.path.join(HERE, "probabilities.npy"), net(x).numpy().astype(np.float32))
    np.save(os.path.join(HERE, "input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(HERE, "input_f64.npy"), x.numpy().astype(np.float64))
    np.save(os.path.join(HERE, "input_wrong_shape.npy"), rng.standard_normal((1, 3, 9, 9)).astype(np.float32))

    xg = x.clone().requires_grad_(True)
    s = net.scores(xg)
    (s[0, 1] + s[1, 3]).backward()
    np.save(os.path.join(HERE, "gradient_1_3.npy"), xg.grad.numpy().astype(np.float32))

    pixels = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    write_png(os.path.join(HERE, "image.png"), pixels)
    image = torch.from_numpy(pixels.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
    with torch.no_grad():
        np.save(os.path.join(HERE, "image_scores.npy"), net.scores(image).numpy().astype(np.float32))

    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, "height", "width"])
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3, "height", "width"])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "dynamic_hw", [inp], [out])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, "dynamic_hw.onnx"))

    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    out = helper.make_tensor_value_info("d", TensorProto.FLOAT, [1, 3])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["r"], name="relu"),
                               helper.make_node("Det", ["r"], ["d"], name="det")], "unknown_op", [inp], [out])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, "unknown_op.onnx"))

    with open(os.path.join(HERE, "not_an_image.png"), "w") as f:
        f.write("this is a text file with a .png name\n")
    with open(os.path.join(HERE, "random_bytes.onnx"), "wb") as f:
        f.write(rng.integers(0, 256, size=256, dtype=np.uint8).tobytes())
    with open(model_path, "rb") as f:
        full = f.read()
    with open(os.path.join(HERE, "truncated.onnx"), "wb") as f:
        f.write(full[: len(full) // 2])
    with open(os.path.join(HERE, "labels.txt"), "w") as f:
        f.write("apple\nbanana\ncherry\ndate\nelderberry\n")

    total = sum(os.path.getsize(os.path.join(HERE, n)) for n in os.listdir(HERE))
    print(f"make_fixtures: wrote {len(os.listdir(HERE))} files, {total} bytes, in {HERE}")


if __name__ == "__main__":
    main()
