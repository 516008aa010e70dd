#!/usr/bin/env python3
"""`deepvis batch` end to end on the embedded Fashion-MNIST classifier and small generated PNGs.

  batch_test.py DEEPVIS MODEL.onnx WORKDIR

1. A plain run over a folder (one undecodable file among them: recorded as failed with its
   reason, the run goes on, exit 1 at the end).
2. Three shards then `batch merge`: the .npy maps equal the plain run's byte for byte, the merged
   table equals the plain table except the *_seconds columns.
3. A run killed with SIGKILL after some items, a torn line appended to its table (a kill in the
   middle of a write), then --resume: the same maps and table as the plain run, and the items
   already done are not computed again.
4. A manifest with label and class columns (relative paths, --class column).
5. Bad input: one line on stderr, exit 2 (command line) or 1 (content).
Nothing here depends on timing: the kill lands wherever it lands, the comparison holds anyway.
"""
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from png_writer import write_png  # noqa: E402
from batch_tables import read_table, without_times  # noqa: E402

deepvis, model, work = (os.path.abspath(a) for a in sys.argv[1:4])
failures = []


def check(cond, message):
    print(("ok   " if cond else "FAIL ") + message)
    if not cond:
        failures.append(message)


def run(args, **kw):
    return subprocess.run([deepvis] + args, capture_output=True, text=True, timeout=300, **kw)


def npy_files(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".npy") or f.endswith(".png"):
                p = os.path.join(d, f)
                out[os.path.relpath(p, root)] = open(p, "rb").read()
    return out


shutil.rmtree(work, ignore_errors=True)
images = os.path.join(work, "images")
os.makedirs(os.path.join(images, "sub folder"))
count = 0
for i in range(16):
    sub = "sub folder" if i % 4 == 0 else ""
    write_png(os.path.join(images, sub, f"item{i:02d}.png"), 28 if i % 2 else 36, 28 if i % 2 else 30,
              1 if i % 3 else 3, i)
    count += 1
with open(os.path.join(images, "broken.png"), "wb") as f:
    f.write(b"this is not an image")
count += 1
with open(os.path.join(images, "notes.txt"), "w") as f:  # not an image file: not an item
    f.write("ignored\n")

methods = "saliency,smoothgrad,gradcam"
common = [methods, "--model", model, "--images", images, "--samples", "8", "--png"]

# --- 1. plain run ---------------------------------------------------------------------------
plain = os.path.join(work, "plain")
r = run(["batch"] + common + ["--out", plain])
print(r.stdout + r.stderr)
check(r.returncode == 1, f"plain run with an undecodable file exits 1 (got {r.returncode})")
check(f"{count} items" in r.stdout and "1 failed" in r.stdout, "the summary counts items and failures")
check("broken.png" in r.stderr and "cannot decode" in r.stderr, "the failure is named with its reason")
header, rows = read_table(os.path.join(plain, "results.csv"))
check(len(rows) == count, f"the table has one row per item ({len(rows)} of {count})")
check([int(r[0]) for r in rows] == list(range(count)), "rows are in index order")
status = header.index("status")
failed = [r for r in rows if r[status] != "ok"]
check(len(failed) == 1 and failed[0][2].endswith("broken.png") and "cannot decode" in failed[0][status + 1],
      "the undecodable file is one failed row with its reason")
for col in ["top1", "p5", "class", "smoothgrad_seconds", "gradcam_npy", "saliency_png"]:
    check(col in header, f"column {col}")
ok = [r for r in rows if r[status] == "ok"]
check(all(r[header.index("class")] == r[header.index("top1")] for r in ok), "--class top1 explains the prediction")
check(all(os.path.isfile(os.path.join(plain, r[header.index(m + "_npy")])) for r in ok for m in methods.split(",")),
      "every listed .npy exists")
ids = [r[1] for r in rows]
check(len(set(ids)) == len(ids) and any(i.startswith("sub_folder_item00.png-") for i in ids),
      "ids are unique and derived from the relative path")
maps = npy_files(plain)
check(len(maps) == 2 * 3 * (count - 1), f"3 maps as .npy and .png per good item ({len(maps)})")

# --- 2. shards and merge ----------------------------------------------------------------------
sharded = os.path.join(work, "sharded")
for k in range(3):
    r = run(["batch"] + common + ["--out", sharded, "--shard", f"{k}/3"])
    check(r.returncode in (0, 1), f"shard {k}/3 runs (exit {r.returncode}) {r.stderr.strip()[-200:]}")
r = run(["batch", "merge", sharded])
print(r.stdout + r.stderr)
check(r.returncode == 0 and "merged 3 shard tables" in r.stdout, "batch merge joins the three tables")
merged_header, merged_rows = read_table(os.path.join(sharded, "results.csv"))
check(without_times(merged_header, merged_rows) == without_times(header, rows),
      "the merged table equals the plain one except the time columns")
