#pragma once
/// Gaussian blur every k steps (Yosinski et al. 2015; the CS231n class-model recipe blurs with
/// σ = 0.5 every 10 iterations, including iteration 0). Separable, truncated at 4σ and with
/// mirrored borders — scipy.ndimage.gaussian_filter1d's defaults, which that recipe calls.
/// A Regularizer (regularizers/regularizer.hpp).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/regularizers/regularizer.hpp>
#include <vector>

namespace deepvis {
inline namespace regularizers {

/// Blurs every H × W plane of x in place with a normalised Gaussian of standard deviation sigma;
/// the radius is ⌊4σ + 0.5⌋ and borders reflect (d c b a | a b c d). `scratch` is reused
/// between calls.
inline void gaussian_blur_planes(tensor& x, double sigma, std::vector<float>& scratch) {
    DEEPVIS_CHECK(sigma > 0.0, config_error, "gaussian_blur: sigma " << sigma << " must be positive");
    DEEPVIS_CHECK(x.dimension() >= 2, shape_error,
                  "gaussian_blur: expected (N, C, H, W), got " << shape_string(x.shape()));
    const auto radius = static_cast<std::ptrdiff_t>(4.0 * sigma + 0.5);
    const std::size_t taps = static_cast<std::size_t>(2 * radius + 1);
    const std::size_t d = x.dimension();
    const auto h = static_cast<std::ptrdiff_t>(x.shape()[d - 2]), w = static_cast<std::ptrdiff_t>(x.shape()[d - 1]);
    auto reflect = [](std::ptrdiff_t i, std::ptrdiff_t n) {
        const std::ptrdiff_t period = 2 * n;
        i %= period;
        if (i < 0) i += period;
        return i < n ? i : period - 1 - i;
    };
    // scratch: the kernel, one padded row, one plane.
    scratch.resize(taps + static_cast<std::size_t>(w + 2 * radius) + static_cast<std::size_t>(h * w));
    float* k = scratch.data();
    float* line = k + taps;
    float* plane = line + (w + 2 * radius);
    double total = 0.0;
    for (std::ptrdiff_t i = -radius; i <= radius; ++i)
        total += k[i + radius] = static_cast<float>(std::exp(-0.5 * i * i / (sigma * sigma)));
    for (std::size_t t = 0; t < taps; ++t) k[t] = static_cast<float>(k[t] / total);
    const std::size_t planes = x.size() / static_cast<std::size_t>(h * w);
    for (std::size_t p = 0; p < planes; ++p) {
        float* xp = x.data() + p * h * w;
        for (std::ptrdiff_t i = 0; i < h; ++i) {  // along W: pad the row once, then a plain dot per pixel
            float* row = xp + i * w;
            for (std::ptrdiff_t j = -radius; j < w + radius; ++j) line[j + radius] = row[reflect(j, w)];
            for (std::ptrdiff_t j = 0; j < w; ++j) {
                float s = 0.0f;
                for (std::size_t t = 0; t < taps; ++t) s += k[t] * line[j + static_cast<std::ptrdiff_t>(t)];
                row[j] = s;
            }
        }
        // Along H: whole rows at a time (contiguous, vectorisable), reading a copy of the plane.
        std::copy(xp, xp + h * w, plane);
        for (std::ptrdiff_t i = 0; i < h; ++i) {
            float* out = xp + i * w;
            std::fill(out, out + w, 0.0f);
            for (std::size_t t = 0; t < taps; ++t) {
                const float* src = plane + reflect(i + static_cast<std::ptrdiff_t>(t) - radius, h) * w;
                const float kt = k[t];
                for (std::ptrdiff_t j = 0; j < w; ++j) out[j] += kt * src[j];
            }
        }
    }
}

inline void gaussian_blur_planes(tensor& x, double sigma) {
    std::vector<float> scratch;
    gaussian_blur_planes(x, sigma, scratch);
}

struct periodic_blur {
    double sigma = 0.5;
    std::size_t every = 10;

    void after_step(tensor& x, const step_context& ctx) {
        if (every && ctx.step % every == 0) gaussian_blur_planes(x, sigma, scratch);
    }

    /// Run state: a buffer reused between blurs (public so the type stays an aggregate).
    std::vector<float> scratch = {};
};

}  // namespace regularizers
}  // namespace deepvis
