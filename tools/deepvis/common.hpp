#pragma once
/// What several `deepvis` subcommands share: the --model flag, the model's input from --input
/// (an .npy array) or --image (files, with the preprocessing flags), class selection (a number
/// or topK), softmax and top classes.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <deepvis/core/checked.hpp>
#include <deepvis/core/error.hpp>
#include <deepvis/core/scores.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/io/image.hpp>
#ifdef DEEPVIS_CLI_WITH_CAFFE
#include <deepvis/io/caffe.hpp>
#endif
#include <deepvis/io/npy.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/nn/network.hpp>
#include <deepvis/viz/normalize.hpp>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "preprocessing.hpp"

namespace deepvis::cli {

/// The signature of every subcommand: arguments after its name, stdout; returns the exit code.
using command_function = int (*)(const std::vector<std::string>& args, std::ostream& out);

/// --prototxt, for a --model that is Caffe weights (.caffemodel).
inline void add_prototxt_flag(command_line& f) {
    f.option("prototxt", "D.prototxt",
             "the Caffe network description of a --model M.caffemodel (default: deploy.prototxt in the "
             "caffemodel's folder)");
}

/// --model M.onnx, or M.caffemodel with --prototxt.
inline void add_model_flag(command_line& f) {
    f.required("model", "M.onnx|M.caffemodel", "the model: an ONNX file, or Caffe weights with --prototxt");
    add_prototxt_flag(f);
}

/// Whether a model file is Caffe weights (by its extension, .caffemodel).
inline bool is_caffe_model(const std::filesystem::path& model) { return model.extension() == ".caffemodel"; }

/// The one place the CLI loads a model: an ONNX file, or a .caffemodel with its prototxt
/// (`prototxt`, else deploy.prototxt beside it: io::caffe_prototxt_for).
inline nn::network load_model(const std::string& model, const std::string& prototxt = {}) {
    if (!is_caffe_model(model)) {
        if (!prototxt.empty())
            throw usage_error("flag --prototxt applies to a Caffe --model M.caffemodel, not to '" + model + "'");
        return io::load_network(model);
    }
#ifdef DEEPVIS_CLI_WITH_CAFFE
    return io::load_caffe_network(io::caffe_prototxt_for(model, prototxt), model);
#else
    DEEPVIS_FAIL(unsupported_error, "model '" << model << "': this deepvis was built without Caffe support "
                                              << "(deepvis::caffe needs libprotobuf-dev and protobuf-compiler)");
#endif
}

/// load_model with --model and --prototxt.
inline nn::network load_model(const command_line& f) {
    return load_model(f.get_string("model"), f.given("prototxt") ? f.get_string("prototxt") : std::string());
}

/// --input-shape N,C,H,W: the shape to run a model on when its declared input is dynamic.
inline void add_input_shape_flag(command_line& f, const std::string& help) { f.option("input-shape", "N,C,H,W", help); }

/// The dimensions given to --input-shape, each positive (a usage_error otherwise).
inline shape_type input_shape_flag(const command_line& f) {
    shape_type shape;
    for (long long d : f.get_ints("input-shape")) {
        if (d <= 0) throw usage_error("flag --input-shape: '" + f.get_string("input-shape") + "' has a dimension <= 0");
        shape.push_back(static_cast<std::size_t>(d));
    }
    return shape;
}

/// --input / --image and the image preprocessing flags.
inline void add_input_flags(command_line& f) {
    f.option("input", "X.npy", "the input batch as a float32 .npy array, (N, C, H, W) or (C, H, W)")
        .option("image", "P.png[,Q.jpg...]", "image files, preprocessed into one batch");
    add_preprocessing_flags(f);
}

/// The model's input batch, a name for each item (its file, or "input[n]"), and how images were
/// preprocessed (to show input-space images in true colours).
struct input_batch {
    tensor x;
    std::vector<std::string> names;
    preprocessing preprocess = {};
    bool from_images = false;  ///< --image (preprocess applies) rather than --input

