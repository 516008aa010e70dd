#pragma once
/// The embedded feature network for style transfer when the user brings no model: a VGG-shaped
/// stack of 3×3 convolutions with *random* weights, built in code from a seed.
///
///   input "input" (N, 3, H, W), pixels normalised with texture_network_mean/std →
///   conv1_1 3→32 → relu1_1 → conv1_2 32→32 → relu1_2 → pool1 (2×2 average)
///   → conv2_1 32→64 → relu2_1 → conv2_2 → relu2_2 → pool2
///   → conv3_1 64→128 → relu3_1 → conv3_2 → relu3_2 → pool3
///   → conv4_1 128→256 → relu4_1
///   Weights: He-uniform (gain √2, keeps activations at one scale through the ReLUs), each filter
///   shifted to zero mean so it responds to structure rather than brightness; biases zero.
///   Average pooling, as Gatys et al. (2016) use for synthesis.
///
/// Why random weights can work at all: Gram matrices of random multi-scale ReLU features already
/// capture much of a texture's statistics (Ustyuzhaninov, Brendel, Gatys & Bethge, "What does it
/// take to generate natural textures?", ICLR 2017). What they lack is what training adds: features
/// that know objects. Expect colour and local texture to transfer, and content to be kept as
/// edges and blobs rather than as recognisable parts; a pretrained VGG or SqueezeNet ONNX file
/// (--model) gives the painterly results of the paper.
#include <cstdint>
#include <deepvis/nn/graph.hpp>
#include <deepvis/synthesis/style_transfer.hpp>
#include <deepvis/train/models.hpp>
#include <deepvis/train/rng.hpp>
#include <string>
#include <utility>
#include <vector>

namespace deepvis {
inline namespace synthesis {

inline const std::vector<float>& texture_network_mean() {
    static const std::vector<float> m = {0.485f, 0.456f, 0.406f};
    return m;
}
inline const std::vector<float>& texture_network_std() {
    static const std::vector<float> s = {0.229f, 0.224f, 0.225f};
    return s;
}

/// Style-transfer settings for the embedded network: content at relu3_2; style at the first
/// ReLU of each block, weighted so that each layer starts with about the same share of the style
/// loss (their unweighted Gram losses fall ~4×, 5×, 4× from block to block); content weight 2e-2
/// and TV weight 1e-3 (with the course's 5e-2 for TV the prior wins and the style loss falls only
/// ~4×). Random features make content and style compete more than trained ones do: in
/// tests/synthesis/style_evidence_test.cpp the style loss falls ~1000× while the content loss
/// ends at ~0.8 of the style image's own; a pretrained network keeps content far better.
inline style_transfer_options texture_network_style_options() {
    style_transfer_options o;
    o.content_layer = "relu3_2";
    o.style_layers = {{"relu1_1", 1e4}, {"relu2_1", 2.5e5}, {"relu3_1", 1e6}, {"relu4_1", 4e6}};
    o.content_weight = 2e-2;
    o.tv_weight = 1e-3;
    o.preprocessing = {.mean = texture_network_mean(), .std = texture_network_std()};
    return o;
}

inline nn::graph texture_network(std::uint64_t seed = 0) {
    nn::graph g;
    g.name = "deepvis_texture_network";
    g.inputs.push_back({"input", {-1, 3, -1, -1}});
    detail::graph_builder b{g};
    struct block {
        std::size_t width, convs;
    };
    const block blocks[] = {{32, 2}, {64, 2}, {128, 2}, {256, 1}};
    std::string x = "input";
    std::size_t in = 3;
    for (std::size_t k = 0; k < std::size(blocks); ++k) {
        const std::string level = std::to_string(k + 1);
        if (k > 0)
            x = b.unary(
                "pool" + std::to_string(k), "AveragePool", x,
                {{"kernel_shape", std::vector<std::int64_t>{2, 2}}, {"strides", std::vector<std::int64_t>{2, 2}}});
        for (std::size_t c = 1; c <= blocks[k].convs; ++c) {
            const std::string id = level + "_" + std::to_string(c);
            x = b.conv("conv" + id, x, in, blocks[k].width);
            x = b.unary("relu" + id, "Relu", x);
            in = blocks[k].width;
        }
    }
    g.outputs.push_back({x, {-1, 256, -1, -1}});
    train::rng r(seed);
    for (const auto& n : g.nodes) {
        if (n.op_type != "Conv") continue;
        tensor& w = g.initializers.at(n.inputs[1]);
        const std::size_t out = w.shape()[0], fan_in = w.size() / out;
        train::kaiming_uniform(w, fan_in, 0.0f, r);
        for (std::size_t o = 0; o < out; ++o) {
            float* f = w.data() + o * fan_in;
            double mean = 0.0;
            for (std::size_t e = 0; e < fan_in; ++e) mean += f[e];
            mean /= double(fan_in);
            for (std::size_t e = 0; e < fan_in; ++e) f[e] -= static_cast<float>(mean);
        }
    }
    return g;
}

}  // namespace synthesis
}  // namespace deepvis
