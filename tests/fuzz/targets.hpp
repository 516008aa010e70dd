#pragma once
/// What each libFuzzer harness does with one input, shared with the regression tests that replay
/// the reproducers the harnesses found (tests/fuzz/regressions/). Each function lets a
/// deepvis::error through to its caller: the harness ignores it (a clear refusal is the right
/// outcome), a regression test checks it.
#include <cstdint>
#include <deepvis/io/idx.hpp>
#include <deepvis/io/image.hpp>
#include <deepvis/io/npy.hpp>
#include <string_view>
#ifdef DEEPVIS_FUZZ_ONNX
#include <deepvis/io/onnx.hpp>
#endif
#ifdef DEEPVIS_FUZZ_CAFFE
#include <deepvis/io/caffe.hpp>
#endif
#ifdef DEEPVIS_FUZZ_CLI
#include <attribution_methods.hpp>
#include <preprocessing.hpp>
#endif

#include "fuzz_common.hpp"

namespace deepvis::fuzz {

/// PNG/JPEG decoding from bytes; the first byte picks the channel count asked for (0 = the
/// file's own), then preprocessing to 7x5 as --image does.
inline void run_image(const std::uint8_t* data, std::size_t size) {
    const int channels = size > 0 ? data[0] % 5 : 0;
    const auto img = io::decode_image_bytes({data, size}, channels, "fuzz");
    if (img.channels == 1 || img.channels == 3)
        (void)io::preprocess_image(img, {.size = {7, 5}, .channels = int(img.channels)});
}

/// .npy through a scratch file (load_npy takes a path).
inline void run_npy(const std::uint8_t* data, std::size_t size) {
    (void)io::load_npy(scratch_file(data, size, ".npy"));
}

/// IDX through a scratch file, as images (N, H, W) or else as labels (N).
inline void run_idx(const std::uint8_t* data, std::size_t size) {
    const auto file = scratch_file(data, size, ".idx");
    try {
        (void)io::load_idx_images(file);
    } catch (const error&) {
        (void)io::load_idx_labels(file);
    }
}

#if defined(DEEPVIS_FUZZ_ONNX) || defined(DEEPVIS_FUZZ_CAFFE)
/// Forward and backward (standard rule) on a small input of the network's declared shape (free
/// dimensions 4, batch 1), seeded with ones at the output. Larger inputs are skipped.
inline void forward_backward(const nn::network& net) {
    // A small input keeps each run fast: at most 6 dimensions and 4096 values.
    shape_type shape;
    std::size_t count = 1;
    for (auto d : net.input_info().shape) {
        const std::size_t n = d > 0 ? static_cast<std::size_t>(d) : 4;
        if (n > 4096) return;
        shape.push_back(shape.empty() ? 1 : n);
        count *= shape.back();
    }
    if (shape.empty()) shape = {1, 1, 4, 4};
    if (shape.size() > 6 || count > 4096) return;
    tensor x(shape);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(i % 7) - 3.0f;
    auto lease = net.borrow_trace();
    const tensor& y = net.forward(x, *lease);
    tensor ones(shape_of(y));
    ones.fill(1.0f);
    const nn::gradient_seed seeds[] = {{.at = net.output_name(), .gradient = ones}};
    (void)net.backward(*lease, seeds, net.input_name());
}
#endif

#ifdef DEEPVIS_FUZZ_ONNX
/// ONNX from bytes: protobuf, the ONNX checker, the conversion to a graph, the executor's build.
inline nn::network run_onnx_load(const std::uint8_t* data, std::size_t size) {
    return io::load_network_bytes({reinterpret_cast<const char*>(data), size}, "fuzz");
}

/// run_onnx_load, then forward_backward.
inline void run_onnx_forward_backward(const std::uint8_t* data, std::size_t size) {
    forward_backward(run_onnx_load(data, size));
}
#endif

#ifdef DEEPVIS_FUZZ_CAFFE
/// Separates the two files of a Caffe input: prototxt text before it, caffemodel bytes after
/// (a '#' line is a comment to the prototxt parser). Without it all is prototxt, no weights.
inline constexpr std::string_view caffe_separator = "\n#caffemodel#\n";

/// A Caffe model from one input (prototxt, caffe_separator, caffemodel) through two scratch
/// files: io::load_caffe_network, then forward_backward.
inline void run_caffe(const std::uint8_t* data, std::size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const auto at = all.find(caffe_separator);
    const std::string_view text = all.substr(0, at);
    const std::string_view weights =
        at == std::string_view::npos ? std::string_view() : all.substr(at + caffe_separator.size());
    const auto prototxt = scratch_file(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), ".prototxt");
    const auto caffemodel =
        scratch_file(reinterpret_cast<const std::uint8_t*>(weights.data()), weights.size(), ".caffemodel");
    forward_backward(io::load_caffe_network(prototxt, caffemodel));
}
#endif

