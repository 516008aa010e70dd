#pragma once
/// LayerCAM (Jiang, Zhang, Hou, Cheng & Wei 2021, "LayerCAM: Exploring Hierarchical Class
/// Activation Maps for Localization", IEEE TIP; eq. 5–6): every location of every map gets its own
/// weight, the positive part of the gradient there. With A_k the layer's maps and
/// G_k = ∂score_c/∂A_k,
///   L = ReLU(Σ_k ReLU(G_k) ⊙ A_k),
/// upsampled like Grad-CAM (bilinear, half-pixel centres); as pytorch-grad-cam's LayerCAM.
/// Options as Grad-CAM's: .relu = false drops the final ReLU (the gradient is still rectified).
#include <deepvis/attribution/gradcam.hpp>

namespace deepvis {
inline namespace attribution {

using layer_cam_options = gradcam_options;

/// (N, H, W), or (N, h, w) with upsample = none.
///   requires: x is NCHW; the layer's output is 4-D (else config_error).
template <class M>
tensor layer_cam(const M& model, const tensor& x, const class_indices& classes, const layer_cam_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    const auto d = detail::cam_pass(model, x, classes, options.layer, "layer_cam");
    return detail::finish_cam(
        detail::channel_sum(detail::gradient_times_activation(d.activations, d.gradient, true), options.relu), x,
        options.upsample, options.normalize);
}

}  // namespace attribution
}  // namespace deepvis
