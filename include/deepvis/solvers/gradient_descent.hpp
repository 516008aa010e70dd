#pragma once
/// Gradient descent with an optional normalised gradient and momentum. An Optimizer
/// (solvers/optimizer.hpp).
///   d = g, or g/‖g‖₂ per image when normalize (the CS231n class-model step: I ← I + lr·g/‖g‖
///       on the score, i.e. a descent step on −score);
///   v ← momentum·v + d (v = 0 at the start; momentum = 0 is plain descent);
///   x ← x − step_size·v.
/// decay_at / decayed_step_size: from iteration decay_at on, use decayed_step_size.
#include <cmath>
#include <cstddef>
#include <deepvis/core/tensor.hpp>
#include <deepvis/solvers/optimizer.hpp>

namespace deepvis {

struct gradient_descent {
    double step_size = 0.01;
    double momentum = 0.0;
    bool normalize = false;
    std::size_t decay_at = 0;
    double decayed_step_size = 0.0;

    void step(tensor& x, const tensor& g, std::size_t iteration) {
        const double lr = decay_at && iteration >= decay_at ? decayed_step_size : step_size;
        const std::size_t n = x.dimension() ? x.shape()[0] : 1, per = x.size() / n;
        if (momentum != 0.0 && (state.velocity.dimension() == 0 || state.velocity.shape() != x.shape())) {
            ensure_shape(state.velocity, x.shape());
            std::fill(state.velocity.begin(), state.velocity.end(), 0.0f);
        }
        for (std::size_t b = 0; b < n; ++b) {
            const float* gb = g.data() + b * per;
            float* xb = x.data() + b * per;
            double scale = 1.0;
            if (normalize) {
                double s = 0.0;
                for (std::size_t e = 0; e < per; ++e) s += double(gb[e]) * gb[e];
                scale = s > 0.0 ? 1.0 / std::sqrt(s) : 0.0;
            }
            if (momentum == 0.0) {
                const auto a = static_cast<float>(lr * scale);
                for (std::size_t e = 0; e < per; ++e) xb[e] -= a * gb[e];
            } else {
                float* vb = state.velocity.data() + b * per;
                const auto mu = static_cast<float>(momentum), sc = static_cast<float>(scale),
                           a = static_cast<float>(lr);
                for (std::size_t e = 0; e < per; ++e) {
                    vb[e] = mu * vb[e] + sc * gb[e];
                    xb[e] -= a * vb[e];
                }
            }
        }
    }
    void reset() { state = {}; }

    /// Run state (not a setting; reset() clears it). Public so the type stays an aggregate.
    struct run_state {
        tensor velocity = {};
    } state = {};
};

}  // namespace deepvis
