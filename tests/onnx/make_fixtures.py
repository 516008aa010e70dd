#!/usr/bin/python3
"""Writes the ONNX fixtures of tests/onnx/ (run with /usr/bin/python3 from any folder).

  tiny_convnet.onnx              Conv-Relu-MaxPool-Flatten-Gemm-Softmax, exported by PyTorch
  tiny_convnet_external.onnx     the same model with every weight in tiny_convnet_external.data
  tiny_convnet_input.pb          a seeded input batch (TensorProto)
  tiny_convnet_output.pb         PyTorch's output for it (TensorProto)

Seed 20240611; the files are a few KB in all.
"""
import os
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from tiny_cnn import TinyCnn, export  # noqa: E402  (the model both fixture sets share)

SEED = 20240611
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def main():
    print(f"make_fixtures: seed {SEED}")
    torch.manual_seed(SEED)
    os.makedirs(HERE, exist_ok=True)
    net = TinyCnn().eval()
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        y = net(x)

    plain = os.path.join(HERE, "tiny_convnet.onnx")
    export(net, x, plain)
    model = onnx.load(plain)

    # Re-save with every initialiser in one external file next to the model.
    external = os.path.join(HERE, "tiny_convnet_external.onnx")
    data_name = "tiny_convnet_external.data"
    if os.path.exists(os.path.join(HERE, data_name)):
        os.remove(os.path.join(HERE, data_name))
    onnx.save_model(model, external, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data_name, size_threshold=0)
    onnx.checker.check_model(external)

    with open(os.path.join(HERE, "tiny_convnet_input.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x.numpy().astype(np.float32), "input").SerializeToString())
    with open(os.path.join(HERE, "tiny_convnet_output.pb"), "wb") as f:
        f.write(numpy_helper.from_array(y.numpy().astype(np.float32), "probabilities").SerializeToString())
    total = sum(os.path.getsize(os.path.join(HERE, n)) for n in os.listdir(HERE))
    print(f"make_fixtures: wrote {len(os.listdir(HERE))} files, {total} bytes, in {HERE}")


if __name__ == "__main__":
    main()
