#pragma once
/// Adam (Kingma & Ba 2015, Algorithm 1), elementwise, as torch.optim.Adam implements it (bias
/// corrections folded into the step size, ε added to the corrected second moment's root, L2
/// weight decay added to the gradient). An Optimizer (solvers/optimizer.hpp). Per tensor x:
///   g ← g + λx;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  x ← x − lr · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
/// lr: step_size; from iteration decay_at on, decayed_step_size (the course style transfer: lr 3.0,
/// then 0.1 from iteration 180). linear_decay_steps = T > 0 instead: lr_k = step_size · max(0,
/// 1 − k/T) (feature inversion: solves a deep layer's inversion in fewer steps than a constant or
/// step-decayed lr).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deepvis/core/tensor.hpp>
#include <deepvis/solvers/optimizer.hpp>
#include <span>
#include <vector>

namespace deepvis {
inline namespace solvers {

struct adam {
    double step_size = 1e-3;
    double beta1 = 0.9, beta2 = 0.999;
    double epsilon = 1e-8;
    double weight_decay = 0.0;
    std::size_t decay_at = 0;
    double decayed_step_size = 0.0;
    std::size_t linear_decay_steps = 0;  ///< T of the linear decay; 0: off (overrides decay_at when set)

    void step(std::span<tensor* const> x, std::span<const tensor* const> g, std::size_t iteration) {
        detail::check_step_arguments("adam", x, g);
        const double lr = linear_decay_steps
                              ? step_size * std::max(0.0, 1.0 - double(iteration) / double(linear_decay_steps))
                              : (decay_at && iteration >= decay_at ? decayed_step_size : step_size);
        const bool restart = detail::ensure_state(state.m, x);
        detail::ensure_state(state.v, x);
        if (restart) {
            for (auto& v : state.v) std::fill(v.begin(), v.end(), 0.0f);
            state.t = 0;
        }
        ++state.t;
        const double c1 = 1.0 - std::pow(beta1, double(state.t)), c2 = 1.0 - std::pow(beta2, double(state.t));
        const auto b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
        const auto a = static_cast<float>(lr / c1), inv_sqrt_c2 = static_cast<float>(1.0 / std::sqrt(c2));
        const auto eps = static_cast<float>(epsilon), wd = static_cast<float>(weight_decay);
        for (std::size_t i = 0; i < x.size(); ++i) {
            float* xi = x[i]->data();
            const float* gi = g[i]->data();
            float* m = state.m[i].data();
            float* v = state.v[i].data();
            for (std::size_t e = 0, n = x[i]->size(); e < n; ++e) {
                const float ge = wd == 0.0f ? gi[e] : gi[e] + wd * xi[e];
                m[e] = b1 * m[e] + (1.0f - b1) * ge;
                v[e] = b2 * v[e] + (1.0f - b2) * ge * ge;
                xi[e] -= a * m[e] / (std::sqrt(v[e]) * inv_sqrt_c2 + eps);
            }
        }
    }
    void reset() { state = {}; }

    /// Run state (not a setting; reset() clears it). Public so the type stays an aggregate.
    struct run_state {
        std::vector<std::vector<float>> m = {}, v = {};
        std::size_t t = 0;
    } state = {};
};

}  // namespace solvers
}  // namespace deepvis
