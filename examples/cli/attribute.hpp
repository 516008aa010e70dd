#pragma once
/// deepvis attribute METHOD ...: one subcommand for every attribution method. A method is a
/// function with the subcommand signature, registered in attribution_methods below; it parses
/// its own flags (add_attribution_flags gives the common ones) and writes its result.
#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "attribute_gradient.hpp"

namespace deepvis::cli {

inline constexpr const char* attribute_summary = "explain a class decision: attribution maps (METHOD: see --help)";

struct attribution_method {
    const char* name;
    const char* summary;
    command_function run;
};

inline constexpr attribution_method attribution_methods[] = {
    {"gradient", gradient_summary, run_attribute_gradient},
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
