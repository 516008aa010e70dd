#!/usr/bin/env python3
"""One training epoch of the Fashion-MNIST classifier: deepvis against PyTorch.

Usage:
  /usr/bin/python3 bench/train_epoch.py --deepvis build/tools/deepvis/deepvis [--images 60000]
      [--batch 64] [--threads 1,2] [--rounds 3] [--write-readme bench/README.md]

Both tools train the same architecture (train/models.hpp: Conv 32 3x3 - Relu - MaxPool -
Conv 64 3x3 - Relu - MaxPool - Flatten - Gemm 128 - Relu - Gemm 10), PyTorch's default
initialisation, Adam lr 1e-3, the same batch size, on the first --images training images, then
evaluate on the 10 000 test images; the time of that epoch (training + evaluation, data loading
excluded) is compared. deepvis runs as `deepvis train classifier --epochs 1` and reports the
epoch's seconds itself; PyTorch runs in a worker process of this script. Each process gets
OPENBLAS_NUM_THREADS before it starts (deepvis computes through OpenBLAS; PyTorch reads it at
import), and PyTorch also gets torch.set_num_threads. The tools alternate over --rounds rounds;
a cell is the median (min-max) of the rounds.

With --write-readme, the table replaces everything between the `train-bench:begin` and
`train-bench:end` markers of that file.
"""
import argparse
import gzip
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

DATA = os.environ.get("DEEPVIS_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")


def torch_worker(images, batch, threads):
    """Runs in a fresh process: prints the epoch's seconds."""
    import time
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    torch.manual_seed(1)

    def idx(name):
        with gzip.open(os.path.join(DATA, name)) as f:
            raw = f.read()
        ndim = raw[3]
        dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
        return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)

    xtr = torch.from_numpy(idx("train-images-idx3-ubyte.gz")[:images].astype(np.float32) / 255).unsqueeze(1)
    ytr = torch.from_numpy(idx("train-labels-idx1-ubyte.gz")[:images].astype(np.int64))
    xte = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)
    yte = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
            self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
            self.fc1 = nn.Linear(3136, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1)
    start = time.perf_counter()
    order = torch.randperm(images, generator=g)
    net.train()
    for b in range(0, images, batch):
        i = order[b: b + batch]
        opt.zero_grad()
        loss = F.cross_entropy(net(xtr[i]), ytr[i])
        loss.backward()
        opt.step()
    net.eval()
    correct = 0
    with torch.no_grad():
        for b in range(0, len(yte), 500):
            correct += (net(xte[b: b + 500]).argmax(1) == yte[b: b + 500]).sum().item()
    seconds = time.perf_counter() - start
    print(f"{seconds:.4f} {correct / len(yte):.4f}")


def run_torch(images, batch, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, __file__, "--worker", str(images), str(batch), str(threads)],
                         env=env, check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def run_deepvis(binary, images, batch, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([binary, "train", "classifier", "--epochs", "1", "--batch", str(batch),
                              "--train-limit", str(images), "--seed", "1", "--out", os.path.join(tmp, "m.onnx")],
                             env=env, check=True, capture_output=True, text=True).stdout
    m = re.search(r"test accuracy ([0-9.]+), ([0-9.]+) s", out)
    if not m:
        raise RuntimeError("unexpected deepvis output:\n" + out)
    return float(m.group(2)), float(m.group(1))


def cell(samples):
    return f"{statistics.median(samples):.1f} s ({min(samples):.1f}–{max(samples):.1f})"


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        torch_worker(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deepvis", required=True)
    ap.add_argument("--images", type=int, default=60000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--write-readme")
    a = ap.parse_args()
    rows = []
    for threads in [int(t) for t in a.threads.split(",")]:
        dv, tv, acc = [], [], {}
        for r in range(a.rounds):
            order = ["deepvis", "torch"] if r % 2 == 0 else ["torch", "deepvis"]
            for tool in order:
                if tool == "deepvis":
                    s, acc["deepvis"] = run_deepvis(a.deepvis, a.images, a.batch, threads)
                    dv.append(s)
                else:
                    s, acc["torch"] = run_torch(a.images, a.batch, threads)
                    tv.append(s)
                print(f"threads {threads} round {r + 1} {tool}: {s:.2f} s", file=sys.stderr)
        ratio = statistics.median(dv) / statistics.median(tv)
        rows.append(f"| {threads} | {a.images} | {a.batch} | {cell(dv)} | {cell(tv)} | {ratio:.2f} | "
                    f"{acc['deepvis']:.3f} / {acc['torch']:.3f} |")
    table = ("| threads | images | batch | deepvis | PyTorch 1.13 | deepvis / PyTorch | test accuracy (deepvis / torch) |\n"
             "|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n")
    print(table)
    if a.write_readme:
        bl.replace_between_markers(a.write_readme, "<!-- train-bench:begin -->", "<!-- train-bench:end -->", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
