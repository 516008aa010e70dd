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
    add_input_shape_flag(f, "the input shape to run (needed when the model's is dynamic)");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const nn::network net = load_model(f);
    out << nn::summary(net, f.given("input-shape") ? input_shape_flag(f) : shape_type{});
    return 0;
}

}  // namespace deepvis::cli
