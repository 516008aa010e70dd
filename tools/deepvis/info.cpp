/// deepvis info: what is inside a model — inputs, outputs, parameters, the class-score tensor,
/// and every node with the shapes of its outputs (from a forward pass on a zero input of batch 1).
#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"

namespace deepvis::cli {

/// The input shape to run: the declared one with batch 1, or --input-shape when a dimension is dynamic.
inline shape_type info_input_shape(const command_line& f, const nn::network& net) {
    const auto& declared = net.input_info().shape;
    shape_type shape;
    if (f.given("input-shape")) return input_shape_flag(f);  // the network checks it against the declared shape
    bool dynamic = declared.empty();
    for (std::size_t d = 1; d < declared.size(); ++d) dynamic = dynamic || declared[d] <= 0;
    DEEPVIS_CHECK(!dynamic, config_error,
                  "the model's " << describe_input(net)
                                 << " has dynamic dimensions; give the shape to run, e.g. --input-shape 1,3,224,224");
    shape.push_back(1);
    for (std::size_t d = 1; d < declared.size(); ++d) shape.push_back(static_cast<std::size_t>(declared[d]));
    return shape;
}

int run_info(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis info", "--model M.onnx [--input-shape N,C,H,W]", command_summary("info"));
    add_model_flag(f);
    add_input_shape_flag(f, "the input shape to report shapes for (needed when the model's is dynamic)");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const std::string model_path = f.get_string("model");
    const nn::network net = load_model(f);
    const nn::graph& g = net.definition();
    const shape_type input_shape = info_input_shape(f, net);

    nn::network::trace trace;
    net.forward(tensor(input_shape, 0.0f), trace);

    std::size_t parameters = 0, weight_tensors = 0;
    for (const auto& [name, value] : g.initializers) {
        if (g.integer_initializers.count(name)) continue;
        parameters += value.size();
        ++weight_tensors;
    }

    out << "model: " << model_path << " (graph '" << g.name << "', opset " << g.opset << ")\n";
    for (const auto& in : g.inputs) out << "input: " << in.name << ' ' << shape_string(in.shape) << '\n';
    for (const auto& o : g.outputs) out << "output: " << o.name << ' ' << shape_string(o.shape) << '\n';
    out << "scores: " << net.score_name()
        << (net.score_name() == net.output_name() ? " (the output)" : " (the input of the trailing Softmax)") << '\n';
    out << "parameters: " << parameters << " in " << weight_tensors << " weight tensors\n";
    out << "nodes: " << g.nodes.size() << ", shapes for input " << shape_string(input_shape) << '\n';

    struct row {
        std::string index, name, op, outputs;
    };
    std::vector<row> rows{{"#", "name", "op", "outputs"}};
    for (std::size_t n = 0; n < g.nodes.size(); ++n) {
        const auto& nd = g.nodes[n];
        std::string outputs;
        for (const auto& o : nd.outputs) {
            if (o.empty()) continue;
            std::string shape = "(not computed)";
            try {
                shape = shape_string(net.activation(trace, o).shape());
            } catch (const config_error&) {
                // An optional output nothing reads (Dropout's mask) is not computed.
            }
            outputs += (outputs.empty() ? "" : ", ") + o + ' ' + shape;
        }
        rows.push_back({std::to_string(n), nd.name, nd.op_type, outputs});
    }
    std::size_t w_index = 0, w_name = 0, w_op = 0;
    for (const auto& r : rows) {
        w_index = std::max(w_index, r.index.size());
        w_name = std::max(w_name, r.name.size());
        w_op = std::max(w_op, r.op.size());
    }
    for (const auto& r : rows)
        out << "  " << std::string(w_index - r.index.size(), ' ') << r.index << "  " << r.name
            << std::string(w_name - r.name.size() + 2, ' ') << r.op << std::string(w_op - r.op.size() + 2, ' ')
            << r.outputs << '\n';
    return 0;
}

}  // namespace deepvis::cli
