#pragma once
/// deepvis attribute METHOD for the methods beyond the plain gradient: saliency, guided-backprop,
/// deconvnet, input-x-gradient, integrated-gradients, smoothgrad, occlusion, gradcam,
/// gradcam++, guided-gradcam and score-cam. Each parses the common attribution flags plus its
/// own, runs the library function on the whole batch and writes the result (top-k, faithfulness
/// and object-mask, at the end of this file, print what they find as well):
///   --out A.npy  the numbers, float32;
///   --out A.png  a heatmap per batch item (A.png, or A_0.png, A_1.png, … for several items);
///                (N, C, H, W) results are shown as max over channels of |a|; --overlay blends the
///                heatmap over the (min-max scaled) input.
#include <deepvis/attribution.hpp>
#include <deepvis/object_mask.hpp>
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

namespace detail {

/// Loads --model and the input and runs forward; for the subcommands that do not take --out.
struct explained_batch {
    nn::network net;
    nn::network::trace trace;
    input_batch batch;
};

inline explained_batch load_explained(const flags& f) {
    explained_batch e{io::load_network(f.get_string("model")), {}, {}};
    e.batch = load_input(f, e.net);
    e.net.forward(e.batch.x, e.trace);
    return e;
}

/// The single-channel (N, H, W) map a faithfulness or object-mask run orders pixels by.
inline tensor pixel_map(const std::string& method, const nn::network& net, const tensor& x, const class_indices& c) {
    if (method == "saliency") return saliency(net, x, c);
    if (method == "gradcam") return gradcam(net, x, c);
    if (method == "gradcam++") return gradcam_plus_plus(net, x, c);
    const auto per_pixel = [](const tensor& a) { return reduce_channels_abs(a, channel_reduce::max); };
    if (method == "guided-backprop") return per_pixel(guided_backprop(net, x, c));
    if (method == "input-x-gradient") return per_pixel(input_x_gradient(net, x, c));
    if (method == "integrated-gradients") return per_pixel(integrated_gradients(net, x, c));
    if (method == "guided-gradcam") return per_pixel(guided_gradcam(net, x, c));
    throw usage_error("flag --method: '" + method +
                      "' is not saliency, gradcam, gradcam++, guided-backprop, input-x-gradient, "
                      "integrated-gradients or guided-gradcam");
}

}  // namespace detail

inline constexpr const char* top_k_summary =
    "Grad-CAM of each item's k best classes (one forward pass), (N, k, H, W), with the ranked labels";
inline int run_attribute_top_k(const std::vector<std::string>& args, std::ostream& out) {
    flags f("deepvis attribute top-k",
            "--model M.onnx (--input X.npy | --image P.png[,...]) --out A.npy|A.png [options]", top_k_summary);
    add_model_flag(f);
    add_input_flags(f);
    f.required("out", "A.npy", "where to save the maps: float32 .npy (N, k, H, W), or A_<item>_<rank>.png heatmaps")
        .option("k", "K", "how many classes per item", "3")
        .option("labels", "FILE", "class names, one per line, printed with the ranking");
    detail::add_output_flags(f);
    detail::add_cam_flags(f);
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const nn::network net = io::load_network(f.get_string("model"));
    const input_batch batch = load_input(f, net);
    const std::size_t k = detail::positive(f, "k");
    const top_k_cams r = gradcam_top_k(net, batch.x, k, detail::cam_options(f));
    const std::size_t n = batch.x.shape()[0];
    std::vector<std::string> labels;
    if (f.has("labels")) {
        nn::network::trace t;
        net.forward(batch.x, t);
        labels = load_labels(f.get_string("labels"), class_count(net.scores(t)));
    }
    for (std::size_t i = 0; i < n; ++i) {
        out << batch.names[i] << ':';
        for (std::size_t rank = 0; rank < k; ++rank) {
            const auto c = static_cast<std::size_t>(r.classes[i][rank]);
            out << (rank ? ", " : " ") << "top" << rank + 1 << " class " << c;
            if (!labels.empty()) out << " '" << labels[c] << "'";
            out << " (score " << r.scores(i, rank) << ")";
        }
        out << '\n';
    }
    const std::filesystem::path path = f.get_string("out");
    if (path.extension() != ".png") {
        if (f.get_bool("overlay")) throw usage_error("flag --overlay needs --out *.png");
        io::save_npy(path, r.maps);
        out << "wrote " << path.string() << ' ' << shape_string(r.maps.shape()) << '\n';
        return 0;
    }
    DEEPVIS_CHECK(r.maps.dimension() == 4, shape_error, "top-k: unexpected maps " << shape_string(r.maps.shape()));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t rank = 0; rank < k; ++rank) {
            std::filesystem::path p = path;
            p.replace_filename(path.stem().string() + "_" + std::to_string(i) + "_top" + std::to_string(rank + 1) +
                               ".png");
            const tensor map = xt::view(r.maps, i, rank);
            if (f.get_bool("overlay")) {
                DEEPVIS_CHECK(
                    batch.x.shape()[1] == 1 || batch.x.shape()[1] == 3, shape_error,
                    "--overlay needs an image input (N, 1 or 3, H, W), got " << shape_string(batch.x.shape()));
                const tensor image = viz::normalize_min_max(tensor(xt::view(batch.x, xt::range(i, i + 1))));
                viz::save_overlay_png(p, xt::view(image, 0), map);
            } else {
                viz::save_heatmap_png(p, map);
            }
            out << "wrote " << p.string() << ' ' << shape_string(map.shape()) << '\n';
        }
    return 0;
}

