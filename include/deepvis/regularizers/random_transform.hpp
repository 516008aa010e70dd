#pragma once
/// Random scale and rotation for transformation robustness (Olah et al. 2017, "Feature
/// Visualization"; Lucid's `transforms.random_scale` / `random_rotate`). Before each step the
/// image x₀ is replaced by T x₀, T a bilinear resampling about the image centre by a random
/// scale s ∈ [min_scale, max_scale] and angle θ ∈ [−max_degrees, max_degrees] (zeros outside).
/// After the optimiser's step turned T x₀ into T x₀ + Δ, the image becomes x₀ + Tᵀ Δ: the step
/// pulled back through the adjoint of T. For gradient steps this is exactly a step on
/// x ↦ objective(T x), and unlike inverting T it never resamples (blurs) the image itself.
/// min_scale = max_scale = 1 with max_degrees = 0 is off (the image is left alone).
/// A Regularizer (regularizers/regularizer.hpp).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/regularizers/regularizer.hpp>
#include <numbers>
#include <random>
#include <vector>

namespace deepvis {
inline namespace regularizers {

struct random_transform {
    double min_scale = 0.9, max_scale = 1.1;
    double max_degrees = 10.0;

    bool off() const { return min_scale == 1.0 && max_scale == 1.0 && max_degrees == 0.0; }

    /// Draws a scale and an angle and builds T's sampling table for the image's H × W.
    void draw(const tensor& x, std::mt19937_64& rng) {
        DEEPVIS_CHECK(x.dimension() >= 2 && min_scale > 0.0 && max_scale >= min_scale && max_degrees >= 0.0,
                      config_error,
                      "random_transform: needs an (N, C, H, W) image, 0 < min_scale <= max_scale and max_degrees >= 0; "
                      "got scale ["
                          << min_scale << ", " << max_scale << "], max_degrees " << max_degrees);
        std::uniform_real_distribution<double> us(min_scale, max_scale), ua(-max_degrees, max_degrees);
        const double s = us(rng), a = ua(rng) * std::numbers::pi / 180.0;
        const std::size_t d = x.dimension();
        state.h = x.shape()[d - 2];
        state.w = x.shape()[d - 1];
        build_table(s, a);
    }

    void before_step(tensor& x, const step_context& ctx) {
        if (off()) return;
        draw(x, ctx.rng);
        state.original = x;
        apply(state.original, x);
        state.transformed = x;
    }

    void after_step(tensor& x, const step_context&) {
        if (off()) return;
        // x = x₀ + Tᵀ (x − T x₀)
        const std::size_t plane = state.h * state.w, planes = x.size() / plane;
        std::vector<float> delta(plane);
        for (std::size_t p = 0; p < planes; ++p) {
            float* xp = x.data() + p * plane;
            const float* tp = state.transformed.data() + p * plane;
            for (std::size_t e = 0; e < plane; ++e) delta[e] = xp[e] - tp[e];
            std::copy(state.original.data() + p * plane, state.original.data() + (p + 1) * plane, xp);
            for (std::size_t e = 0; e < plane; ++e)
                for (int k = 0; k < 4; ++k)
                    if (state.weight[4 * e + k] != 0.0f)
                        xp[state.index[4 * e + k]] += state.weight[4 * e + k] * delta[e];
        }
    }

    // For every output pixel: four source pixels and their bilinear weights (0 outside).
    void build_table(double s, double a) {
        const std::size_t plane = state.h * state.w;
        state.index.assign(4 * plane, 0);
        state.weight.assign(4 * plane, 0.0f);
        const double cy = (double(state.h) - 1.0) / 2.0, cx = (double(state.w) - 1.0) / 2.0;
        const double c = std::cos(a), sn = std::sin(a);
        for (std::size_t i = 0; i < state.h; ++i)
            for (std::size_t j = 0; j < state.w; ++j) {
                const double vy = double(i) - cy, vx = double(j) - cx;
                const double sy = (c * vy - sn * vx) / s + cy, sx = (sn * vy + c * vx) / s + cx;
                const double fy = std::floor(sy), fx = std::floor(sx);
                const double ty = sy - fy, tx = sx - fx;
                const std::size_t e = i * state.w + j;
                int k = 0;
                for (int dy = 0; dy < 2; ++dy)
                    for (int dx = 0; dx < 2; ++dx, ++k) {
                        const double yy = fy + dy, xx = fx + dx;
                        if (yy < 0 || xx < 0 || yy >= double(state.h) || xx >= double(state.w)) continue;
                        state.index[4 * e + k] = static_cast<std::size_t>(yy) * state.w + static_cast<std::size_t>(xx);
                        state.weight[4 * e + k] = static_cast<float>((dy ? ty : 1.0 - ty) * (dx ? tx : 1.0 - tx));
                    }
            }
    }
    void apply(const tensor& in, tensor& out) const {
        const std::size_t plane = state.h * state.w, planes = in.size() / plane;
        for (std::size_t p = 0; p < planes; ++p) {
            const float* ip = in.data() + p * plane;
            float* op = out.data() + p * plane;
            for (std::size_t e = 0; e < plane; ++e) {
                float v = 0.0f;
                for (int k = 0; k < 4; ++k) v += state.weight[4 * e + k] * ip[state.index[4 * e + k]];
                op[e] = v;
            }
        }
    }

    /// out = Tᵀ g (the gradient at T x pulled back to x), out resized like g.
    void apply_transpose(const tensor& g, tensor& out) const {
        ensure_shape(out, g.shape());
        std::fill(out.begin(), out.end(), 0.0f);
        const std::size_t plane = state.h * state.w, planes = g.size() / plane;
        for (std::size_t p = 0; p < planes; ++p) {
            const float* gp = g.data() + p * plane;
            float* op = out.data() + p * plane;
            for (std::size_t e = 0; e < plane; ++e)
                for (int k = 0; k < 4; ++k) op[state.index[4 * e + k]] += state.weight[4 * e + k] * gp[e];
        }
    }

    /// Run state (public so the type stays an aggregate): the sampling table of the current
    /// transform, the image before it and after it.
    struct run_state {
        std::size_t h = 0, w = 0;
        std::vector<std::size_t> index = {};
        std::vector<float> weight = {};
        tensor original = {}, transformed = {};
    } state = {};
};

}  // namespace regularizers
}  // namespace deepvis
