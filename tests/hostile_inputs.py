#!/usr/bin/python3
"""Runs every hostile case through the built `deepvis` binary and writes docs/hostile-inputs.md.

Cases, each one command line of the CLI:
  - the CLI error cases of tests/cli/CMakeLists.txt (every deepvis_cli_test entry);
  - the fuzz reproducers of tests/fuzz/regressions/ (through `info`, `predict` or the
    Fashion-MNIST reader, by the harness prefix of their name; a Caffe one split into its two files);
  - the files of issue 18's findings, written here into a scratch folder (no binary committed):
    Resize scales, initialiser dims, decompression-bomb headers, IDX/npy sizes, window attributes,
    and the flag cases (counts beyond their maximum, NaN/Inf inputs, --out onto an input).

For each: exit code, the one-line error, wall time and peak memory (maximum RSS from
/usr/bin/time -f %M, else resource.getrusage(RUSAGE_CHILDREN)). A case passes when it ends with its
expected exit code (1: refused input; 2: a command line deepvis cannot parse) and exactly one
`deepvis: error:` line within 5 s and 1 GB. Exits 1 when any case fails, after writing the table.

Usage: tests/hostile_inputs.py [DEEPVIS] [--out docs/hostile-inputs.md]
       (DEEPVIS defaults to build/rel/tools/deepvis/deepvis)
"""
import argparse
import gzip
import os
import re
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
CLI_DATA = os.path.join(ROOT, "tests", "cli", "data")
TIME_LIMIT_S = 5.0
MEMORY_LIMIT_MB = 1024.0


# --- the CLI error cases of tests/cli/CMakeLists.txt ------------------------------------------

def cmake_arguments(text, start):
    """The arguments of the CMake call whose '(' is at text[start - 1]: bare words and quoted
    strings (with CMake's escapes), up to the unquoted ')'."""
    args, i = [], start
    while True:
        while text[i].isspace():
            i += 1
        if text[i] == ")":
            return args
        if text[i] == '"':
            i += 1
            value = []
            while text[i] != '"':
                if text[i] == "\\":
                    value.append(text[i + 1] if text[i + 1] != "\\" else "\\")
                    i += 2
                else:
                    value.append(text[i])
                    i += 1
            args.append("".join(value))
            i += 1
        else:
            j = i
            while not text[j].isspace() and text[j] != ")":
                j += 1
            args.append(text[i:j])
            i = j


def cli_test_cases(scratch):
    """(name, argv, expected code, cwd) of each deepvis_cli_test entry."""
    text = open(os.path.join(ROOT, "tests", "cli", "CMakeLists.txt")).read()
    cli_out = os.path.join(scratch, "cli_out")
    os.makedirs(os.path.join(cli_out, "copy"), exist_ok=True)
    for f in ("input.npy", "tiny_cnn.onnx"):
        shutil.copy(os.path.join(CLI_DATA, f), os.path.join(cli_out, "copy", f))
    cases = []
    for m in re.finditer(r"^deepvis_cli_test\(", text, re.M):
        name, code, argv = cmake_arguments(text, m.end())[:3]
        argv = argv.replace("${cli_out}", cli_out)
        cases.append(("cli_" + name, argv.split("|") if argv else [], int(code), CLI_DATA))
    return cases


# --- the fuzz reproducers --------------------------------------------------------------------