inline constexpr const char* faithfulness_summary =
    "deletion and insertion AUC (Petsiuk 2018) of a method's map, printed per item";
inline int run_attribute_faithfulness(const std::vector<std::string>& args, std::ostream& out) {
    flags f("deepvis attribute faithfulness",
            "--model M.onnx (--input X.npy | --image P.png[,...]) --class C [options]", faithfulness_summary);
    add_model_flag(f);
    add_input_flags(f);
    f.required("class", "C[,C...]", "the class to explain: one for all inputs, or one per input")
        .option("method", "NAME",
                "saliency, gradcam, gradcam++, guided-backprop, input-x-gradient, integrated-gradients or "
                "guided-gradcam (multi-channel maps: max over channels of |a|)",
                "saliency")
        .option("map", "A.npy", "score this (N, H, W) map instead of computing --method")
        .option("step", "F", "fraction of the pixels changed per step", "0.015625")
        .option("batch", "B", "perturbed inputs per pass", "16");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    detail::explained_batch e = detail::load_explained(f);
    const tensor& scores = e.net.scores(e.trace);
    const auto selected = select_classes(f, scores.shape()[0], class_count(scores));
    const class_indices classes(selected.begin(), selected.end());
    const std::string method = f.has("map") ? f.get_string("map") : f.get_string("method");
    const tensor map =
        f.has("map") ? io::load_npy(f.get_string("map")) : detail::pixel_map(method, e.net, e.batch.x, classes);
    const faithfulness_options options{.step_fraction = f.get_float("step"),
                                       .batch_size = detail::positive(f, "batch")};
    const faithfulness_curve deletion = deletion_curve(e.net, e.batch.x, map, classes, options);
    const faithfulness_curve insertion = insertion_curve(e.net, e.batch.x, map, classes, options);
    double mean_deletion = 0.0, mean_insertion = 0.0;
    for (std::size_t i = 0; i < classes.size(); ++i) {
        out << e.batch.names[i] << ": class " << classes[i] << ", " << method << ": deletion AUC " << deletion.auc[i]
            << ", insertion AUC " << insertion.auc[i] << '\n';
        mean_deletion += deletion.auc[i] / double(classes.size());
        mean_insertion += insertion.auc[i] / double(classes.size());
    }
    out << "mean over " << classes.size() << " items: deletion AUC " << mean_deletion << " (lower is better), "
        << "insertion AUC " << mean_insertion << " (higher is better)\n";
    return 0;
}

inline constexpr const char* object_mask_summary =
    "object mask and box from saliency by GrabCut (Simonyan 2014 §3.2), (N, H, W); needs OpenCV";
inline int run_attribute_object_mask(const std::vector<std::string>& args, std::ostream& out) {
    flags f("deepvis attribute object-mask",
            "--model M.onnx (--input X.npy | --image P.png[,...]) --class C --out MASK.npy|MASK.png [options]",
            object_mask_summary);
    add_attribution_flags(f);
    f.option("method", "NAME", "the map that seeds GrabCut (as for faithfulness)", "saliency")
        .option("foreground", "P", "percentile of the map above which a pixel seeds the foreground", "95")
        .option("background", "P", "percentile of the map below which a pixel seeds the background", "30");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    if constexpr (!grabcut_available)
        throw unsupported_error(
            "attribute object-mask: this deepvis was built without GrabCut (OpenCV); rebuild with OpenCV "
            "installed (libopencv-dev) and the deepvis::grabcut component linked");
    attribution_setup s = prepare_attribution(f);
    const tensor& x = s.batch.x;
    DEEPVIS_CHECK(x.dimension() == 4 && x.shape()[1] == 3, shape_error,
                  "attribute object-mask: GrabCut needs RGB images (N, 3, H, W), got " << shape_string(x.shape()));
    const class_indices classes(s.classes.begin(), s.classes.end());
    const tensor map = detail::pixel_map(f.get_string("method"), s.net, x, classes);
    const std::size_t n = x.shape()[0], h = x.shape()[2], w = x.shape()[3];
    tensor masks = xt::zeros<float>({n, h, w});
    const object_mask_options options{.foreground_percentile = f.get_float("foreground"),
                                      .background_percentile = f.get_float("background")};
    for (std::size_t i = 0; i < n; ++i) {
        // GrabCut's colour model wants [0, 1] RGB: the (possibly normalised) input, min-max scaled.
        const tensor image = viz::normalize_min_max(tensor(xt::view(x, xt::range(i, i + 1))));
        const object_mask_result r = object_mask(image, tensor(xt::view(map, i)), options);
        std::copy(r.mask.begin(), r.mask.end(), masks.data() + i * h * w);
        out << s.batch.names[i] << ": class " << classes[i] << ", box x [" << r.box.x0 << ", " << r.box.x1 << "), y ["
            << r.box.y0 << ", " << r.box.y1 << ")" << (r.box.empty() ? " (empty)" : "") << '\n';
    }
    const std::filesystem::path path = s.out;
    if (path.extension() == ".png") {
        for (std::size_t i = 0; i < n; ++i) {
            std::filesystem::path p = path;
            if (n > 1) p.replace_filename(path.stem().string() + "_" + std::to_string(i) + ".png");
            viz::save_heatmap_png(p, tensor(xt::view(masks, i)), {.scaling = viz::map_scaling::none});
            out << "wrote " << p.string() << ' ' << shape_string(shape_type{h, w}) << '\n';
        }
    } else {
        io::save_npy(path, masks);
        out << "wrote " << path.string() << ' ' << shape_string(masks.shape()) << '\n';
    }
    return 0;
}

}  // namespace deepvis::cli
