/// deepvis summary: a model's layers, output shapes and parameter counts, laid out like Keras'
/// model.summary() (nn/summary.hpp).
#include <deepvis/io/onnx.hpp>
#include <deepvis/nn/summary.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "commands.hpp"
#include "common.hpp"

namespace deepvis::cli {

int run_summary(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis summary", "--model M.onnx [--input-shape N,C,H,W]", command_summary("summary"));
    add_model_flag(f);
    f.option("input-shape", "N,C,H,W", "the input shape to run (needed when the model's is dynamic)");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const nn::network net = load_model(f);
    shape_type shape;
    if (f.given("input-shape"))
        for (long long d : f.get_ints("input-shape")) {
            if (d <= 0)
                throw usage_error("flag --input-shape: '" + f.get_string("input-shape") + "' has a dimension <= 0");
            shape.push_back(static_cast<std::size_t>(d));
        }
    out << nn::summary(net, shape);
    return 0;
}

}  // namespace deepvis::cli
