#pragma once
/// The one registry of attribution methods. `deepvis attribute METHOD`, `attribute faithfulness
/// --method`, `attribute object-mask --method`, `deepvis methods` (and the docs table it
/// generates), the gallery and bench_network all iterate `attribution_methods()`.
///
/// Adding a method = its library header + one row below + its test. A row gives the CLI name, a
/// title, a one-line summary, how its result is drawn, its parameters (flags of `deepvis
/// attribute NAME`, each with a default) and the callable, which reads the parameters from
/// `method_arguments` — values from a command line, or set in code by the gallery and the bench.
#include <algorithm>
#include <cstdint>
#include <deepvis/attribution.hpp>
#include <deepvis/core/checked.hpp>
#include <deepvis/io/npy.hpp>
#include <deepvis/nn/network.hpp>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "command_line.hpp"

namespace deepvis::cli {

/// How a method's result is drawn, and how it becomes one importance value per pixel.
enum class display_kind {
    heatmap,       ///< (N, H, W), ≥ 0: a heatmap
    cam,           ///< (N, H, W), ≥ 0, coarse: overlaid on the image
    signed_input,  ///< shaped like x, signed: a diverging / RGB image
    signed_map     ///< (N, H, W), signed: a diverging heatmap
};

inline const char* display_kind_name(display_kind k) {
    switch (k) {
        case display_kind::heatmap:
            return "(N, H, W) heatmap";
        case display_kind::cam:
            return "(N, H, W) overlay";
        case display_kind::signed_input:
            return "(N, C, H, W) signed";
        case display_kind::signed_map:
            return "(N, H, W) signed";
    }
    return "";
}

/// One parameter of a method: a flag `--name VALUE` (or a switch `--name`) with its default.
/// A count (maximum > 0: --steps, --masks, ...) is a whole number from 1 to its maximum, a bound far
/// beyond any useful run that stops a typing slip from running for hours.
struct method_parameter {
    std::string name, value_name, help, default_value;
    bool toggle = false;
    long long maximum = 0;

    /// A count parameter: `--name N`, 1 to `maximum`.
    static method_parameter count(std::string name, std::string value_name, std::string help, std::string default_value,
                                  long long maximum) {
        return {std::move(name), std::move(value_name), std::move(help), std::move(default_value), false, maximum};
    }

    /// Declares the parameter as a flag of `f`, with `help_text` (and `default_text`, "" for none).
    void add_to(command_line& f, const std::string& help_text, const std::string& default_text) const {
        if (toggle)
            f.toggle(name, help_text);
        else if (maximum > 0)
            f.count(name, value_name, help_text, default_text, maximum);
        else
            f.option(name, value_name, help_text, default_text);
    }
};

/// The values of a method's parameters: the row's defaults, overridden by name.
class method_arguments {
public:
    method_arguments(const std::vector<method_parameter>& parameters, std::map<std::string, std::string> values = {})
        : m_parameters(&parameters), m_values(std::move(values)) {
        // An override of an undeclared parameter is a bug in the caller (gallery, bench).
        for (const auto& given : m_values) {
            // Not a structured binding: clang < 16 cannot capture one in a lambda.
            const std::string& name = given.first;
            DEEPVIS_ASSERT(std::any_of(parameters.begin(), parameters.end(),
                                       [&](const method_parameter& p) { return p.name == name; }));
            (void)name;
        }
    }
    /// The parameters' values as a command line gave them.
    static method_arguments from(const command_line& f, const std::vector<method_parameter>& parameters) {
        std::map<std::string, std::string> values;
        for (const auto& p : parameters)
            if (f.given(p.name)) values[p.name] = p.toggle ? "1" : f.get_string(p.name);
        return {parameters, std::move(values)};
    }

    /// A copy with parameter `name` set to `value` (batch: a per-item seed).
    method_arguments with(const std::string& name, std::string value) const {
        method_arguments copy = *this;
        copy.m_values[name] = std::move(value);
        return copy;
    }

