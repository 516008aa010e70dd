// libFuzzer: an ONNX model loaded from bytes, then forward and backward (standard rule) on a
// small input of the shape it declares (free dimensions 4, batch 1), seeded with ones.
// Mutations are structure-aware (onnx_mutator.hpp).
#include <deepvis/io/onnx.hpp>

#include "fuzz_common.hpp"
#include "onnx_mutator.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    deepvis::fuzz::small_limits();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace deepvis;
    try {
        const nn::network net = io::load_network_bytes({reinterpret_cast<const char*>(data), size}, "fuzz");
        // A small input keeps each run fast: at most 6 dimensions and 4096 values.
        shape_type shape;
        std::size_t count = 1;
        for (auto d : net.input_info().shape) {
            const std::size_t n = d > 0 ? static_cast<std::size_t>(d) : 4;
            if (n > 4096) return 0;
            shape.push_back(shape.empty() ? 1 : n);
            count *= shape.back();
        }
        if (shape.empty()) shape = {1, 1, 4, 4};
        if (shape.size() > 6 || count > 4096) return 0;
        tensor x(shape);
        for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(i % 7) - 3.0f;
        auto lease = net.borrow_trace();
        const tensor& y = net.forward(x, *lease);
        tensor ones(shape_of(y));
        ones.fill(1.0f);
        const nn::seed seeds[] = {{.at = net.output_name(), .gradient = ones}};
        (void)net.backward(*lease, seeds, net.input_name());
    } catch (const error&) {
    }
    return 0;
}
