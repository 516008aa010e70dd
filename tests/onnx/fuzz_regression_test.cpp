// Replays every reproducer the fuzz harnesses found (tests/fuzz/regressions/, named after the
// harness: onnx_run_*, onnx_load_*, image_*, npy_*, idx_*) through the harness' own code
// (tests/fuzz/targets.hpp), under the default limits: each must end in the one-line deepvis error
// listed here, never a crash (scripts/test.sh runs this under ASan + UBSan too).
#include <doctest/doctest.h>

#define DEEPVIS_FUZZ_ONNX
#include "fuzz/targets.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

namespace {

// Reproducer → a substring of the error it must give.
const std::map<std::string, std::string> expected_errors = {
    {"onnx_run_conv_group_2e62.onnx", "group 4611686018427387904, expected >= 1 and <= 2147483648"},
    {"npy_empty_shape_strides_overflow.npy", "elements in its non-zero dimensions, more than the limit of"},
    {"idx_empty_shape_strides_overflow.idx", "elements in its non-zero dimensions, more than the limit of"},
};

void replay(const std::string& name, const std::vector<std::uint8_t>& bytes) {
    using namespace deepvis::fuzz;
    const auto* p = bytes.data();
    const auto n = bytes.size();
    if (name.rfind("onnx_run_", 0) == 0) run_onnx_forward_backward(p, n);
    else if (name.rfind("onnx_load_", 0) == 0) (void)run_onnx_load(p, n);
    else if (name.rfind("image_", 0) == 0) run_image(p, n);
    else if (name.rfind("npy_", 0) == 0) run_npy(p, n);
    else if (name.rfind("idx_", 0) == 0) run_idx(p, n);
    else FAIL("reproducer '" << name << "': name it after its harness (onnx_run_, onnx_load_, image_, npy_, idx_)");
}

}  // namespace

TEST_CASE("fuzz regressions: every reproducer ends in its one-line deepvis error") {
    const std::filesystem::path dir = std::filesystem::path(DEEPVIS_SOURCE_DIR) / "tests/fuzz/regressions";
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
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
    CHECK(count == expected_errors.size());
}
