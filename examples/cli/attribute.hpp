#pragma once
/// deepvis attribute METHOD ...: one subcommand for every attribution method. A method is a
/// function with the subcommand signature, registered in attribution_methods below; it parses
/// its own flags (add_attribution_flags gives the common ones) and writes its result.
#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "attribute_gradient.hpp"
#include "attribute_methods.hpp"

namespace deepvis::cli {

inline constexpr const char* attribute_summary = "explain a class decision: attribution maps (METHOD: see --help)";

struct attribution_method {
    const char* name;
    const char* summary;
    command_function run;
};

inline constexpr attribution_method attribution_methods[] = {
    {"gradient", gradient_summary, run_attribute_gradient},
    {"saliency", saliency_summary, run_attribute_saliency},
    {"guided-backprop", guided_backprop_summary, run_attribute_guided_backprop},
    {"deconvnet", deconvnet_summary, run_attribute_deconvnet},
    {"input-x-gradient", input_x_gradient_summary, run_attribute_input_x_gradient},
    {"integrated-gradients", integrated_gradients_summary, run_attribute_integrated_gradients},
    {"smoothgrad", smoothgrad_summary, run_attribute_smoothgrad},
    {"occlusion", occlusion_summary, run_attribute_occlusion},
    {"gradcam", gradcam_summary, run_attribute_gradcam},
    {"gradcam++", gradcam_plus_plus_summary, run_attribute_gradcam_plus_plus},
    {"guided-gradcam", guided_gradcam_summary, run_attribute_guided_gradcam},
    {"score-cam", score_cam_summary, run_attribute_score_cam},
    {"top-k", top_k_summary, run_attribute_top_k},
    {"faithfulness", faithfulness_summary, run_attribute_faithfulness},
    {"object-mask", object_mask_summary, run_attribute_object_mask},
};

inline std::string attribution_method_names() {
    std::string names;
    for (const auto& m : attribution_methods) names += (names.empty() ? "" : ", ") + std::string(m.name);
    return names;
}

inline int run_attribute(const std::vector<std::string>& args, std::ostream& out) {
    if (args.empty() || args.front() == "--help" || args.front() == "-h") {
        if (args.empty())
            throw usage_error("attribute: no METHOD given; methods: " + attribution_method_names() +
                              "; see 'deepvis attribute --help'");
        out << "usage: deepvis attribute METHOD --model M.onnx (--input X.npy | --image P.png[,...]) --class C "
               "--out A.npy [options]\n\n"
            << attribute_summary << "\n\nmethods:\n";
        std::size_t width = 0;
        for (const auto& m : attribution_methods) width = std::max(width, std::string(m.name).size());
        for (const auto& m : attribution_methods)
            out << "  " << m.name << std::string(width + 2 - std::string(m.name).size(), ' ') << m.summary << '\n';
        out << "\nSee 'deepvis attribute METHOD --help' for a method's flags.\n";
        return 0;
    }
    for (const auto& m : attribution_methods)
        if (args.front() == m.name) return m.run(std::vector<std::string>(args.begin() + 1, args.end()), out);
    throw usage_error("attribute: unknown method '" + args.front() + "'; methods: " + attribution_method_names());
}

}  // namespace deepvis::cli
