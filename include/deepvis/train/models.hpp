#pragma once
/// The Fashion-MNIST architectures deepvis trains itself and ships as its defaults, built as
/// plain nn::graph values (ONNX opset 13 ops, so save_onnx writes them as they are) with
/// PyTorch's default initialisation from a seed (train/init.hpp).
///
/// fashion_classifier(seed): input "input" (N, 1, 28, 28) →
///   conv1 Conv 32 3×3 pad 1 → relu1 → pool1 MaxPool 2×2 → (32, 14, 14)
///   conv2 Conv 64 3×3 pad 1 → relu2 → pool2 MaxPool 2×2 → (64, 7, 7)
///   flatten → fc1 Gemm 128 → relu3 → fc2 Gemm 10 ("logits") → softmax Softmax ("probabilities")
///   421 642 parameters. The class score (network::score_name) is the Softmax input, "logits".
///
/// conv_autoencoder(options): input "input" (N, 1, 28, 28) →
///   encoder: enc_conv1 Conv w1 3×3 → Relu → enc_pool1 MaxPool 2×2 (14×14)
///            → enc_conv2 Conv w2 → Relu → enc_pool2 MaxPool 2×2 (7×7)
///            → enc_conv3 Conv w3 → Relu (7×7) → Flatten → enc_dense Gemm 2 ("latent")
///   decoder: dec_dense Gemm w3·7·7 → Relu → Reshape (w3, 7, 7)
///            → dec_conv1 Conv w3→w2 → Relu → dec_up1 Resize ×2 nearest (14×14)
///            → dec_conv2 Conv w2→w1 → Relu → dec_up2 Resize ×2 (28×28)
///            → dec_conv3 Conv w1→1 → Sigmoid ("reconstruction")
///   Three convolutions and two poolings each way, the decoder's widths the encoder's mirrored
///   (1→w1→w2→w3 | w3→w2→w1→1), every conv 3×3 with padding 1. ReLU after every layer except
///   the Sigmoid at the end and the 2-unit code: a rectified 2-D code collapses whole classes
///   onto the axes (a dead unit leaves a 1-D map), so "latent" is linear unless
///   options.relu_on_latent is set.
#include <cstdint>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/graph.hpp>
#include <deepvis/nn/ops/activations.hpp>
#include <deepvis/nn/ops/conv.hpp>
#include <deepvis/nn/ops/flatten.hpp>
#include <deepvis/nn/ops/gemm.hpp>
#include <deepvis/nn/ops/pooling.hpp>
#include <deepvis/nn/ops/relu.hpp>
#include <deepvis/nn/ops/reshape.hpp>
#include <deepvis/nn/ops/resize.hpp>
#include <deepvis/nn/ops/softmax.hpp>
#include <deepvis/train/init.hpp>
#include <string>
#include <vector>

namespace deepvis::detail {

/// Small fluent helpers over nn::graph for the layers these models use.
struct graph_builder {
    nn::graph& g;

    std::string conv(const std::string& name, const std::string& x, std::size_t in, std::size_t out, std::size_t k = 3,
                     std::int64_t pad = 1) {
        g.initializers[name + ".weight"] = tensor(shape_type{out, in, k, k}, 0.0f);
        g.initializers[name + ".bias"] = tensor(shape_type{out}, 0.0f);
        const auto kk = static_cast<std::int64_t>(k);
        return g.add({name,
                      "Conv",
                      {x, name + ".weight", name + ".bias"},
                      {name},
                      {{"kernel_shape", std::vector<std::int64_t>{kk, kk}},
                       {"pads", std::vector<std::int64_t>{pad, pad, pad, pad}},
                       {"strides", std::vector<std::int64_t>{1, 1}}}});
    }
    std::string dense(const std::string& name, const std::string& x, std::size_t in, std::size_t out) {
        g.initializers[name + ".weight"] = tensor(shape_type{out, in}, 0.0f);
        g.initializers[name + ".bias"] = tensor(shape_type{out}, 0.0f);
        return g.add({name, "Gemm", {x, name + ".weight", name + ".bias"}, {name}, {{"transB", std::int64_t{1}}}});
    }
    std::string unary(const std::string& name, const std::string& op, const std::string& x, nn::attribute_map a = {}) {
        return g.add({name, op, {x}, {name}, std::move(a)});
    }
    std::string max_pool(const std::string& name, const std::string& x) {
        return unary(name, "MaxPool", x,
                     {{"kernel_shape", std::vector<std::int64_t>{2, 2}}, {"strides", std::vector<std::int64_t>{2, 2}}});
    }
    std::string upsample(const std::string& name, const std::string& x) {
        g.initializers[name + ".scales"] = tensor(shape_type{4});
        auto& s = g.initializers[name + ".scales"];
        s(0) = 1.0f, s(1) = 1.0f, s(2) = 2.0f, s(3) = 2.0f;
        return g.add({name,
                      "Resize",
                      {x, "", name + ".scales"},
                      {name},
                      {{"mode", std::string("nearest")},
                       {"coordinate_transformation_mode", std::string("asymmetric")},
                       {"nearest_mode", std::string("floor")}}});
    }
    std::string reshape(const std::string& name, const std::string& x, const std::vector<std::int64_t>& shape) {
        tensor s(shape_type{shape.size()});
        for (std::size_t i = 0; i < shape.size(); ++i) s(i) = static_cast<float>(shape[i]);
        g.initializers[name + ".shape"] = s;
        g.integer_initializers.insert(name + ".shape");
        return g.add({name, "Reshape", {x, name + ".shape"}, {name}, {}});
    }
};

}  // namespace deepvis::detail

