#pragma once
/// SmoothGrad (Smilkov et al. 2017, eq. 3): the mean gradient over n noisy copies,
///   M̂_c(x) = (1/n) Σ_s ∂score_c(x + ε_s)/∂x,   ε_s ~ N(0, σ²),
/// with σ = 0.15 · (max(x) − min(x)) of each batch item and n = 50 by default (the paper's
/// 10–20 % noise level). Variants: smoothgrad_sq (mean of g², Hooker et al. 2019) and vargrad
/// (mean of g² − (mean of g)², Adebayo et al. 2018).
/// Where tools differ: Captum's NoiseTunnel uses n = 5 and σ = 1 in absolute units
/// ({.samples = 5, .stdev = 1, .stdev_mode = stdev_mode::absolute}); tf-keras-vis σ = 0.2·range.
/// Noise is reproducible: one std::mt19937_64(seed) and one std::normal_distribution<float>(0, 1)
/// draw, in order, item by item, sample by sample, element by element (row-major), the value
/// scaled by σ of that item; the internal batch size does not change the result.
#include <deepvis/attribution/detail/common.hpp>
#include <random>

namespace deepvis {
inline namespace attribution {

enum class noise_tunnel { smoothgrad, smoothgrad_sq, vargrad };
enum class stdev_mode {
    relative,  ///< σ = stdev · (max − min) of each batch item
    absolute   ///< σ = stdev
};

struct smoothgrad_options {
    std::size_t samples = 50;
    float stdev = 0.15f;
    stdev_mode mode = stdev_mode::relative;
    noise_tunnel variant = noise_tunnel::smoothgrad;
    std::uint64_t seed = 0;
    std::size_t batch_size = 16;  ///< noisy copies per forward/backward pass
};

/// Shaped like x. Rule chooses the gradient that is smoothed (guided gives SmoothGrad on guided
/// backpropagation).
template <class Rule = backprop::standard, class M>
tensor smoothgrad(const M& model, const tensor& x, const class_indices& classes,
                  const smoothgrad_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    DEEPVIS_REQUIRE_RULE(Rule);
    detail::check_batch(x, "smoothgrad");
    DEEPVIS_CHECK(options.samples >= 1, config_error, "smoothgrad: samples must be at least 1");
    DEEPVIS_CHECK(options.stdev >= 0.0f, config_error, "smoothgrad: stdev " << options.stdev << " is negative");
    const std::size_t n = x.shape()[0], size = x.size() / n, samples = options.samples;
    std::vector<float> sigma(n, options.stdev);
    if (options.mode == stdev_mode::relative)
        for (std::size_t i = 0; i < n; ++i) {
            const auto [lo, hi] = std::minmax_element(x.data() + i * size, x.data() + (i + 1) * size);
            sigma[i] = options.stdev * (*hi - *lo);
        }

    auto lease = detail::borrow_trace(model);  // reuses the memory of earlier calls
    auto& t = *lease;
    model.forward(x, t);
    const auto cls =
        detail::expand_classes(classes, n, detail::score_width(model.scores(t), n, "smoothgrad"), "smoothgrad");

    std::mt19937_64 rng(options.seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    tensor out = xt::zeros<float>(x.shape());
    std::vector<double> sum(size), sum_sq(size);
    detail::batched_gradients<Rule>(
        model, t, detail::sample_shape(x), n * samples, options.batch_size,
        [&](std::size_t j, float* dst) {
            const std::size_t i = j / samples;
            const float* xi = x.data() + i * size;
            for (std::size_t e = 0; e < size; ++e) dst[e] = xi[e] + sigma[i] * normal(rng);
        },
        [&](std::size_t j) { return cls[j / samples]; },
        [&](std::size_t j, const float* g) {
            const std::size_t i = j / samples, s = j % samples;
            if (s == 0) {
                std::fill(sum.begin(), sum.end(), 0.0);
                std::fill(sum_sq.begin(), sum_sq.end(), 0.0);
            }
            for (std::size_t e = 0; e < size; ++e) {
                sum[e] += g[e];
                sum_sq[e] += double(g[e]) * g[e];
            }
            if (s + 1 == samples) {
                float* o = out.data() + i * size;
                const double inv = 1.0 / double(samples);
                for (std::size_t e = 0; e < size; ++e) {
                    const double mean = sum[e] * inv, mean_sq = sum_sq[e] * inv;
                    o[e] = static_cast<float>(options.variant == noise_tunnel::smoothgrad      ? mean
                                              : options.variant == noise_tunnel::smoothgrad_sq ? mean_sq
                                                                                               : mean_sq - mean * mean);
                }
            }
        });
    return out;
}

}  // namespace attribution
}  // namespace deepvis