def fashion_folder(scratch, name, images, zeros=0):
    """A Fashion-MNIST folder whose images files are `images` (bytes) then `zeros` zero bytes,
    gzipped (streamed: a gzip bomb is not held in memory); labels valid."""
    folder = os.path.join(scratch, "fashion_" + name)
    os.makedirs(folder, exist_ok=True)
    labels = struct.pack(">II", 0x801, 10) + bytes(range(10))
    for prefix in ("train", "t10k"):
        with gzip.open(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), "wb", compresslevel=9) as f:
            f.write(images)
            block = bytes(1 << 20)
            for _ in range(zeros >> 20):
                f.write(block)
        with gzip.open(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(labels)
    return folder


def reconstruct_with(folder):
    return (["reconstruct", "--model", os.path.join(ROOT, "models", "fashion_cae.onnx"), "--out",
             os.path.join(os.path.dirname(folder), "never.png")], {"DEEPVIS_FASHION_MNIST": folder})


def regression_cases(scratch):
    cases = []
    folder = os.path.join(ROOT, "tests", "fuzz", "regressions")
    for f in sorted(os.listdir(folder)):
        path = os.path.join(folder, f)
        if f.startswith("onnx_"):
            argv, env = ["predict", "--model", path, "--input", os.path.join(CLI_DATA, "input.npy")], {}
        elif f.startswith("npy_"):
            argv, env = ["predict", "--model", os.path.join(CLI_DATA, "tiny_cnn.onnx"), "--input", path], {}
        elif f.startswith("image_"):
            argv, env = ["predict", "--model", os.path.join(CLI_DATA, "tiny_cnn.onnx"), "--image", path], {}
        elif f.startswith("idx_"):
            argv, env = reconstruct_with(fashion_folder(scratch, f, open(path, "rb").read()))
        elif f.startswith("caffe_"):
            # One input holds both files (targets.hpp: run_caffe); the CLI reads them apart.
            data = open(path, "rb").read()
            text, _, weights = data.partition(b"\n#caffemodel#\n")
            base = os.path.join(scratch, f)
            open(base + ".prototxt", "wb").write(text)
            open(base + ".caffemodel", "wb").write(weights)
            argv, env = ["info", "--model", base + ".caffemodel", "--prototxt", base + ".prototxt"], {}
        else:
            continue
        cases.append(("fuzz_" + f, argv, 1, CLI_DATA, env))
    return cases


# --- issue 18's findings, written here -------------------------------------------------------

def save_model(path, nodes, inputs, outputs, initializers, opset=13):
    graph = helper.make_graph(nodes, "hostile", inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="hostile_inputs")
    open(path, "wb").write(model.SerializeToString())
    return path


def value(name, dims):
    """A float tensor's type; an int dims is a rank with free dimensions."""
    if isinstance(dims, int):
        dims = [f"d{i}" for i in range(dims)]
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def png(path, width, height, idat=None, color_type=2):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    body = idat if idat is not None else zlib.compress(b"\0" * 64)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
                           + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


def jpeg_declaring(path, width, height):
    """A valid 8x8 JPEG (PIL) whose SOF0 header then declares width x height."""
    from io import BytesIO

    from PIL import Image
    buf = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    at = data.index(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    open(path, "wb").write(bytes(data))
    return path


def npy_header(path, shape, payload=b""):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (repr(tuple(shape)),)
    header = header.ljust(118) + "\n"
    open(path, "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload)
    return path


def finding_cases(scratch):
    d = os.path.join(scratch, "findings")
    os.makedirs(d, exist_ok=True)
    p = lambda name: os.path.join(d, name)  # noqa: E731
    tiny = os.path.join(CLI_DATA, "tiny_cnn.onnx")
    x_npy = os.path.join(CLI_DATA, "input.npy")
    img = os.path.join(CLI_DATA, "image.png")
    np.save(p("x_1x1x4x4.npy"), np.ones((1, 1, 4, 4), np.float32))
    x4 = p("x_1x1x4x4.npy")
    cases = []

    def add(name, argv, code=1, env=None):
        cases.append((name, argv, code, d, env or {}))

    # 1: Resize scales +inf / huge
    for label, s in [("inf", float("inf")), ("1e30", 1e30), ("nan", float("nan"))]:
        scales = numpy_helper.from_array(np.array([1, 1, s, s], np.float32), "scales")
        roi = numpy_helper.from_array(np.array([], np.float32), "roi")
        m = save_model(p(f"resize_scale_{label}.onnx"), [helper.make_node("Resize", ["x", "roi", "scales"], ["y"], mode="nearest")],
                       [value("x", [1, 1, 4, 4])], [value("y", 4)], [roi, scales])
        add(f"finding1_resize_scale_{label}", ["predict", "--model", m, "--input", x4])
    # 2 and 5: initialiser dims that overflow, or that claim more than the data present
    for label, dims in [("product_overflow", [7, 7_900_000_000_000_000_000 // 1000 * 1000]), ("100G_declared", [25_000_000_000]),
                        ("negative", [-4])]:
        t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=dims, raw_data=b"\0\0\0\0")
        m = save_model(p(f"init_{label}.onnx"), [helper.make_node("Identity", ["w"], ["y"])], [value("x", [1, 1, 4, 4])],
                       [value("y", len(dims))], [t])
        add(f"finding2_initializer_{label}", ["info", "--model", m])
    t = TensorProto(name="i", data_type=TensorProto.INT64, dims=[1], int64_data=[0])
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[7, 7_900_000_000_000_000_000], raw_data=b"\0\0\0\0")
    m = save_model(p("gather_overflow.onnx"), [helper.make_node("Gather", ["w", "i"], ["y"], axis=1)], [value("x", [1, 1, 4, 4])],
                   [value("y", 2)], [w, t])
    add("finding2_gather_on_overflowing_dims", ["predict", "--model", m, "--input", x4])
    # 5: Pad and Resize attributes asking for huge outputs
    pads = numpy_helper.from_array(np.array([0, 0, 0, 0, 0, 0, 1 << 40, 1 << 40], np.int64), "pads")
    m = save_model(p("pad_2e40.onnx"), [helper.make_node("Pad", ["x", "pads"], ["y"])], [value("x", [1, 1, 4, 4])],
                   [value("y", 4)], [pads])
    add("finding5_pad_2e40", ["predict", "--model", m, "--input", x4])
    sizes = numpy_helper.from_array(np.array([1, 1, 200000, 200000], np.int64), "sizes")
    roi = numpy_helper.from_array(np.array([], np.float32), "roi")
    m = save_model(p("resize_sizes_4e10.onnx"), [helper.make_node("Resize", ["x", "roi", "", "sizes"], ["y"])],
                   [value("x", [1, 1, 4, 4])], [value("y", 4)], [roi, sizes])
    add("finding5_resize_sizes_4e10", ["predict", "--model", m, "--input", x4])
    # 7: window attributes and group beyond 2^31
    wt = numpy_helper.from_array(np.ones((1, 1, 1, 1), np.float32), "w")
    for label, attrs in [("stride_2e62", {"strides": [1 << 62, 1 << 62]}), ("dilation_2e62", {"dilations": [1 << 62, 1 << 62]}),
                         ("pads_2e62", {"pads": [1 << 62, 0, 0, 0]}), ("group_2e62", {"group": 1 << 62})]:
        m = save_model(p(f"conv_{label}.onnx"), [helper.make_node("Conv", ["x", "w"], ["y"], **attrs)],
                       [value("x", [1, 1, 4, 4])], [value("y", 4)], [wt])
        add(f"finding7_conv_{label}", ["predict", "--model", m, "--input", x4])
    m = save_model(p("maxpool_kernel_2e62.onnx"), [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[1 << 62, 1 << 62])],
                   [value("x", [1, 1, 4, 4])], [value("y", 4)], [])
    add("finding7_maxpool_kernel_2e62", ["predict", "--model", m, "--input", x4])
    # 3 and 4: images (libpng / libjpeg-turbo; pixel budget from the header)
    add("finding4_jpeg_declaring_60000x60000", ["predict", "--model", tiny, "--image", jpeg_declaring(p("bomb.jpg"), 60000, 60000)])
    add("finding4_png_declaring_100000x100000", ["predict", "--model", tiny, "--image", png(p("bomb.png"), 100000, 100000)])
    add("finding4_png_65535x65535_zero_data", ["predict", "--model", tiny, "--image",
                                               png(p("zeros.png"), 65535, 65535, zlib.compress(b"\0" * 200000, 9))])
    add("finding3_png_corrupt_idat", ["predict", "--model", tiny, "--image", png(p("corrupt.png"), 8, 8, b"not zlib")])
    data = open(img, "rb").read()
    open(p("truncated.png"), "wb").write(data[: len(data) // 2])
    add("finding3_png_truncated", ["predict", "--model", tiny, "--image", p("truncated.png")])
    open(p("image.bmp"), "wb").write(b"BM" + b"\0" * 60)
    add("finding3_bmp_refused", ["predict", "--model", tiny, "--image", p("image.bmp")])
    open(p("image.pnm"), "wb").write(b"P6\n99999999 99999999\n255\n")
    add("finding3_pnm_refused", ["predict", "--model", tiny, "--image", p("image.pnm")])
    jpeg = bytearray(open(jpeg_declaring(p("ok.jpg"), 8, 8), "rb").read())
    open(p("truncated.jpg"), "wb").write(bytes(jpeg[: len(jpeg) // 2]))
    add("finding3_jpeg_truncated", ["predict", "--model", tiny, "--image", p("truncated.jpg")])
    # 5 and 6: .npy and IDX declared sizes
    add("finding5_npy_declaring_1e15_floats", ["predict", "--model", tiny, "--input", npy_header(p("huge.npy"), (100000, 100000, 100000))])
    add("finding5_npy_shape_data_mismatch", ["predict", "--model", tiny, "--input", npy_header(p("short.npy"), (2, 3, 8, 8), b"\0" * 16)])
    for label, images, zeros in [("dims_overflow", struct.pack(">IIII", 0x803, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF), 0),
                                 ("shape_data_mismatch", struct.pack(">IIII", 0x803, 10, 28, 28) + b"\0" * 100, 0),
                                 ("gzip_bomb_declaring_2e9_pixels", struct.pack(">IIII", 0x803, 2_000_000, 1000, 1000), 256 << 20)]:
        argv, env = reconstruct_with(fashion_folder(scratch, label, images, zeros))
        add(f"finding6_idx_{label}", argv, env=env)
    # 8 and 9: the CLI
    add("finding8_zero_classes_predict", ["predict", "--model", os.path.join(CLI_DATA, "zero_classes.onnx"),
                                          "--input", os.path.join(CLI_DATA, "input_4.npy")])
    for flag, cmd in [("steps", ["attribute", "integrated-gradients"]), ("samples", ["attribute", "smoothgrad"]),
                      ("batch", ["attribute", "smoothgrad"])]:
        add(f"finding9_{flag}_1e9", cmd + ["--model", tiny, "--input", x_npy, "--class", "1", f"--{flag}", "1000000000",
                                           "--out", p("a.npy")])
    add("finding9_iterations_1e9", ["visualize-class", "--model", tiny, "--class", "1", "--iterations", "1000000000",
                                    "--out", p("v.png")])
    add("finding9_steps_beyond_int64", ["attribute", "integrated-gradients", "--model", tiny, "--input", x_npy, "--class", "1",
                                        "--steps", "99999999999999999999", "--out", p("a.npy")], code=2)
    add("finding9_size_1e10_pixels", ["predict", "--model", tiny, "--image", img, "--size", "100000,100000"])
    nan = np.load(x_npy)
    nan[0, 1, 2, 3] = np.nan
    np.save(p("nan.npy"), nan)
    add("finding9_nan_input", ["predict", "--model", tiny, "--input", p("nan.npy")])
    add("finding9_inf_after_preprocessing", ["predict", "--model", tiny, "--image", img, "--scale", "1e38"])
    shutil.copy(x_npy, p("input_copy.npy"))
    add("finding9_out_is_input", ["predict", "--model", tiny, "--input", p("input_copy.npy"), "--out",
                                  os.path.join(d, "..", "findings", "input_copy.npy")])
    os.symlink(p("input_copy.npy"), p("link.npy"))
    add("finding9_out_is_input_via_symlink", ["attribute", "gradient", "--model", tiny, "--input", p("input_copy.npy"),
                                              "--class", "1", "--out", p("link.npy")])
    return cases


# --- running ---------------------------------------------------------------------------------

def run(deepvis, argv, cwd, env, scratch):
    """Exit code, stderr, wall seconds and peak RSS in KB of one run: from /usr/bin/time -f %M
    when present (exact per run), else from getrusage(RUSAGE_CHILDREN) (the largest child so
    far: exact only when this run is the largest, hence None when it did not rise)."""
    timer = shutil.which("time", path="/usr/bin")
    measured = os.path.join(scratch, "peak_kb")
    prefix = [timer, "-f", "%M", "-o", measured] if timer else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.monotonic()
    try:
        r = subprocess.run(prefix + [deepvis] + argv, cwd=cwd, env={**os.environ, **env}, capture_output=True,
                           timeout=TIME_LIMIT_S * 6)
        code, err = r.returncode, r.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        code, err = "timeout", ""
    seconds = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if timer and code != "timeout":
        text = open(measured).read().strip().splitlines()
        peak_kb = int(text[-1]) if text and text[-1].isdigit() else None
        if text and not text[-1].isdigit():
            err = "\n".join(line for line in err.splitlines() if line.strip() != text[-1].strip())
    else:
        peak_kb = after if after > before else None
    return code, err, seconds, peak_kb


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("deepvis", nargs="?", default=os.path.join(ROOT, "build", "rel", "tools", "deepvis", "deepvis"))
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "hostile-inputs.md"))
    args = parser.parse_args()
    deepvis = os.path.abspath(args.deepvis)
    scratch = tempfile.mkdtemp(prefix="deepvis_hostile_")
    try:
        cases = [c + ({},) for c in cli_test_cases(scratch)] + regression_cases(scratch) + finding_cases(scratch)
        rows, failed = [], 0
        for name, argv, expected, cwd, env in cases:
            code, err, seconds, peak_kb = run(deepvis, argv, cwd, env, scratch)
            lines = err.splitlines()
            one_line = len(lines) == 1 and lines[0].startswith("deepvis: error: ")
            own = peak_kb is not None
            mb = peak_kb / 1024.0 if own else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
            ok = code == expected and one_line and seconds <= TIME_LIMIT_S and mb <= MEMORY_LIMIT_MB
            failed += not ok
            shown = " ".join(a.replace(scratch, "$TMP").replace(ROOT + "/", "") for a in argv)
            if env:
                shown = " ".join(f"{k}={v.replace(scratch, '$TMP')}" for k, v in env.items()) + " " + shown
            message = lines[0][len("deepvis: error: "):] if one_line else " / ".join(lines)[:300]
            message = message.replace(scratch, "$TMP").replace(ROOT + "/", "")
            rows.append((name, shown, code, message, seconds, mb if own else None, ok))
            print(f"{'ok  ' if ok else 'FAIL'} {name}: exit {code}, {seconds:.2f} s, "
                  f"{'%.0f MB' % mb if own else '<= %.0f MB' % mb}: {message[:120]}")
        write_table(args.out, rows, deepvis)
        print(f"hostile_inputs: {len(rows) - failed} of {len(rows)} cases pass; wrote {args.out}")
        return 1 if failed else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def write_table(path, rows, deepvis):
    cell = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    peak = max((r[5] for r in rows if r[5] is not None), default=0.0)
    slowest = max(r[4] for r in rows)
    old = open(path).read() if os.path.exists(path) else ""
    # Everything after the table (the fuzzing record) is kept when the table is regenerated.
    tail = old[old.index("\n## Fuzzing"):] if "\n## Fuzzing" in old else ""
    with open(path, "w") as f:
        f.write("# Hostile inputs\n\n")
        f.write("Generated by `tests/hostile_inputs.py` (do not edit the table by hand): every hostile case run through "
                "the `deepvis` binary. A case passes when it ends with its expected exit code (1: refused input; "
                "2: a command line deepvis cannot parse) and exactly one `deepvis: error:` line, within "
                f"{TIME_LIMIT_S:.0f} s and {MEMORY_LIMIT_MB:.0f} MB peak RSS.\n\n")
        f.write(f"{sum(r[6] for r in rows)} of {len(rows)} cases pass; slowest {slowest:.2f} s, largest peak {peak:.0f} MB "
                f"(Release build, {os.uname().machine}). Cases: the CLI error tests (`tests/cli/CMakeLists.txt`, "
                "`cli_*`), the fuzz reproducers (`tests/fuzz/regressions/`, `fuzz_*`) and issue 18's findings, "
                "whose files the script writes (`finding<N>_*`). Peak memory is the maximum RSS `/usr/bin/time` "
                "reports for the run.\n\n")
        f.write("| case | command | exit | error | time (s) | peak (MB) | pass |\n|---|---|---|---|---|---|---|\n")
        for name, shown, code, message, seconds, mb, ok in rows:
            f.write(f"| {cell(name)} | `{cell(shown)}` | {code} | {cell(message)} | {seconds:.2f} | "
                    f"{'%.0f' % mb if mb is not None else '≤ %.0f' % peak} | {'yes' if ok else '**no**'} |\n")
        f.write(tail if tail else "")


if __name__ == "__main__":
    sys.exit(main())
