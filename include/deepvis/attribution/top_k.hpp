#pragma once
/// Grad-CAM for the 1st, 2nd, …, k-th ranked classes of every batch item, from one forward pass
/// (and one backward pass per rank).
#include <deepvis/attribution/gradcam.hpp>
#include <deepvis/core/scores.hpp>

namespace deepvis {
inline namespace attribution {

struct top_k_cams {
    tensor maps;                                     ///< (N, k, H, W), or (N, k, h, w) with upsample = none
    std::vector<std::vector<std::int64_t>> classes;  ///< classes[i][r]: the r-th ranked class of item i
    tensor scores;                                   ///< (N, k): their unnormalised scores
};

/// The k highest-scoring classes of each row of (N, K) scores, best first (ties: lower index).
inline std::vector<std::vector<std::int64_t>> top_k_classes(const tensor& scores, std::size_t k) {
    DEEPVIS_CHECK(scores.dimension() >= 1 && scores.shape()[0] > 0, shape_error,
                  "top_k_classes: scores have shape " << shape_string(scores.shape()));
    const std::size_t n = scores.shape()[0], width = scores.size() / n;
    DEEPVIS_CHECK(k >= 1 && k <= width, config_error, "top_k_classes: k = " << k << " outside [1, " << width << "]");
    std::vector<std::vector<std::int64_t>> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto best = top_k(scores.data() + i * width, width, k);
        out[i].assign(best.begin(), best.end());
    }
    return out;
}

template <class M>
top_k_cams gradcam_top_k(const M& model, const tensor& x, std::size_t k, const gradcam_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    detail::check_images(x, "gradcam_top_k");
    auto lease = detail::borrow_trace(model);  // reuses the memory of earlier calls
    auto& t = *lease;
    model.forward(x, t);
    const std::size_t n = x.shape()[0];
    top_k_cams result;
    result.classes = top_k_classes(model.scores(t), k);
    const std::string layer = detail::cam_layer(model, t, options.layer, "gradcam_top_k");
    result.scores = xt::zeros<float>({n, k});
    for (std::size_t r = 0; r < k; ++r) {
        std::vector<std::int64_t> cls(n);
        for (std::size_t i = 0; i < n; ++i) {
            cls[i] = result.classes[i][r];
            result.scores(i, r) = detail::score_at(model.scores(t), i, cls[i]);
        }
        const tensor cam = detail::finish_cam(detail::gradcam_raw(model, t, layer, cls, options.relu), x,
                                              options.upsample, options.normalize);
        if (r == 0) result.maps = xt::zeros<float>({n, k, cam.shape()[1], cam.shape()[2]});
        const std::size_t plane = cam.shape()[1] * cam.shape()[2];
        for (std::size_t i = 0; i < n; ++i)
            std::copy(cam.data() + i * plane, cam.data() + (i + 1) * plane, result.maps.data() + (i * k + r) * plane);
    }
    return result;
}

}  // namespace attribution
}  // namespace deepvis
