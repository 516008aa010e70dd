#pragma once
/// Adam (Kingma & Ba 2015, Algorithm 1), elementwise, as torch.optim.Adam without weight decay:
///   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  x ← x − lr · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
/// decay_at / decayed_step_size: from iteration decay_at on, use decayed_step_size (the course
/// style transfer: lr 3.0, then 0.1 from iteration 180). linear_decay_steps = T > 0 instead: the step
/// falls linearly, lr_k = step_size · max(0, 1 − k/T) (feature inversion: solves a deep layer's
/// inversion in fewer steps than a constant or step-decayed lr). An Optimizer (solvers/optimizer.hpp).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deepvis/core/tensor.hpp>
#include <deepvis/solvers/optimizer.hpp>

namespace deepvis {

struct adam {
    double step_size = 1e-3;
    double beta1 = 0.9, beta2 = 0.999;
    double epsilon = 1e-8;
    std::size_t decay_at = 0;
    double decayed_step_size = 0.0;
    std::size_t linear_decay_steps = 0;  ///< T of the linear decay; 0: off (overrides decay_at when set)

    void step(tensor& x, const tensor& g, std::size_t iteration) {
        const double lr = linear_decay_steps
                              ? step_size * std::max(0.0, 1.0 - double(iteration) / double(linear_decay_steps))
                              : (decay_at && iteration >= decay_at ? decayed_step_size : step_size);
        if (state.t == 0 || state.m.shape() != x.shape()) {
            ensure_shape(state.m, x.shape());
            ensure_shape(state.v, x.shape());
            std::fill(state.m.begin(), state.m.end(), 0.0f);
            std::fill(state.v.begin(), state.v.end(), 0.0f);
            state.t = 0;
        }
        ++state.t;
        const double c1 = 1.0 - std::pow(beta1, double(state.t)), c2 = 1.0 - std::pow(beta2, double(state.t));
        const auto b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
        const auto a = static_cast<float>(lr / c1), inv_sqrt_c2 = static_cast<float>(1.0 / std::sqrt(c2));
        const auto eps = static_cast<float>(epsilon);
        for (std::size_t e = 0; e < x.size(); ++e) {
            const float ge = g.data()[e];
            float& m = state.m.data()[e];
            float& v = state.v.data()[e];
            m = b1 * m + (1.0f - b1) * ge;
            v = b2 * v + (1.0f - b2) * ge * ge;
            x.data()[e] -= a * m / (std::sqrt(v) * inv_sqrt_c2 + eps);
        }
    }
    void reset() { state = {}; }

    /// Run state (not a setting; reset() clears it). Public so the type stays an aggregate.
    struct run_state {
        tensor m = {}, v = {};
        std::size_t t = 0;
    } state = {};
};

}  // namespace deepvis
