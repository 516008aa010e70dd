#pragma once
/// summary: a model's layers in the layout of Keras' model.summary() — one row per node with
/// its type, output shape ("None" for the free batch dimension) and parameter count (the
/// elements of its float initialiser inputs), then the totals.
///   requires: input_shape is a shape the network accepts (batch included, any batch size);
///             empty: the declared input shape with batch 1 (every other dimension fixed).
///   ensures:  returns the text (the library never prints); runs one forward pass on zeros.
///   throws:   config_error when the declared input shape has dynamic dimensions and none is given.
/// Parameters shared by several nodes are counted once, at their first use; BatchNormalization's
/// running statistics count as non-trainable; the scales, sizes and shapes of Resize,
/// Upsample and Reshape are configuration, not parameters.
#include <algorithm>
#include <cstddef>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/network.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace deepvis::nn {

namespace detail {
/// 421642 -> "421,642", as Keras prints counts.
inline std::string summary_thousands(std::size_t v) {
    std::string digits = std::to_string(v), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}
inline std::string summary_pad_to(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s + ' ';
}
}  // namespace detail

inline std::string summary(const network& net, shape_type input_shape = {}) {
    const graph& g = net.definition();
    if (input_shape.empty()) {
        const auto& declared = net.input_info().shape;
        DEEPVIS_CHECK(!declared.empty(), config_error,
                      "summary: input '" << net.input_name() << "' has no declared shape; pass one");
        input_shape.push_back(1);
        for (std::size_t d = 1; d < declared.size(); ++d) {
            DEEPVIS_CHECK(declared[d] > 0, config_error,
                          "summary: input '" << net.input_name() << "' has dynamic shape " << shape_string(declared)
                                             << "; pass the shape to run");
            input_shape.push_back(static_cast<std::size_t>(declared[d]));
        }
    }
    network::trace t;
    net.forward(tensor(input_shape, 0.0f), t);

    struct row {
        std::string layer, shape, params;
    };
    std::vector<row> rows;
    std::size_t total = 0, frozen = 0;
    std::set<std::string> counted;
    auto shape_text = [](const tensor& v) {
        std::ostringstream os;
        os << '(';
        for (std::size_t d = 0; d < v.dimension(); ++d) {
            if (d) os << ", ";
            if (d == 0)
                os << "None";
            else
                os << v.shape()[d];
        }
        os << (v.dimension() == 1 ? ",)" : ")");
        return os.str();
    };
    rows.push_back({net.input_name() + " (Input)", shape_text(tensor(input_shape)), "0"});
    for (const auto& n : g.nodes) {
        std::size_t params = 0;
        for (std::size_t i = 0; i < n.inputs.size(); ++i) {
            const std::string& in = n.inputs[i];
            auto it = g.initializers.find(in);
            const op_traits& traits = traits_of(n.op_type);
            const bool configuration = i >= traits.configuration_from;
            if (it == g.initializers.end() || g.integer_initializers.count(in) || configuration ||
                !counted.insert(in).second)
                continue;
            params += it->second.size();
            // BatchNormalization's running mean and variance are statistics, not trained weights.
            if (i >= traits.statistics_from) frozen += it->second.size();
        }
        total += params;
        rows.push_back({n.name + " (" + n.op_type + ")", shape_text(net.activation(t, n.outputs.front())),
                        detail::summary_thousands(params)});
    }
    std::size_t w0 = 28, w1 = 26, w2 = 10;
    for (const auto& r : rows) {
        w0 = std::max(w0, r.layer.size() + 1);
        w1 = std::max(w1, r.shape.size() + 1);
        w2 = std::max(w2, r.params.size());
    }
    const std::size_t width = 1 + w0 + 1 + w1 + 1 + w2;
    std::ostringstream os;
    os << "Model: \"" << g.name << "\"\n" << std::string(width, '_') << '\n';
    os << ' ' << detail::summary_pad_to("Layer (type)", w0) << detail::summary_pad_to("Output Shape", w1)
       << "Param #\n";
    os << std::string(width, '=') << '\n';
    for (std::size_t i = 0; i < rows.size(); ++i) {
        os << ' ' << detail::summary_pad_to(rows[i].layer, w0) << detail::summary_pad_to(rows[i].shape, w1)
           << rows[i].params << '\n';
        if (i + 1 < rows.size()) os << '\n';
    }
    os << std::string(width, '=') << '\n';
    os << "Total params: " << detail::summary_thousands(total) << '\n';
    os << "Trainable params: " << detail::summary_thousands(total - frozen) << '\n';
    os << "Non-trainable params: " << detail::summary_thousands(frozen) << '\n' << std::string(width, '_') << '\n';
    return os.str();
}

}  // namespace deepvis::nn
