#pragma once
/// Quadrature rules on [0, 1] for path integrals (integrated gradients): Gauss–Legendre and the
/// Riemann sums Captum offers.
#include <cmath>
#include <deepvis/core/error.hpp>
#include <numbers>
#include <vector>

namespace deepvis {
inline namespace attribution {

enum class quadrature { gauss_legendre, riemann_left, riemann_right, riemann_middle, riemann_trapezoid };

/// Nodes α_i ∈ [0, 1] and weights w_i with Σ w_i f(α_i) ≈ ∫_0^1 f.
struct quadrature_rule {
    std::vector<double> nodes;
    std::vector<double> weights;
};

/// The n-point Gauss–Legendre rule on [−1, 1]: nodes ξ_i (ascending) are the roots of P_n, found
/// by Newton's method on the three-term recurrence from cos(π(i − 1/4)/(n + 1/2)); weights
/// ω_i = 2 / ((1 − ξ_i²) P_n'(ξ_i)²). Exact for polynomials of degree ≤ 2n − 1.
inline quadrature_rule gauss_legendre_rule(std::size_t n) {
    DEEPVIS_CHECK(n >= 1, config_error, "gauss_legendre_rule: needs at least one node");
    quadrature_rule r{std::vector<double>(n), std::vector<double>(n)};
    for (std::size_t i = 0; i < (n + 1) / 2; ++i) {
        double x = std::cos(std::numbers::pi * (double(i) + 0.75) / (double(n) + 0.5));
        double dp = 1.0;
        for (int iter = 0; iter < 100; ++iter) {
            double p0 = 1.0, p1 = x;  // P_0, P_1
            for (std::size_t k = 2; k <= n; ++k) {
                const double p2 = ((2.0 * double(k) - 1.0) * x * p1 - (double(k) - 1.0) * p0) / double(k);
                p0 = p1;
                p1 = p2;
            }
            const double pn = n == 1 ? x : p1, pn1 = n == 1 ? 1.0 : p0;  // P_n, P_{n-1}
            dp = double(n) * (x * pn - pn1) / (x * x - 1.0);
            const double step = pn / dp;
            x -= step;
            if (std::abs(step) < 1e-15) break;
        }
        // recompute P_n' at the converged root for the weight
        double p0 = 1.0, p1 = x;
        for (std::size_t k = 2; k <= n; ++k) {
            const double p2 = ((2.0 * double(k) - 1.0) * x * p1 - (double(k) - 1.0) * p0) / double(k);
            p0 = p1;
            p1 = p2;
        }
        dp = n == 1 ? 1.0 : double(n) * (x * p1 - p0) / (x * x - 1.0);
        const double w = 2.0 / ((1.0 - x * x) * dp * dp);
        r.nodes[i] = -x;  // the guess above is the i-th largest root
        r.nodes[n - 1 - i] = x;
        r.weights[i] = r.weights[n - 1 - i] = w;
    }
    if (n % 2 == 1) r.nodes[n / 2] = 0.0;
    return r;
}

/// The rule with `steps` points on [0, 1]. Gauss–Legendre: α_i = (1 + ξ_i)/2, w_i = ω_i/2.
/// Riemann left/right/middle: α_i = i/n, (i+1)/n, (i+½)/n with w_i = 1/n; trapezoid: α_i =
/// i/(n−1) with w = 1/(n−1), halved at both ends (Captum's definitions).
inline quadrature_rule unit_interval_rule(quadrature method, std::size_t steps) {
    DEEPVIS_CHECK(steps >= 1, config_error, "integrated gradients: steps must be at least 1");
    quadrature_rule r{std::vector<double>(steps), std::vector<double>(steps, 1.0 / double(steps))};
    const double n = double(steps);
    switch (method) {
        case quadrature::gauss_legendre: {
            r = gauss_legendre_rule(steps);
            for (std::size_t i = 0; i < steps; ++i) {
                r.nodes[i] = (1.0 + r.nodes[i]) / 2.0;
                r.weights[i] /= 2.0;
            }
            break;
        }
        case quadrature::riemann_left:
            for (std::size_t i = 0; i < steps; ++i) r.nodes[i] = double(i) / n;
            break;
        case quadrature::riemann_right:
            for (std::size_t i = 0; i < steps; ++i) r.nodes[i] = double(i + 1) / n;
            break;
        case quadrature::riemann_middle:
            for (std::size_t i = 0; i < steps; ++i) r.nodes[i] = (double(i) + 0.5) / n;
            break;
        case quadrature::riemann_trapezoid:
            DEEPVIS_CHECK(steps >= 2, config_error, "integrated gradients: the trapezoid rule needs at least 2 steps");
            for (std::size_t i = 0; i < steps; ++i) {
                r.nodes[i] = double(i) / (n - 1.0);
                r.weights[i] = (i == 0 || i + 1 == steps ? 0.5 : 1.0) / (n - 1.0);
            }
            break;
    }
    return r;
}

}  // namespace attribution
}  // namespace deepvis
