// libFuzzer: ONNX loading from bytes (targets.hpp says what is done with each input).
// Mutations are structure-aware (onnx_mutator.hpp).
#include "targets.hpp"
#include "onnx_mutator.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    deepvis::fuzz::small_limits();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        (void)deepvis::fuzz::run_onnx_load(data, size);
    } catch (const deepvis::error&) {  // a clear refusal is the right outcome
    }
    return 0;
}
