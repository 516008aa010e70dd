#pragma once
/// How image files become a model's input and how input-space images become pixels again: the
/// one preprocessing vocabulary of every command that reads or writes images (predict,
/// attribute, the synthesis commands, gallery).
///
///   model input x = (scale · pixel − mean) / std, pixel in 0..255, channels B, G, R with bgr.
///
/// Flags: --preprocess caffe|imagenet|unit gives all fields at once; --size, --scale, --mean,
/// --std and --bgr override single fields of it.
#include <algorithm>
#include <array>
#include <deepvis/core/checked.hpp>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/io/image.hpp>
#include <deepvis/io/model_metadata.hpp>
#include <deepvis/synthesis/pixel_space.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "command_line.hpp"

namespace deepvis::cli {

struct preprocessing {
    std::array<std::size_t, 2> size = {0, 0};  ///< {H, W}; {0, 0}: each file's own size
    float scale = 1.0f / 255.0f;               ///< multiplies the 8-bit pixel values
    std::vector<float> mean = {0.0f};          ///< per model channel (B, G, R with bgr), or one for all
    std::vector<float> std = {1.0f};
    bool bgr = false;
    int channels = 3;

    /// "unit": RGB in [0, 1] (deepvis' default); "caffe": BGR in 0..255 minus the ImageNet mean
    /// 104, 117, 123, 227×227 as Caffe's ImageNet networks were trained; "imagenet": RGB in
    /// [0, 1] with torchvision's mean and std, 224×224. The sizes apply to models whose spatial
    /// dimensions are free.
    static preprocessing preset(const std::string& name) {
        if (name == "unit") return {};
        if (name == "caffe")
            return {.size = {227, 227}, .scale = 1.0f, .mean = {104.0f, 117.0f, 123.0f}, .std = {1.0f}, .bgr = true};
        if (name == "imagenet")
            return {.size = {224, 224}, .mean = {0.485f, 0.456f, 0.406f}, .std = {0.229f, 0.224f, 0.225f}};
        throw usage_error("flag --preprocess: '" + name + "' is not caffe, imagenet or unit");
    }

    io::image_options image_options() const {
        return {.size = size, .mean = mean, .std = std, .scale = scale, .bgr = bgr, .channels = channels};
    }
    /// Image files as one model-input batch (N, C, H, W).
    tensor to_model(const std::vector<std::filesystem::path>& files) const {
        return io::load_images(files, image_options());
    }
    /// One image file as (1, C, H, W).
    tensor to_model(const std::filesystem::path& file) const { return to_model(std::vector{file}); }

    /// Model-input images (N, C, H, W) back to pixels in [0, 1], R, G, B: the exact inverse of
    /// to_model (mean, std and scale undone, channels swapped back), clamped for display.
    tensor from_model(const tensor& x) const {
        DEEPVIS_CHECK(x.dimension() == 4, shape_error,
                      "preprocessing: expected images (N, C, H, W), got " << shape_string(x.shape()));
        tensor out(shape_of(x));
        const std::size_t n = x.shape()[0], c = x.shape()[1], plane = x.shape()[2] * x.shape()[3];
        const float to_unit = 1.0f / (255.0f * scale);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t k = 0; k < c; ++k) {
                const float m = channel_value(mean, k), s = channel_value(std, k);
                const std::size_t rgb = bgr && c == 3 ? 2 - k : k;
                const float* src = x.data() + (i * c + k) * plane;
                float* dst = out.data() + (i * c + rgb) * plane;
                for (std::size_t p = 0; p < plane; ++p) dst[p] = std::clamp((src[p] * s + m) * to_unit, 0.0f, 1.0f);
            }
        return out;
    }

    /// The same map as the library's input_preprocessing, as the synthesis recipes take it
    /// (they optimise in the pixel space of synthesis/pixel_space.hpp and map through it).
    input_preprocessing model_input() const { return {.scale = scale, .mean = mean, .std = std, .bgr = bgr}; }

