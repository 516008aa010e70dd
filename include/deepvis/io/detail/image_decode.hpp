#pragma once
/// Image decoding for untrusted files: PNG through libpng, JPEG through libjpeg-turbo — both
/// written for, and continuously fuzzed on, hostile input (stb_image 2.27 is not: finding #3 of
/// issue 18). The declared size is checked against max_pixels() (core/checked.hpp) before any
/// pixel memory is allocated (decompression bombs: finding #4). Every libpng/libjpeg error comes
/// back as one io_error line naming the file; their longjmp never crosses a C++ frame with a
/// destructor.
#include <png.h>
// jpeglib.h needs size_t and FILE declared before it.
#include <jpeglib.h>

#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deepvis/core/checked.hpp>
#include <deepvis/core/error.hpp>
#include <span>
#include <string>
#include <vector>

namespace deepvis::io {

/// An 8-bit image, interleaved (H, W, C) as image files store it; C is 1, 2, 3 or 4.
struct image_u8 {
    std::size_t height = 0;
    std::size_t width = 0;
    std::size_t channels = 0;
    std::vector<std::uint8_t> pixels;  ///< height · width · channels bytes, row by row
};

}  // namespace deepvis::io

namespace deepvis::detail {

inline void check_declared_pixels(const std::string& name, std::size_t width, std::size_t height) {
    // Both sides are < 2^32 (PNG) or < 2^16 (JPEG): the product cannot wrap in 64 bits.
    DEEPVIS_CHECK(width > 0 && height > 0, io_error,
                  "image '" << name << "': declares an empty " << width << "x" << height << " image");
    DEEPVIS_CHECK(width * height <= max_pixels(), io_error,
                  "image '" << name << "': declares " << width << "x" << height << " (" << width * height
                            << " pixels), more than the limit of " << max_pixels() << " (DEEPVIS_MAX_PIXELS)");
}

/// Converts `n`-channel pixels to `want` channels with stb_image's rules (luma = (77 R + 150 G +
/// 29 B) >> 8), so that results do not depend on which decoder read the file.
inline std::vector<std::uint8_t> convert_channels(const std::vector<std::uint8_t>& in, std::size_t n,
                                                  std::size_t want) {
    if (n == want) return in;
    const std::size_t count = in.size() / n;
    std::vector<std::uint8_t> out(count * want);
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint8_t* p = in.data() + i * n;
        const bool colour = n >= 3;
        const std::uint8_t r = p[0], g = colour ? p[1] : p[0], b = colour ? p[2] : p[0];
        const std::uint8_t alpha = (n == 2 || n == 4) ? p[n - 1] : 255;
        const auto luma = colour ? static_cast<std::uint8_t>((r * 77 + g * 150 + b * 29) >> 8) : r;
        std::uint8_t* q = out.data() + i * want;
        if (want <= 2) {
            q[0] = luma;
        } else {
            q[0] = r, q[1] = g, q[2] = b;
        }
        if (want == 2 || want == 4) q[want - 1] = alpha;
    }
    return out;
}

// --- PNG ---------------------------------------------------------------------------------------

struct png_context {
    std::span<const std::uint8_t> bytes;
    std::size_t offset = 0;
    char message[200] = {};
};

extern "C" inline void deepvis_png_error(png_structp png, png_const_charp msg) {
    auto* ctx = static_cast<png_context*>(png_get_error_ptr(png));
    std::snprintf(ctx->message, sizeof ctx->message, "%s", msg ? msg : "libpng error");
    png_longjmp(png, 1);
}
extern "C" inline void deepvis_png_warning(png_structp, png_const_charp) {}
extern "C" inline void deepvis_png_read(png_structp png, png_bytep out, png_size_t n) {
    auto* ctx = static_cast<png_context*>(png_get_io_ptr(png));
    if (n > ctx->bytes.size() - ctx->offset) png_error(png, "file is truncated");
    std::memcpy(out, ctx->bytes.data() + ctx->offset, n);
    ctx->offset += n;
}

// Runs `f` (which calls libpng) under setjmp; false when libpng reported an error. `f` must own
// no object with a destructor, since libpng's longjmp skips its frame.
template <class F>
bool png_guarded(png_structp png, F&& f) {
    if (setjmp(png_jmpbuf(png))) return false;
    f();
    return true;
}

