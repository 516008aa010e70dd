// libFuzzer: .npy reading (targets.hpp says what is done with each input).
#include "targets.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    deepvis::fuzz::small_limits();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        deepvis::fuzz::run_npy(data, size);
    } catch (const deepvis::error&) {  // a clear refusal is the right outcome
    }
    return 0;
}
