#pragma once
/// deepvis visualize-class, visualize-channel, fool, invert, style: image synthesis by
/// optimisation (include/deepvis/synthesis.hpp). Images are optimised in the model's input space;
/// --mean/--std give the model's pixel normalisation (x' = (x − mean)/std for pixels x in
/// [0, 1]) so that images are clamped to the valid range and saved as pixels. --out writes a
/// .png (denormalised, one image) or a .npy (the raw input-space tensor). --every K saves
/// snapshots OUT.stepK.EXT. On a terminal a progress bar is drawn on stderr.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <deepvis/synthesis.hpp>

#include "common.hpp"
#include "gallery/context.hpp"

namespace deepvis::cli {

inline constexpr const char* visualize_class_summary = "synthesise an image that maximises a class score";
inline constexpr const char* visualize_channel_summary = "synthesise an image that maximises a channel or neuron";
inline constexpr const char* fool_summary = "change an input until the model predicts a target class";
inline constexpr const char* invert_summary = "reconstruct an input from its features at a layer";
inline constexpr const char* style_summary = "render a content image in the style of other images (Gatys)";

namespace synth {

inline void add_common_flags(flags& f, const char* iterations, bool model_required = true) {
    if (model_required)
        add_model_flag(f);
    else
        f.option("model", "M.onnx", "the ONNX feature network (default: the embedded random-weight texture network)");
    f.required("out", "OUT.png|OUT.npy", "the result: a PNG (pixels) or a float32 .npy (model input space)")
        .option("iterations", "N", "optimisation steps", iterations)
        .option("seed", "S", "random seed (initial image, jitter)", "0")
        .option("every", "K", "also save a snapshot OUT.stepK.EXT every K steps")
        .option("pixel-mean", "M[,M,M]", "the model's input normalisation: mean of pixels in [0, 1]", "0")
        .option("pixel-std", "S[,S,S]", "the model's input normalisation: standard deviation", "1")
        .option("zoom", "K", "enlarge a PNG result K times (nearest neighbour)", "1");
}

/// Input-space image → pixels in [0, 1] for PNG.
inline tensor to_pixels(const tensor& x, const std::vector<float>& mean, const std::vector<float>& std) {
    tensor p = x;
    const std::size_t n = p.shape()[0], c = p.shape()[1], plane = p.size() / (n * c);
    for (std::size_t b = 0; b < n; ++b)
        for (std::size_t k = 0; k < c; ++k) {
            const float m = mean[mean.size() == 1 ? 0 : k], s = std[std.size() == 1 ? 0 : k];
            float* q = p.data() + (b * c + k) * plane;
            for (std::size_t e = 0; e < plane; ++e) q[e] = q[e] * s + m;
        }
    return p;
}

inline void save_result(const std::filesystem::path& path, const tensor& x, const std::vector<float>& mean,
                        const std::vector<float>& std, std::size_t zoom = 1) {
    const auto ext = path.extension().string();
    if (ext == ".npy") return io::save_npy(path, x);
    DEEPVIS_CHECK(ext == ".png", config_error, "--out '" << path.string() << "': use a .png or .npy file name");
    DEEPVIS_CHECK(x.shape()[0] == 1, config_error,
                  "--out '" << path.string() << "': a PNG holds one image, the batch has " << x.shape()[0] << "; use .npy");
    const tensor pixels = to_pixels(x, mean, std);
    if (zoom <= 1) return io::save_png(path, pixels);
    const tensor image = xt::view(pixels, 0);  // (C, H, W)
    io::save_png(path, gallery::zoom(image, zoom));
}

/// The callback of every command: progress bar on a terminal, snapshots with --every.
struct progress {
    std::filesystem::path out;
    std::size_t every = 0;
    std::vector<float> mean, std;
    std::size_t zoom = 1;
    bool terminal = isatty(2) != 0;