inline io::image_u8 decode_png(std::span<const std::uint8_t> bytes, const std::string& name) {
    png_context ctx{.bytes = bytes};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, deepvis_png_error, deepvis_png_warning);
    DEEPVIS_CHECK(png != nullptr, io_error, "image '" << name << "': cannot start libpng");
    png_infop info = png_create_info_struct(png);
    struct destroy {
        png_structp* png;
        png_infop* info;
        ~destroy() { png_destroy_read_struct(png, info, nullptr); }
    } guard{&png, &info};
    DEEPVIS_CHECK(info != nullptr, io_error, "image '" << name << "': cannot start libpng");
    png_set_read_fn(png, &ctx, deepvis_png_read);
    // libpng buffers an ancillary chunk (text, ICC profile, ...) whole, sized by its declared
    // length, and an oversized one is only a warning: a 65-byte file declaring a 1.1 GB zTXt
    // chunk allocated and cleared it (fuzz_image). deepvis reads none of them (no colour
    // management, no text), so each is skipped unread, as an unknown chunk; only tRNS is kept.
    // Pixel data (IDAT) is streamed, bounded by max_pixels().
    static constexpr png_byte ignored[] =
        "bKGD\0cHRM\0eXIf\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0sBIT\0"
        "sCAL\0sPLT\0sRGB\0sTER\0tEXt\0tIME\0zTXt";
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, ignored, static_cast<int>(sizeof(ignored) / 5));

    png_uint_32 width = 0, height = 0;
    int channels = 0;
    std::size_t row_bytes = 0;
    auto fail = [&] { DEEPVIS_FAIL(io_error, "image '" << name << "': cannot decode PNG: " << ctx.message); };
    if (!png_guarded(png, [&] {
            png_read_info(png, info);
            width = png_get_image_width(png, info);
            height = png_get_image_height(png, info);
        }))
        fail();
    check_declared_pixels(name, width, height);
    if (!png_guarded(png, [&] {
            // To 8 bits per sample (16-bit keeps its high byte, as stb did), palette to RGB,
            // tRNS to an alpha channel, every interlace pass merged.
            png_set_strip_16(png);
            png_set_packing(png);
            png_set_palette_to_rgb(png);
            png_set_expand_gray_1_2_4_to_8(png);
            if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
            png_set_interlace_handling(png);
            png_read_update_info(png, info);
            channels = png_get_channels(png, info);
            row_bytes = png_get_rowbytes(png, info);
        }))
        fail();
    DEEPVIS_CHECK(channels >= 1 && channels <= 4 && row_bytes == std::size_t(width) * std::size_t(channels), io_error,
                  "image '" << name << "': PNG with " << channels << " channels and " << row_bytes
                            << " bytes per row is not supported");
    io::image_u8 img{.height = height, .width = width, .channels = std::size_t(channels), .pixels = {}};
    img.pixels.resize(img.height * row_bytes);
    std::vector<png_bytep> rows(img.height);
    for (std::size_t y = 0; y < img.height; ++y) rows[y] = img.pixels.data() + y * row_bytes;
    if (!png_guarded(png, [&] {
            png_read_image(png, rows.data());
            png_read_end(png, nullptr);
        }))
        fail();
    return img;
}

// --- JPEG --------------------------------------------------------------------------------------

// More scans than this in a progressive JPEG is a CPU bomb, not a photo (libjpeg-turbo's own
// fuzzers and TurboJPEG 3 use the same cut-off).
inline constexpr int jpeg_max_scans = 500;

struct jpeg_context {
    jpeg_error_mgr err{};
    jpeg_progress_mgr progress{};
    std::jmp_buf jump{};
    char message[JMSG_LENGTH_MAX] = {};
};

extern "C" inline void deepvis_jpeg_error_exit(j_common_ptr cinfo) {
    auto* ctx = reinterpret_cast<jpeg_context*>(cinfo->err);  // err is the first member
    (*cinfo->err->format_message)(cinfo, ctx->message);
    std::longjmp(ctx->jump, 1);
}
// A warning (level -1) means corrupt data that libjpeg would paper over with made-up pixels:
// refuse it like an error. Trace messages (level >= 0) are ignored.
extern "C" inline void deepvis_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0) deepvis_jpeg_error_exit(cinfo);
}
extern "C" inline void deepvis_jpeg_progress(j_common_ptr cinfo) {
    if (cinfo->is_decompressor) {
        auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
        if (d->input_scan_number > jpeg_max_scans) {
            auto* ctx = reinterpret_cast<jpeg_context*>(cinfo->err);
            std::snprintf(ctx->message, sizeof ctx->message, "more than %d scans", jpeg_max_scans);
            std::longjmp(ctx->jump, 2);
        }
    }
}