#ifdef DEEPVIS_FUZZ_CLI
/// The `deepvis` flag parser: the input is an argv, arguments separated by NUL bytes. The
/// first argument picks the declaration: `attribute METHOD` (model, input and preprocessing
/// flags, --class, --out, the method's parameters from the registry) or a synthesis-like
/// command (counts, floats, lists, a toggle, an alias, a positional). Then every flag is read
/// as its command reads it. Files named by flags are only looked at by the output check.
inline void run_cli(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> args;
    std::string arg;
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == 0) {
            args.push_back(std::move(arg));
            arg.clear();
        } else {
            arg.push_back(static_cast<char>(data[i]));
        }
    }
    args.push_back(std::move(arg));
    const std::string pick = args.front();
    args.erase(args.begin());
    const auto& methods = cli::attribution_methods();
    const cli::attribution_method* method = nullptr;
    for (const auto& m : methods)
        if (m.name == pick) method = &m;

    cli::command_line f("deepvis fuzz", "[options]", "the flag parser under fuzzing");
    f.required("model", "M.onnx", "model").option("prototxt", "D.prototxt", "Caffe description");
    f.option("input", "X.npy", "input").option("image", "P.png[,Q.png]", "images");
    cli::add_preprocessing_flags(f);
    f.option("out", "F", "output").option("difference", "D", "second output");
    if (method) {
        f.required("class", "C[,C...]", "classes").toggle("overlay", "overlay");
        for (const auto& p : method->parameters) p.add_to(f, p.help, p.default_value);
    } else {
        f.option("iterations", "N", "steps", "100").option("every", "K", "snapshots").option("zoom", "K", "zoom", "1");
        f.option("lr", "LR", "step size", "0.05").option("seed", "S", "seed", "0").option("jitter", "J", "pixels");
        f.option("neuron", "Y,X", "position").toggle("quiet", "quiet").alias("iterations", "steps").positionals(1);
    }
    if (!f.parse(args)) {
        (void)f.help();
        return;
    }
    (void)f.has("input");
    if (f.given("image")) (void)f.get_list("image");
    (void)cli::read_preprocessing(f, 3, {0, 0});
    if (method) {
        (void)f.get_list("class");
        const auto a = cli::method_arguments::from(f, method->parameters);
        for (const auto& p : method->parameters) {
            if (p.toggle)
                (void)a.get_bool(p.name);
            else if (p.maximum > 0)
                (void)a.positive(p.name);
            else if (p.name == "window" || p.name == "stride")
                (void)a.pair(p.name);
            else if (p.name == "seed")
                (void)a.seed(p.name);
            else if (p.value_name == "S" || p.value_name == "V")
                (void)a.get_float(p.name);
            else
                (void)a.text(p.name);
        }
        (void)a.overrides();
    } else {
        (void)f.get_count("iterations");
        if (f.given("every")) (void)f.get_count("every");
        (void)f.get_float("lr");
        (void)f.get_int("seed");
        if (f.given("jitter")) (void)f.get_int("jitter");
        if (f.given("neuron")) (void)f.get_ints("neuron");
        (void)f.positional_args();
    }
}
#endif

}  // namespace deepvis::fuzz
