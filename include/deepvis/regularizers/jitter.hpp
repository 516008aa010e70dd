#pragma once
/// Random circular jitter (Mordvintsev et al. 2015, "Inceptionism"; the CS231n class-model
/// recipe): before each step the image is rolled by a random (dx, dy) ∈ [0, pixels]² (the same
/// shift for the whole batch), and rolled back after the step. Rolling is a permutation, so this
/// equals stepping with the gradient of the objective at the shifted image. A Regularizer
/// (regularizers/regularizer.hpp).
#include <algorithm>
#include <cstddef>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/regularizers/regularizer.hpp>
#include <random>
#include <vector>

namespace deepvis {
inline namespace regularizers {

/// Rolls every H × W plane of an (…, H, W) tensor by (dy, dx) with wrap-around:
/// out[i, j] = in[(i − dy) mod H, (j − dx) mod W]. `scratch` holds one plane (reused between calls).
inline void roll_planes(tensor& x, std::ptrdiff_t dy, std::ptrdiff_t dx, std::vector<float>& scratch) {
    DEEPVIS_CHECK(x.dimension() >= 2, shape_error,
                  "jitter: expected an (N, C, H, W) image, got " << shape_string(x.shape()));
    const std::size_t d = x.dimension();
    const auto h = static_cast<std::ptrdiff_t>(x.shape()[d - 2]), w = static_cast<std::ptrdiff_t>(x.shape()[d - 1]);
    const std::size_t planes = x.size() / static_cast<std::size_t>(h * w);
    dy = ((dy % h) + h) % h;
    dx = ((dx % w) + w) % w;
    if (dy == 0 && dx == 0) return;
    scratch.resize(static_cast<std::size_t>(h * w));
    for (std::size_t p = 0; p < planes; ++p) {
        float* xp = x.data() + p * h * w;
        for (std::ptrdiff_t i = 0; i < h; ++i) {
            // Row i takes source row i − dy, rotated right by dx: two contiguous copies.
            const float* src = xp + ((i - dy + h) % h) * w;
            float* dst = scratch.data() + i * w;
            std::copy(src + (w - dx), src + w, dst);
            std::copy(src, src + (w - dx), dst + dx);
        }
        std::copy(scratch.begin(), scratch.end(), xp);
    }
}

inline void roll_planes(tensor& x, std::ptrdiff_t dy, std::ptrdiff_t dx) {
    std::vector<float> scratch;
    roll_planes(x, dy, dx, scratch);
}

struct jitter {
    std::ptrdiff_t pixels = 16;

    void before_step(tensor& x, const step_context& ctx) {
        std::uniform_int_distribution<std::ptrdiff_t> d(0, pixels);
        shift_x = d(ctx.rng);
        shift_y = d(ctx.rng);
        roll_planes(x, shift_y, shift_x, scratch);
    }
    void after_step(tensor& x, const step_context&) { roll_planes(x, -shift_y, -shift_x, scratch); }

    /// Run state: the shift to undo and a plane-sized buffer (public so the type stays an aggregate).
    std::ptrdiff_t shift_x = 0, shift_y = 0;
    std::vector<float> scratch = {};
};

}  // namespace regularizers
}  // namespace deepvis
