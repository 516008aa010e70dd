#!/usr/bin/env python3
"""Parameter gradients of deepvis' Fashion-MNIST classifier in PyTorch, for the C++ test
tests/train/torch_grads_test.cpp.

Usage: /usr/bin/python3 tests/train/torch_param_grads.py MODEL.onnx IMAGES.npy LABELS.npy OUT_DIR

Loads the classifier's weights from the ONNX file (initialiser names conv1.weight ... fc2.bias,
as train/models.hpp writes them) into an equivalent torch module, computes the mean softmax
cross-entropy of the logits on the given batch, and writes d loss / d parameter for every
parameter as OUT_DIR/<name>.npy (float32), plus OUT_DIR/loss.npy.
Exits with 3 (and a message) when torch or onnx is not installed, so the caller can skip.
"""
import os
import sys

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # the C++ test skips on exit code 3
    print(f"torch_param_grads: {e}; install python3-torch python3-onnx", file=sys.stderr)
    sys.exit(3)


class FashionCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)  # logits: the Softmax input


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    model_path, images_path, labels_path, out_dir = sys.argv[1:]
    torch.set_num_threads(1)
    model = onnx.load(model_path)
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    net = FashionCNN()
    state = {k: torch.from_numpy(np.array(weights[k], dtype=np.float32)) for k in net.state_dict()}
    net.load_state_dict(state)
    x = torch.from_numpy(np.load(images_path).astype(np.float32))
    y = torch.from_numpy(np.load(labels_path).astype(np.int64).reshape(-1))
    # float64 for the reference, so the comparison measures deepvis' float32 error only.
    net = net.double()
    loss = F.cross_entropy(net(x.double()), y)
    loss.backward()
    os.makedirs(out_dir, exist_ok=True)
    for name, p in net.named_parameters():
        np.save(os.path.join(out_dir, name + ".npy"), p.grad.float().numpy())
    np.save(os.path.join(out_dir, "loss.npy"), np.array([loss.item()], dtype=np.float32))
    print(f"torch_param_grads: loss {loss.item():.6f}, {len(list(net.parameters()))} gradients in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
