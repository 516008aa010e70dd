#pragma once
/// XGrad-CAM (Fu, Hu, Dong, Guo, Gao & Li 2020, "Axiom-based Grad-CAM: Towards Accurate
/// Visualization and Explanation of CNNs", BMVC; eq. 14): the weights that satisfy the
/// sensitivity and conservation axioms. With A_k the layer's maps and G_k = ∂score_c/∂A_k,
///   w_k = Σ_ij G_k(i,j) A_k(i,j) / (Σ_ij A_k(i,j) + 1e-7),   L = ReLU(Σ_k w_k A_k),
/// upsampled like Grad-CAM; the 1e-7 is pytorch-grad-cam's (XGradCAM), so a map that is zero
/// everywhere gets the weight 0.
/// Options as Grad-CAM's: .relu = false keeps negative evidence.
#include <deepvis/attribution/gradcam.hpp>

namespace deepvis {
inline namespace attribution {

using xgrad_cam_options = gradcam_options;

/// (N, H, W), or (N, h, w) with upsample = none.
///   requires: x is NCHW; the layer's output is 4-D (else config_error).
template <class M>
tensor xgrad_cam(const M& model, const tensor& x, const class_indices& classes, const xgrad_cam_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    const auto d = detail::cam_pass(model, x, classes, options.layer, "xgrad_cam");
    const tensor& a = d.activations;
    const std::size_t nk = a.shape()[0] * a.shape()[1], hw = a.shape()[2] * a.shape()[3];
    tensor weights = xt::zeros<float>({a.shape()[0], a.shape()[1]});
    for (std::size_t j = 0; j < nk; ++j) {
        const float* pa = a.data() + j * hw;
        const float* pg = d.gradient.data() + j * hw;
        double ga = 0.0, sum_a = 0.0;
        for (std::size_t p = 0; p < hw; ++p) {
            ga += double(pg[p]) * pa[p];
            sum_a += pa[p];
        }
        weights.data()[j] = static_cast<float>(ga / (sum_a + 1e-7));
    }
    return detail::finish_cam(detail::weighted_maps(a, weights, options.relu), x, options.upsample, options.normalize);
}

}  // namespace attribution
}  // namespace deepvis
