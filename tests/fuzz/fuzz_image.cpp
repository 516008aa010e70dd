// libFuzzer: PNG/JPEG decoding (io/image.hpp) from bytes, every channel count, then preprocessing.
#include <deepvis/io/image.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    deepvis::fuzz::small_limits();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The first byte picks the channel count asked for (0 = the file's own), as --image does.
    const int channels = size > 0 ? data[0] % 5 : 0;
    try {
        const auto img = deepvis::io::decode_image_bytes({data, size}, channels, "fuzz");
        if (img.channels == 1 || img.channels == 3)
            (void)deepvis::io::preprocess_image(img, {.size = {7, 5}, .channels = int(img.channels)});
    } catch (const deepvis::error&) {
    }
    return 0;
}
