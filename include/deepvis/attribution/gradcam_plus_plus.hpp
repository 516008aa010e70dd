#pragma once
/// Grad-CAM++ (Chattopadhay et al. 2018, eq. 19 with the exponential-score simplification), as
/// pytorch-grad-cam computes it from g = ∂score_c/∂A_k:
///   a_ij = g² / (2 g² + Σ_ab A_k(a,b) · g³ + 1e-6)  (0 where g = 0),
///   w_k  = Σ_ij a_ij · ReLU(g_ij),   L = ReLU(Σ_k w_k A_k), upsampled like Grad-CAM.
#include <deepvis/attribution/gradcam.hpp>

namespace deepvis {
inline namespace attribution {

using gradcam_plus_plus_options = gradcam_options;

/// (N, H, W), or (N, h, w) with upsample = none.
template <class M>
tensor gradcam_plus_plus(const M& model, const tensor& x, const class_indices& classes,
                         const gradcam_plus_plus_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    const auto d = detail::cam_pass(model, x, classes, options.layer, "gradcam_plus_plus");
    const tensor& a = d.activations;
    const tensor& g = d.gradient;
    const std::size_t nk = a.shape()[0] * a.shape()[1], hw = a.shape()[2] * a.shape()[3];
    tensor weights = xt::zeros<float>({a.shape()[0], a.shape()[1]});
    for (std::size_t j = 0; j < nk; ++j) {
        const float* pa = a.data() + j * hw;
        const float* pg = g.data() + j * hw;
        double sum_a = 0.0;
        for (std::size_t p = 0; p < hw; ++p) sum_a += pa[p];
        double w = 0.0;
        for (std::size_t p = 0; p < hw; ++p) {
            const double g1 = pg[p], g2 = g1 * g1, g3 = g2 * g1;
            if (g1 == 0.0) continue;
            const double alpha = g2 / (2.0 * g2 + sum_a * g3 + 1e-6);
            w += alpha * std::max(g1, 0.0);
        }
        weights.data()[j] = static_cast<float>(w);
    }
    return detail::finish_cam(detail::weighted_maps(a, weights, options.relu), x, options.upsample, options.normalize);
}

}  // namespace attribution
}  // namespace deepvis
