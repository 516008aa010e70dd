#pragma once
/// HiResCAM (Draelos & Carin 2020, "Use HiResCAM instead of Grad-CAM for faithful explanations of
/// convolutional neural networks", arXiv:2011.08891; eq. 4): the gradient multiplies the maps
/// elementwise instead of being averaged first. With A_k the layer's maps and G_k = ∂score_c/∂A_k,
///   L = ReLU(Σ_k G_k ⊙ A_k),
/// upsampled like Grad-CAM; as pytorch-grad-cam's HiResCAM. It equals Grad-CAM exactly wherever
/// each G_k is constant over positions (then G_k = α_k), e.g. at a 1×1 layer or at a layer followed
/// only by global average pooling and a linear classifier.
/// Options as Grad-CAM's: .relu = false keeps negative evidence.
#include <deepvis/attribution/gradcam.hpp>

namespace deepvis {
inline namespace attribution {

using hires_cam_options = gradcam_options;

/// (N, H, W), or (N, h, w) with upsample = none.
///   requires: x is NCHW; the layer's output is 4-D (else config_error).
template <class M>
tensor hires_cam(const M& model, const tensor& x, const class_indices& classes, const hires_cam_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    const auto d = detail::cam_pass(model, x, classes, options.layer, "hires_cam");
    return detail::finish_cam(
        detail::channel_sum(detail::gradient_times_activation(d.activations, d.gradient, false), options.relu), x,
        options.upsample, options.normalize);
}

}  // namespace attribution
}  // namespace deepvis
