// PNG (libpng) and JPEG (libjpeg-turbo) decoding: the formats' variants, and hostile files
// (issue 18, findings #3 and #4) that must end in one io_error line, fast and in little memory.
// The files are built here, byte by byte, so each test says what it feeds the decoder.
#include <doctest/doctest.h>
#include <zlib.h>

#include <deepvis/io/image.hpp>
#include <random>

#include "scratch_dir.hpp"

using namespace deepvis;
using bytes_t = std::vector<std::uint8_t>;

namespace {

void put_u32(bytes_t& out, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

void png_chunk(bytes_t& out, const char* type, const bytes_t& data) {
    put_u32(out, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = out.size();
    out.insert(out.end(), type, type + 4);
    out.insert(out.end(), data.begin(), data.end());
    put_u32(out, static_cast<std::uint32_t>(crc32(0, out.data() + start, static_cast<uInt>(out.size() - start))));
}

/// A PNG of `raw` scanlines (each starting with its filter byte 0) under the given IHDR fields.
bytes_t make_png(std::uint32_t width, std::uint32_t height, int bit_depth, int colour_type, const bytes_t& raw,
                 const bytes_t& plte = {}, const bytes_t& trns = {}, int interlace = 0) {
    bytes_t png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    bytes_t ihdr;
    put_u32(ihdr, width);
    put_u32(ihdr, height);
    ihdr.insert(ihdr.end(), {std::uint8_t(bit_depth), std::uint8_t(colour_type), 0, 0, std::uint8_t(interlace)});
    png_chunk(png, "IHDR", ihdr);
    if (!plte.empty()) png_chunk(png, "PLTE", plte);
    if (!trns.empty()) png_chunk(png, "tRNS", trns);
    uLongf size = compressBound(static_cast<uLong>(raw.size()));
    bytes_t z(size);
    compress2(z.data(), &size, raw.data(), static_cast<uLong>(raw.size()), 9);
    z.resize(size);
    png_chunk(png, "IDAT", z);
    png_chunk(png, "IEND", {});
    return png;
}

/// A JPEG of a `width`x`height` image of one colour (`components` values) encoded by libjpeg.
bytes_t make_jpeg(int width, int height, J_COLOR_SPACE space, const bytes_t& colour, bool progressive = false) {
    jpeg_compress_struct c{};
    jpeg_error_mgr err{};
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char* out = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &out, &size);
    c.image_width = static_cast<JDIMENSION>(width);
    c.image_height = static_cast<JDIMENSION>(height);
    c.input_components = static_cast<int>(colour.size());
    c.in_color_space = space;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 100, TRUE);
    if (progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    bytes_t row;
    for (int x = 0; x < width; ++x) row.insert(row.end(), colour.begin(), colour.end());
    while (c.next_scanline < c.image_height) {
        JSAMPROW r = row.data();
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    bytes_t jpeg(out, out + size);
    jpeg_destroy_compress(&c);
    std::free(out);
    return jpeg;
}

/// Rewrites the height and width of a JPEG's start-of-frame marker.
void set_jpeg_size(bytes_t& jpeg, std::uint16_t height, std::uint16_t width) {
    for (std::size_t i = 2; i + 8 < jpeg.size(); ++i)
        if (jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC2)) {
            jpeg[i + 5] = std::uint8_t(height >> 8), jpeg[i + 6] = std::uint8_t(height);
            jpeg[i + 7] = std::uint8_t(width >> 8), jpeg[i + 8] = std::uint8_t(width);
            return;
        }
    FAIL("no SOF marker");
}

io::image_u8 decode(const bytes_t& bytes, int channels = 0) { return io::decode_image_bytes(bytes, channels, "t"); }

bytes_t cut(const bytes_t& b, std::size_t n) { return bytes_t(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)); }

}  // namespace

TEST_CASE("image decode: PNG variants give stb_image's 8-bit pixels") {
    // 16-bit grey: the high byte, as stb.
    auto img = decode(make_png(2, 1, 16, 0, {0, 0x12, 0x34, 0xAB, 0xCD}));
    CHECK(img.channels == 1);
    CHECK(img.pixels == bytes_t{0x12, 0xAB});
    // Palette with a transparent entry: RGBA.
    img = decode(make_png(2, 1, 8, 3, {0, 1, 0}, {10, 20, 30, 40, 50, 60}, {255, 7}));
    CHECK(img.channels == 4);
    CHECK(img.pixels == bytes_t{40, 50, 60, 7, 10, 20, 30, 255});
    // Grey + alpha, asked for as RGB and as grey.
    const bytes_t ga = make_png(1, 1, 8, 4, {0, 90, 200});
    CHECK(decode(ga).pixels == bytes_t{90, 200});
    CHECK(decode(ga, 3).pixels == bytes_t{90, 90, 90});
    // 1-bit grey scales to 0 / 255.
    CHECK(decode(make_png(3, 1, 1, 0, {0, 0b10100000})).pixels == bytes_t{255, 0, 255});
    // Interlaced (Adam7) 2x2 grey: pass 1 holds (0,0), pass 6 (0,1), pass 7 row 1.
    CHECK(decode(make_png(2, 2, 8, 0, {0, 1, 0, 2, 0, 3, 4}, {}, {}, 1)).pixels == bytes_t{1, 2, 3, 4});
    // RGB to grey with stb's weights: (77 R + 150 G + 29 B) >> 8.
    CHECK(decode(make_png(1, 1, 8, 2, {0, 200, 100, 50}), 1).pixels == bytes_t{(200 * 77 + 100 * 150 + 50 * 29) >> 8});
}

