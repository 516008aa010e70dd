#pragma once
/// Caffe import: a network description (`deploy.prototxt`, protobuf text) plus its trained
/// weights (`.caffemodel`, a binary NetParameter) become the same nn::graph / nn::network the
/// ONNX importer builds, so every attribution, backprop rule and synthesis recipe works on them.
///
///   load_caffe(prototxt, caffemodel):          the graph (ONNX op types, weights as initialisers);
///                                              save_onnx (io/onnx.hpp) converts it to ONNX.
///   load_caffe_network(prototxt, caffemodel):  nn::network(load_caffe(...)).
///   caffe_prototxt_for(caffemodel, prototxt):  the prototxt to use with a caffemodel: `prototxt`
///                                              when given, else `deploy.prototxt` in the
///                                              caffemodel's folder (the model zoo's layout).
///
/// Files. Both are parsed by libprotobuf with deepvis' own schema (io/detail/caffe.proto: the
/// messages and public field numbers of Caffe's caffe.proto that deepvis reads; every other field
/// is skipped). Caffemodels up to protobuf's 2 GB limit load (VGG-16's is 550 MB). Both layer
/// formats are read: `layer { }` (LayerParameter, blobs with `shape`) and the legacy `layers { }`
/// (V1LayerParameter: enum types, blobs with num/channels/height/width, InnerProduct weights as
/// 1 x 1 x N x K), with `data` or `double_data` values. The input is declared by an Input layer,
/// or by `input:` with `input_shape` or `input_dim`. Layers excluded from the TEST phase and the
/// data, loss and accuracy layers are skipped. Weights are matched to prototxt layers by name; a
/// layer that needs weights and has none is an io_error naming it (Caffe itself would silently
/// keep random weights).
///
/// Naming rule. Caffe's in-place layers (a ReLU whose top is its bottom) make one blob name mean
/// several tensors. deepvis names every layer's output tensor after the LAYER, so on CaffeNet
/// `conv5` is the convolution's output and `relu5` the rectified one; a blob name is only a
/// pointer to the latest tensor written under it. Inputs keep their declared name (`data`).
/// Dropout and Split produce no tensor (identity at test time): their tops point at the bottom's
/// tensor. A layer that becomes several ops names the last one after the layer and the others
/// `<layer>/<step>`; weights are `<layer>/weight`, `<layer>/bias` and so on. These are exactly
/// the names of an ONNX file exported node by node with the Caffe names (see the squeezenet1.0
/// files in ../shared/models), so `--layer` means the same on both.
///
/// Layers (Caffe semantics → ops):
///   Convolution / Deconvolution → Conv / ConvTranspose (num_output, kernel/stride/pad with the
///     _h/_w forms, dilation, group, bias_term);
///   InnerProduct → Flatten(axis 1) + Gemm (transpose; axis 1 only);
///   ReLU → Relu (the backprop rule applies), or LeakyRelu with negative_slope (exact gradient);
///   Pooling MAX/AVE → MaxPool / AveragePool with ceil_mode (Caffe rounds the output size up, or
///     down with round_mode FLOOR, and drops a last window starting in the padding) and, for AVE,
///     count_include_pad (the divisor is the window clipped to the padded input); global pooling →
///     GlobalMaxPool / GlobalAveragePool, followed by Flatten when it is the network's output
///     (class scores (N, K) rather than (N, K, 1, 1));
///   LRN ACROSS_CHANNELS → LRN (scale = k + alpha/n · Σx²); WITHIN_CHANNEL → x · (1 + alpha ·
///     avg_{n x n}(x²))^(−beta) as Mul, AveragePool, Mul, Add, Pow, Mul;
///   Concat → Concat; Eltwise SUM (coefficients) / PROD / MAX → Mul, Add / Mul / Max;
///   BatchNorm (mean and variance divided by the moving-average scale factor blob) and Scale
///     (with bias_term) → BatchNormalization; Softmax, Sigmoid, TanH, Flatten (end_axis −1),
///     Reshape (whole shape) → the same ONNX ops; Power → Mul, Add, Pow.
/// Anything else throws unsupported_error naming the layer, its type and the supported types.
/// Every size read from a file is checked for overflow before anything is allocated.
///
/// Link the CMake target deepvis::caffe to use this header.
#include <deepvis/core/error.hpp>
#include <deepvis/io/detail/caffe_files.hpp>
#include <deepvis/io/detail/caffe_graph.hpp>
#include <deepvis/io/detail/model_label.hpp>
#include <deepvis/nn/graph.hpp>
#include <deepvis/nn/network.hpp>
#include <filesystem>
#include <string>

namespace deepvis::io {

/// Reads `prototxt` and `caffemodel` and translates them to a graph (see the header comment).
inline nn::graph load_caffe(const std::filesystem::path& prototxt, const std::filesystem::path& caffemodel) {
    const auto net = detail::parse_prototxt(prototxt);
    const auto weights = detail::parse_caffemodel(caffemodel);
    const std::string label = "Caffe model '" + prototxt.string() + "' + '" + caffemodel.string() + "'";
    return detail::caffe_graph_builder(net, weights, label).build();
}

/// Loads a Caffe model and builds its executor: nn::network(load_caffe(prototxt, caffemodel)).
inline nn::network load_caffe_network(const std::filesystem::path& prototxt, const std::filesystem::path& caffemodel) {
    nn::graph g = load_caffe(prototxt, caffemodel);
    return detail::with_model_label("Caffe model '" + caffemodel.string() + "'",
                                    [&] { return nn::network(std::move(g)); });
}

/// The prototxt for a caffemodel: `prototxt` when not empty, else deploy.prototxt beside it.
inline std::filesystem::path caffe_prototxt_for(const std::filesystem::path& caffemodel,
                                                const std::filesystem::path& prototxt = {}) {
    return prototxt.empty() ? caffemodel.parent_path() / "deploy.prototxt" : prototxt;
}

}  // namespace deepvis::io
