#pragma once
/// Projection onto the valid pixel range after every step (the CS231n class-model recipe:
/// channel c to [(0 − mean_c)/std_c, (1 − mean_c)/std_c]). A Regularizer
/// (regularizers/regularizer.hpp).
#include <algorithm>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/regularizers/regularizer.hpp>
#include <vector>

namespace deepvis {
inline namespace regularizers {

/// low/high: one value for all channels, or one per channel. until_step: clamp only while
/// step < until_step (the course style transfer clamps until iteration 190); 0 = always.
struct clamp_pixels {
    std::vector<float> low = {0.0f};
    std::vector<float> high = {1.0f};
    std::size_t until_step = 0;

    /// The range of pixels in [0, 1] after normalisation x' = (x − mean)/std.
    static clamp_pixels from_normalization(const std::vector<float>& mean, const std::vector<float>& std) {
        DEEPVIS_CHECK(mean.size() == std.size(), config_error,
                      "clamp_pixels: " << mean.size() << " means but " << std.size() << " standard deviations");
        clamp_pixels c;
        c.low.clear();
        c.high.clear();
        for (std::size_t k = 0; k < mean.size(); ++k) {
            c.low.push_back((0.0f - mean[k]) / std[k]);
            c.high.push_back((1.0f - mean[k]) / std[k]);
        }
        return c;
    }

    void after_step(tensor& x, const step_context& ctx) const {
        if (until_step && ctx.step >= until_step) return;
        apply(x);
    }
    void apply(tensor& x) const {
        DEEPVIS_CHECK(x.dimension() >= 2, shape_error,
                      "clamp_pixels: expected (N, C, ...), got " << shape_string(x.shape()));
        const std::size_t n = x.shape()[0], c = x.shape()[1], plane = x.size() / (n * c);
        DEEPVIS_CHECK(
            (low.size() == 1 || low.size() == c) && (high.size() == 1 || high.size() == c), config_error,
            "clamp_pixels: " << low.size() << " lower and " << high.size() << " upper bounds for " << c << " channels");
        for (std::size_t b = 0; b < n; ++b)
            for (std::size_t k = 0; k < c; ++k) {
                const float lo = low[low.size() == 1 ? 0 : k], hi = high[high.size() == 1 ? 0 : k];
                float* p = x.data() + (b * c + k) * plane;
                for (std::size_t e = 0; e < plane; ++e) p[e] = std::min(std::max(p[e], lo), hi);
            }
    }
};

}  // namespace regularizers
}  // namespace deepvis
