#pragma once
/// Gradient descent with optional weight decay, normalised gradient, momentum (heavy ball or
/// Nesterov), as torch.optim.SGD for weights and the CS231n class-model step for images.
/// An Optimizer (solvers/optimizer.hpp). Per tensor x with gradient g:
///   d = g + λx                          (weight_decay λ; 0: off)
///   d ← d/‖d‖₂ per slice along x's first axis, when normalize (each image of a batch on its
///       own: the class-model step I ← I + lr·g/‖g‖ on the score is a descent step on −score);
///   v ← μv + d (v = d at the first step, as torch.optim.SGD; μ = momentum, 0: plain descent);
///   x ← x − lr·v, or x ← x − lr·(d + μv) with nesterov (Sutskever et al., ICML 2013).
/// lr is step_size; from iteration decay_at on (when set) it is decayed_step_size.
#include <cmath>
#include <cstddef>
#include <deepvis/core/tensor.hpp>
#include <deepvis/solvers/optimizer.hpp>
#include <span>
#include <vector>

namespace deepvis {
inline namespace solvers {

struct gradient_descent {
    double step_size = 0.01;
    double momentum = 0.0;
    bool nesterov = false;
    double weight_decay = 0.0;
    bool normalize = false;
    std::size_t decay_at = 0;
    double decayed_step_size = 0.0;

    void step(std::span<tensor* const> x, std::span<const tensor* const> g, std::size_t iteration) {
        detail::check_step_arguments("gradient_descent", x, g);
        const double lr = decay_at && iteration >= decay_at ? decayed_step_size : step_size;
        const bool first = momentum != 0.0 && detail::ensure_state(state.velocity, x);
        const auto a = static_cast<float>(lr), mu = static_cast<float>(momentum);
        const auto wd = static_cast<float>(weight_decay);
        for (std::size_t i = 0; i < x.size(); ++i) {
            float* xi = x[i]->data();
            const float* gi = g[i]->data();
            const std::size_t n = x[i]->dimension() ? x[i]->shape()[0] : 1, per = n ? x[i]->size() / n : 0;
            for (std::size_t b = 0; b < n; ++b) {
                float* xb = xi + b * per;
                const float* gb = gi + b * per;
                double scale = 1.0;
                if (normalize) {
                    double s = 0.0;
                    for (std::size_t e = 0; e < per; ++e) {
                        const double d = double(gb[e]) + double(wd) * xb[e];
                        s += d * d;
                    }
                    scale = s > 0.0 ? 1.0 / std::sqrt(s) : 0.0;
                }
                if (momentum == 0.0) {
                    const auto as = static_cast<float>(lr * scale);
                    for (std::size_t e = 0; e < per; ++e) xb[e] -= as * (gb[e] + wd * xb[e]);
                    continue;
                }
                const auto sc = static_cast<float>(scale);
                float* vb = state.velocity[i].data() + b * per;
                for (std::size_t e = 0; e < per; ++e) {
                    const float d = sc * (gb[e] + wd * xb[e]);
                    vb[e] = first ? d : mu * vb[e] + d;
                    xb[e] -= a * (nesterov ? d + mu * vb[e] : vb[e]);
                }
            }
        }
    }
    void reset() { state = {}; }

    /// Run state (not a setting; reset() clears it). Public so the type stays an aggregate.
    struct run_state {
        std::vector<std::vector<float>> velocity = {};
    } state = {};
};

}  // namespace solvers
}  // namespace deepvis
