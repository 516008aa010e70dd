#pragma once
/// sgd: stochastic gradient descent with (heavy-ball) momentum, as torch.optim.SGD:
///   g ← g + λθ;  b ← μb + g (b = g at the first step);  θ ← θ − α·b
/// (Nesterov: θ ← θ − α(g + μb)). B. T. Polyak, "Some methods of speeding up the convergence of
/// iteration methods", 1964; I. Sutskever et al., ICML 2013, for the Nesterov form.
#include <cstddef>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/train/optimizer.hpp>
#include <span>
#include <vector>

namespace deepvis::train {

struct sgd_options {
    float learning_rate = 0.01f;
    float momentum = 0.9f;
    float weight_decay = 0.0f;
    bool nesterov = false;
};

class sgd {
public:
    explicit sgd(sgd_options options = {}) : m_options(options) {}

    void step(std::span<tensor* const> parameters, std::span<const tensor* const> gradients) {
        DEEPVIS_CHECK(parameters.size() == gradients.size(), config_error,
                      "sgd: " << parameters.size() << " parameters but " << gradients.size() << " gradients");
        const bool first = m_buffer.empty();
        if (first) {
            m_buffer.resize(parameters.size());
            for (std::size_t i = 0; i < parameters.size(); ++i) m_buffer[i].assign(parameters[i]->size(), 0.0f);
        }
        DEEPVIS_CHECK(m_buffer.size() == parameters.size(), config_error,
                      "sgd: called with " << parameters.size() << " parameters, first call had " << m_buffer.size());
        const auto& o = m_options;
        for (std::size_t i = 0; i < parameters.size(); ++i) {
            DEEPVIS_CHECK(parameters[i]->size() == gradients[i]->size() && parameters[i]->size() == m_buffer[i].size(),
                          shape_error, "sgd: parameter " << i << " changed size or its gradient differs");
            float* p = parameters[i]->data();
            const float* g = gradients[i]->data();
            float* b = m_buffer[i].data();
            const std::size_t n = parameters[i]->size();
            for (std::size_t e = 0; e < n; ++e) {
                const float ge = g[e] + o.weight_decay * p[e];
                if (o.momentum == 0.0f) {
                    p[e] -= o.learning_rate * ge;
                    continue;
                }
                b[e] = first ? ge : o.momentum * b[e] + ge;
                p[e] -= o.learning_rate * (o.nesterov ? ge + o.momentum * b[e] : b[e]);
            }
        }
    }

    const sgd_options& options() const { return m_options; }
    void set_learning_rate(float lr) { m_options.learning_rate = lr; }

private:
    sgd_options m_options;
    std::vector<std::vector<float>> m_buffer;
};

static_assert(ParameterOptimizer<sgd>, "sgd must satisfy ParameterOptimizer (train/sgd.hpp)");

}  // namespace deepvis::train
