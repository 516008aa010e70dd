#pragma once
/// Replays the reproducers the fuzz harnesses found (tests/fuzz/regressions/, named after the
/// harness: onnx_run_*, onnx_load_*, caffe_*, image_*, npy_*, idx_*) through the harness' own
/// code (targets.hpp), under the default limits: each must end in the one-line deepvis error
/// listed here, never a crash (scripts/test.sh runs the tests under ASan + UBSan too). Included
/// by tests/onnx (every reproducer but the Caffe ones) and tests/caffe (those), each test
/// executable defining DEEPVIS_FUZZ_ONNX or DEEPVIS_FUZZ_CAFFE first.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "fuzz/targets.hpp"

namespace deepvis::fuzz {

/// Reproducer → a substring of the error it must give.
inline const std::map<std::string, std::string> expected_errors = {
    {"onnx_run_conv_group_2e62.onnx", "group 4611686018427387904, expected >= 1 and <= 2147483648"},
    {"npy_empty_shape_strides_overflow.npy", "elements in its non-zero dimensions, more than the limit of"},
    {"idx_empty_shape_strides_overflow.idx", "elements in its non-zero dimensions, more than the limit of"},
    {"image_png_ztxt_1gb_chunk.png", "image 'fuzz': cannot decode PNG: "},
    {"caffe_input_layer_two_tops.caffe", "reads data input 'fc', but deepvis runs a graph on one data input ('data')"},
};

inline void replay(const std::string& name, const std::vector<std::uint8_t>& bytes) {
    const auto* p = bytes.data();
    const auto n = bytes.size();
#ifdef DEEPVIS_FUZZ_ONNX
    if (name.rfind("onnx_run_", 0) == 0) return run_onnx_forward_backward(p, n);
    if (name.rfind("onnx_load_", 0) == 0) return (void)run_onnx_load(p, n);
#endif
#ifdef DEEPVIS_FUZZ_CAFFE
    if (name.rfind("caffe_", 0) == 0) return run_caffe(p, n);
#endif
    if (name.rfind("image_", 0) == 0) return run_image(p, n);
    if (name.rfind("npy_", 0) == 0) return run_npy(p, n);
    if (name.rfind("idx_", 0) == 0) return run_idx(p, n);
    FAIL("reproducer '" << name << "': name it after its harness (onnx_run_, onnx_load_, caffe_, image_, npy_, idx_)");
}

/// Replays each reproducer whose name `wanted` accepts; returns how many.
template <class Predicate>
std::size_t replay_regressions(Predicate wanted) {
    const std::filesystem::path dir = std::filesystem::path(DEEPVIS_SOURCE_DIR) / "tests/fuzz/regressions";
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (!wanted(name)) continue;
        CAPTURE(name);
        std::ifstream in(entry.path(), std::ios::binary);
        const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        const auto it = expected_errors.find(name);
        REQUIRE_MESSAGE(it != expected_errors.end(), "add the reproducer's expected error to expected_errors");
        std::string what;
        try {
            replay(name, bytes);
        } catch (const deepvis::error& e) {
            what = e.what();
        }
        CHECK(what.find(it->second) != std::string::npos);
        CHECK(what.find('\n') == std::string::npos);
        ++count;
    }
    return count;
}

/// Whether a reproducer is a Caffe one (replayed by tests/caffe).
inline bool is_caffe_reproducer(const std::string& name) { return name.rfind("caffe_", 0) == 0; }

}  // namespace deepvis::fuzz
