// libFuzzer: Caffe loading (prototxt text + caffemodel binary in one input), then forward and
// backward on a small input (targets.hpp: run_caffe).
#include "targets.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    deepvis::fuzz::small_limits();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        deepvis::fuzz::run_caffe(data, size);
    } catch (const deepvis::error&) {  // a clear refusal is the right outcome
    }
    return 0;
}
