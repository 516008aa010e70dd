// libFuzzer: ONNX loading (io/onnx.hpp) from bytes: protobuf, the ONNX checker, the conversion to
// a graph and the executor's build. Mutations are structure-aware (onnx_mutator.hpp).
#include <deepvis/io/onnx.hpp>

#include "fuzz_common.hpp"
#include "onnx_mutator.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    deepvis::fuzz::small_limits();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        (void)deepvis::io::load_network_bytes({reinterpret_cast<const char*>(data), size}, "fuzz");
    } catch (const deepvis::error&) {
    }
    return 0;
}
