// Replays the Caffe fuzz reproducers (caffe_* in tests/fuzz/regressions): tests/fuzz/regressions.hpp.
#define DEEPVIS_FUZZ_CAFFE
#include "fuzz/regressions.hpp"

TEST_CASE("caffe fuzz regressions: every reproducer ends in its one-line deepvis error") {
    using namespace deepvis::fuzz;
    const std::size_t count = replay_regressions(is_caffe_reproducer);
    std::size_t listed = 0;
    for (const auto& [name, error] : expected_errors) listed += is_caffe_reproducer(name);
    CHECK(count == listed);
}
