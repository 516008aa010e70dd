#!/usr/bin/env python3
"""The first COUNT Fashion-MNIST test images as 28x28 gray PNG files, and a manifest with their labels.

  fashion_pngs.py COUNT OUTDIR [--idx DIR]

Writes OUTDIR/images/t10k-00000.png ... and OUTDIR/manifest.csv (path,label: relative paths, the
class names). The images come from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist,
or --idx DIR); standard library only. Used by tests/cluster/slurm_test.py and bench/batch_scaling.sh.
"""
import argparse
import gzip
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from png_writer import write_png_pixels  # noqa: E402

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
           "Ankle boot"]

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("count", type=int)
parser.add_argument("outdir")
parser.add_argument("--idx", default="/usr/share/datasets/fashion-mnist")
args = parser.parse_args()

with gzip.open(os.path.join(args.idx, "t10k-images-idx3-ubyte.gz"), "rb") as f:
    magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
    if magic != 2051 or not 0 < args.count <= n:
        sys.exit(f"fashion_pngs: bad IDX file or count {args.count} not in 1..{n}")
    pixels = f.read(args.count * rows * cols)
with gzip.open(os.path.join(args.idx, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
    f.read(8)
    labels = f.read(args.count)

images = os.path.join(args.outdir, "images")
os.makedirs(images, exist_ok=True)
size = rows * cols
with open(os.path.join(args.outdir, "manifest.csv"), "w") as manifest:
    manifest.write("path,label\n")
    for i in range(args.count):
        name = f"t10k-{i:05d}.png"
        write_png_pixels(os.path.join(images, name), cols, rows, 1, pixels[i * size:(i + 1) * size])
        manifest.write(f"images/{name},{CLASSES[labels[i]]}\n")
print(f"fashion_pngs: {args.count} images in {images}")
