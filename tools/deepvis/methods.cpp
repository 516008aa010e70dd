/// deepvis methods: the attribution methods of the registry with their parameters; --markdown
/// prints the table of docs/attribution-methods.md (a test holds the two equal).
#include <ostream>
#include <string>
#include <vector>

#include "attribution_methods.hpp"
#include "commands.hpp"

namespace deepvis::cli {

int run_methods(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis methods", "[--markdown]", command_summary("methods"));
    f.toggle("markdown", "print the table of docs/attribution-methods.md")
        .example("deepvis methods")
        .example("deepvis methods --markdown");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    if (f.get_bool("markdown")) {
        out << attribution_methods_markdown();
        return 0;
    }
    for (const auto& m : attribution_methods()) {
        out << m.name << ": " << m.summary << "; " << display_kind_name(m.display) << '\n';
        for (const auto& p : m.parameters)
            out << "  --" << p.name << (p.toggle ? "" : " " + p.value_name) << "  " << p.help
                << (p.default_value.empty() ? "" : " (default: " + p.default_value + ")") << '\n';
    }
    out << "Run one with 'deepvis attribute METHOD --model M.onnx (--input X.npy | --image P.png) --class C --out "
           "A.npy|A.png'.\n";
    return 0;
}

}  // namespace deepvis::cli
