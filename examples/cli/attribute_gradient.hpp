#pragma once
/// deepvis attribute gradient: d score[class] / d input for each batch item, (N, C, H, W).
/// The plain gradient of Simonyan et al. 2014, before any absolute value or channel reduction.
#include <deepvis/backprop/rule.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "attribution_common.hpp"

namespace deepvis::cli {

inline constexpr const char* gradient_summary = "the gradient of the class score w.r.t. the input, (N, C, H, W)";

inline int run_attribute_gradient(const std::vector<std::string>& args, std::ostream& out) {
    flags f("deepvis attribute gradient", "--model M.onnx (--input X.npy | --image P.png[,...]) --class C --out G.npy",
            gradient_summary);
    add_attribution_flags(f);
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    attribution_setup setup = prepare_attribution(f);
    const nn::seed seeds[] = {{setup.net.score_name(), class_seed(setup)}};
    const tensor& gradient = setup.net.backward<standard>(setup.trace, seeds, setup.net.input_name());
    io::save_npy(setup.out, gradient);
    out << "wrote " << setup.out << ' ' << shape_string(gradient.shape()) << '\n';
    return 0;
}

}  // namespace deepvis::cli
