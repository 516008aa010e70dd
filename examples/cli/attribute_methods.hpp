#pragma once
/// deepvis attribute METHOD for the methods beyond the plain gradient: saliency, guided-backprop,
/// deconvnet, input-x-gradient, integrated-gradients, smoothgrad, occlusion, gradcam,
/// gradcam++, guided-gradcam and score-cam. Each parses the common attribution flags plus its
/// own, runs the library function on the whole batch and writes the result:
///   --out A.npy  the numbers, float32;
///   --out A.png  a heatmap per batch item (A.png, or A_0.png, A_1.png, … for several items);
///                (N, C, H, W) results are shown as max over channels of |a|; --overlay blends the
///                heatmap over the (min-max scaled) input.
#include <deepvis/attribution.hpp>
#include <deepvis/viz/heatmap.hpp>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "attribution_common.hpp"

namespace deepvis::cli {

namespace detail {

inline void add_output_flags(flags& f) {
    f.toggle("overlay", "with --out *.png: blend the heatmap over the input image");
}

inline void add_cam_flags(flags& f) {
    f.option("layer", "NAME", "node or tensor name of a 4-D layer (default: the last convolutional block's output)")
        .toggle("raw", "keep the layer's resolution (no upsampling)")
        .toggle("no-relu", "keep negative evidence (Captum's LayerGradCam)")
        .option("normalize", "none|before|after", "min-max normalise before or after upsampling", "none");
}

inline cam_normalize cam_normalize_flag(const flags& f) {
    const std::string v = f.get_string("normalize");
    if (v == "none") return cam_normalize::none;
    if (v == "before") return cam_normalize::before_upsample;
    if (v == "after") return cam_normalize::after_upsample;
    throw usage_error("flag --normalize: '" + v + "' is not none, before or after");
}

inline gradcam_options cam_options(const flags& f) {
    return {.layer = f.has("layer") ? f.get_string("layer") : std::string(),
            .relu = !f.get_bool("no-relu"),
            .upsample = f.get_bool("raw") ? upsample_mode::none : upsample_mode::bilinear,
            .normalize = cam_normalize_flag(f)};
}

inline std::size_t positive(const flags& f, const std::string& name) {
    const long long v = f.get_int(name);
    if (v <= 0) throw usage_error("flag --" + name + ": " + std::to_string(v) + " must be positive");
    return static_cast<std::size_t>(v);
}

inline std::vector<std::size_t> pair_flag(const flags& f, const std::string& name) {
    const auto v = f.get_ints(name);
    if (v.empty() || v.size() > 2 || v[0] <= 0 || v.back() <= 0)
        throw usage_error("flag --" + name + ": '" + f.get_string(name) + "' is not N or H,W with positive values");
    return {static_cast<std::size_t>(v[0]), static_cast<std::size_t>(v.back())};
}

/// Writes the result as --out says (see the top of this file).
inline void write_attribution(const flags& f, const attribution_setup& s, const tensor& a, std::ostream& out) {
    const std::filesystem::path path = s.out;
    if (path.extension() != ".png") {
        if (f.get_bool("overlay")) throw usage_error("flag --overlay needs --out *.png");
        io::save_npy(path, a);
        out << "wrote " << path.string() << ' ' << shape_string(a.shape()) << '\n';
        return;
    }
    const tensor maps = a.dimension() == 4 ? reduce_channels_abs(a, channel_reduce::max) : a;
    DEEPVIS_CHECK(maps.dimension() == 3, shape_error,
                  "--out '" << path.string() << "': a " << shape_string(a.shape())
                            << " result cannot be drawn as a heatmap; use .npy");
    const std::size_t n = maps.shape()[0];
    for (std::size_t i = 0; i < n; ++i) {
        std::filesystem::path p = path;
        if (n > 1) p.replace_filename(path.stem().string() + "_" + std::to_string(i) + ".png");
        const tensor map = xt::view(maps, i);
        if (f.get_bool("overlay")) {
            DEEPVIS_CHECK(s.batch.x.dimension() == 4 && (s.batch.x.shape()[1] == 1 || s.batch.x.shape()[1] == 3),
                          shape_error,
                          "--overlay needs an image input (N, 1 or 3, H, W), got " << shape_string(s.batch.x.shape()));
            const tensor image = viz::normalize_min_max(tensor(xt::view(s.batch.x, xt::range(i, i + 1))));
            viz::save_overlay_png(p, xt::view(image, 0), map);
        } else {
            viz::save_heatmap_png(p, map);
        }
        out << "wrote " << p.string() << ' ' << shape_string(map.shape()) << '\n';
    }
}

/// The usual shape of a subcommand: flags, setup, compute, write.
template <class AddFlags, class Compute>
int run_method(const std::vector<std::string>& args, std::ostream& out, const char* name, const char* summary,
               AddFlags&& add_flags, Compute&& compute) {
    flags f(std::string("deepvis attribute ") + name,
            "--model M.onnx (--input X.npy | --image P.png[,...]) --class C --out A.npy|A.png [options]", summary);
    add_attribution_flags(f);
    add_output_flags(f);
    add_flags(f);
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    attribution_setup s = prepare_attribution(f);
    const class_indices classes(s.classes.begin(), s.classes.end());
    write_attribution(f, s, compute(f, s.net, s.batch.x, classes), out);
    return 0;
}

inline void no_flags(flags&) {}

}  // namespace detail

inline constexpr const char* saliency_summary = "max over channels of |gradient| (Simonyan 2014), (N, H, W)";
inline int run_attribute_saliency(const std::vector<std::string>& args, std::ostream& out) {
    return detail::run_method(
        args, out, "saliency", saliency_summary,
        [](flags& f) { f.option("reduce", "max|sum|none", "how |gradient| is combined over channels", "max"); },
        [](const flags& f, const nn::network& net, const tensor& x, const class_indices& c) {
            const std::string r = f.get_string("reduce");
            if (r != "max" && r != "sum" && r != "none")
                throw usage_error("flag --reduce: '" + r + "' is not max, sum or none");
            return saliency(net, x, c,
                            {.reduce = r == "max"   ? channel_reduce::max
                                       : r == "sum" ? channel_reduce::sum
                                                    : channel_reduce::none});
        });
}

inline constexpr const char* guided_backprop_summary = "guided backpropagation (Springenberg 2015), (N, C, H, W)";
inline int run_attribute_guided_backprop(const std::vector<std::string>& args, std::ostream& out) {
    return detail::run_method(args, out, "guided-backprop", guided_backprop_summary, detail::no_flags,
                              [](const flags&, const nn::network& net, const tensor& x, const class_indices& c) {
                                  return guided_backprop(net, x, c);
                              });
}

inline constexpr const char* deconvnet_summary = "deconvnet (Zeiler & Fergus 2014), (N, C, H, W)";
inline int run_attribute_deconvnet(const std::vector<std::string>& args, std::ostream& out) {
    return detail::run_method(args, out, "deconvnet", deconvnet_summary, detail::no_flags,
                              [](const flags&, const nn::network& net, const tensor& x, const class_indices& c) {
                                  return deconvolution(net, x, c);
                              });
}

inline constexpr const char* input_x_gradient_summary = "input times gradient, (N, C, H, W)";
inline int run_attribute_input_x_gradient(const std::vector<std::string>& args, std::ostream& out) {
    return detail::run_method(args, out, "input-x-gradient", input_x_gradient_summary, detail::no_flags,
                              [](const flags&, const nn::network& net, const tensor& x, const class_indices& c) {
                                  return input_x_gradient(net, x, c);
                              });
}

inline constexpr const char* integrated_gradients_summary =
    "integrated gradients (Sundararajan 2017), zero baseline, Gauss-Legendre, (N, C, H, W)";
inline int run_attribute_integrated_gradients(const std::vector<std::string>& args, std::ostream& out) {
    return detail::run_method(
        args, out, "integrated-gradients", integrated_gradients_summary,
        [](flags& f) {
            f.option("steps", "S", "quadrature points", "50")
                .option("method", "gauss-legendre|left|right|middle|trapezoid", "quadrature rule", "gauss-legendre")
                .option("baseline", "B.npy", "baseline input shaped like the input or one item (default: zeros)")
                .option("batch", "B", "interpolated inputs per pass", "16");
        },
        [](const flags& f, const nn::network& net, const tensor& x, const class_indices& c) {
            const std::string m = f.get_string("method");
            quadrature q = quadrature::gauss_legendre;
            if (m == "left")
                q = quadrature::riemann_left;
            else if (m == "right")
                q = quadrature::riemann_right;
            else if (m == "middle")
                q = quadrature::riemann_middle;
            else if (m == "trapezoid")
                q = quadrature::riemann_trapezoid;
            else if (m != "gauss-legendre")
                throw usage_error("flag --method: '" + m + "' is not a quadrature rule" + f.see_help());
            return integrated_gradients(
                net, x, c,
                {.steps = detail::positive(f, "steps"),
                 .method = q,
                 .baseline = f.has("baseline") ? io::load_npy(f.get_string("baseline")) : tensor(),
                 .batch_size = detail::positive(f, "batch")});
        });
}

inline constexpr const char* smoothgrad_summary =
    "SmoothGrad (Smilkov 2017): mean gradient over noisy copies, (N, C, H, W)";
inline int run_attribute_smoothgrad(const std::vector<std::string>& args, std::ostream& out) {
    return detail::run_method(
        args, out, "smoothgrad", smoothgrad_summary,
        [](flags& f) {
            f.option("samples", "N", "noisy copies per input", "50")
                .option("stdev", "S", "noise level: a fraction of each input's max - min (or absolute)", "0.15")
                .toggle("absolute", "--stdev is in input units (Captum's NoiseTunnel)")
                .option("variant", "smoothgrad|smoothgrad-sq|vargrad", "what is averaged", "smoothgrad")
                .option("seed", "N", "noise seed", "0")
                .option("batch", "B", "noisy copies per pass", "16");
        },
        [](const flags& f, const nn::network& net, const tensor& x, const class_indices& c) {
            const std::string v = f.get_string("variant");
            noise_tunnel variant = noise_tunnel::smoothgrad;
            if (v == "smoothgrad-sq")
                variant = noise_tunnel::smoothgrad_sq;
            else if (v == "vargrad")
                variant = noise_tunnel::vargrad;
            else if (v != "smoothgrad")
                throw usage_error("flag --variant: '" + v + "' is not smoothgrad, smoothgrad-sq or vargrad");
            const long long seed = f.get_int("seed");
            if (seed < 0) throw usage_error("flag --seed: must not be negative");
            return smoothgrad(net, x, c,
                              {.samples = detail::positive(f, "samples"),
                               .stdev = f.get_float("stdev"),
                               .mode = f.get_bool("absolute") ? stdev_mode::absolute : stdev_mode::relative,
                               .variant = variant,
                               .seed = static_cast<std::uint64_t>(seed),
                               .batch_size = detail::positive(f, "batch")});
        });
}

inline constexpr const char* occlusion_summary =
    "occlusion (Zeiler & Fergus 2014): score drop under a sliding window, (N, H, W)";
inline int run_attribute_occlusion(const std::vector<std::string>& args, std::ostream& out) {
    return detail::run_method(
        args, out, "occlusion", occlusion_summary,
        [](flags& f) {
            f.option("window", "H[,W]", "window size in pixels", "8")
                .option("stride", "S[,S]", "window stride", "4")
                .option("baseline", "V", "value of the occluded pixels", "0")
                .option("batch", "B", "occluded copies per pass", "32");
        },
        [](const flags& f, const nn::network& net, const tensor& x, const class_indices& c) {
            const auto w = detail::pair_flag(f, "window"), s = detail::pair_flag(f, "stride");
            return occlusion(net, x, c,
                             {.window_height = w[0],
                              .window_width = w[1],
                              .stride_y = s[0],
                              .stride_x = s[1],
                              .baseline = f.get_float("baseline"),
                              .batch_size = detail::positive(f, "batch")});
        });
}

inline constexpr const char* gradcam_summary =
    "Grad-CAM (Selvaraju 2017) at a layer, upsampled to the input, (N, H, W)";
inline int run_attribute_gradcam(const std::vector<std::string>& args, std::ostream& out) {
    return detail::run_method(args, out, "gradcam", gradcam_summary, detail::add_cam_flags,
                              [](const flags& f, const nn::network& net, const tensor& x, const class_indices& c) {
                                  return gradcam(net, x, c, detail::cam_options(f));
                              });
}

inline constexpr const char* gradcam_plus_plus_summary = "Grad-CAM++ (Chattopadhay 2018), (N, H, W)";
inline int run_attribute_gradcam_plus_plus(const std::vector<std::string>& args, std::ostream& out) {
    return detail::run_method(args, out, "gradcam++", gradcam_plus_plus_summary, detail::add_cam_flags,
                              [](const flags& f, const nn::network& net, const tensor& x, const class_indices& c) {
                                  return gradcam_plus_plus(net, x, c, detail::cam_options(f));
                              });
}

inline constexpr const char* score_cam_summary =
    "Score-CAM (Wang 2020): masks weighted by the score they keep, (N, H, W)";
inline int run_attribute_score_cam(const std::vector<std::string>& args, std::ostream& out) {
    return detail::run_method(
        args, out, "score-cam", score_cam_summary,
        [](flags& f) {
            detail::add_cam_flags(f);
            f.option("batch", "B", "masked inputs per pass", "16");
        },
        [](const flags& f, const nn::network& net, const tensor& x, const class_indices& c) {
            const auto cam = detail::cam_options(f);
            return score_cam(net, x, c,
                             {.layer = cam.layer,
                              .relu = cam.relu,
                              .upsample = cam.upsample,
                              .normalize = cam.normalize,
                              .batch_size = detail::positive(f, "batch")});
        });
}

inline constexpr const char* guided_gradcam_summary = "guided backprop times the upsampled Grad-CAM, (N, C, H, W)";
inline int run_attribute_guided_gradcam(const std::vector<std::string>& args, std::ostream& out) {
    return detail::run_method(
        args, out, "guided-gradcam", guided_gradcam_summary,
        [](flags& f) {
            f.option("layer", "NAME",
                     "node or tensor name of a 4-D layer (default: the last convolutional block's output)");
        },
        [](const flags& f, const nn::network& net, const tensor& x, const class_indices& c) {
            return guided_gradcam(net, x, c, {.layer = f.has("layer") ? f.get_string("layer") : std::string()});
        });
}

}  // namespace deepvis::cli
