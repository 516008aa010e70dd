#pragma once
/// Binary cross-entropy against targets t in [0, 1], averaged over all M elements.
///
/// binary_cross_entropy (from probabilities p, the network's output):
///   L = −(1/M) Σ [t·log p + (1 − t)·log(1 − p)],   dL/dp = (p − t) / (M · max(p(1 − p), 1e−12))
///   with each log clamped at −100, as PyTorch's nn.BCELoss() does.
/// binary_cross_entropy_with_logits (from z, the input of the trailing Sigmoid):
///   L = (1/M) Σ [max(z, 0) − z·t + log(1 + e^−|z|)],   dL/dz = (σ(z) − t) / M
///   — the same loss through p = σ(z), without cancellation; PyTorch's nn.BCEWithLogitsLoss().
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/train/loss.hpp>

namespace deepvis::detail {
inline void bce_check_same_shape(const tensor& p, const tensor& t, const char* what) {
    DEEPVIS_CHECK(p.shape() == t.shape(), shape_error,
                  what << ": prediction has shape " << shape_string(p.shape()) << " but target has shape "
                       << shape_string(t.shape()));
    DEEPVIS_CHECK(p.size() > 0, shape_error, what << ": empty prediction");
}

/// One element's loss ℓ and its slope ∂ℓ/∂a.
struct loss_term {
    double value, slope;
};

/// (1/M) Σ_e ℓ(a_e, t_e) over the M elements, and g_e = ∂ℓ/∂a_e / M when g is given: the loop
/// both binary cross-entropies share. `term(a, t)` returns {ℓ, ∂ℓ/∂a} in double.
template <class Term>
double mean_elementwise_loss(const tensor& a, const tensor& t, tensor* g, const char* what, Term term) {
    bce_check_same_shape(a, t, what);
    const std::size_t m = a.size();
    const double inv_m = 1.0 / static_cast<double>(m);
    double total = 0;
    for (std::size_t e = 0; e < m; ++e) {
        const auto [value, slope] = term(static_cast<double>(a.data()[e]), static_cast<double>(t.data()[e]));
        total += value;
        if (g) g->data()[e] = static_cast<float>(slope * inv_m);
    }
    return total * inv_m;
}
}  // namespace deepvis::detail

namespace deepvis::train {

struct binary_cross_entropy {
    using target_type = tensor;
    static constexpr loss_input reads = loss_input::output;

    double loss(const tensor& p, const tensor& t) const { return evaluate(p, t, nullptr); }
    double loss_and_gradient(const tensor& p, const tensor& t, tensor& g) const {
        ensure_shape(g, p.shape());
        return evaluate(p, t, &g);
    }

private:
    static double evaluate(const tensor& p, const tensor& t, tensor* g) {
        return detail::mean_elementwise_loss(p, t, g, "binary_cross_entropy", [](double pe, double te) {
            const double log_p = std::max(std::log(pe), -100.0), log_q = std::max(std::log1p(-pe), -100.0);
            return detail::loss_term{-(te * log_p + (1.0 - te) * log_q), (pe - te) / std::max(pe * (1.0 - pe), 1e-12)};
        });
    }
};

struct binary_cross_entropy_with_logits {
    using target_type = tensor;
    static constexpr loss_input reads = loss_input::pre_activation;

    double loss(const tensor& z, const tensor& t) const { return evaluate(z, t, nullptr); }
    double loss_and_gradient(const tensor& z, const tensor& t, tensor& g) const {
        ensure_shape(g, z.shape());
        return evaluate(z, t, &g);
    }

private:
    static double evaluate(const tensor& z, const tensor& t, tensor* g) {
        return detail::mean_elementwise_loss(z, t, g, "binary_cross_entropy_with_logits", [](double ze, double te) {
            return detail::loss_term{std::max(ze, 0.0) - ze * te + std::log1p(std::exp(-std::abs(ze))),
                                     1.0 / (1.0 + std::exp(-ze)) - te};
        });
    }
};

static_assert(Loss<binary_cross_entropy>, "binary_cross_entropy must satisfy Loss (train/loss.hpp)");
static_assert(Loss<binary_cross_entropy_with_logits>,
              "binary_cross_entropy_with_logits must satisfy Loss (train/loss.hpp)");

}  // namespace deepvis::train
