#pragma once
/// What several `deepvis` subcommands share: the --model flag, the model's input from --input
/// (an .npy array) or --image (files, with preprocessing flags), class selection and softmax.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/io/image.hpp>
#include <deepvis/io/npy.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/nn/network.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "flags.hpp"

namespace deepvis::cli {

/// The signature of every subcommand: arguments after its name, stdout; returns the exit code.
using command_function = int (*)(const std::vector<std::string>& args, std::ostream& out);

inline void add_model_flag(flags& f) { f.required("model", "M.onnx", "the ONNX model"); }

/// --input / --image and the image preprocessing flags.
inline void add_input_flags(flags& f) {
    f.option("input", "X.npy", "the input batch as a float32 .npy array, (N, C, H, W) or (C, H, W)")
        .option("image", "P.png[,Q.jpg...]", "image files, preprocessed into one batch")
        .option("size", "H,W", "resize images to H x W (default: the model's declared input size)")
        .option("mean", "M[,M,M]", "per-channel mean subtracted after scaling (default: 0)")
        .option("std", "S[,S,S]", "per-channel standard deviation dividing after the mean (default: 1)")
        .option("scale", "F", "factor applied to 8-bit pixel values, e.g. 1/255 or 1", "1/255")
        .toggle("bgr", "feed the channels as B, G, R (Caffe-style models)");
}

/// The model's input batch and a name for each item (its file, or "input[n]").
struct input_batch {
    tensor x;
    std::vector<std::string> names;
};

/// "input 'x' (-1, 3, 224, 224)"
inline std::string describe_input(const nn::network& net) {
    return "input '" + net.input_name() + "' " + shape_string(net.input_info().shape);
}

/// Reads --input or --image (exactly one must be given) as the model expects it.
inline input_batch load_input(const flags& f, const nn::network& net) {
    if (f.given("input") == f.given("image"))
        throw usage_error("give exactly one of --input X.npy and --image P.png[,Q.jpg...]" + f.see_help());
    const auto& declared = net.input_info().shape;
    input_batch batch;
    if (f.given("input")) {
        for (const char* name : {"size", "mean", "std", "scale", "bgr"})
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
        for (std::size_t n = 0; n < batch.x.shape()[0]; ++n) batch.names.push_back("input[" + std::to_string(n) + "]");
        return batch;
    }
    DEEPVIS_CHECK(declared.size() == 4, config_error,
                  "--image needs a model with an NCHW input; its " << describe_input(net) << " has " << declared.size()
                                                                   << " dimensions");
    io::image_options options;
    options.channels = declared[1] > 0 ? static_cast<int>(declared[1]) : 3;
    DEEPVIS_CHECK(
        options.channels == 1 || options.channels == 3, config_error,
        "--image: the model's " << describe_input(net) << " has " << declared[1] << " channels; images give 1 or 3");
    if (f.given("size")) {
        const auto hw = f.get_ints("size");
        if (hw.size() != 2 || hw[0] <= 0 || hw[1] <= 0)
            throw usage_error("flag --size: '" + f.get_string("size") + "' is not H,W with H, W > 0");
        options.size = {static_cast<std::size_t>(hw[0]), static_cast<std::size_t>(hw[1])};
    } else if (declared[2] > 0 && declared[3] > 0) {
        options.size = {static_cast<std::size_t>(declared[2]), static_cast<std::size_t>(declared[3])};
    }
    if (f.given("mean")) options.mean = f.get_floats("mean");
    if (f.given("std")) options.std = f.get_floats("std");
    options.scale = f.get_float("scale");
    options.bgr = f.get_bool("bgr");
    std::vector<std::filesystem::path> paths;
    for (const auto& p : f.get_list("image")) {
        paths.emplace_back(p);
        batch.names.push_back(p);
    }
    try {
        batch.x = io::load_images(paths, options);
    } catch (const config_error& e) {
        // The library names its options; the user knows them as flags.
        throw config_error(std::string("image preprocessing flags: ") + e.what());
    }
    return batch;
}

/// The class scores of a batch as (N, K): any trailing dimensions are flattened.
inline std::size_t class_count(const tensor& scores) {
    DEEPVIS_CHECK(scores.dimension() >= 1 && scores.shape()[0] > 0, shape_error,
                  "the class scores have shape " << shape_string(scores.shape()) << ", expected (N, K)");
    return scores.size() / scores.shape()[0];
}

/// Row-wise softmax of (N, K) scores, in double for the sums.
inline std::vector<std::vector<double>> softmax_rows(const tensor& scores) {
    const std::size_t n = scores.shape()[0], k = class_count(scores);
    std::vector<std::vector<double>> p(n, std::vector<double>(k));
    for (std::size_t i = 0; i < n; ++i) {
        const float* row = scores.data() + i * k;
        const double top = *std::max_element(row, row + k);
        double sum = 0.0;
        for (std::size_t j = 0; j < k; ++j) sum += p[i][j] = std::exp(static_cast<double>(row[j]) - top);
        for (std::size_t j = 0; j < k; ++j) p[i][j] /= sum;
    }
    return p;
}

/// --class C1[,C2,...]: one class per batch item, or one for all; each in [0, classes).
inline std::vector<std::size_t> select_classes(const flags& f, std::size_t batch, std::size_t classes) {
    const auto given = f.get_ints("class");
    DEEPVIS_CHECK(given.size() == 1 || given.size() == batch, config_error,
                  "--class: " << given.size() << " classes for a batch of " << batch
                              << "; give one class for all, or one per item");
    std::vector<std::size_t> out;
    for (long long c : given) {
        DEEPVIS_CHECK(c >= 0 && static_cast<std::size_t>(c) < classes, config_error,
                      "--class " << c << " is out of range: the model has " << classes << " classes (0 to "
                                 << classes - 1 << ")");
        out.push_back(static_cast<std::size_t>(c));
    }
    if (out.size() == 1) out.assign(batch, out.front());
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

}  // namespace deepvis::cli
