#pragma once
/// Guided Grad-CAM (Selvaraju et al. 2017, §3.2): guided backpropagation ⊙ the Grad-CAM map
/// upsampled to the input size (bilinear, as in the paper; Captum upsamples 'nearest'), the map
/// broadcast over the colour channels. One forward pass, two backward passes.
#include <deepvis/attribution/gradcam.hpp>

namespace deepvis {
inline namespace attribution {

struct guided_gradcam_options {
    std::string layer = {};                            ///< node or tensor name; empty: default_cam_layer()
    upsample_mode upsample = upsample_mode::bilinear;  ///< none is not allowed here
};

/// (N, C, H, W), shaped like x.
template <class M>
tensor guided_gradcam(const M& model, const tensor& x, const class_indices& classes,
                      const guided_gradcam_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    detail::check_images(x, "guided_gradcam");
    DEEPVIS_CHECK(options.upsample != upsample_mode::none, config_error,
                  "guided_gradcam: the map must be upsampled to the input size (upsample = none given)");
    auto lease = detail::borrow_trace(model);  // reuses the memory of earlier calls
    auto& t = *lease;
    model.forward(x, t);
    const std::size_t n = x.shape()[0];
    const auto cls =
        detail::expand_classes(classes, n, detail::score_width(model.scores(t), n, "guided_gradcam"), "guided_gradcam");
    const std::string layer = detail::cam_layer(model, t, options.layer, "guided_gradcam");
    const tensor cam =
        detail::finish_cam(detail::gradcam_raw(model, t, layer, cls, true), x, options.upsample, cam_normalize::none);
    tensor g = detail::backward_to<backprop::guided>(model, t, detail::one_hot_like(model.scores(t), cls),
                                                     {std::string(model.input_name())})
                   .front();
    const std::size_t c = x.shape()[1], hw = x.shape()[2] * x.shape()[3];
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < c; ++k)
            for (std::size_t p = 0; p < hw; ++p) g.data()[(i * c + k) * hw + p] *= cam.data()[i * hw + p];
    return g;
}

}  // namespace attribution
}  // namespace deepvis