TEST_CASE("image decode: JPEG baseline, progressive, grey and CMYK") {
    // Quality 100 of a flat colour: within two levels of the colour, whatever the IDCT rounding.
    for (bool progressive : {false, true}) {
        const auto img = decode(make_jpeg(16, 8, JCS_RGB, {200, 100, 50}, progressive));
        REQUIRE(img.channels == 3);
        REQUIRE(img.pixels.size() == 16 * 8 * 3);
        for (std::size_t i = 0; i < img.pixels.size(); ++i)
            CHECK(std::abs(int(img.pixels[i]) - int(bytes_t{200, 100, 50}[i % 3])) <= 2);
    }
    const auto grey = decode(make_jpeg(8, 8, JCS_GRAYSCALE, {77}), 3);
    REQUIRE(grey.channels == 3);
    CHECK(std::abs(int(grey.pixels[5]) - 77) <= 1);
    // CMYK: libjpeg writes an Adobe marker, whose convention stores ink inverted (255 = none):
    // no cyan, full magenta and yellow, no black is red.
    const auto cmyk = decode(make_jpeg(8, 8, JCS_CMYK, {255, 0, 0, 255}));
    REQUIRE(cmyk.channels == 3);
    CHECK(cmyk.pixels[0] >= 253);
    CHECK(cmyk.pixels[1] <= 2);
}

TEST_CASE("image decode: a JPEG declaring 60000x60000 is refused from its header") {
    bytes_t bomb = make_jpeg(8, 8, JCS_RGB, {1, 2, 3});
    set_jpeg_size(bomb, 60000, 60000);
    const std::string expected = "image 't': declares 60000x60000 (3600000000 pixels), more than the limit of " +
                                 std::to_string(max_pixels()) + " (DEEPVIS_MAX_PIXELS)";
    CHECK_THROWS_WITH_AS(decode(bomb), expected.c_str(), io_error);
}

TEST_CASE("image decode: a PNG declaring 100000x100000 is refused from its header") {
    const bytes_t bomb = make_png(100000, 100000, 8, 2, bytes_t(64, 0));
    CHECK_THROWS_WITH_AS(decode(bomb), doctest::Contains("declares 100000x100000 (10000000000 pixels)"), io_error);
    // Past libpng's own 1,000,000 limit per side.
    CHECK_THROWS_WITH_AS(decode(make_png(0x7fffffff, 1, 8, 0, {0})), doctest::Contains("cannot decode PNG: "),
                         io_error);
}

TEST_CASE("image decode: truncated and corrupt files are one-line io_errors") {
    const bytes_t png = make_png(4, 4, 8, 2, bytes_t(4 * 13, 9));
    const bytes_t jpeg = make_jpeg(32, 32, JCS_RGB, {9, 99, 199});
    for (std::size_t n : {std::size_t(8), std::size_t(20), png.size() / 2, png.size() - 13})
        CHECK_THROWS_WITH_AS(decode(cut(png, n)), doctest::Contains("image 't': cannot decode PNG: "), io_error);
    for (std::size_t n : {std::size_t(3), std::size_t(40), jpeg.size() / 2, jpeg.size() - 2})
        CHECK_THROWS_WITH_AS(decode(cut(jpeg, n)), doctest::Contains("image 't': cannot decode JPEG: "), io_error);
    std::mt19937 rng(18);
    for (const bytes_t& magic : {bytes_t{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, bytes_t{0xFF, 0xD8, 0xFF}}) {
        bytes_t noise = magic;
        for (int i = 0; i < 500; ++i) noise.push_back(static_cast<std::uint8_t>(rng()));
        CHECK_THROWS_WITH_AS(decode(noise), doctest::Contains("image 't': cannot decode "), io_error);
    }
    // A bad CRC in a critical chunk.
    bytes_t bad_crc = png;
    bad_crc[29] ^= 1;
    CHECK_THROWS_AS(decode(bad_crc), io_error);
}

TEST_CASE("image decode: formats other than PNG and JPEG are refused by name") {
    for (const char* head : {"BM\x36\0\0\0", "GIF89a", "P6\n65535 65535\n255\n", ""})
        CHECK_THROWS_WITH_AS(decode(bytes_t(head, head + std::strlen(head))),
                             "image 't': cannot decode: unsupported image format (deepvis reads PNG and JPEG)",
                             io_error);
}

TEST_CASE("image decode: files are named in errors and the bytes overload agrees with the file one") {
    test::scratch_dir dir;
    bytes_t bomb = make_jpeg(8, 8, JCS_RGB, {1, 2, 3});
    set_jpeg_size(bomb, 60000, 60000);
    test::write_bytes(dir / "bomb.jpg", std::string(bomb.begin(), bomb.end()));
    CHECK_THROWS_WITH_AS(io::load_image(dir / "bomb.jpg"), doctest::Contains("bomb.jpg': declares 60000x60000"),
                         io_error);
    const bytes_t png = make_png(2, 1, 8, 2, {0, 1, 2, 3, 4, 5, 6});
    test::write_bytes(dir / "a.png", std::string(png.begin(), png.end()));
    CHECK(io::decode_image(dir / "a.png").pixels == decode(png).pixels);
}

TEST_CASE("image decode: the limits read positive integers from the environment") {
    ::setenv("DEEPVIS_TEST_LIMIT", "123", 1);
    CHECK(detail::limit_from_environment("DEEPVIS_TEST_LIMIT", 7) == 123);
    for (const char* bad : {"", "0", "12x", "-5"}) {
        ::setenv("DEEPVIS_TEST_LIMIT", bad, 1);
        CHECK(detail::limit_from_environment("DEEPVIS_TEST_LIMIT", 7) == 7);
    }
    ::unsetenv("DEEPVIS_TEST_LIMIT");
}
