#pragma once
/// Gaussian blur every k steps (Yosinski et al. 2015; the CS231n class-model recipe blurs with
/// σ = 0.5 every 10 iterations, including iteration 0). Separable, truncated at 4σ and with
/// mirrored borders — scipy.ndimage.gaussian_filter1d's defaults, which that recipe calls.
/// A Regularizer (regularizers/regularizer.hpp).
#include <cmath>
#include <cstddef>
#include <vector>

#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/regularizers/regularizer.hpp>

namespace deepvis {

/// Blurs every H × W plane of x in place with a normalised Gaussian of standard deviation sigma;
/// the radius is ⌊4σ + 0.5⌋ and borders reflect (d c b a | a b c d).
inline void gaussian_blur_planes(tensor& x, double sigma) {
    DEEPVIS_CHECK(sigma > 0.0, config_error, "gaussian_blur: sigma " << sigma << " must be positive");
    DEEPVIS_CHECK(x.dimension() >= 2, shape_error, "gaussian_blur: expected (N, C, H, W), got " << shape_string(x.shape()));
    const auto radius = static_cast<std::ptrdiff_t>(4.0 * sigma + 0.5);
    std::vector<float> k(static_cast<std::size_t>(2 * radius + 1));
    double total = 0.0;
    for (std::ptrdiff_t i = -radius; i <= radius; ++i) total += k[i + radius] = static_cast<float>(std::exp(-0.5 * i * i / (sigma * sigma)));
    for (auto& v : k) v = static_cast<float>(v / total);
    const std::size_t d = x.dimension();
    const auto h = static_cast<std::ptrdiff_t>(x.shape()[d - 2]), w = static_cast<std::ptrdiff_t>(x.shape()[d - 1]);
    auto reflect = [](std::ptrdiff_t i, std::ptrdiff_t n) {
        const std::ptrdiff_t period = 2 * n;
        i %= period;
        if (i < 0) i += period;
        return i < n ? i : period - 1 - i;
    };
    std::vector<float> line(static_cast<std::size_t>(std::max(h, w)));
    const std::size_t planes = x.size() / static_cast<std::size_t>(h * w);
    for (std::size_t p = 0; p < planes; ++p) {
        float* xp = x.data() + p * h * w;
        for (std::ptrdiff_t i = 0; i < h; ++i) {  // along W
            float* row = xp + i * w;
            std::copy(row, row + w, line.begin());
            for (std::ptrdiff_t j = 0; j < w; ++j) {
                float s = 0.0f;
                for (std::ptrdiff_t t = -radius; t <= radius; ++t) s += k[t + radius] * line[reflect(j + t, w)];
                row[j] = s;
            }
        }
        for (std::ptrdiff_t j = 0; j < w; ++j) {  // along H
            for (std::ptrdiff_t i = 0; i < h; ++i) line[i] = xp[i * w + j];
            for (std::ptrdiff_t i = 0; i < h; ++i) {
                float s = 0.0f;
                for (std::ptrdiff_t t = -radius; t <= radius; ++t) s += k[t + radius] * line[reflect(i + t, h)];
                xp[i * w + j] = s;
            }
        }
    }
}

struct periodic_blur {
    double sigma = 0.5;
    std::size_t every = 10;

    void after_step(tensor& x, const step_context& ctx) const {
        if (every && ctx.step % every == 0) gaussian_blur_planes(x, sigma);
    }
};

}  // namespace deepvis
