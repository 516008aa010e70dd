#pragma once
/// Deletion and insertion metrics (Petsiuk et al. 2018, RISE §4.2) for any attribution map.
///   deletion:  pixels of x are replaced by the baseline (zero by default) in decreasing order of
///              the map, a fixed fraction of the pixels per step, and the class probability
///              softmax(score)_c is recorded after every step; a faithful map makes it fall fast
///              (low area under the curve).
///   insertion: starts from the baseline (a blurred copy of x by default, as the paper) and puts
///              the pixels of x back in the same order; a faithful map makes it rise fast (high
///              area).
/// A pixel means all channels at one position. The area is the trapezoid rule over the fraction
/// of pixels changed, in [0, 1]. All steps of all batch items go through the model in internal
/// batches of at most batch_size inputs.
#include <cmath>
#include <deepvis/attribution/detail/common.hpp>
#include <deepvis/core/scores.hpp>

namespace deepvis {
inline namespace attribution {

enum class faithfulness_baseline {
    automatic,  ///< zero for deletion, blur for insertion (the paper)
    zero,
    blur  ///< Gaussian blur of x, separable, edges clamped
};

struct faithfulness_options {
    double step_fraction = 1.0 / 64.0;  ///< fraction of the pixels changed per step
    faithfulness_baseline baseline = faithfulness_baseline::automatic;
    float blur_sigma = 5.0f;  ///< RISE: kernel 11, σ = 5
    std::size_t blur_radius = 5;
    std::size_t batch_size = 16;
};

struct faithfulness_curve {
    std::vector<double> fractions;  ///< fraction of pixels changed at each point (0 … 1), shared by all items
    tensor probabilities;           ///< (N, points): softmax(score)_c at each point
    std::vector<double> auc;        ///< area under each item's curve
};

/// Gaussian blur of every plane of an NCHW tensor (separable; edges clamped).
inline tensor gaussian_blur(const tensor& x, float sigma, std::size_t radius) {
    detail::check_images(x, "gaussian_blur");
    DEEPVIS_CHECK(sigma > 0.0f, config_error, "gaussian_blur: sigma " << sigma << " must be positive");
    std::vector<float> k(2 * radius + 1);
    float total = 0.0f;
    for (std::size_t i = 0; i < k.size(); ++i) {
        const float d = float(i) - float(radius);
        total += k[i] = std::exp(-d * d / (2.0f * sigma * sigma));
    }
    for (auto& v : k) v /= total;
    const std::size_t h = x.shape()[2], w = x.shape()[3], planes = x.shape()[0] * x.shape()[1];
    tensor tmp(x.shape()), out(x.shape());
    const auto r = static_cast<std::ptrdiff_t>(radius);
    auto clamp = [](std::ptrdiff_t v, std::size_t n) {
        return static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(v, 0, std::ptrdiff_t(n) - 1));
    };
    for (std::size_t p = 0; p < planes; ++p) {
        const float* src = x.data() + p * h * w;
        float* mid = tmp.data() + p * h * w;
        float* dst = out.data() + p * h * w;
        for (std::size_t y = 0; y < h; ++y)
            for (std::size_t xx = 0; xx < w; ++xx) {
                float s = 0.0f;
                for (std::ptrdiff_t d = -r; d <= r; ++d) s += k[d + r] * src[y * w + clamp(std::ptrdiff_t(xx) + d, w)];
                mid[y * w + xx] = s;
            }
        for (std::size_t y = 0; y < h; ++y)
            for (std::size_t xx = 0; xx < w; ++xx) {
                float s = 0.0f;
                for (std::ptrdiff_t d = -r; d <= r; ++d) s += k[d + r] * mid[clamp(std::ptrdiff_t(y) + d, h) * w + xx];
                dst[y * w + xx] = s;
            }
    }
    return out;
}

}  // namespace attribution

