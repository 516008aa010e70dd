#pragma once
/// Shared by the libFuzzer harnesses: small limits so that a valid but large input is refused
/// quickly (the harnesses look for crashes, not for memory to fill), and a per-process scratch
/// file for the readers that take a path.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace deepvis::fuzz {

/// Call from LLVMFuzzerInitialize, before the limits are first read (they are read once).
inline void small_limits() {
    ::setenv("DEEPVIS_MAX_ELEMENTS", "1048576", 1);  // 4 MB per tensor
    ::setenv("DEEPVIS_MAX_PIXELS", "1048576", 1);    // 1 megapixel
}

/// Writes the input to a file of this process and extension (overwritten on each run) and
/// returns its path.
inline std::filesystem::path scratch_file(const std::uint8_t* data, std::size_t size, const char* ext) {
    // In memory (/dev/shm) when there is one: a disk file per input costs most of the run.
    static const std::filesystem::path dir = std::filesystem::is_directory("/dev/shm")
                                                 ? std::filesystem::path("/dev/shm")
                                                 : std::filesystem::temp_directory_path();
    const std::filesystem::path path = dir / ("deepvis_fuzz_" + std::to_string(::getpid()) + ext);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path;
}

}  // namespace deepvis::fuzz

/// The libFuzzer entry points of a harness that calls `run(data, size)` on each input, with the
/// small limits; a deepvis::error is a clear refusal, the right outcome, and is ignored.
#define DEEPVIS_FUZZ_HARNESS(run)                                                       \
    extern "C" int LLVMFuzzerInitialize(int*, char***) {                                \
        deepvis::fuzz::small_limits();                                                  \
        return 0;                                                                       \
    }                                                                                   \
    extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
        try {                                                                           \
            (void)run(data, size);                                                      \
        } catch (const deepvis::error&) {                                               \
        }                                                                               \
        return 0;                                                                       \
    }