template <class F>
bool jpeg_guarded(jpeg_context& ctx, F&& f) {
    if (setjmp(ctx.jump)) return false;
    f();
    return true;
}

inline io::image_u8 decode_jpeg(std::span<const std::uint8_t> bytes, const std::string& name) {
    jpeg_context ctx;
    jpeg_decompress_struct cinfo{};
    cinfo.err = jpeg_std_error(&ctx.err);
    ctx.err.error_exit = deepvis_jpeg_error_exit;
    ctx.err.emit_message = deepvis_jpeg_emit_message;
    ctx.progress.progress_monitor = deepvis_jpeg_progress;
    auto fail = [&] { DEEPVIS_FAIL(io_error, "image '" << name << "': cannot decode JPEG: " << ctx.message); };
    if (!jpeg_guarded(ctx, [&] { jpeg_create_decompress(&cinfo); })) fail();
    struct destroy {
        jpeg_decompress_struct* cinfo;
        ~destroy() { jpeg_destroy_decompress(cinfo); }
    } guard{&cinfo};
    cinfo.progress = &ctx.progress;
    bool cmyk = false;
    if (!jpeg_guarded(ctx, [&] {
            jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
            jpeg_read_header(&cinfo, TRUE);
            cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
            cinfo.out_color_space = cmyk ? JCS_CMYK : cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
        }))
        fail();
    check_declared_pixels(name, cinfo.image_width, cinfo.image_height);
    std::size_t channels = 0, width = 0, height = 0;
    if (!jpeg_guarded(ctx, [&] {
            jpeg_start_decompress(&cinfo);
            channels = static_cast<std::size_t>(cinfo.output_components);
            width = cinfo.output_width;
            height = cinfo.output_height;
        }))
        fail();
    DEEPVIS_CHECK(channels == 1 || channels == 3 || channels == 4, io_error,
                  "image '" << name << "': JPEG with " << channels << " components is not supported");
    std::vector<std::uint8_t> pixels(height * width * channels);
    if (!jpeg_guarded(ctx, [&] {
            while (cinfo.output_scanline < cinfo.output_height) {
                JSAMPROW row = pixels.data() + std::size_t(cinfo.output_scanline) * width * channels;
                jpeg_read_scanlines(&cinfo, &row, 1);
            }
            jpeg_finish_decompress(&cinfo);
        }))
        fail();
    io::image_u8 img{.height = height, .width = width, .channels = channels, .pixels = std::move(pixels)};
    if (cmyk) {
        // Photoshop (the Adobe marker) stores CMYK inverted; R = C·K/255 either way after undoing it.
        const bool inverted = cinfo.saw_Adobe_marker;
        std::vector<std::uint8_t> rgb(height * width * 3);
        for (std::size_t i = 0; i < height * width; ++i) {
            const std::uint8_t* p = img.pixels.data() + i * 4;
            const int k = inverted ? p[3] : 255 - p[3];
            for (std::size_t c = 0; c < 3; ++c)
                rgb[i * 3 + c] = static_cast<std::uint8_t>((inverted ? p[c] : 255 - p[c]) * k / 255);
        }
        img.pixels = std::move(rgb);
        img.channels = 3;
    }
    return img;
}

/// Decodes PNG or JPEG bytes, recognised by their magic bytes, to 8 bits with `channels` channels
/// (1-4), or the file's own channel count when 0. `name` names the source in errors.
inline io::image_u8 decode_image_bytes(std::span<const std::uint8_t> bytes, int channels, const std::string& name) {
    static constexpr std::uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const bool png = bytes.size() >= 8 && std::memcmp(bytes.data(), png_magic, 8) == 0;
    const bool jpeg = bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
    DEEPVIS_CHECK(png || jpeg, io_error,
                  "image '" << name << "': cannot decode: unsupported image format (deepvis reads PNG and JPEG)");
    io::image_u8 img = png ? decode_png(bytes, name) : decode_jpeg(bytes, name);
    if (channels != 0 && img.channels != std::size_t(channels)) {
        img.pixels = convert_channels(img.pixels, img.channels, std::size_t(channels));
        img.channels = std::size_t(channels);
    }
    return img;
}

}  // namespace deepvis::detail
