#pragma once
// Helpers shared by the Caffe tests: where ../shared is, and comparisons at a tolerance
// relative to the largest magnitude.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <deepvis/core/tensor.hpp>
#include <filesystem>

namespace deepvis::test {

/// The shared data folder: $DEEPVIS_SHARED_DIR, else DEEPVIS_SOURCE_DIR/../shared.
inline std::filesystem::path shared_dir() {
    if (const char* env = std::getenv("DEEPVIS_SHARED_DIR"); env && *env) return env;
    return std::filesystem::path(DEEPVIS_SOURCE_DIR).parent_path() / "shared";
}

/// max |a - b| / max |b| (0 when b is all zero and a equals it).
inline double relative_max_difference(const tensor& a, const tensor& b) {
    double diff = 0.0, scale = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(double(a.data()[i]) - double(b.data()[i])));
        scale = std::max(scale, std::abs(double(b.data()[i])));
    }
    return scale > 0.0 ? diff / scale : diff;
}

inline std::size_t argmax_row(const tensor& scores, std::size_t row) {
    const std::size_t k = scores.shape()[1];
    const float* p = scores.data() + row * k;
    return static_cast<std::size_t>(std::max_element(p, p + k) - p);
}

}  // namespace deepvis::test
