// Replays every fuzz reproducer but the Caffe ones (tests/caffe): tests/fuzz/regressions.hpp.
#define DEEPVIS_FUZZ_ONNX
#include "fuzz/regressions.hpp"

TEST_CASE("fuzz regressions: every reproducer ends in its one-line deepvis error") {
    using namespace deepvis::fuzz;
    const std::size_t count = replay_regressions([](const std::string& name) { return !is_caffe_reproducer(name); });
    std::size_t listed = 0;
    for (const auto& [name, error] : expected_errors) listed += !is_caffe_reproducer(name);
    CHECK(count == listed);
}
