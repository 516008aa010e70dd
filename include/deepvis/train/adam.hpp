#pragma once
/// adam: D. P. Kingma, J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1,
/// as PyTorch's torch.optim.Adam implements it (bias corrections folded into the step size,
/// ε added to the corrected second moment's square root; L2 weight decay added to the gradient):
///   g ← g + λθ;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²
///   θ ← θ − α · (m / (1 − β₁ᵗ)) / (sqrt(v / (1 − β₂ᵗ)) + ε)
#include <cmath>
#include <cstddef>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/train/optimizer.hpp>
#include <span>
#include <vector>

namespace deepvis::train {

struct adam_options {
    float learning_rate = 1e-3f;
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float epsilon = 1e-8f;
    float weight_decay = 0.0f;
};

class adam {
public:
    explicit adam(adam_options options = {}) : m_options(options) {}

    void step(std::span<tensor* const> parameters, std::span<const tensor* const> gradients) {
        DEEPVIS_CHECK(parameters.size() == gradients.size(), config_error,
                      "adam: " << parameters.size() << " parameters but " << gradients.size() << " gradients");
        if (m_m.empty()) {
            m_m.resize(parameters.size());
            m_v.resize(parameters.size());
            for (std::size_t i = 0; i < parameters.size(); ++i) {
                m_m[i].assign(parameters[i]->size(), 0.0f);
                m_v[i].assign(parameters[i]->size(), 0.0f);
            }
        }
        DEEPVIS_CHECK(m_m.size() == parameters.size(), config_error,
                      "adam: called with " << parameters.size() << " parameters, first call had " << m_m.size());
        ++m_t;
        const auto& o = m_options;
        const double c1 = 1.0 - std::pow(double(o.beta1), double(m_t));
        const double c2 = 1.0 - std::pow(double(o.beta2), double(m_t));
        const float step_size = static_cast<float>(o.learning_rate / c1);
        const float inv_sqrt_c2 = static_cast<float>(1.0 / std::sqrt(c2));
        for (std::size_t i = 0; i < parameters.size(); ++i) {
            float* p = parameters[i]->data();
            const float* g = gradients[i]->data();
            DEEPVIS_CHECK(parameters[i]->size() == gradients[i]->size() && parameters[i]->size() == m_m[i].size(),
                          shape_error, "adam: parameter " << i << " changed size or its gradient differs");
            float* m = m_m[i].data();
            float* v = m_v[i].data();
            const std::size_t n = parameters[i]->size();
            for (std::size_t e = 0; e < n; ++e) {
                const float ge = g[e] + o.weight_decay * p[e];
                m[e] = o.beta1 * m[e] + (1.0f - o.beta1) * ge;
                v[e] = o.beta2 * v[e] + (1.0f - o.beta2) * ge * ge;
                p[e] -= step_size * m[e] / (std::sqrt(v[e]) * inv_sqrt_c2 + o.epsilon);
            }
        }
    }

    const adam_options& options() const { return m_options; }
    void set_learning_rate(float lr) { m_options.learning_rate = lr; }
    std::size_t steps() const { return m_t; }

private:
    adam_options m_options;
    std::vector<std::vector<float>> m_m, m_v;
    std::size_t m_t = 0;
};

static_assert(ParameterOptimizer<adam>, "adam must satisfy ParameterOptimizer (train/optimizer.hpp)");

}  // namespace deepvis::train
