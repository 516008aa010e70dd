#!/usr/bin/env python3
"""Holds README.md and the CLI's --help to what the tool does.

  readme_commands.py DEEPVIS ROOT WORKDIR [--update]

1. The attribution-methods table of README.md (between <!-- methods-table:begin/end -->) must
   equal `deepvis methods --markdown`, the table the method registry generates (--update
   rewrites it).
2. Every deepvis command line shown in README.md (shell blocks, and inline `deepvis ...` spans
   that name a model of models/) and every example of every `--help` runs and exits 0, on the
   embedded models of models/. Placeholder files (shirt.png, x.npy, cat.png, ...) become small
   fixtures written into WORKDIR; models the repository does not ship become
   models/fashion_cnn.onnx, so that every line runs without network or ../shared.
"""
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from png_writer import write_png  # noqa: E402

deepvis, root, work = (os.path.abspath(a) for a in sys.argv[1:4])
update = "--update" in sys.argv[4:]
readme_path = os.path.join(root, "README.md")
readme = open(readme_path, encoding="utf-8").read()
failures = []


def run(args, cwd=None):
    return subprocess.run([deepvis] + args, cwd=cwd, capture_output=True, text=True, timeout=600)


# --- 1. the generated table ------------------------------------------------------------------
begin, end = "<!-- methods-table:begin -->", "<!-- methods-table:end -->"
table = run(["methods", "--markdown"]).stdout
shown = readme[readme.index(begin) + len(begin):readme.index(end)].strip("\n")
if update:
    readme = readme[:readme.index(begin) + len(begin)] + "\n" + table + readme[readme.index(end):]
    open(readme_path, "w", encoding="utf-8").write(readme)
    print("README.md: methods table rewritten")
elif shown != table.strip("\n"):
    failures.append("README.md's methods table differs from `deepvis methods --markdown`; "
                    "run tests/cli/readme_commands.py DEEPVIS . /tmp/x --update")


# --- 2. fixtures -------------------------------------------------------------------------------
def write_npy(path, shape):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % "".join(f"{d}, " for d in shape)
    header += " " * (63 - (len(header) + 10) % 64) + "\n"
    count = 1
    for d in shape:
        count *= d
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack(f"<{count}f", *[(i % 17) / 17.0 for i in range(count)]))


shutil.rmtree(work, ignore_errors=True)
os.makedirs(os.path.join(work, "photos"))
os.symlink(os.path.join(root, "models"), os.path.join(work, "models"))
for name in ["shirt.png", "cat.png", "content.png", "style.png", "C.png", "S.png"]:
    write_png(os.path.join(work, name), 40, 32, 3)
os.makedirs(os.path.join(work, "paintings"))
for name in ["a.png", "b.png"]:
    write_png(os.path.join(work, "photos", name), 40, 32, 3)
write_png(os.path.join(work, "paintings", "p.png"), 48, 40, 3)
write_npy(os.path.join(work, "x.npy"), (1, 1, 28, 28))
with open(os.path.join(work, "imagenet_classes.txt"), "w") as f:
    f.write("".join(f"class {c}\n" for c in range(10)))

# Models the repository does not ship, and placeholders, as the embedded classifier and fixtures.
# An output never lands in models/ (a symlink to the repository's own folder). Caffe lines use the
# shared SqueezeNet 1.0 files (../shared/models/squeezenet1.0) and are skipped without them.
shared_caffe = os.path.join(root, "..", "shared", "models", "squeezenet1.0")
substitutions = {"--out squeezenet1.0.onnx": "--out converted.onnx",
                 "squeezenet1.0.onnx": "models/fashion_cnn.onnx", "--class C": "--class 3",
                 "--out OUT.png": "--out out.png",
                 # ImageNet class indices, for the 10-class stand-in model
                 "--classes 130,285,417,945,980": "--classes 1,2",
                 "squeezenet1.0.caffemodel": os.path.join(shared_caffe, "squeezenet1.0.caffemodel"),
                 "--prototxt deploy.prototxt": "--prototxt " + os.path.join(shared_caffe, "deploy.prototxt"),
                 "chelsea.png": os.path.join(root, "..", "shared", "images", "photos", "chelsea.png"),
                 "starry_night.jpg": os.path.join(root, "..", "shared", "images", "paintings", "starry_night.jpg")}


def runnable(line):
    """The arguments of a shown command line, or None when it does not invoke deepvis."""
    line = line.strip()
    for k, v in substitutions.items():
        line = line.replace(k, v)
    words = shlex.split(line)
    while words and re.match(r"^[A-Z_]+=", words[0]):  # OPENBLAS_NUM_THREADS=1 deepvis ...
        words = words[1:]
    if not words or os.path.basename(words[0]) != "deepvis":
        return None
    return words[1:]


# --- 3. the command lines ----------------------------------------------------------------------
shown_lines = []
for block in re.findall(r"```sh\n(.*?)```", readme, re.S):
    shown_lines += [("README.md", l) for l in block.splitlines() if runnable(l) is not None]
for span in re.findall(r"`(deepvis [^`]*)`", readme):
    if "models/" in span and "\\|" not in span:
        shown_lines.append(("README.md", span))

commands = re.findall(r"^  (\S+) ", run(["--help"]).stdout.split("commands:")[1], re.M)
attribute_help = run(["attribute", "--help"]).stdout
methods = re.findall(r"^  (\S+) ", attribute_help.split("\nmethods")[1].split("\nbuilt on")[0], re.M)
helps = [[c, "--help"] for c in commands] + [["attribute", m, "--help"] for m in methods]
for args in helps:
    out = run(args).stdout
    if "examples:" in out:
        shown_lines += [(" ".join(["deepvis"] + args), l) for l in out.split("examples:")[1].splitlines() if l.strip()]
if len(shown_lines) < 10:
    failures.append(f"only {len(shown_lines)} command lines found: the extraction is broken")

for where, line in shown_lines:
    args = runnable(line)
    if any(a.endswith(".caffemodel") for a in args) and not os.path.isdir(shared_caffe):
        print(f"{where}: deepvis {' '.join(args)}: skipped ({shared_caffe} is absent)")
        continue
    if "--out" in args and args[args.index("--out") + 1 :][:1] and args[args.index("--out") + 1].startswith("models/"):
        failures.append(f"{where}: `{line.strip()}` would write into the repository's models/")
        continue
    r = run(args, cwd=work)
    status = "ok" if r.returncode == 0 else f"FAILED (exit {r.returncode}): {r.stderr.strip()}"
    print(f"{where}: deepvis {' '.join(args)}: {status}")
    if r.returncode != 0:
        failures.append(f"{where}: `{line.strip()}` exits {r.returncode}: {r.stderr.strip()}")

print(f"{len(shown_lines)} command lines run")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
