#pragma once
// A small seeded network for the synthesis tests, built in C++:
//   x (N,3,8,8) → conv1 3×3 (4) → relu1 → conv2 3×3 (6) → relu2 → MaxPool 2×2 → Flatten
//              → fc Gemm (5 classes) [→ Softmax]
#include <deepvis/nn/network.hpp>
#include <deepvis/nn/ops/conv.hpp>
#include <deepvis/nn/ops/flatten.hpp>
#include <deepvis/nn/ops/gemm.hpp>
#include <deepvis/nn/ops/pooling.hpp>
#include <deepvis/nn/ops/softmax.hpp>

#include "support/gradient_check.hpp"

namespace deepvis::testing {

inline nn::network synthesis_net(bool with_softmax = false) {
    using ints = std::vector<std::int64_t>;
    nn::graph g;
    g.inputs = {{"x", {-1, 3, 8, 8}}};
    g.initializers = {{"w1", random_tensor({4, 3, 3, 3}, 31, 0.4f)}, {"b1", random_tensor({4}, 32, 0.1f)},
                      {"w2", random_tensor({6, 4, 3, 3}, 33, 0.3f)}, {"b2", random_tensor({6}, 34, 0.1f)},
                      {"w3", random_tensor({5, 96}, 35, 0.2f)},      {"b3", random_tensor({5}, 36, 0.1f)}};
    const nn::attribute_map conv{{"kernel_shape", ints{3, 3}}, {"pads", ints{1, 1, 1, 1}}};
    g.add({"conv1", "Conv", {"x", "w1", "b1"}, {"c1"}, conv});
    g.add({"relu1", "Relu", {"c1"}, {"r1"}, {}});
    g.add({"conv2", "Conv", {"r1", "w2", "b2"}, {"c2"}, conv});
    g.add({"relu2", "Relu", {"c2"}, {"r2"}, {}});
    g.add({"pool", "MaxPool", {"r2"}, {"p"}, {{"kernel_shape", ints{2, 2}}, {"strides", ints{2, 2}}}});
    g.add({"flatten", "Flatten", {"p"}, {"f"}, {}});
    g.add({"fc", "Gemm", {"f", "w3", "b3"}, {"logits"}, {{"transB", std::int64_t{1}}}});
    if (with_softmax) {
        g.add({"softmax", "Softmax", {"logits"}, {"prob"}, {{"axis", std::int64_t{1}}}});
        g.outputs = {{"prob", {}}};
    } else {
        g.outputs = {{"logits", {}}};
    }
    return nn::network(std::move(g));
}

/// A Model that forwards to a network and counts backward passes (one per evaluation).
struct counting_model {
    using trace_type = nn::network::trace;
    const nn::network& net;
    mutable int backward_calls = 0;

    const tensor& forward(const tensor& x, trace_type& t) const { return net.forward(x, t); }
    const tensor& forward(const tensor& x, trace_type& t, std::span<const std::string> w) const {
        return net.forward(x, t, w);
    }
    const tensor& activation(const trace_type& t, const std::string& n) const { return net.activation(t, n); }
    const tensor& scores(const trace_type& t) const { return net.scores(t); }
    std::string input_name() const { return net.input_name(); }
    std::string score_name() const { return net.score_name(); }
    std::string resolve(const std::string& n) const { return net.resolve(n); }
    template <BackpropRule R>
    const tensor& backward(trace_type& t, std::span<const nn::gradient_seed> s, const std::string& target) const {
        ++backward_calls;
        return net.backward<R>(t, s, target);
    }
};

/// max|a − b| / max|b|.
inline double relative_error(const tensor& a, const tensor& b) {
    REQUIRE(a.size() == b.size());
    double d = 0, s = 0;
    for (std::size_t e = 0; e < a.size(); ++e) {
        d = std::max(d, std::abs(double(a.data()[e]) - b.data()[e]));
        s = std::max(s, std::abs(double(b.data()[e])));
    }
    return d / std::max(s, 1e-30);
}

}  // namespace deepvis::testing
