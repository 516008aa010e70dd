#pragma once
/// What each libFuzzer harness does with one input, shared with the regression tests that replay
/// the reproducers the harnesses found (tests/fuzz/regressions/). Each function lets a
/// deepvis::error through to its caller: the harness ignores it (a clear refusal is the right
/// outcome), a regression test checks it.
#include <cstdint>
#include <string_view>

#include <deepvis/io/idx.hpp>
#include <deepvis/io/image.hpp>
#include <deepvis/io/npy.hpp>
#ifdef DEEPVIS_FUZZ_ONNX
#include <deepvis/io/onnx.hpp>
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
inline void run_npy(const std::uint8_t* data, std::size_t size) { (void)io::load_npy(scratch_file(data, size, ".npy")); }

/// IDX through a scratch file, as images (N, H, W) or else as labels (N).
inline void run_idx(const std::uint8_t* data, std::size_t size) {
    const auto& file = scratch_file(data, size, ".idx");
    try {
        (void)io::load_idx_images(file);
    } catch (const error&) {
        (void)io::load_idx_labels(file);
    }
}

#ifdef DEEPVIS_FUZZ_ONNX
/// ONNX from bytes: protobuf, the ONNX checker, the conversion to a graph, the executor's build.
inline nn::network run_onnx_load(const std::uint8_t* data, std::size_t size) {
    return io::load_network_bytes({reinterpret_cast<const char*>(data), size}, "fuzz");
}

/// run_onnx_load, then forward and backward (standard rule) on a small input of the declared
/// shape (free dimensions 4, batch 1), seeded with ones at the output.
inline void run_onnx_forward_backward(const std::uint8_t* data, std::size_t size) {
    const nn::network net = run_onnx_load(data, size);
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
    const nn::seed seeds[] = {{.at = net.output_name(), .gradient = ones}};
    (void)net.backward(*lease, seeds, net.input_name());
}
#endif

}  // namespace deepvis::fuzz
