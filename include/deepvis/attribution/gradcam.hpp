#pragma once
/// Grad-CAM (Selvaraju et al. 2017, eq. 1–2): at a convolutional layer with maps A_k,
///   α_k = (1/Z) Σ_ij ∂score_c/∂A_k(i,j),   L = ReLU(Σ_k α_k A_k),
/// upsampled to the input size by bilinear interpolation with half-pixel centres (PyTorch
/// align_corners=False). The activations and their gradient come from one forward and one
/// backward pass for the whole batch.
/// Where tools differ: Captum's LayerGradCam has no ReLU and no upsampling ({.relu = false,
/// .upsample = upsample_mode::none}) and interpolates 'nearest'; pytorch-grad-cam normalises to
/// [0, 1] before resizing ({.normalize = cam_normalize::before_upsample}).
#include <deepvis/attribution/detail/cam.hpp>

namespace deepvis {
inline namespace attribution {

struct gradcam_options {
    std::string layer = {};  ///< node or tensor name; empty: default_cam_layer()
    bool relu = true;
    upsample_mode upsample = upsample_mode::bilinear;
    cam_normalize normalize = cam_normalize::none;
};

}  // namespace attribution

namespace detail {

/// α_k = spatial mean of the gradient: (N, K).
inline tensor spatial_mean(const tensor& g) {
    const std::size_t nk = g.shape()[0] * g.shape()[1], hw = g.shape()[2] * g.shape()[3];
    tensor a = xt::zeros<float>({g.shape()[0], g.shape()[1]});
    for (std::size_t j = 0; j < nk; ++j) {
        double s = 0.0;
        for (std::size_t p = 0; p < hw; ++p) s += g.data()[j * hw + p];
        a.data()[j] = static_cast<float>(s / double(hw));
    }
    return a;
}

/// After forward on t: the raw (N, h, w) Grad-CAM of `classes` at tensor `layer`.
template <class M>
tensor gradcam_raw(const M& model, typename M::trace_type& t, const std::string& layer,
                   const std::vector<std::int64_t>& classes, bool relu) {
    const tensor seed = one_hot_like(model.scores(t), classes);
    const tensor grad = backward_to<backprop::standard>(model, t, seed, {layer}).front();
    return weighted_maps(model.activation(t, layer), spatial_mean(grad), relu);
}

}  // namespace detail

inline namespace attribution {

/// (N, H, W) at the input's size, or (N, h, w) at the layer's with upsample = none.
///   requires: x is NCHW; the layer's output is 4-D (else config_error).
template <class M>
tensor gradcam(const M& model, const tensor& x, const class_indices& classes, const gradcam_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    const auto d = detail::cam_pass(model, x, classes, options.layer, "gradcam");
    return detail::finish_cam(detail::weighted_maps(d.activations, detail::spatial_mean(d.gradient), options.relu), x,
                              options.upsample, options.normalize);
}

}  // namespace attribution
}  // namespace deepvis
