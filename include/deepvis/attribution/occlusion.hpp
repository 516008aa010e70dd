#pragma once
/// Occlusion (Zeiler & Fergus 2014, §4.2): a window of h×w pixels (all channels) slides over the
/// image with a stride and is replaced by a baseline value; the attribution of a pixel is the mean,
/// over the windows covering it, of score_c(x) − score_c(x with the window occluded). Windows start
/// at 0, stride, 2·stride, … while they fit (as Captum: pixels no window covers get 0). The
/// occluded copies go through the model in internal batches of at most batch_size.
#include <deepvis/attribution/detail/common.hpp>

namespace deepvis {
inline namespace attribution {

struct occlusion_options {
    std::size_t window_height = 8, window_width = 8;
    std::size_t stride_y = 4, stride_x = 4;
    float baseline = 0.0f;
    std::size_t batch_size = 32;  ///< occluded copies per forward pass
};

/// (N, H, W).
template <class M>
tensor occlusion(const M& model, const tensor& x, const class_indices& classes, const occlusion_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    detail::check_images(x, "occlusion");
    const std::size_t n = x.shape()[0], c = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
    const std::size_t wh = options.window_height, ww = options.window_width;
    DEEPVIS_CHECK(wh >= 1 && ww >= 1 && wh <= h && ww <= w, config_error,
                  "occlusion: window " << wh << "x" << ww << " does not fit the input " << h << "x" << w);
    DEEPVIS_CHECK(options.stride_y >= 1 && options.stride_x >= 1, config_error, "occlusion: strides must be positive");
    const std::size_t ny = (h - wh) / options.stride_y + 1, nx = (w - ww) / options.stride_x + 1;
    const std::size_t windows = ny * nx, size = c * h * w;

    auto lease = detail::borrow_trace(model);  // reuses the memory of earlier calls
    auto& t = *lease;
    model.forward(x, t);
    const auto cls =
        detail::expand_classes(classes, n, detail::score_width(model.scores(t), n, "occlusion"), "occlusion");
    std::vector<float> reference(n);
    for (std::size_t i = 0; i < n; ++i) reference[i] = detail::score_at(model.scores(t), i, cls[i]);

    tensor total = xt::zeros<float>({n, h, w});
    tensor count = xt::zeros<float>({n, h, w});
    auto window_of = [&](std::size_t j) {
        const std::size_t win = j % windows;
        return std::pair{(win / nx) * options.stride_y, (win % nx) * options.stride_x};
    };
    detail::batched_scores(
        model, t, detail::sample_shape(x), n * windows, options.batch_size,
        [&](std::size_t j, float* dst) {
            const std::size_t i = j / windows;
            std::copy(x.data() + i * size, x.data() + (i + 1) * size, dst);
            const auto [y0, x0] = window_of(j);
            for (std::size_t ch = 0; ch < c; ++ch)
                for (std::size_t y = y0; y < y0 + wh; ++y)
                    std::fill(dst + (ch * h + y) * w + x0, dst + (ch * h + y) * w + x0 + ww, options.baseline);
        },
        [&](std::size_t j, const tensor& scores, std::size_t r) {
            const std::size_t i = j / windows;
            const float diff = reference[i] - detail::score_at(scores, r, cls[i]);
            const auto [y0, x0] = window_of(j);
            for (std::size_t y = y0; y < y0 + wh; ++y)
                for (std::size_t xx = x0; xx < x0 + ww; ++xx) {
                    total(i, y, xx) += diff;
                    count(i, y, xx) += 1.0f;
                }
        });
    for (std::size_t e = 0; e < total.size(); ++e)
        total.data()[e] = count.data()[e] > 0.0f ? total.data()[e] / count.data()[e] : 0.0f;
    return total;
}

}  // namespace attribution
}  // namespace deepvis
