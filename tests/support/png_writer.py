"""A small deterministic test image as a PNG file, written with the standard library only (the
test scripts run where Pillow may be absent). Used by tests/cli/readme_commands.py and
tests/batch/batch_test.py; write_png_pixels also by tests/support/fashion_pngs.py."""
import struct
import zlib


def write_png(path, width, height, channels, seed=0):
    """An 8-bit gray (channels 1) or RGB (3) gradient; `seed` varies the pattern between files."""
    pixels = bytes((x * (7 + seed) + y * (5 + 3 * seed) + c * 60 + seed * 31) % 256
                   for y in range(height) for x in range(width) for c in range(channels))
    write_png_pixels(path, width, height, channels, pixels)


def write_png_pixels(path, width, height, channels, pixels):
    """height * width * channels 8-bit values, row-major (gray for channels 1, RGB for 3), as a PNG file."""
    stride = width * channels
    rows = b"".join(b"\0" + bytes(pixels[y * stride:(y + 1) * stride]) for y in range(height))  # filter 0
    colour = {1: 0, 3: 2}[channels]
    chunk = lambda tag, data: (struct.pack(">I", len(data)) + tag + data +
                               struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
