#pragma once
/// What the synthesis commands (visualize-class, visualize-channel, fool, invert, style) share:
/// their common flags, the recipe flags, and writing results. Images are optimised in the
/// standardised pixel space of synthesis/pixel_space.hpp; the preprocessing flags say how pixels
/// map to the model's input, so the recipes' numbers mean the same for every model, images stay
/// valid pixels and are saved in true colours. --out writes a .png (preprocessing undone,
/// one image) or a .npy (the raw input-space tensor). --every K saves snapshots OUT.stepK.EXT.
/// On a terminal a progress bar is drawn on stderr.
#include <unistd.h>

#include <algorithm>
#include <deepvis/synthesis.hpp>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <ostream>
#include <string>
#include <vector>

#include "common.hpp"
#include "gallery/context.hpp"
#include "preprocessing.hpp"

namespace deepvis::cli::synth {

inline void add_common_flags(command_line& f, const char* iterations, bool model_required = true) {
    if (model_required) {
        add_model_flag(f);
    } else {
        f.option("model", "M.onnx|M.caffemodel",
                 "the feature network (default: the embedded random-weight texture network)");
        add_prototxt_flag(f);
    }
    f.required("out", "OUT.png|OUT.npy", "the result: a PNG (pixels) or a float32 .npy (model input space)")
        .option("iterations", "N", "optimisation steps", iterations)
        .option("seed", "S", "random seed (initial image, jitter)", "0")
        .option("every", "K", "also save a snapshot OUT.stepK.EXT every K steps")
        .option("zoom", "K", "enlarge a PNG result K times (nearest neighbour)", "1");
    add_preprocessing_flags(f);
}

/// The model's channel count (3 when it is not fixed).
inline int model_channels(const nn::network& net) {
    const auto& d = net.input_info().shape;
    return d.size() == 4 && d[1] > 0 ? static_cast<int>(d[1]) : 3;
}

/// Writes an input-space result: .npy as it is, .png in true colours (one image, zoomed).
inline void save_result(const std::filesystem::path& path, const tensor& x, const preprocessing& p,
                        std::size_t zoom = 1) {
    const auto ext = path.extension().string();
    if (ext == ".npy") return io::save_npy(path, x);
    DEEPVIS_CHECK(ext == ".png", config_error, "--out '" << path.string() << "': use a .png or .npy file name");
    DEEPVIS_CHECK(
        x.shape()[0] == 1, config_error,
        "--out '" << path.string() << "': a PNG holds one image, the batch has " << x.shape()[0] << "; use .npy");
    const tensor image = xt::view(p.from_model(x), 0);  // (C, H, W)
    io::save_png(path, gallery::zoom(image, zoom));
}

/// The callback of every command: progress bar on a terminal, snapshots with --every.
struct progress {
    std::filesystem::path out;
    std::size_t every = 0;
    preprocessing preprocess;
    std::size_t zoom = 1;
    bool terminal = isatty(2) != 0;

    bool operator()(const step_report& r) const {
        if (every && (r.step + 1) % every == 0) {
            std::filesystem::path snap = out;
            snap.replace_extension(".step" + std::to_string(r.step + 1) + out.extension().string());
            save_result(snap, r.image, preprocess, zoom);
        }
        if (terminal) {
            constexpr std::size_t width = 30;
            const std::size_t done = (r.step + 1) * width / std::max<std::size_t>(r.iterations, 1);
            std::cerr << "\r[" << std::string(done, '=') << std::string(width - done, ' ') << "] " << r.step + 1 << '/'
                      << r.iterations << " objective " << std::setprecision(5) << r.value << "   " << std::flush;
            if (r.step + 1 == r.iterations) std::cerr << '\n';
        }
        return false;
    }
};

inline progress make_progress(const command_line& f, const preprocessing& p) {
    progress result{f.get_string("out"), 0, p, f.get_count("zoom")};
    if (f.given("every")) result.every = f.get_count("every");
    return result;
}

inline void add_recipe_flags(command_line& f) {
    f.option("l2", "L", "weight of the L2 penalty on the image", "1e-3")
        .option("lr", "LR", "normalised step size (default: 25 scaled to the image size)")
        .option("blur-sigma", "S", "Gaussian blur sigma (0: off)", "0.5")
        .option("blur-every", "K", "blur every K steps", "10")
        .option("jitter", "J", "largest random shift in pixels (default: 16 scaled to the image size)")
        .option("scale-jitter", "S", "random scale in [1-S, 1+S] before each step (0: off)", "0.05")
        .option("rotation", "DEG", "random rotation in [-DEG, DEG] degrees before each step (0: off)", "5")
        .option("parameterisation", "pixels|fourier",
                "optimise the pixels (the CS231n recipe) or a decorrelated-colour Fourier spectrum (Olah et al. "
                "2017; Adam, lr 0.05 unless --lr; --l2, --blur-* unused)",
                "pixels");
}

/// The recipe's options from the flags; the image is clamped to the pixels `p` maps to, and
/// has p's size when it has one (--size, the preset's or the model's: models with free spatial
/// dimensions need it).
inline class_model_options recipe_options(const command_line& f, const preprocessing& p) {
    class_model_options o;
    o.iterations = f.get_count("iterations");
    o.l2_weight = f.get_float("l2");
    if (f.given("lr")) o.step_size = f.get_float("lr");
    o.blur_sigma = f.get_float("blur-sigma");
    o.blur_every = f.get_count("blur-every");
    if (f.given("jitter")) o.jitter_pixels = f.get_int("jitter");
    o.scale_jitter = f.get_float("scale-jitter");
    if (!(o.scale_jitter >= 0.0 && o.scale_jitter < 1.0))
        throw usage_error("flag --scale-jitter: '" + f.get_string("scale-jitter") + "' is not in [0, 1)");
    o.rotation_degrees = f.get_float("rotation");
    if (!(o.rotation_degrees >= 0.0 && o.rotation_degrees <= 180.0))
        throw usage_error("flag --rotation: '" + f.get_string("rotation") + "' is not in [0, 180] degrees");
    const std::string param = f.get_string("parameterisation");
    if (param == "pixels")
        o.image_parameterisation = parameterisation::pixels;
    else if (param == "fourier")
        o.image_parameterisation = parameterisation::fourier;
    else
        throw usage_error("flag --parameterisation: '" + param + "' is not pixels or fourier");
    o.preprocessing = p.model_input();
    o.seed = static_cast<std::uint64_t>(f.get_int("seed"));
    if (p.size[0] > 0) o.shape = {1, static_cast<std::size_t>(p.channels), p.size[0], p.size[1]};
    return o;
}

inline void report_scores(std::ostream& out, const nn::network& net, const tensor& x) {
    nn::network::trace t;
    net.forward(x, t);
    const auto p = softmax_rows(net.scores(t));
    for (std::size_t n = 0; n < p.size(); ++n) {
        const auto top = top_classes(p[n], 1).front();
        out << "image " << n << ": predicted class " << top << " p=" << std::fixed << std::setprecision(4) << p[n][top]
            << std::defaultfloat << '\n';
    }
}

}  // namespace deepvis::cli::synth
