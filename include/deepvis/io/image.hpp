#pragma once
/// Images in and out: PNG (libpng) and JPEG (libjpeg-turbo) decoding into NCHW float tensors with
/// the usual preprocessing (resize, scale, per-channel mean/std, RGB→BGR, grayscale), and PNG
/// writing with stb_image_write through atomic_file. Files are untrusted: io/detail/image_decode.hpp
/// says how (max_pixels(), DEEPVIS_MAX_PIXELS); other formats (BMP, GIF, PNM...) are refused.
///
/// Preprocessing, in this order, for each image:
///   1. decode to 8-bit with `channels` channels (grey = (77 R + 150 G + 29 B) >> 8, as stb_image);
///   2. x = scale · pixel (scale = 1/255 by default: values in [0, 1]);
///   3. if bgr: reverse the channel order (for Caffe-style models);
///   4. if size is set: bilinear resize to size = {H, W}, sampling as PyTorch's
///      interpolate(mode="bilinear", align_corners=False, antialias=True) — the triangle filter
///      widened by the shrink factor, as PIL and torchvision resize photos. Without it a photo
///      shrunk more than 2× aliases: SqueezeNet's top-1 for the astronaut photo (512² → 227²)
///      changes from espresso maker to coffeepot;
///   5. x = (x - mean[c]) / std[c], with mean and std given in the model's channel order
///      (after step 3), e.g. ImageNet: {.mean = {0.485, 0.456, 0.406}, .std = {0.229, 0.224, 0.225}}.
#include <stb_image_write.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/kernels/resample.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/io/atomic_file.hpp>
#include <deepvis/io/detail/image_decode.hpp>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace deepvis::io {

/// How images become a model's input; set the fields with designated initialisers.
struct image_options {
    /// {H, W} to resize every image to (bilinear); {0, 0} keeps each file's own size.
    std::array<std::size_t, 2> size = {0, 0};
    /// Per-channel mean, subtracted after scaling: empty (0), one value for all channels, or one per channel.
    std::vector<float> mean = {};
    /// Per-channel standard deviation, dividing after the mean: empty (1), one value, or one per channel.
    std::vector<float> std = {};
    /// Multiplies the 8-bit pixel values.
    float scale = 1.0f / 255.0f;
    /// Channel order B, G, R instead of R, G, B.
    bool bgr = false;
    /// 3 (colour) or 1 (grayscale models).
    int channels = 3;
    /// Low-pass when shrinking (step 4); false: plain bilinear sampling, as interpolate's default.
    bool antialias = true;
};

}  // namespace deepvis::io

namespace deepvis::detail {

inline std::vector<unsigned char> read_image_file(const std::filesystem::path& path) {
    const std::string file = path.string();
    std::error_code ec;
    DEEPVIS_CHECK(std::filesystem::exists(path, ec), io_error, "image '" << file << "': no such file");
    DEEPVIS_CHECK(!std::filesystem::is_directory(path, ec), io_error, "image '" << file << "': is a directory");
    const auto size = std::filesystem::file_size(path, ec);
    DEEPVIS_CHECK(!ec, io_error, "image '" << file << "': cannot read its size: " << ec.message());
    DEEPVIS_CHECK(size <= static_cast<std::uintmax_t>(std::numeric_limits<int>::max()), io_error,
                  "image '" << file << "': " << size << " bytes is too large to decode");
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    DEEPVIS_CHECK(in.is_open(), io_error, "image '" << file << "': cannot open: " << io_system_reason(errno));
    std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
    DEEPVIS_CHECK(in || size == 0, io_error, "image '" << file << "': cannot read: " << io_system_reason(errno));
    return bytes;
}

inline void check_image_options(const io::image_options& o) {
    DEEPVIS_CHECK(o.channels == 1 || o.channels == 3, config_error,
                  "image options: channels is " << o.channels << ", expected 1 or 3");
    const auto c = static_cast<std::size_t>(o.channels);
    DEEPVIS_CHECK(o.mean.size() <= 1 || o.mean.size() == c, config_error,
                  "image options: " << o.mean.size() << " mean values for " << c << " channels, expected 1 or " << c);
    DEEPVIS_CHECK(o.std.size() <= 1 || o.std.size() == c, config_error,
                  "image options: " << o.std.size() << " std values for " << c << " channels, expected 1 or " << c);
    for (float s : o.std)
        DEEPVIS_CHECK(s != 0.0f && std::isfinite(s), config_error,
                      "image options: std value " << s << " is not usable");
    DEEPVIS_CHECK((o.size[0] == 0) == (o.size[1] == 0), config_error,
                  "image options: size {" << o.size[0] << ", " << o.size[1] << "}, expected both H and W or neither");
    DEEPVIS_CHECK(std::isfinite(o.scale), config_error, "image options: scale is not finite");
}

}  // namespace deepvis::detail

