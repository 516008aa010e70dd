#pragma once
/// Score-CAM (Wang et al. 2020): each map A_k of a layer is upsampled to the input size and
/// min-max normalised to a mask H_k = (U(A_k) − min) / (max − min + 1e-8); the input is masked,
/// x ∘ H_k, and the class score of the masked input gives the weight
///   w_k = softmax(f(x ∘ H_k))_c − softmax(f(x_b))_c   (the paper's increase of confidence,
///         baseline x_b = 0),
/// and L = ReLU(Σ_k w_k A_k), upsampled like Grad-CAM. No gradient is used. The K masked copies
/// of every batch item go through the model in internal batches of at most batch_size.
/// Where tools differ (weights option): the authors' code uses the probability itself (no
/// baseline); pytorch-grad-cam uses softmax over k of the raw scores and upsamples the masks with
/// align_corners=True ({.mask_upsample = upsample_mode::bilinear_align_corners}).
/// Faster Score-CAM (max_channels = k > 0; tf-keras-vis' max_N, after T. Abe's note that most
/// maps of a deep layer are nearly constant): per item, only the k maps of largest spatial
/// variance are scored and summed; the others get weight 0. A constant map's mask is all zeros,
/// so with the paper's `increase` weights dropping it is exact.
#include <deepvis/attribution/gradcam.hpp>
#include <deepvis/core/scores.hpp>
#include <vector>

namespace deepvis {
inline namespace attribution {

enum class score_cam_weights {
    increase,           ///< softmax(f(x∘H_k))_c − softmax(f(0))_c (paper, eq. 2–3)
    probability,        ///< softmax(f(x∘H_k))_c (the authors' code)
    softmax_over_maps,  ///< softmax_k(f(x∘H_k)_c) (pytorch-grad-cam)
};

struct score_cam_options {
    std::string layer = {};  ///< node or tensor name; empty: default_cam_layer()
    score_cam_weights weights = score_cam_weights::increase;
    upsample_mode mask_upsample = upsample_mode::bilinear;
    bool relu = true;
    upsample_mode upsample = upsample_mode::bilinear;
    cam_normalize normalize = cam_normalize::none;
    std::size_t batch_size = 16;   ///< masked inputs per forward pass
    std::size_t max_channels = 0;  ///< 0: every map; k: the k maps of largest variance per item
};

/// (N, H, W), or (N, h, w) with upsample = none.
template <class M>
tensor score_cam(const M& model, const tensor& x, const class_indices& classes, const score_cam_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    detail::check_images(x, "score_cam");
    DEEPVIS_CHECK(options.mask_upsample != upsample_mode::none, config_error,
                  "score_cam: the masks must be upsampled to the input size (mask_upsample = none given)");
    auto lease = detail::borrow_trace(model);  // reuses the memory of earlier calls
    auto& t = *lease;
    model.forward(x, t);
    const std::size_t n = x.shape()[0], c = x.shape()[1], hw = x.shape()[2] * x.shape()[3];
    const auto cls =
        detail::expand_classes(classes, n, detail::score_width(model.scores(t), n, "score_cam"), "score_cam");
    const std::string layer = detail::cam_layer(model, t, options.layer, "score_cam");
    const tensor activations = model.activation(t, layer);
    const std::size_t k = activations.shape()[1];

    tensor masks = upsample(activations, x.shape()[2], x.shape()[3], options.mask_upsample);  // (N, K, H, W)
    for (std::size_t j = 0; j < n * k; ++j) {
        float* m = masks.data() + j * hw;
        const auto [lo, hi] = std::minmax_element(m, m + hw);
        const float mn = *lo, range = *hi - *lo;
        for (std::size_t p = 0; p < hw; ++p) m[p] = (m[p] - mn) / (range + 1e-8f);
    }

    std::vector<float> baseline(n, 0.0f);
    if (options.weights == score_cam_weights::increase) {
        tensor zeros = xt::zeros<float>(x.shape());
        model.forward(zeros, t);
        for (std::size_t i = 0; i < n; ++i) baseline[i] = detail::probability_at(model.scores(t), i, cls[i]);
    }
    // The rows (item · k + channel) to score: every map, or each item's max_channels most varied.
    std::vector<std::size_t> rows;
    const std::size_t keep = options.max_channels == 0 ? k : std::min(options.max_channels, k);
    {
        const std::size_t area = activations.size() / std::max<std::size_t>(1, n * k);
        std::vector<double> spread(k);
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t ch = 0; ch < k; ++ch) {
                const float* a = activations.data() + (i * k + ch) * area;
                double sum = 0, sq = 0;
                for (std::size_t p = 0; p < area; ++p) sum += a[p], sq += double(a[p]) * a[p];
                const double mean = sum / double(area);
                spread[ch] = sq / double(area) - mean * mean;
            }
            // Largest variance first; ties by channel index, so the choice is deterministic.
            std::vector<std::size_t> chosen = top_k(spread.data(), k, keep);
            std::sort(chosen.begin(), chosen.end());
            for (std::size_t ch : chosen) rows.push_back(i * k + ch);
        }
    }
    tensor weights = xt::zeros<float>({n, k});
    detail::batched_scores(
        model, t, detail::sample_shape(x), rows.size(), options.batch_size,
        [&](std::size_t row, float* dst) {
            const std::size_t j = rows[row], i = j / k;
            const float* m = masks.data() + j * hw;
            for (std::size_t ch = 0; ch < c; ++ch)
                for (std::size_t p = 0; p < hw; ++p) dst[ch * hw + p] = x.data()[(i * c + ch) * hw + p] * m[p];
        },
        [&](std::size_t row, const tensor& scores, std::size_t r) {
            const std::size_t j = rows[row], i = j / k;
            weights.data()[j] = options.weights == score_cam_weights::softmax_over_maps
                                    ? detail::score_at(scores, r, cls[i])
                                    : detail::probability_at(scores, r, cls[i]) - baseline[i];
        });
    if (options.weights == score_cam_weights::softmax_over_maps)  // over the scored maps of each item
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t* scored = rows.data() + i * keep;
            std::vector<float> s(keep);
            std::vector<double> p(keep);
            for (std::size_t r = 0; r < keep; ++r) s[r] = weights.data()[scored[r]];
            softmax(s.data(), keep, p.data());
            for (std::size_t r = 0; r < keep; ++r) weights.data()[scored[r]] = static_cast<float>(p[r]);
        }
    return detail::finish_cam(detail::weighted_maps(activations, weights, options.relu), x, options.upsample,
                              options.normalize);
}

}  // namespace attribution
}  // namespace deepvis
