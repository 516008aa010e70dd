// libFuzzer: ONNX loading, then forward and backward on a small input (targets.hpp says what is done with each input).
// Mutations are structure-aware (onnx_mutator.hpp).
#include "targets.hpp"
#include "onnx_mutator.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    deepvis::fuzz::small_limits();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        deepvis::fuzz::run_onnx_forward_backward(data, size);
    } catch (const deepvis::error&) {  // a clear refusal is the right outcome
    }
    return 0;
}