namespace detail {

template <class M>
faithfulness_curve perturbation_curve(const M& model, const tensor& x, const tensor& map, const class_indices& classes,
                                      const faithfulness_options& options, bool insertion, const char* who) {
    check_images(x, who);
    const std::size_t n = x.shape()[0], c = x.shape()[1], h = x.shape()[2], w = x.shape()[3], hw = h * w;
    DEEPVIS_CHECK(
        map.size() == n * hw && map.shape()[0] == n, shape_error,
        who << ": map has shape " << shape_string(map.shape()) << ", expected (" << n << ", " << h << ", " << w << ")");
    DEEPVIS_CHECK(options.step_fraction > 0.0 && options.step_fraction <= 1.0, config_error,
                  who << ": step_fraction " << options.step_fraction << " must be in (0, 1]");
    const std::size_t per_step =
        std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(options.step_fraction * double(hw))));
    const std::size_t steps = (hw + per_step - 1) / per_step, points = steps + 1;

    faithfulness_baseline kind = options.baseline;
    if (kind == faithfulness_baseline::automatic)
        kind = insertion ? faithfulness_baseline::blur : faithfulness_baseline::zero;
    const tensor baseline = kind == faithfulness_baseline::blur
                                ? gaussian_blur(x, options.blur_sigma, options.blur_radius)
                                : tensor(xt::zeros<float>(x.shape()));
    // Each item's pixel order: decreasing map value, ties by position.
    std::vector<std::vector<std::size_t>> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = top_k(map.data() + i * hw, hw, hw);
    faithfulness_curve curve;
    for (std::size_t s = 0; s < points; ++s) curve.fractions.push_back(double(std::min(s * per_step, hw)) / double(hw));
    curve.probabilities = xt::zeros<float>({n, points});
    auto lease = detail::borrow_trace(model);  // reuses the memory of earlier calls
    auto& t = *lease;
    model.forward(x, t);
    const auto cls = expand_classes(classes, n, score_width(model.scores(t), n, who), who);
    const std::size_t size = c * hw;
    batched_scores(
        model, t, sample_shape(x), n * points, options.batch_size,
        [&](std::size_t j, float* dst) {
            const std::size_t i = j / points, changed = std::min((j % points) * per_step, hw);
            const float* from = (insertion ? baseline.data() : x.data()) + i * size;
            const float* to = (insertion ? x.data() : baseline.data()) + i * size;
            std::copy(from, from + size, dst);
            for (std::size_t q = 0; q < changed; ++q) {
                const std::size_t p = order[i][q];
                for (std::size_t ch = 0; ch < c; ++ch) dst[ch * hw + p] = to[ch * hw + p];
            }
        },
        [&](std::size_t j, const tensor& scores, std::size_t r) {
            curve.probabilities(j / points, j % points) = probability_at(scores, r, cls[j / points]);
        });
    for (std::size_t i = 0; i < n; ++i) {
        double area = 0.0;
        for (std::size_t s = 1; s < points; ++s)
            area += 0.5 * (curve.fractions[s] - curve.fractions[s - 1]) *
                    (double(curve.probabilities(i, s)) + double(curve.probabilities(i, s - 1)));
        curve.auc.push_back(area);
    }
    return curve;
}

}  // namespace detail

inline namespace attribution {

/// map: (N, H, W) (or anything with N·H·W elements, e.g. (N, 1, H, W)); higher = more important.
template <class M>
faithfulness_curve deletion_curve(const M& model, const tensor& x, const tensor& map, const class_indices& classes,
                                  const faithfulness_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    return detail::perturbation_curve(model, x, map, classes, options, false, "deletion_curve");
}

template <class M>
faithfulness_curve insertion_curve(const M& model, const tensor& x, const tensor& map, const class_indices& classes,
                                   const faithfulness_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    return detail::perturbation_curve(model, x, map, classes, options, true, "insertion_curve");
}

}  // namespace attribution
}  // namespace deepvis