check(npy_files(sharded) == maps, "the shards' maps equal the plain run's byte for byte")

# --- 3. kill, then resume ---------------------------------------------------------------------
killed = os.path.join(work, "killed")
os.makedirs(killed)
table = os.path.join(killed, "results.csv")
p = subprocess.Popen([deepvis, "batch"] + common + ["--out", killed], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
deadline = time.time() + 120
while p.poll() is None and time.time() < deadline:
    if os.path.exists(table) and open(table, "rb").read().count(b"\n") >= 4:  # header + 3 items
        break
    time.sleep(0.001)
p.send_signal(signal.SIGKILL)
p.wait()
before = open(table, "rb").read().count(b"\n") - 1
ok_before = open(table, "rb").read().count(b",ok,")
print(f"killed after {before} items, {ok_before} of them ok (exit {p.returncode})")
with open(table, "ab") as f:  # a kill in the middle of writing a row
    f.write(b"999,half-written-row,par")
r = run(["batch"] + common + ["--out", killed, "--resume"])
print(r.stdout + r.stderr)
check(r.returncode == 1, "the resumed run exits 1 (the undecodable file)")
check("torn" in r.stderr, "the torn line is reported")
check(f"batch: {count - ok_before} items" in r.stdout, "the resumed run computes only the items not done before")
resumed_header, resumed_rows = read_table(table)
check(without_times(resumed_header, resumed_rows) == without_times(header, rows),
      "the resumed table equals the plain one except the time columns")
check(npy_files(killed) == maps, "the resumed run's maps equal the plain run's byte for byte")
check(not [f for _, _, fs in os.walk(killed) for f in fs if ".tmp-" in f], "no temporary files are left")

# --- 4. manifest ------------------------------------------------------------------------------
manifest = os.path.join(work, "manifest.csv")
with open(manifest, "w") as f:
    f.write('path,label,class\nimages/item01.png,"shirt, blue",3\n' + images + "/item02.png,coat,top2\n")
r = run(["batch", "saliency", "--model", model, "--manifest", manifest, "--class", "column", "--faithfulness",
         "--out", os.path.join(work, "manifest_run")])
print(r.stdout + r.stderr)
check(r.returncode == 0, "a manifest run succeeds")
mh, mr = read_table(os.path.join(work, "manifest_run", "results.csv"))
check(mh[:4] == ["index", "id", "file", "label"] and [x[3] for x in mr] == ["shirt, blue", "coat"],
      "the manifest's labels are in the table")
check(mr[0][mh.index("class")] == "3" and mr[1][mh.index("class")] == mr[1][mh.index("top2")],
      "--class column explains the manifest's class")
check(all(0 <= float(x[mh.index(c)]) <= 1 for x in mr for c in ["saliency_deletion_auc", "saliency_insertion_auc"]),
      "--faithfulness: deletion and insertion AUC in [0, 1]")
check(mr[0][1].startswith("images_item01.png-"), "a manifest item's id comes from its path as written")

# --- 5. bad input -----------------------------------------------------------------------------
with open(os.path.join(work, "nopath.csv"), "w") as f:
    f.write("file,label\na.png,x\n")
with open(os.path.join(work, "twice.csv"), "w") as f:
    f.write("path\nimages/item01.png\nimages/item01.png\n")
out = os.path.join(work, "bad")
for args, code, text in [
    (["nosuch", "--model", model, "--images", images, "--out", out], 2, "'nosuch' is not an attribution method"),
    (["saliency", "--model", model, "--images", images, "--out", out, "--shard", "3/2"], 2, "--shard: '3/2'"),
    (["saliency", "--model", model, "--images", images, "--out", out, "--shard", "0/0"], 2, "--shard: '0/0'"),
    (["saliency", "--model", model, "--manifest", os.path.join(work, "nopath.csv"), "--out", out], 1,
     "no 'path' column"),
    (["saliency", "--model", model, "--manifest", os.path.join(work, "twice.csv"), "--out", out], 1, "same id"),
    (["saliency", "--model", model, "--images", images, "--out", out, "--class", "column"], 2, "'class' column"),
    (["saliency", "--model", model, "--images", images, "--manifest", manifest, "--out", out], 2, "exactly one"),
]:
    r = run(["batch"] + args)
    lines = r.stderr.strip().splitlines()
    check(r.returncode == code and len(lines) == 1 and text in lines[0] and lines[0].startswith("deepvis: error:"),
          f"batch {' '.join(args[:1] + args[-2:])}: exit {code}, one line with '{text}' (got {r.returncode}: "
          f"{r.stderr.strip()})")

print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