    bool operator()(const step_report& r) const {
        if (every && (r.step + 1) % every == 0) {
            std::filesystem::path snap = out;
            snap.replace_extension(".step" + std::to_string(r.step + 1) + out.extension().string());
            save_result(snap, r.image, mean, std, zoom);
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

inline std::size_t positive(const flags& f, const char* name) {
    const long long v = f.get_int(name);
    if (v <= 0) throw usage_error(std::string("flag --") + name + ": " + f.get_string(name) + " is not a positive count");
    return static_cast<std::size_t>(v);
}

inline progress make_progress(const flags& f) {
    progress p{f.get_string("out"), 0, f.get_floats("pixel-mean"), f.get_floats("pixel-std"), positive(f, "zoom")};
    if (f.given("every")) {
        const long long k = f.get_int("every");
        if (k <= 0) throw usage_error("flag --every: " + f.get_string("every") + " is not a positive count");
        p.every = static_cast<std::size_t>(k);
    }
    return p;
}

inline void add_recipe_flags(flags& f) {
    f.option("l2", "L", "weight of the L2 penalty on the image", "1e-3")
        .option("lr", "LR", "normalised step size (default: 25 scaled to the image size)")
        .option("blur-sigma", "S", "Gaussian blur sigma (0: off)", "0.5")
        .option("blur-every", "K", "blur every K steps", "10")
        .option("jitter", "J", "largest random shift in pixels (default: 16 scaled to the image size)");
}

inline class_model_options recipe_options(const flags& f) {
    class_model_options o;
    o.iterations = positive(f, "iterations");
    o.l2_weight = f.get_float("l2");
    if (f.given("lr")) o.step_size = f.get_float("lr");
    o.blur_sigma = f.get_float("blur-sigma");
    o.blur_every = positive(f, "blur-every");
    if (f.given("jitter")) o.jitter_pixels = f.get_int("jitter");
    o.mean = f.get_floats("pixel-mean");
    o.std = f.get_floats("pixel-std");
    o.seed = static_cast<std::uint64_t>(f.get_int("seed"));
    return o;
}

inline void report_scores(std::ostream& out, const nn::network& net, const tensor& x) {
    nn::network::trace t;
    net.forward(x, t);
    const auto p = softmax_rows(net.scores(t));
    for (std::size_t n = 0; n < p.size(); ++n) {
        const auto top = std::max_element(p[n].begin(), p[n].end()) - p[n].begin();
        out << "image " << n << ": predicted class " << top << " p=" << std::fixed << std::setprecision(4) << p[n][top]
            << std::defaultfloat << '\n';
    }
}

}  // namespace synth

inline int run_visualize_class(const std::vector<std::string>& args, std::ostream& out) {
    flags f("deepvis visualize-class", "--model M.onnx --class C --out OUT.png [options]", visualize_class_summary);
    synth::add_common_flags(f, "100");
    f.required("class", "C", "the class whose score is maximised");
    synth::add_recipe_flags(f);
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const nn::network net = io::load_network(f.get_string("model"));
    const auto r = visualize_class(net, f.get_int("class"), synth::recipe_options(f), synth::make_progress(f));
    synth::save_result(f.get_string("out"), r.image, f.get_floats("pixel-mean"), f.get_floats("pixel-std"),
                       synth::positive(f, "zoom"));
    out << r.report.message << "; objective " << r.report.value << '\n';
    synth::report_scores(out, net, r.image);
    out << "wrote " << f.get_string("out") << '\n';
    return r.report.ok() ? 0 : 1;
}

inline int run_visualize_channel(const std::vector<std::string>& args, std::ostream& out) {
    flags f("deepvis visualize-channel", "--model M.onnx --layer L --channel K --out OUT.png [options]",
            visualize_channel_summary);
    synth::add_common_flags(f, "100");
    f.required("layer", "L", "the layer (node or tensor name)")
        .required("channel", "K", "the channel")
        .option("neuron", "Y,X", "maximise one neuron at (Y, X) instead of the channel mean");
    synth::add_recipe_flags(f);
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const nn::network net = io::load_network(f.get_string("model"));
    const auto o = synth::recipe_options(f);
    synthesis_result r;
    if (f.given("neuron")) {
        const auto yx = f.get_ints("neuron");
        if (yx.size() != 2) throw usage_error("flag --neuron: '" + f.get_string("neuron") + "' is not Y,X");
        r = visualize_neuron(net, f.get_string("layer"), f.get_int("channel"), yx[0], yx[1], o, synth::make_progress(f));
    } else {
        r = visualize_channel(net, f.get_string("layer"), f.get_int("channel"), o, synth::make_progress(f));
    }
    synth::save_result(f.get_string("out"), r.image, f.get_floats("pixel-mean"), f.get_floats("pixel-std"),
                       synth::positive(f, "zoom"));
    out << r.report.message << "; objective " << r.report.value << "\nwrote " << f.get_string("out") << '\n';
    return r.report.ok() ? 0 : 1;
}

inline int run_fool(const std::vector<std::string>& args, std::ostream& out) {
    flags f("deepvis fool", "--model M.onnx (--input X.npy | --image P.png) --target T --out OUT.png [options]",
            fool_summary);
    add_model_flag(f);
    add_input_flags(f);
    f.required("target", "T[,T...]", "the target class, or one per input")
        .required("out", "OUT.png|OUT.npy", "the fooling image")
        .option("difference", "D.png|D.npy", "the difference image (PNG: 0.5 + d / (2 max|d|))")
        .option("iterations", "N", "most steps", "100")
        .option("lr", "LR", "normalised step size", "1");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const nn::network net = io::load_network(f.get_string("model"));
    const input_batch batch = load_input(f, net);
    std::vector<std::int64_t> targets;
    for (long long t : f.get_ints("target")) targets.push_back(t);
    const auto r = fool(net, batch.x, targets,
                        {.max_iterations = synth::positive(f, "iterations"), .step_size = f.get_float("lr")});
    const std::vector<float> identity_mean = {0.0f}, identity_std = {1.0f};
    const auto mean = f.given("mean") ? f.get_floats("mean") : identity_mean;
    const auto stdv = f.given("std") ? f.get_floats("std") : identity_std;
    synth::save_result(f.get_string("out"), r.image, mean, stdv);
    if (f.given("difference")) {
        const std::filesystem::path d = f.get_string("difference");
        if (d.extension() == ".npy") {
            io::save_npy(d, r.difference);
        } else {
            const float m = std::max(1e-12f, xt::amax(xt::abs(r.difference))());
            synth::save_result(d, xt::eval(0.5f + r.difference / (2.0f * m)), identity_mean, identity_std);
        }
    }
    out << r.report.message << '\n';
    for (std::size_t n = 0; n < r.linf.size(); ++n)
        out << batch.names[n] << ": class " << r.original_class[n] << " -> " << r.final_class[n] << ", L-inf "
            << r.linf[n] << ", L2 " << r.l2[n] << '\n';
    out << "wrote " << f.get_string("out") << '\n';
    return r.success ? 0 : 1;
}

inline int run_invert(const std::vector<std::string>& args, std::ostream& out) {
    flags f("deepvis invert", "--model M.onnx (--input X.npy | --image P.png) --layer L --out OUT.png [options]",
            invert_summary);
    add_model_flag(f);
    add_input_flags(f);
    f.required("layer", "L", "the layer whose features are inverted")
        .required("out", "OUT.png|OUT.npy", "the best reconstruction (OUT.startK.EXT for the others)")
        .option("starts", "K", "random starts", "3")
        .option("iterations", "N", "Adam steps per start", "200")
        .option("lr", "LR", "Adam step size (decayed to 0.1 at 90% of the steps)", "3")
        .option("feature-weight", "W", "weight of the feature loss", "6e-2")
        .option("tv-weight", "W", "weight of the total-variation prior", "2e-2")
        .toggle("normalize", "divide the feature loss by |phi0|^2 (Mahendran & Vedaldi)")
        .option("seed", "S", "random seed of the first start", "0");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const nn::network net = io::load_network(f.get_string("model"));
    const input_batch batch = load_input(f, net);
    inversion_options o{.layer = f.get_string("layer")};
    o.feature_weight = f.get_float("feature-weight");
    o.normalize = f.get_bool("normalize");
    o.tv_weight = f.get_float("tv-weight");
    o.iterations = synth::positive(f, "iterations");
    o.step_size = f.get_float("lr");
    o.decay_at = o.iterations * 9 / 10;
    o.starts = synth::positive(f, "starts");
    o.seed = static_cast<std::uint64_t>(f.get_int("seed"));
    if (f.given("mean")) o.mean = f.get_floats("mean");
    if (f.given("std")) o.std = f.get_floats("std");
    if (!o.mean.empty() && o.std.empty()) o.std = {1.0f};
    if (o.mean.empty() && !o.std.empty()) o.mean = {0.0f};
    const auto r = invert(net, batch.x, o);
    const std::vector<float> mean = o.mean.empty() ? std::vector<float>{0.0f} : o.mean;
    const std::vector<float> stdv = o.std.empty() ? std::vector<float>{1.0f} : o.std;
    const std::filesystem::path path = f.get_string("out");
    for (std::size_t s = 0; s < r.images.size(); ++s) {
        out << "start " << s << ": relative feature error " << r.feature_error[s] << " (" << r.reports[s].message << ")"
            << (s == r.best ? "  best" : "") << '\n';
        std::filesystem::path p = path;
        if (s != r.best) p.replace_extension(".start" + std::to_string(s) + path.extension().string());
        synth::save_result(p, r.images[s], mean, stdv);
    }
    out << "wrote " << path.string() << '\n';
    return 0;
}

inline int run_style(const std::vector<std::string>& args, std::ostream& out) {
    flags f("deepvis style",
            "[--model M.onnx --content-layer L --style-layers A,B] --content C.png --style S.png[,T.png] --out OUT.png",
            style_summary);
    synth::add_common_flags(f, "200", false);
    f.required("content", "C.png", "the content image")
        .required("style", "S.png[,T.png...]", "one or more style images")
        .option("style-blend", "B[,B...]", "blend weight of each style image (default: equal)")
        .option("content-layer", "L", "the content layer (needed with --model; embedded network: relu3_2)")
        .option("style-layers", "A[,B...]", "the style layers (needed with --model; embedded: relu1_1,relu2_1,relu3_1,relu4_1)")
        .option("layer-weights", "W[,W...]", "weight of each style layer (default: 1 each)")
        .option("content-weight", "W", "content weight (embedded network: 2e-2)", "5e-2")
        .option("tv-weight", "W", "total-variation weight (embedded network: 1e-3)", "5e-2")
        .option("size", "H,W", "resize the content image (style images keep their size unless the model fixes it)")
        .option("init", "content|noise", "initial image", "content")
        .option("optimizer", "lbfgs|adam", "optimiser", "lbfgs")
        .option("lr", "LR", "L-BFGS step or Adam step size", "1")
        .option("decay-at", "N", "Adam: use --decayed-lr from step N on (default: 90% of the steps)")
        .option("decayed-lr", "LR", "Adam: the step size from --decay-at on", "0.1")
        .option("gram", "by-size|none", "Gram normalisation: F F^T / (C H W), or F F^T", "by-size")
        .toggle("preserve-colour", "keep the content's colours (luminance transfer)");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    // No --model: the embedded texture network (synthesis/texture_network.hpp) with its own
    // layers and pixel normalisation unless the flags say otherwise.
    const bool embedded = !f.given("model");
    if (!embedded && (!f.given("content-layer") || !f.given("style-layers")))
        throw usage_error("with --model, --content-layer and --style-layers are required (the layer names depend on the model)");
    const nn::network net = embedded ? nn::network(texture_network(static_cast<std::uint64_t>(f.get_int("seed"))))
                                     : io::load_network(f.get_string("model"));
    const auto& declared = net.input_info().shape;
    io::image_options io_opts;
    io_opts.channels = declared.size() == 4 && declared[1] > 0 ? static_cast<int>(declared[1]) : 3;
    io_opts.mean = embedded && !f.given("pixel-mean") ? texture_network_mean() : f.get_floats("pixel-mean");
    io_opts.std = embedded && !f.given("pixel-std") ? texture_network_std() : f.get_floats("pixel-std");
    if (declared.size() == 4 && declared[2] > 0 && declared[3] > 0)
        io_opts.size = {static_cast<std::size_t>(declared[2]), static_cast<std::size_t>(declared[3])};
    io::image_options content_opts = io_opts;
    if (f.given("size")) {
        const auto hw = f.get_ints("size");
        if (hw.size() != 2 || hw[0] <= 0 || hw[1] <= 0) throw usage_error("flag --size: not H,W with H, W > 0");
        content_opts.size = {static_cast<std::size_t>(hw[0]), static_cast<std::size_t>(hw[1])};
    }
    const tensor content = io::load_image(f.get_string("content"), content_opts);
    const auto style_files = f.get_list("style");
    std::vector<float> blend(style_files.size(), 1.0f);
    if (f.given("style-blend")) blend = f.get_floats("style-blend");
    DEEPVIS_CHECK(blend.size() == style_files.size(), config_error,
                  "--style-blend: " << blend.size() << " weights for " << style_files.size() << " style images");
    std::vector<style_image> styles;
    for (std::size_t i = 0; i < style_files.size(); ++i)
        styles.push_back({io::load_image(style_files[i], io_opts), blend[i]});
    const style_transfer_options defaults = embedded ? texture_network_style_options() : style_transfer_options{};
    style_transfer_options o{.content_layer = f.given("content-layer") ? f.get_string("content-layer")
                                                                       : defaults.content_layer};
    o.content_weight = f.given("content-weight") ? f.get_float("content-weight") : defaults.content_weight;
    std::vector<std::string> layers;
    std::vector<float> lw;
    if (f.given("style-layers")) {
        layers = f.get_list("style-layers");
    } else {
        for (const auto& [name, weight] : defaults.style_layers) {
            layers.push_back(name);
            lw.push_back(static_cast<float>(weight));
        }
    }
    if (lw.size() != layers.size()) lw.assign(layers.size(), 1.0f);
    if (f.given("layer-weights")) lw = f.get_floats("layer-weights");
    DEEPVIS_CHECK(lw.size() == layers.size(), config_error,
                  "--layer-weights: " << lw.size() << " weights for " << layers.size() << " style layers");
    for (std::size_t i = 0; i < layers.size(); ++i) o.style_layers.emplace_back(layers[i], lw[i]);
    const std::string gram = f.get_string("gram");
    if (gram != "by-size" && gram != "none") throw usage_error("flag --gram: '" + gram + "' is not by-size or none");
    o.normalization = gram == "none" ? gram_normalization::none : gram_normalization::by_size;
    o.tv_weight = f.given("tv-weight") ? f.get_float("tv-weight") : defaults.tv_weight;
    const std::string init = f.get_string("init"), opt = f.get_string("optimizer");
    if (init != "content" && init != "noise") throw usage_error("flag --init: '" + init + "' is not content or noise");
    if (opt != "lbfgs" && opt != "adam") throw usage_error("flag --optimizer: '" + opt + "' is not lbfgs or adam");
    o.init = init == "noise" ? style_init::noise : style_init::content;
    o.optimizer = opt == "adam" ? style_optimizer::adam : style_optimizer::lbfgs;
    o.iterations = synth::positive(f, "iterations");
    o.step_size = f.get_float("lr");
    o.decay_at = f.given("decay-at") ? synth::positive(f, "decay-at") : o.iterations * 9 / 10;
    o.decayed_step_size = f.get_float("decayed-lr");
    o.mean = io_opts.mean;
    o.std = io_opts.std;
    o.preserve_colour = f.get_bool("preserve-colour");
    o.seed = static_cast<std::uint64_t>(f.get_int("seed"));
    const auto r = style_transfer(net, content, styles, o, synth::make_progress(f));
    synth::save_result(f.get_string("out"), r.image, io_opts.mean, io_opts.std, synth::positive(f, "zoom"));
    out << r.report.message << "; objective " << r.report.value << '\n'
        << "style loss " << r.start.style << " -> " << r.end.style << " (" << r.start.style / std::max(r.end.style, 1e-300)
        << "x lower), content loss " << r.start.content << " -> " << r.end.content << ", TV " << r.start.tv << " -> "
        << r.end.tv << '\n'
        << "wrote " << f.get_string("out") << '\n';
    return r.report.ok() ? 0 : 1;
}

}  // namespace deepvis::cli