    /// Given, or its default ("" for an unset switch or a parameter without default).
    std::string text(const std::string& name) const {
        if (auto it = m_values.find(name); it != m_values.end()) return it->second;
        return declared(name).default_value;
    }
    bool has(const std::string& name) const { return !text(name).empty(); }
    bool get_bool(const std::string& name) const { return has(name); }
    float get_float(const std::string& name) const { return command_line::parse_float(name, text(name)); }
    /// A count parameter: 1 to its declared maximum.
    std::size_t positive(const std::string& name) const {
        return command_line::checked_count(name, text(name), declared(name).maximum);
    }
    std::uint64_t seed(const std::string& name) const {
        const long long v = command_line::parse_int(name, text(name));
        if (v < 0) throw usage_error("flag --" + name + ": must not be negative");
        return static_cast<std::uint64_t>(v);
    }
    /// N or H,W, positive: a window or a stride.
    std::array<std::size_t, 2> pair(const std::string& name) const {
        std::vector<long long> v;
        std::stringstream ss(text(name));
        for (std::string item; std::getline(ss, item, ',');) v.push_back(command_line::parse_int(name, item));
        if (v.empty() || v.size() > 2 || v[0] <= 0 || v.back() <= 0)
            throw usage_error("flag --" + name + ": '" + text(name) + "' is not N or H,W with positive values");
        return {static_cast<std::size_t>(v[0]), static_cast<std::size_t>(v.back())};
    }
    /// One of `choices`, else a usage_error listing them.
    std::string choice(const std::string& name, const std::vector<std::string>& choices) const {
        const std::string v = text(name);
        if (std::find(choices.begin(), choices.end(), v) != choices.end()) return v;
        std::string list;
        for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
        throw usage_error("flag --" + name + ": '" + v + "' is not one of " + list);
    }
    /// "steps 16, method gauss-legendre": the values that differ from the defaults, for captions.
    std::string overrides() const {
        std::string s;
        for (const auto& [name, value] : m_values) s += (s.empty() ? "" : ", ") + name + " " + value;
        return s;
    }

private:
    const method_parameter& declared(const std::string& name) const {
        const auto it = std::find_if(m_parameters->begin(), m_parameters->end(),
                                     [&](const method_parameter& p) { return p.name == name; });
        DEEPVIS_ASSERT(it != m_parameters->end());  // reading an undeclared parameter is a bug in the row
        return *it;
    }