    /// Item i as pixels in [0, 1], R, G, B, (C, H, W) for display: images with their
    /// preprocessing undone; an .npy input, whose pixel meaning is unknown, min-max scaled.
    tensor display_image(std::size_t i) const {
        DEEPVIS_CHECK(x.dimension() == 4 && (x.shape()[1] == 1 || x.shape()[1] == 3), shape_error,
                      "an image needs an input (N, 1 or 3, H, W), got " << shape_string(x.shape()));
        const tensor one = xt::view(x, xt::range(i, i + 1));
        const tensor pixels = from_images ? preprocess.from_model(one) : viz::normalize_min_max(one);
        return xt::view(pixels, 0);
    }
};

/// "input 'x' (-1, 3, 224, 224)"
inline std::string describe_input(const nn::network& net) {
    return "input '" + net.input_name() + "' " + shape_string(net.input_info().shape);
}

/// The model's fixed input size {H, W}, or {0, 0} when its spatial dimensions are free.
inline std::array<std::size_t, 2> model_image_size(const nn::network& net) {
    const auto& d = net.input_info().shape;
    if (d.size() == 4 && d[2] > 0 && d[3] > 0) return {static_cast<std::size_t>(d[2]), static_cast<std::size_t>(d[3])};
    return {0, 0};
}

/// Reads --input or --image (exactly one must be given) as the model expects it.
inline input_batch load_input(const command_line& f, const nn::network& net) {
    if (f.given("input") == f.given("image"))
        throw usage_error("give exactly one of --input X.npy and --image P.png[,Q.jpg...]" + f.see_help());
    const auto& declared = net.input_info().shape;
    input_batch batch;
    if (f.given("input")) {
        for (const char* name : preprocessing_flag_names)
            if (f.given(name)) throw usage_error(std::string("flag --") + name + " applies to --image only");
        batch.x = io::load_npy(f.get_string("input"));
        // One item without its batch dimension: add it.
        if (!declared.empty() && batch.x.dimension() + 1 == declared.size()) {
            shape_type s = shape_of(batch.x);
            s.insert(s.begin(), 1);
            batch.x.reshape(s);
        }
        DEEPVIS_CHECK(
            batch.x.dimension() >= 1, shape_error,
            "--input '" << f.get_string("input") << "': a scalar is not a batch; the model's " << describe_input(net));
        check_finite(batch.x, "--input '" + f.get_string("input") + "'");
        for (std::size_t n = 0; n < batch.x.shape()[0]; ++n) batch.names.push_back("input[" + std::to_string(n) + "]");
        return batch;
    }
    DEEPVIS_CHECK(declared.size() == 4, config_error,
                  "--image needs a model with an NCHW input; its " << describe_input(net) << " has " << declared.size()
                                                                   << " dimensions");
    const int channels = declared[1] > 0 ? static_cast<int>(declared[1]) : 3;
    DEEPVIS_CHECK(
        channels == 1 || channels == 3, config_error,
        "--image: the model's " << describe_input(net) << " has " << declared[1] << " channels; images give 1 or 3");
    batch.preprocess = read_preprocessing(f, channels, model_image_size(net), net.definition().metadata);
    std::vector<std::filesystem::path> paths;
    for (const auto& p : f.get_list("image")) {
        paths.emplace_back(p);
        batch.names.push_back(p);
    }
    try {
        batch.x = batch.preprocess.to_model(paths);
        batch.from_images = true;
    } catch (const config_error& e) {
        // The library names its options; the user knows them as flags.
        throw config_error(std::string("image preprocessing flags: ") + e.what());
    }
    check_finite(batch.x, "--image after preprocessing (N, C, H, W)");
    return batch;
}

/// The class scores of a batch as (N, K): any trailing dimensions are flattened. A model
/// without classes (K = 0) is refused here, before anything reads a score.
inline std::size_t class_count(const tensor& scores) {
    DEEPVIS_CHECK(scores.dimension() >= 1 && scores.shape()[0] > 0, shape_error,
                  "the class scores have shape " << shape_string(scores.shape()) << ", expected (N, K)");
    const std::size_t classes = scores.size() / scores.shape()[0];
    DEEPVIS_CHECK(classes > 0, shape_error,
                  "the model has no classes: its class scores have shape " << shape_string(scores.shape())
                                                                           << ", expected (N, K) with K >= 1");
    return classes;
}

/// Row-wise softmax of (N, K) scores (core/scores.hpp).
inline std::vector<std::vector<double>> softmax_rows(const tensor& scores) {
    const std::size_t n = scores.shape()[0], k = class_count(scores);
    std::vector<std::vector<double>> p(n, std::vector<double>(k));
    for (std::size_t i = 0; i < n; ++i) softmax(scores.data() + i * k, k, p[i].data());
    return p;
}

/// The k most probable classes of a probability row, best first (ties: the lower index).
inline std::vector<std::size_t> top_classes(const std::vector<double>& p, std::size_t k) {
    return top_k(p.data(), p.size(), k);
}

/// One class as flag `name` gives it for an item with class probabilities `p`: a class index in
/// [0, K) or topR, the item's R-th most probable class (top1 = the prediction).
inline std::size_t class_from_spec(const std::string& name, const std::string& item, const std::vector<double>& p) {
    const std::size_t classes = p.size();
    if (item.rfind("top", 0) == 0) {
        const long long rank = command_line::parse_int(name, item.substr(3));
        DEEPVIS_CHECK(
            rank >= 1 && static_cast<std::size_t>(rank) <= classes, config_error,
            "--" << name << " " << item << ": the model has " << classes << " classes (top1 to top" << classes << ")");
        return top_classes(p, static_cast<std::size_t>(rank)).back();
    }
    const long long c = command_line::parse_int(name, item);
    DEEPVIS_CHECK(c >= 0 && static_cast<std::size_t>(c) < classes, config_error,
                  "--" << name << " " << c << " is out of range: the model has " << classes << " classes (0 to "
                       << classes - 1 << ")");
    return static_cast<std::size_t>(c);
}

/// The classes flag `name` (--class, --target) asks for, given the model's (N, K) scores of the
/// batch: C1[,C2,...], one class for all items or one per item; each a class index in [0, K) or
/// topR, the item's R-th most probable class (top1 = the prediction).
inline std::vector<std::size_t> select_classes(const command_line& f, const tensor& scores,
                                               const std::string& name = "class") {
    const std::size_t batch = scores.shape()[0];
    const auto given = f.get_list(name);
    DEEPVIS_CHECK(given.size() == 1 || given.size() == batch, config_error,
                  "--" << name << ": " << given.size() << " classes for a batch of " << batch
                       << "; give one class for all, or one per item");
    const auto probabilities = softmax_rows(scores);
    std::vector<std::size_t> out;
    for (std::size_t n = 0; n < batch; ++n)
        out.push_back(class_from_spec(name, given[given.size() == 1 ? 0 : n], probabilities[n]));
    return out;
}

/// Class labels, one per line (trailing empty lines and '\r' ignored); must match the model.
inline std::vector<std::string> load_labels(const std::filesystem::path& path, std::size_t classes) {
    std::error_code ec;
    DEEPVIS_CHECK(std::filesystem::is_regular_file(path, ec), io_error,
                  "labels '" << path.string() << "': no such file");
    std::ifstream in(path);
    DEEPVIS_CHECK(in.is_open(), io_error, "labels '" << path.string() << "': cannot open");
    std::vector<std::string> labels;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        labels.push_back(line);
    }
    while (!labels.empty() && labels.back().empty()) labels.pop_back();
    DEEPVIS_CHECK(labels.size() == classes, config_error,
                  "labels '" << path.string() << "': has " << labels.size() << " labels, the model has " << classes
                             << " classes");
    return labels;
}

/// The class names: --labels when given, else the model's own (deepvis.labels in its metadata,
/// io/model_metadata.hpp), else none.
inline std::vector<std::string> model_labels(const command_line& f, const nn::network& net, std::size_t classes) {
    if (f.given("labels")) return load_labels(f.get_string("labels"), classes);
    auto labels = io::read_labels(net.definition().metadata);
    while (!labels.empty() && labels.back().empty()) labels.pop_back();
    DEEPVIS_CHECK(labels.empty() || labels.size() == classes, io_error,
                  "model metadata '" << io::metadata_key::labels << "': has " << labels.size()
                                     << " class names, the model has " << classes << " classes");
    return labels;
}

}  // namespace deepvis::cli
