// libFuzzer: IDX reading (io/idx.hpp), plain or gzip, as images and as labels.
#include <deepvis/io/idx.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    deepvis::fuzz::small_limits();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& file = deepvis::fuzz::scratch_file(data, size, ".idx");
    try {
        (void)deepvis::io::load_idx_images(file);
    } catch (const deepvis::error&) {
    }
    try {
        (void)deepvis::io::load_idx_labels(file);
    } catch (const deepvis::error&) {
    }
    return 0;
}
