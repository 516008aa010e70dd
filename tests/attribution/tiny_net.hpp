#pragma once
// Small seeded networks for the attribution tests, built in C++:
//   cnn():    x (N,2,8,8) → Conv 3×3 (4) → Relu → MaxPool 2×2 → Conv 3×3 (5) → Relu → Flatten → Gemm (3)
//   tail():   the part of cnn() after conv2: Relu → Flatten → Gemm with the same weights, to take
//             finite differences of the score with respect to conv2's output
//   mlp():    x (N,1,2,3) → Flatten → Gemm (4) → Relu → Gemm (3), for hand-computed rules
#include <deepvis/nn/network.hpp>
#include <deepvis/nn/ops/conv.hpp>
#include <deepvis/nn/ops/flatten.hpp>
#include <deepvis/nn/ops/gemm.hpp>
#include <deepvis/nn/ops/pooling.hpp>
#include <deepvis/nn/ops/softmax.hpp>

#include "support/gradient_check.hpp"

namespace deepvis::testing {

using ints = std::vector<std::int64_t>;

struct cnn_weights {
    tensor w1 = random_tensor({4, 2, 3, 3}, 11, 0.5f), b1 = random_tensor({4}, 12, 0.1f);
    tensor w2 = random_tensor({5, 4, 3, 3}, 13, 0.4f), b2 = random_tensor({5}, 14, 0.1f);
    tensor w3 = random_tensor({3, 80}, 15, 0.3f), b3 = random_tensor({3}, 16, 0.1f);
};

inline nn::network cnn(bool with_softmax = false) {
    const cnn_weights w;
    nn::graph g;
    g.inputs = {{"x", {-1, 2, 8, 8}}};
    g.initializers = {{"w1", w.w1}, {"b1", w.b1}, {"w2", w.w2}, {"b2", w.b2}, {"w3", w.w3}, {"b3", w.b3}};
    const nn::attribute_map conv_attr{{"kernel_shape", ints{3, 3}}, {"pads", ints{1, 1, 1, 1}}};
    g.add({"conv1", "Conv", {"x", "w1", "b1"}, {"c1"}, conv_attr});
    g.add({"relu1", "Relu", {"c1"}, {"r1"}, {}});
    g.add({"pool1", "MaxPool", {"r1"}, {"p1"}, {{"kernel_shape", ints{2, 2}}, {"strides", ints{2, 2}}}});
    g.add({"conv2", "Conv", {"p1", "w2", "b2"}, {"c2"}, conv_attr});
    g.add({"relu2", "Relu", {"c2"}, {"r2"}, {}});
    g.add({"flatten", "Flatten", {"r2"}, {"f"}, {}});
    g.add({"fc", "Gemm", {"f", "w3", "b3"}, {"logits"}, {{"transB", std::int64_t{1}}}});
    if (with_softmax) {
        g.add({"softmax", "Softmax", {"logits"}, {"prob"}, {{"axis", std::int64_t{1}}}});
        g.outputs = {{"prob", {}}};
    } else {
        g.outputs = {{"logits", {}}};
    }
    return nn::network(std::move(g));
}

inline nn::network tail() {
    const cnn_weights w;
    nn::graph g;
    g.inputs = {{"c2", {-1, 5, 4, 4}}};
    g.initializers = {{"w3", w.w3}, {"b3", w.b3}};
    g.add({"relu2", "Relu", {"c2"}, {"r2"}, {}});
    g.add({"flatten", "Flatten", {"r2"}, {"f"}, {}});
    g.add({"fc", "Gemm", {"f", "w3", "b3"}, {"logits"}, {{"transB", std::int64_t{1}}}});
    g.outputs = {{"logits", {}}};
    return nn::network(std::move(g));
}

struct mlp_weights {
    tensor w1 = random_tensor({4, 6}, 21), b1 = random_tensor({4}, 22, 0.5f);
    tensor w2 = random_tensor({3, 4}, 23), b2 = random_tensor({3}, 24, 0.5f);
};

inline nn::network mlp() {
    const mlp_weights w;
    nn::graph g;
    g.inputs = {{"x", {-1, 1, 2, 3}}};
    g.initializers = {{"w1", w.w1}, {"b1", w.b1}, {"w2", w.w2}, {"b2", w.b2}};
    g.add({"flatten", "Flatten", {"x"}, {"f"}, {}});
    g.add({"fc1", "Gemm", {"f", "w1", "b1"}, {"h"}, {{"transB", std::int64_t{1}}}});
    g.add({"relu", "Relu", {"h"}, {"r"}, {}});
    g.add({"fc2", "Gemm", {"r", "w2", "b2"}, {"logits"}, {{"transB", std::int64_t{1}}}});
    g.outputs = {{"logits", {}}};
    return nn::network(std::move(g));
}

/// score_c of batch item i for input x.
inline double score_of(const nn::network& net, const tensor& x, std::size_t i, std::int64_t c) {
    nn::network::trace t;
    net.forward(x, t);
    const tensor& s = net.scores(t);
    return s.data()[i * (s.size() / s.shape()[0]) + static_cast<std::size_t>(c)];
}

/// Finite-difference gradient of Σ_i score_{c_i}(x) with respect to x (central, in double sums).
inline tensor fd_gradient(const nn::network& net, tensor x, const ints& classes, float eps = 1e-2f) {
    tensor g = xt::zeros<float>(x.shape());
    auto total = [&] {
        double s = 0;
        for (std::size_t i = 0; i < classes.size(); ++i) s += score_of(net, x, i, classes[i]);
        return s;
    };
    for (std::size_t e = 0; e < x.size(); ++e) {
        const float keep = x.data()[e];
        x.data()[e] = keep + eps;
        const double up = total();
        x.data()[e] = keep - eps;
        const double down = total();
        x.data()[e] = keep;
        g.data()[e] = static_cast<float>((up - down) / (2.0 * eps));
    }
    return g;
}

/// Max |a − b| relative to max |b| (or absolute when b is tiny).
inline double max_rel_diff(const tensor& a, const tensor& b) {
    REQUIRE(a.shape() == b.shape());
    double diff = 0, scale = 0;
    for (std::size_t e = 0; e < a.size(); ++e) {
        diff = std::max(diff, std::abs(double(a.data()[e]) - double(b.data()[e])));
        scale = std::max(scale, std::abs(double(b.data()[e])));
    }
    return diff / std::max(scale, 1e-6);
}

}  // namespace deepvis::testing