    /// "×0.00392, mean (0, 0, 0), std (1, 1, 1), RGB" for captions and logs.
    std::string describe() const {
        std::ostringstream os;
        if (size[0] > 0) os << "resized to " << size[0] << "×" << size[1] << " (bilinear), ";
        os << "×" << scale << ", mean (" << join(mean) << "), std (" << join(std) << ")" << (bgr ? ", BGR" : ", RGB");
        return os.str();
    }

private:
    static float channel_value(const std::vector<float>& v, std::size_t k) {
        return v.size() == 1 ? v[0] : v[std::min(k, v.size() - 1)];
    }
    static std::string join(const std::vector<float>& v) {
        std::ostringstream os;
        for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
        return os.str();
    }
};

/// The flags of the vocabulary, with the preset used when --preprocess is not given.
inline void add_preprocessing_flags(command_line& f, const std::string& default_preset = "unit") {
    f.option(
         "preprocess", "caffe|imagenet|unit",
         "preset: caffe = BGR 0..255 minus 104,117,123, 227x227; imagenet = RGB /255, torchvision mean/std, 224x224; "
         "unit = RGB /255, the files' size (sizes apply when the model does not fix one)",
         default_preset)
        .option("size", "H,W", "resize images to H x W (default: the model's declared input size)")
        .option("scale", "F", "factor on 8-bit pixel values, e.g. 1/255 or 1 (default: the preset's)")
        .option("mean", "M[,M,M]",
                "per-channel mean subtracted after scaling, in model channel order (default: the preset's)")
        .option("std", "S[,S,S]", "per-channel standard deviation dividing after the mean (default: the preset's)")
        .toggle("bgr", "feed the channels as B, G, R (Caffe-style models; default: the preset's)");
}

/// The names of those flags, for commands that must refuse them (an .npy input is not an image).
inline constexpr const char* preprocessing_flag_names[] = {"preprocess", "size", "scale", "mean", "std", "bgr"};

/// The preprocessing the flags ask for. Fields come, later ones winning, from: the default
/// preset (the model's own metadata when it carries deepvis.preprocess.* keys and no
/// --preprocess is given, io/model_metadata.hpp); `declared` (H, W) when the model fixes it;
/// each explicit flag. ({0, 0} size: each file's own size.)
inline preprocessing read_preprocessing(const command_line& f, int channels,
                                        std::array<std::size_t, 2> declared = {0, 0},
                                        const io::metadata_map& metadata = {}) {
    // The presets are colour (ImageNet) conventions: a grayscale model gets "unit" unless asked.
    preprocessing p = preprocessing::preset(channels == 1 && !f.given("preprocess") ? std::string("unit")
                                                                                    : f.get_string("preprocess"));
    if (!f.given("preprocess") && io::has_preprocessing(metadata)) {
        const io::image_options o = io::read_preprocessing(metadata, preprocessing::preset("unit").image_options());
        p = {.size = o.size, .scale = o.scale, .mean = o.mean, .std = o.std, .bgr = o.bgr};
    }
    p.channels = channels;
    if (channels == 1 && !f.given("mean") && p.mean.size() > 1) p.mean = {p.mean[0]};
    if (channels == 1 && !f.given("std") && p.std.size() > 1) p.std = {p.std[0]};
    if (declared[0] > 0) p.size = declared;
    if (f.given("size")) {
        const auto hw = f.get_ints("size");
        if (hw.size() != 2 || hw[0] <= 0 || hw[1] <= 0)
            throw usage_error("flag --size: '" + f.get_string("size") + "' is not H,W with H, W > 0");
        p.size = {static_cast<std::size_t>(hw[0]), static_cast<std::size_t>(hw[1])};
        // The pixel budget of a decoded image (core/checked.hpp) bounds a resized one too.
        if (p.size[0] > max_pixels() / p.size[1])
            throw config_error("flag --size: " + f.get_string("size") + " is more than the maximum of " +
                               std::to_string(max_pixels()) + " pixels (DEEPVIS_MAX_PIXELS)");
    }
    if (f.given("scale")) p.scale = f.get_float("scale");
    if (f.given("mean")) p.mean = f.get_floats("mean");
    if (f.given("std")) p.std = f.get_floats("std");
    if (f.given("bgr")) p.bgr = true;
    return p;
}

}  // namespace deepvis::cli
