#pragma once
/// Integrated gradients (Sundararajan et al. 2017, eq. 1 and 3):
///   IG_j(x) = (x_j − x′_j) · ∫_0^1 ∂score_c(x′ + α(x − x′))/∂x_j dα
///         ≈ (x_j − x′_j) · Σ_i w_i ∂score_c(x′ + α_i(x − x′))/∂x_j,
/// with a zero baseline x′, 50 steps and the Gauss–Legendre rule by default (as Captum). Completeness:
/// Σ_j IG_j ≈ score_c(x) − score_c(x′). The steps of all batch items go through the model in
/// internal batches of at most batch_size inputs, so memory stays bounded.
#include <deepvis/attribution/detail/common.hpp>
#include <deepvis/attribution/quadrature.hpp>

namespace deepvis {
inline namespace attribution {

struct integrated_gradients_options {
    std::size_t steps = 50;
    quadrature method = quadrature::gauss_legendre;
    tensor baseline = {};         ///< default (0-D): zeros; else shaped like x or like one batch item
    std::size_t batch_size = 16;  ///< interpolated inputs per forward/backward pass
};

/// Shaped like x.
template <class Rule = backprop::standard, class M>
tensor integrated_gradients(const M& model, const tensor& x, const class_indices& classes,
                            const integrated_gradients_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    DEEPVIS_REQUIRE_RULE(Rule);
    detail::check_batch(x, "integrated_gradients");
    const std::size_t n = x.shape()[0], size = x.size() / n;
    const auto sample = detail::sample_shape(x);
    const bool zero_baseline = options.baseline.dimension() == 0;
    const bool per_item = !zero_baseline && options.baseline.shape() == x.shape();
    DEEPVIS_CHECK(zero_baseline || per_item || options.baseline.size() == size, shape_error,
                  "integrated_gradients: baseline has shape " << shape_string(options.baseline.shape()) << ", expected "
                                                              << shape_string(x.shape()) << " or one batch item "
                                                              << shape_string(sample));
    auto base = [&](std::size_t i) -> const float* {
        return zero_baseline ? nullptr : options.baseline.data() + (per_item ? i * size : 0);
    };
    const quadrature_rule rule = unit_interval_rule(options.method, options.steps);
    const std::size_t steps = rule.nodes.size();

    auto lease = detail::borrow_trace(model);  // reuses the memory of earlier calls
    auto& t = *lease;
    model.forward(x, t);
    const auto cls = detail::expand_classes(classes, n, detail::score_width(model.scores(t), n, "integrated_gradients"),
                                            "integrated_gradients");

    tensor sum = xt::zeros<float>(x.shape());
    std::vector<double> acc(size);
    // Row j = (item j / steps, step j % steps): all steps of one item are adjacent.
    detail::batched_gradients<Rule>(
        model, t, sample, n * steps, options.batch_size,
        [&](std::size_t j, float* dst) {
            const std::size_t i = j / steps;
            const float a = static_cast<float>(rule.nodes[j % steps]);
            const float* xi = x.data() + i * size;
            const float* bi = base(i);
            for (std::size_t e = 0; e < size; ++e) {
                const float b = bi ? bi[e] : 0.0f;
                dst[e] = b + a * (xi[e] - b);
            }
        },
        [&](std::size_t j) { return cls[j / steps]; },
        [&](std::size_t j, const float* g) {
            const std::size_t i = j / steps, s = j % steps;
            if (s == 0) std::fill(acc.begin(), acc.end(), 0.0);
            const double w = rule.weights[s];
            for (std::size_t e = 0; e < size; ++e) acc[e] += w * g[e];
            if (s + 1 == steps) {
                const float* xi = x.data() + i * size;
                const float* bi = base(i);
                float* out = sum.data() + i * size;
                for (std::size_t e = 0; e < size; ++e)
                    out[e] = static_cast<float>((xi[e] - (bi ? bi[e] : 0.0f)) * acc[e]);
            }
        });
    return sum;
}

}  // namespace attribution
}  // namespace deepvis
