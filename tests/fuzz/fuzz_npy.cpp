// libFuzzer: .npy reading (io/npy.hpp), through a scratch file since load_npy takes a path.
#include <deepvis/io/npy.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    deepvis::fuzz::small_limits();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        (void)deepvis::io::load_npy(deepvis::fuzz::scratch_file(data, size, ".npy"));
    } catch (const deepvis::error&) {
    }
    return 0;
}