namespace deepvis::train {

/// The Fashion-MNIST classifier (see the file comment), initialised like PyTorch from `seed`.
inline nn::graph fashion_classifier(std::uint64_t seed) {
    nn::graph g;
    g.name = "fashion_cnn";
    g.inputs.push_back({"input", {-1, 1, 28, 28}});
    detail::graph_builder b{g};
    std::string x = "input";
    x = b.conv("conv1", x, 1, 32);
    x = b.unary("relu1", "Relu", x);
    x = b.max_pool("pool1", x);
    x = b.conv("conv2", x, 32, 64);
    x = b.unary("relu2", "Relu", x);
    x = b.max_pool("pool2", x);
    x = b.unary("flatten", "Flatten", x, {{"axis", std::int64_t{1}}});
    x = b.dense("fc1", x, 64 * 7 * 7, 128);
    x = b.unary("relu3", "Relu", x);
    g.add({"fc2", "Gemm", {x, "fc2.weight", "fc2.bias"}, {"logits"}, {{"transB", std::int64_t{1}}}});
    g.initializers["fc2.weight"] = tensor(shape_type{10, 128}, 0.0f);
    g.initializers["fc2.bias"] = tensor(shape_type{10}, 0.0f);
    g.add({"softmax", "Softmax", {"logits"}, {"probabilities"}, {{"axis", std::int64_t{1}}}});
    g.outputs.push_back({"probabilities", {-1, 10}});
    initialize_like_pytorch(g, seed);
    return g;
}

struct autoencoder_options {
    std::uint64_t seed = 0;
    std::size_t width1 = 16, width2 = 32, width3 = 64;  ///< encoder conv widths; the decoder mirrors them
    std::size_t latent = 2;
    bool relu_on_latent = false;
    std::string name = "fashion_cae";
};

/// The convolutional autoencoder (see the file comment). Its code is the tensor "latent".
inline nn::graph conv_autoencoder(const autoencoder_options& o = {}) {
    nn::graph g;
    g.name = o.name;
    g.inputs.push_back({"input", {-1, 1, 28, 28}});
    detail::graph_builder b{g};
    const std::size_t w1 = o.width1, w2 = o.width2, w3 = o.width3;
    std::string x = "input";
    x = b.conv("enc_conv1", x, 1, w1);
    x = b.unary("enc_relu1", "Relu", x);
    x = b.max_pool("enc_pool1", x);
    x = b.conv("enc_conv2", x, w1, w2);
    x = b.unary("enc_relu2", "Relu", x);
    x = b.max_pool("enc_pool2", x);
    x = b.conv("enc_conv3", x, w2, w3);
    x = b.unary("enc_relu3", "Relu", x);
    x = b.unary("enc_flatten", "Flatten", x, {{"axis", std::int64_t{1}}});
    g.initializers["enc_dense.weight"] = tensor(shape_type{o.latent, w3 * 49}, 0.0f);
    g.initializers["enc_dense.bias"] = tensor(shape_type{o.latent}, 0.0f);
    const std::string code = o.relu_on_latent ? "enc_dense" : "latent";
    x = g.add({"enc_dense", "Gemm", {x, "enc_dense.weight", "enc_dense.bias"}, {code}, {{"transB", std::int64_t{1}}}});
    if (o.relu_on_latent) x = g.add({"enc_relu4", "Relu", {x}, {"latent"}, {}});
    x = b.dense("dec_dense", x, o.latent, w3 * 49);
    x = b.unary("dec_relu0", "Relu", x);
    x = b.reshape("dec_reshape", x, {-1, static_cast<std::int64_t>(w3), 7, 7});
    x = b.conv("dec_conv1", x, w3, w2);
    x = b.unary("dec_relu1", "Relu", x);
    x = b.upsample("dec_up1", x);
    x = b.conv("dec_conv2", x, w2, w1);
    x = b.unary("dec_relu2", "Relu", x);
    x = b.upsample("dec_up2", x);
    x = b.conv("dec_conv3", x, w1, 1);
    g.add({"dec_sigmoid", "Sigmoid", {x}, {"reconstruction"}, {}});
    g.outputs.push_back({"reconstruction", {-1, 1, 28, 28}});
    initialize_like_pytorch(g, o.seed);
    return g;
}

}  // namespace deepvis::train
