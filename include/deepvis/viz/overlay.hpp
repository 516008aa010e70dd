#pragma once
/// Heatmap overlay: out = (1 − α)·image + α·colormap(heat), for one image (C, H, W) with heat
/// (H, W), or a batch (N, C, H, W) with heat (N, H, W). The image has values in [0, 1] and C = 1
/// (grey, repeated to RGB) or 3; heat is in [0, 1] (normalise it first, viz/normalize.hpp) and is
/// resized bilinearly to the image when its size differs.
#include <deepvis/attribution/upsample.hpp>
#include <deepvis/viz/colormap.hpp>

namespace deepvis::viz {

struct overlay_options {
    float alpha = 0.5f;
    colormap map = colormap::jet;
};

inline tensor overlay(const tensor& image, const tensor& heat, const overlay_options& options = {}) {
    const bool batch = image.dimension() == 4;
    DEEPVIS_CHECK((image.dimension() == 3 || batch) && (image.shape()[batch] == 1 || image.shape()[batch] == 3),
                  shape_error,
                  "overlay: image has shape " << shape_string(image.shape())
                                              << ", expected (C, H, W) or (N, C, H, W) with C = 1 or 3");
    const std::size_t n = batch ? image.shape()[0] : 1, c = image.shape()[batch];
    const std::size_t h = image.shape()[batch + 1], w = image.shape()[batch + 2], hw = h * w;
    DEEPVIS_CHECK(heat.dimension() == (batch ? 3u : 2u) && (!batch || heat.shape()[0] == n), shape_error,
                  "overlay: heat has shape " << shape_string(heat.shape()) << ", expected "
                                             << (batch ? "(N, H, W)" : "(H, W)") << " for an image of shape "
                                             << shape_string(image.shape()));
    DEEPVIS_CHECK(options.alpha >= 0.0f && options.alpha <= 1.0f, config_error,
                  "overlay: alpha " << options.alpha << " is outside [0, 1]");
    const tensor colored = colorize(upsample(heat, h, w, upsample_mode::bilinear), options.map);
    tensor out =
        batch ? tensor(xt::zeros<float>({n, std::size_t{3}, h, w})) : tensor(xt::zeros<float>({std::size_t{3}, h, w}));
    const float a = options.alpha;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < 3; ++k) {
            const float* src = image.data() + (i * c + (c == 3 ? k : 0)) * hw;
            const float* col = colored.data() + (i * 3 + k) * hw;
            float* dst = out.data() + (i * 3 + k) * hw;
            for (std::size_t p = 0; p < hw; ++p) dst[p] = (1.0f - a) * std::clamp(src[p], 0.0f, 1.0f) + a * col[p];
        }
    return out;
}

}  // namespace deepvis::viz