    const std::vector<method_parameter>* m_parameters;
    std::map<std::string, std::string> m_values;
};

struct attribution_method {
    std::string name;     ///< the CLI spelling: `deepvis attribute integrated-gradients`
    std::string title;    ///< for figures: "Integrated gradients"
    std::string summary;  ///< one line for --help and the docs
    display_kind display;
    bool perturbation;  ///< runs the model once per perturbed copy (slow on large images)
    std::vector<method_parameter> parameters;
    tensor (*compute)(const nn::network& net, const tensor& x, const class_indices& classes, const method_arguments& a);
};

namespace detail {

/// An .npy file given to flag `flag`, all of whose values are finite.
inline tensor finite_npy(const std::string& path, const std::string& flag) {
    tensor t = io::load_npy(path);
    check_finite(t, flag + " '" + path + "'");
    return t;
}

inline std::vector<method_parameter> cam_parameters() {
    return {
        {"layer", "NAME", "node or tensor name of a 4-D layer (default: the last convolutional block's output)", ""},
        {"raw", "", "keep the layer's resolution (no upsampling)", "", true},
        {"no-relu", "", "keep negative evidence (Captum's LayerGradCam)", "", true},
        {"normalize", "none|before|after", "min-max normalise before or after upsampling", "none"}};
}

inline gradcam_options cam_options(const method_arguments& a) {
    const std::string n = a.choice("normalize", {"none", "before", "after"});
    return {.layer = a.text("layer"),
            .relu = !a.get_bool("no-relu"),
            .upsample = a.get_bool("raw") ? upsample_mode::none : upsample_mode::bilinear,
            .normalize = n == "before"  ? cam_normalize::before_upsample
                         : n == "after" ? cam_normalize::after_upsample
                                        : cam_normalize::none};
}

}  // namespace detail

/// Every attribution method, in the order of --help, the docs and the gallery.
inline const std::vector<attribution_method>& attribution_methods() {
    using net_t = nn::network;
    using args_t = method_arguments;
    static const std::vector<attribution_method> methods = {
        {"gradient",
         "Gradient",
         "the gradient of the class score w.r.t. the input (Simonyan 2014)",
         display_kind::signed_input,
         false,
         {},
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t&) { return gradient(net, x, c); }},
        {"saliency",
         "Saliency",
         "max over channels of |gradient| (Simonyan 2014)",
         display_kind::heatmap,
         false,
         {{"reduce", "max|sum|none", "how |gradient| is combined over channels", "max"}},
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             const std::string r = a.choice("reduce", {"max", "sum", "none"});
             return saliency(net, x, c,
                             {.reduce = r == "max"   ? channel_reduce::max
                                        : r == "sum" ? channel_reduce::sum
                                                     : channel_reduce::none});
         }},
        {"input-x-gradient",
         "Input × gradient",
         "input times gradient",
         display_kind::signed_input,
         false,
         {},
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t&) {
             return input_x_gradient(net, x, c);
         }},
        {"guided-backprop",
         "Guided backprop",
         "guided backpropagation (Springenberg 2015)",
         display_kind::signed_input,
         false,
         {},
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t&) {
             return guided_backprop(net, x, c);
         }},
        {"deconvnet",
         "Deconvnet",
         "deconvnet (Zeiler & Fergus 2014)",
         display_kind::signed_input,
         false,
         {},
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t&) {
             return deconvolution(net, x, c);
         }},
        {"gradcam", "Grad-CAM", "Grad-CAM (Selvaraju 2017) at a layer, upsampled to the input", display_kind::cam,
         false, detail::cam_parameters(),
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             return gradcam(net, x, c, detail::cam_options(a));
         }},
        {"gradcam++", "Grad-CAM++", "Grad-CAM++ (Chattopadhay 2018)", display_kind::cam, false,
         detail::cam_parameters(),
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             return gradcam_plus_plus(net, x, c, detail::cam_options(a));
         }},
        {"layercam", "LayerCAM", "LayerCAM (Jiang 2021): maps weighted per location by the positive gradient",
         display_kind::cam, false, detail::cam_parameters(),
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             return layer_cam(net, x, c, detail::cam_options(a));
         }},
        {"xgradcam", "XGrad-CAM", "XGrad-CAM (Fu 2020): maps weighted by sum(gradient x map) / sum(map)",
         display_kind::cam, false, detail::cam_parameters(),
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             return xgrad_cam(net, x, c, detail::cam_options(a));
         }},
        {"hirescam", "HiResCAM", "HiResCAM (Draelos 2020): sum over channels of gradient x map", display_kind::cam,
         false, detail::cam_parameters(),
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             return hires_cam(net, x, c, detail::cam_options(a));
         }},
        {"eigencam", "Eigen-CAM", "Eigen-CAM (Muhammad 2020): the maps' first principal component (class-agnostic)",
         display_kind::cam, false, detail::cam_parameters(),
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             return eigen_cam(net, x, c, detail::cam_options(a));
         }},
        {"eigengradcam", "EigenGrad-CAM", "EigenGrad-CAM: the first principal component of gradient x map",
         display_kind::cam, false, detail::cam_parameters(),
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             return eigen_grad_cam(net, x, c, detail::cam_options(a));
         }},
        {"guided-gradcam",
         "Guided Grad-CAM",
         "guided backprop times the upsampled Grad-CAM (Selvaraju 2017)",
         display_kind::signed_input,
         false,
         {{"layer", "NAME", "node or tensor name of a 4-D layer (default: the last convolutional block's output)", ""}},
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             return guided_gradcam(net, x, c, {.layer = a.text("layer")});
         }},
        {"integrated-gradients",
         "Integrated gradients",
         "integrated gradients (Sundararajan 2017) from a baseline, by quadrature",
         display_kind::signed_input,
         false,
         {method_parameter::count("steps", "S", "quadrature points", "50", 10'000),
          {"method", "gauss-legendre|left|right|middle|trapezoid", "quadrature rule", "gauss-legendre"},
          {"baseline", "B.npy", "baseline input shaped like the input or one item (default: zeros)", ""},
          method_parameter::count("batch", "B", "interpolated inputs per pass", "16", 4'096)},
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             const std::string m = a.choice("method", {"gauss-legendre", "left", "right", "middle", "trapezoid"});
             const quadrature q = m == "left"        ? quadrature::riemann_left
                                  : m == "right"     ? quadrature::riemann_right
                                  : m == "middle"    ? quadrature::riemann_middle
                                  : m == "trapezoid" ? quadrature::riemann_trapezoid
                                                     : quadrature::gauss_legendre;
             return integrated_gradients(
                 net, x, c,
                 {.steps = a.positive("steps"),
                  .method = q,
                  .baseline = a.has("baseline") ? detail::finite_npy(a.text("baseline"), "--baseline") : tensor(),
                  .batch_size = a.positive("batch")});
         }},
        {"smoothgrad",
         "SmoothGrad",
         "SmoothGrad (Smilkov 2017): mean gradient over noisy copies",
         display_kind::signed_input,
         false,
         {method_parameter::count("samples", "N", "noisy copies per input", "50", 10'000),
          {"stdev", "S", "noise level: a fraction of each input's max - min (or absolute)", "0.15"},
          {"absolute", "", "--stdev is in input units (Captum's NoiseTunnel)", "", true},
          {"variant", "smoothgrad|smoothgrad-sq|vargrad", "what is averaged", "smoothgrad"},
          {"seed", "N", "noise seed", "0"},
          method_parameter::count("batch", "B", "noisy copies per pass", "16", 4'096)},
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             const std::string v = a.choice("variant", {"smoothgrad", "smoothgrad-sq", "vargrad"});
             return smoothgrad(net, x, c,
                               {.samples = a.positive("samples"),
                                .stdev = a.get_float("stdev"),
                                .mode = a.get_bool("absolute") ? stdev_mode::absolute : stdev_mode::relative,
                                .variant = v == "smoothgrad-sq" ? noise_tunnel::smoothgrad_sq
                                           : v == "vargrad"     ? noise_tunnel::vargrad
                                                                : noise_tunnel::smoothgrad,
                                .seed = a.seed("seed"),
                                .batch_size = a.positive("batch")});
         }},
        {"occlusion",
         "Occlusion",
         "occlusion (Zeiler & Fergus 2014): score drop under a sliding window",
         display_kind::signed_map,
         true,
         {{"window", "H[,W]", "window size in pixels", "8"},
          {"stride", "S[,S]", "window stride", "4"},
          {"baseline", "V", "value of the occluded pixels", "0"},
          method_parameter::count("batch", "B", "occluded copies per pass", "32", 4'096)},
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             const auto w = a.pair("window"), s = a.pair("stride");
             return occlusion(net, x, c,
                              {.window_height = w[0],
                               .window_width = w[1],
                               .stride_y = s[0],
                               .stride_x = s[1],
                               .baseline = a.get_float("baseline"),
                               .batch_size = a.positive("batch")});
         }},
        {"rise",
         "RISE",
         "RISE (Petsiuk 2018): the mean of random masks weighted by the probability they keep",
         display_kind::cam,  // smooth and coarse, like a CAM: overlaid on the image
         true,
         {method_parameter::count("masks", "N", "random masks", "1000", 100'000),
          method_parameter::count("grid", "S", "cells per side of each mask", "7", 4'096),
          {"probability", "P", "chance that a cell is kept", "0.5"},
          {"baseline", "V", "value of the masked-out input (in the model's input space)", "0"},
          {"seed", "N", "mask seed", "0"},
          method_parameter::count("batch", "B", "masked copies per pass", "16", 4'096)},
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             return rise(net, x, c,
                         {.masks = a.positive("masks"),
                          .grid = a.positive("grid"),
                          .probability = a.get_float("probability"),
                          .baseline = a.get_float("baseline"),
                          .seed = a.seed("seed"),
                          .batch_size = a.positive("batch")});
         }},
        {"score-cam", "Score-CAM", "Score-CAM (Wang 2020): masks weighted by the score they keep", display_kind::cam,
         true,
         [] {
             auto p = detail::cam_parameters();
             p.push_back(method_parameter::count("batch", "B", "masked inputs per pass", "16", 4'096));
             p.push_back(method_parameter::count(
                 "max-channels", "K",
                 "Faster Score-CAM: score only the K maps of largest variance per image (default: every map)", "",
                 1'000'000));
             return p;
         }(),
         [](const net_t& net, const tensor& x, const class_indices& c, const args_t& a) {
             const auto cam = detail::cam_options(a);
             return score_cam(net, x, c,
                              {.layer = cam.layer,
                               .relu = cam.relu,
                               .upsample = cam.upsample,
                               .normalize = cam.normalize,
                               .batch_size = a.positive("batch"),
                               .max_channels = a.has("max-channels") ? a.positive("max-channels") : 0});
         }},
    };
    return methods;
}

inline std::string attribution_method_names() {
    std::string names;
    for (const auto& m : attribution_methods()) names += (names.empty() ? "" : ", ") + m.name;
    return names;
}

/// The row named `name`, or nullptr.
inline const attribution_method* find_attribution_method(const std::string& name) {
    for (const auto& m : attribution_methods())
        if (m.name == name) return &m;
    return nullptr;
}

/// One importance value per pixel, (N, H, W), to rank pixels by (faithfulness, GrabCut seeds):
/// (N, H, W) maps as they are; maps shaped like the input reduced over channels — max of |a|
/// (`deepvis attribute faithfulness`, object-mask) or the signed sum, positive evidence first
/// (the gallery's table).
inline tensor pixel_importance(const attribution_method& m, const tensor& map, bool signed_sum = false) {
    if (m.display != display_kind::signed_input) return map;
    if (!signed_sum) return reduce_channels_abs(map, channel_reduce::max);
    const std::size_t n = map.shape()[0], c = map.shape()[1], hw = map.shape()[2] * map.shape()[3];
    tensor out(shape_type{n, map.shape()[2], map.shape()[3]}, 0.0f);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < c; ++k)
            for (std::size_t p = 0; p < hw; ++p) out.data()[i * hw + p] += map.data()[(i * c + k) * hw + p];
    return out;
}

/// The docs' table of methods (`deepvis methods --markdown`, docs/attribution-methods.md).
inline std::string attribution_methods_markdown() {
    const auto cell = [](const std::string& text) {  // a '|' inside a cell would end it
        std::string escaped;
        for (char ch : text) escaped += ch == '|' ? std::string("\\|") : std::string(1, ch);
        return escaped;
    };
    std::ostringstream os;
    os << "| method | what it computes | result | parameters (defaults) |\n|---|---|---|---|\n";
    for (const auto& m : attribution_methods()) {
        std::string parameters;
        for (const auto& p : m.parameters)
            parameters += (parameters.empty() ? "" : ", ") + ("`--" + p.name) +
                          (p.toggle                  ? "`"
                           : p.default_value.empty() ? " " + p.value_name + "`"
                                                     : " " + p.default_value + "`");
        os << "| `" << m.name << "` | " << cell(m.summary) << " | " << display_kind_name(m.display) << " | "
           << (parameters.empty() ? "—" : cell(parameters)) << " |\n";
    }
    return os.str();
}

}  // namespace deepvis::cli