namespace deepvis::io {

/// Resizes the last two dimensions of `t` (rank ≥ 2: HW, CHW or NCHW) to {height, width} by
/// bilinear interpolation, as PyTorch's interpolate(mode="bilinear", align_corners=False,
/// antialias=antialias); antialiasing only changes a shrinking dimension.
///   throws: config_error for an empty target size; shape_error for an empty input.
inline tensor resize_bilinear(const tensor& t, std::size_t height, std::size_t width, bool antialias = true) {
    tensor out(detail::resized_shape(t, height, width, "resize_bilinear"));
    const std::size_t in_h = t.shape()[t.dimension() - 2], in_w = t.shape()[t.dimension() - 1];
    const auto rows = kernels::triangle_taps(in_h, height, antialias);
    const auto cols = kernels::triangle_taps(in_w, width, antialias);
    kernels::separable_filter(t.data(), t.size() / (in_h * in_w), in_h, in_w, rows, cols, out.data(), height, width);
    return out;
}

/// Decodes PNG or JPEG bytes (recognised by their magic bytes) to 8 bits with `channels`
/// channels (1-4), or the image's own channel count when `channels` is 0; `name` names the
/// source in errors.
///   throws: io_error naming the source, when the format is not PNG/JPEG, the declared size is
///   over max_pixels(), or libpng/libjpeg reports an error (truncated or corrupt data included).
inline image_u8 decode_image_bytes(std::span<const std::uint8_t> bytes, int channels = 0,
                                   const std::string& name = "(memory)") {
    DEEPVIS_CHECK(channels >= 0 && channels <= 4, config_error,
                  "image '" << name << "': " << channels << " channels requested, expected 0 to 4");
    return detail::decode_image_bytes(bytes, channels, name);
}

/// Decodes a PNG or JPEG file (see decode_image_bytes).
///   throws: io_error naming the file when it is missing or cannot be decoded.
inline image_u8 decode_image(const std::filesystem::path& path, int channels = 0) {
    DEEPVIS_CHECK(channels >= 0 && channels <= 4, config_error,
                  "image '" << path.string() << "': " << channels << " channels requested, expected 0 to 4");
    const auto bytes = detail::read_image_file(path);
    return detail::decode_image_bytes(bytes, channels, path.string());
}

/// Preprocesses a decoded image (see the top of this header) into a (C, H, W) tensor.
inline tensor preprocess_image(const image_u8& img, const io::image_options& options = {}) {
    detail::check_image_options(options);
    const auto c = static_cast<std::size_t>(options.channels);
    DEEPVIS_CHECK(img.channels == c, shape_error,
                  "preprocess_image: image has " << img.channels << " channels, options ask for " << c);
    const std::size_t h = img.height, w = img.width;
    tensor chw(shape_type{c, h, w});
    for (std::size_t k = 0; k < c; ++k) {
        const std::size_t from = options.bgr ? c - 1 - k : k;
        float* dst = chw.data() + k * h * w;
        for (std::size_t i = 0; i < h * w; ++i) dst[i] = options.scale * static_cast<float>(img.pixels[i * c + from]);
    }
    if (options.size[0] != 0 && (options.size[0] != h || options.size[1] != w))
        chw = resize_bilinear(chw, options.size[0], options.size[1], options.antialias);
    const std::size_t plane = chw.shape()[1] * chw.shape()[2];
    for (std::size_t k = 0; k < c; ++k) {
        const float m = options.mean.empty() ? 0.0f : options.mean[options.mean.size() == 1 ? 0 : k];
        const float s = options.std.empty() ? 1.0f : options.std[options.std.size() == 1 ? 0 : k];
        float* p = chw.data() + k * plane;
        for (std::size_t i = 0; i < plane; ++i) p[i] = (p[i] - m) / s;
    }
    return chw;
}

/// Loads several images as one batch (N, C, H, W). Without options.size every image must have
/// the first one's size.
///   throws: io_error naming a file that is missing or cannot be decoded; shape_error when sizes differ.
inline tensor load_images(const std::vector<std::filesystem::path>& paths, const io::image_options& options = {}) {
    detail::check_image_options(options);
    DEEPVIS_CHECK(!paths.empty(), config_error, "load_images: no image given");
    tensor batch;
    for (std::size_t n = 0; n < paths.size(); ++n) {
        const tensor chw = preprocess_image(decode_image(paths[n], options.channels), options);
        if (n == 0) {
            batch.resize(shape_type{paths.size(), chw.shape()[0], chw.shape()[1], chw.shape()[2]});
        } else {
            DEEPVIS_CHECK(chw.shape()[1] == batch.shape()[2] && chw.shape()[2] == batch.shape()[3], shape_error,
                          "image '" << paths[n].string() << "': is " << chw.shape()[1] << "x" << chw.shape()[2]
                                    << " (HxW) but '" << paths[0].string() << "' is " << batch.shape()[2] << "x"
                                    << batch.shape()[3] << "; give a size to resize them all");
        }
        std::copy(chw.begin(), chw.end(), batch.data() + n * chw.size());
    }
    return batch;
}

/// Loads one image as a batch of one (1, C, H, W).
inline tensor load_image(const std::filesystem::path& path, const io::image_options& options = {}) {
    return load_images({path}, options);
}

/// Converts an (H, W), (C, H, W) or (1, C, H, W) float image with values in [0, 1] (clamped;
/// NaN becomes 0) to 8 bits; C is 1, 2, 3 or 4.
inline image_u8 to_image_u8(const tensor& image) {
    const std::size_t rank = image.dimension();
    DEEPVIS_CHECK(rank == 2 || rank == 3 || (rank == 4 && image.shape()[0] == 1), shape_error,
                  "to_image_u8: image has shape " << shape_string(image.shape())
                                                  << ", expected (H, W), (C, H, W) or (1, C, H, W)");
    image_u8 img;
    img.channels = rank == 2 ? 1 : image.shape()[rank - 3];
    img.height = image.shape()[rank - 2];
    img.width = image.shape()[rank - 1];
    DEEPVIS_CHECK(img.channels >= 1 && img.channels <= 4, shape_error,
                  "to_image_u8: image has " << img.channels << " channels, expected 1 to 4");
    const std::size_t plane = img.height * img.width;
    img.pixels.resize(plane * img.channels);
    for (std::size_t k = 0; k < img.channels; ++k)
        for (std::size_t i = 0; i < plane; ++i) {
            const float v = image.data()[k * plane + i];
            const float clamped = v > 0.0f ? std::min(v, 1.0f) : 0.0f;  // NaN fails v > 0
            img.pixels[i * img.channels + k] = static_cast<std::uint8_t>(std::lround(clamped * 255.0f));
        }
    return img;
}

/// Writes an 8-bit image as PNG, atomically.
///   throws: io_error naming the file when it cannot be encoded or written.
inline void save_png(const std::filesystem::path& path, const image_u8& image) {
    DEEPVIS_CHECK(image.channels >= 1 && image.channels <= 4 && image.height > 0 && image.width > 0 &&
                      image.pixels.size() == image.height * image.width * image.channels,
                  shape_error,
                  "image '" << path.string() << "': cannot save " << image.height << "x" << image.width << "x"
                            << image.channels << " with " << image.pixels.size() << " bytes of pixels");
    DEEPVIS_CHECK(image.width * image.channels <= static_cast<std::size_t>(std::numeric_limits<int>::max()) &&
                      image.height <= static_cast<std::size_t>(std::numeric_limits<int>::max()),
                  shape_error, "image '" << path.string() << "': too large for PNG");
    std::string encoded;
    auto append = [](void* context, void* data, int size) {
        static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
    };
    const int ok = stbi_write_png_to_func(append, &encoded, static_cast<int>(image.width),
                                          static_cast<int>(image.height), static_cast<int>(image.channels),
                                          image.pixels.data(), static_cast<int>(image.width * image.channels));
    DEEPVIS_CHECK(ok != 0, io_error, "image '" << path.string() << "': PNG encoding failed");
    write_file_atomic(path, encoded);
}

/// Writes an (H, W), (C, H, W) or (1, C, H, W) float image with values in [0, 1] as PNG, atomically.
inline void save_png(const std::filesystem::path& path, const tensor& image) { save_png(path, to_image_u8(image)); }

}  // namespace deepvis::io
