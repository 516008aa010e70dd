#pragma once
/// Penalties on the image itself. Each is both an Objective term (tap = input_tap, so it
/// composes: `maximize(class_score{...}) + 1e-2 * total_variation{}`) and an explicit
/// Regularizer (regularizers/regularizer.hpp: penalty() adds its gradient to the image
/// gradient without a backward pass).
///   total_variation: L = weight · Σ_{n,c}[Σ(x_{i,j+1} − x_ij)² + Σ(x_{i+1,j} − x_ij)²]
///                    (Mahendran & Vedaldi 2015, eq. 6 with β = 2; Johnson's course version).
///                    Kernel: core/kernels/total_variation.hpp.
///   l2:              L = weight · Σ x² (Simonyan et al. 2014, eq. 1: λ‖I‖²₂).
///   alpha_norm:      L = weight · Σ |x|^α (Mahendran & Vedaldi 2015, eq. 5; α = 6 there).
#include <algorithm>
#include <cmath>
#include <deepvis/core/error.hpp>
#include <deepvis/core/kernels/total_variation.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/objectives/objective.hpp>
#include <string>

namespace deepvis {
namespace detail {
// An image penalty as an Objective term: its gradient written to a zeroed g.
template <class Penalty>
double loss_from_penalty(const Penalty& term, const tensor& x, tensor& g) {
    ensure_shape(g, x.shape());
    std::fill(g.begin(), g.end(), 0.0f);
    return term.penalty(x, g);
}
}  // namespace detail

inline namespace objectives {

struct total_variation {
    double weight = 1.0;
    std::string layer = input_tap;  ///< any (N, C, H, W) tensor; the image by default

    std::string tap() const { return layer; }
    double loss_and_gradient(const tensor& x, tensor& g) const {
        ensure_shape(g, x.shape());
        return compute(x, g, false);
    }
    double penalty(const tensor& x, tensor& g) const { return compute(x, g, true); }

private:
    double compute(const tensor& x, tensor& g, bool accumulate) const {
        DEEPVIS_CHECK(x.dimension() >= 2, shape_error,
                      "total_variation: expected an (N, C, H, W) image, got " << shape_string(x.shape()));
        const std::size_t d = x.dimension();
        const std::size_t h = d >= 3 ? x.shape()[d - 2] : 1, w = x.shape()[d - 1];
        return kernels::total_variation(x.data(), x.size() / (h * w), h, w, g.data(), static_cast<float>(weight),
                                        accumulate);
    }
};

struct l2 {
    double weight = 1.0;

    std::string tap() const { return input_tap; }
    double loss_and_gradient(const tensor& x, tensor& g) const { return detail::loss_from_penalty(*this, x, g); }
    double penalty(const tensor& x, tensor& g) const {
        const float two_w = static_cast<float>(2.0 * weight);
        double s = 0.0;
        for (std::size_t e = 0; e < x.size(); ++e) {
            const float v = x.data()[e];
            s += double(v) * v;
            g.data()[e] += two_w * v;
        }
        return weight * s;
    }
};

struct alpha_norm {
    double alpha = 6.0;
    double weight = 1.0;

    std::string tap() const { return input_tap; }
    double loss_and_gradient(const tensor& x, tensor& g) const { return detail::loss_from_penalty(*this, x, g); }
    double penalty(const tensor& x, tensor& g) const {
        DEEPVIS_CHECK(alpha >= 1.0, config_error, "alpha_norm: alpha " << alpha << " must be at least 1");
        double s = 0.0;
        for (std::size_t e = 0; e < x.size(); ++e) {
            const double v = x.data()[e], av = std::abs(v);
            s += std::pow(av, alpha);
            // d|v|^α/dv = α |v|^(α−1) sign(v)
            g.data()[e] += static_cast<float>(weight * alpha * std::pow(av, alpha - 1.0) * (v < 0 ? -1.0 : 1.0));
        }
        return weight * s;
    }
};

}  // namespace objectives
}  // namespace deepvis
