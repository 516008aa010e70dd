#pragma once
/// Weight initialisation, seeded.
///
/// kaiming_uniform(w, fan_in, a): w ~ U(−b, b), b = gain·sqrt(3 / fan_in), gain = sqrt(2 / (1 + a²))
///   — K. He et al., "Delving Deep into Rectifiers", ICCV 2015, eq. (10) in its uniform form.
/// initialize_like_pytorch(graph, seed): what torch.nn.Conv2d / ConvTranspose2d / Linear do by
///   default — kaiming_uniform with a = √5 for the weights, which gives b = 1/sqrt(fan_in), and
///   U(−1/sqrt(fan_in), 1/sqrt(fan_in)) for the biases. fan_in is in_channels/groups·kh·kw for
///   Conv, out_channels/groups·kh·kw for ConvTranspose (PyTorch computes it from the weight's
///   second dimension), the input width for Gemm. Nodes are visited in graph order, weight
///   before bias, so a seed gives the same weights wherever the graph is built. Other float
///   initialisers are left alone.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/graph.hpp>
#include <deepvis/train/rng.hpp>
#include <string>

namespace deepvis::train {

inline void uniform_fill(tensor& w, float bound, rng& r) {
    for (auto& v : w) v = r.uniform(-bound, bound);
}

inline void kaiming_uniform(tensor& w, std::size_t fan_in, float a, rng& r) {
    DEEPVIS_CHECK(fan_in > 0, config_error, "kaiming_uniform: fan_in is 0");
    const float gain = std::sqrt(2.0f / (1.0f + a * a));
    uniform_fill(w, gain * std::sqrt(3.0f / static_cast<float>(fan_in)), r);
}

/// The fan-in PyTorch uses for a node's weight, or 0 when the node has no weight it knows.
inline std::size_t pytorch_fan_in(const nn::node& n, const tensor& weight) {
    if ((n.op_type == "Conv" || n.op_type == "ConvTranspose") && weight.dimension() >= 3) {
        std::size_t receptive = 1;
        for (std::size_t d = 2; d < weight.dimension(); ++d) receptive *= weight.shape()[d];
        return weight.shape()[1] * receptive;
    }
    if (n.op_type == "Gemm" && weight.dimension() == 2)
        return n.attributes.get_int("transB", 0) ? weight.shape()[1] : weight.shape()[0];
    return 0;
}

inline void initialize_like_pytorch(nn::graph& g, std::uint64_t seed) {
    rng r(seed);
    for (const auto& n : g.nodes) {
        if (n.inputs.size() < 2) continue;
        auto w = g.initializers.find(n.inputs[1]);
        if (w == g.initializers.end()) continue;
        const std::size_t fan_in = pytorch_fan_in(n, w->second);
        if (fan_in == 0) continue;
        kaiming_uniform(w->second, fan_in, std::sqrt(5.0f), r);
        if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
            auto b = g.initializers.find(n.inputs[2]);
            if (b != g.initializers.end()) uniform_fill(b->second, 1.0f / std::sqrt(static_cast<float>(fan_in)), r);
        }
    }
}

}  // namespace deepvis::train
