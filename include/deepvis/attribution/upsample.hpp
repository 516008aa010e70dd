#pragma once
/// Resizing of attribution maps over their last two dimensions, matching PyTorch's
/// torch.nn.functional.interpolate: bilinear with half-pixel centres (align_corners=False, the
/// Grad-CAM default), bilinear with align_corners=True (nn.UpsamplingBilinear2d, which
/// pytorch-grad-cam's Score-CAM uses) and 'nearest' (src = floor(dst·in/out), Captum's default).
#include <algorithm>
#include <cmath>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <vector>

namespace deepvis {

enum class upsample_mode {
    bilinear,                ///< half-pixel centres, PyTorch align_corners=False
    bilinear_align_corners,  ///< corner pixels aligned, PyTorch align_corners=True
    nearest,                 ///< PyTorch mode='nearest'
    none                     ///< keep the layer's resolution
};

namespace detail {

struct upsample_tap {
    std::size_t i0, i1;
    float w1;  // weight of i1; i0 gets 1 - w1
};

inline std::vector<upsample_tap> upsample_taps(std::size_t in, std::size_t out, upsample_mode mode) {
    std::vector<upsample_tap> taps(out);
    for (std::size_t d = 0; d < out; ++d) {
        if (mode == upsample_mode::nearest) {
            const auto s = static_cast<std::size_t>(std::floor(double(d) * double(in) / double(out)));
            taps[d] = {std::min(s, in - 1), std::min(s, in - 1), 0.0f};
            continue;
        }
        double src = 0.0;
        if (mode == upsample_mode::bilinear_align_corners)
            src = out > 1 ? double(d) * double(in - 1) / double(out - 1) : 0.0;
        else
            src = std::max((double(d) + 0.5) * double(in) / double(out) - 0.5, 0.0);
        const auto i0 = std::min(static_cast<std::size_t>(std::floor(src)), in - 1);
        const std::size_t i1 = std::min(i0 + 1, in - 1);
        taps[d] = {i0, i1, static_cast<float>(src - double(i0))};
    }
    return taps;
}

}  // namespace detail

/// Resizes the last two dimensions of `maps` (rank ≥ 2) to (height, width).
///   ensures: mode none returns the maps unchanged; the leading dimensions are kept.
inline tensor upsample(const tensor& maps, std::size_t height, std::size_t width,
                       upsample_mode mode = upsample_mode::bilinear) {
    DEEPVIS_CHECK(maps.dimension() >= 2, shape_error,
                  "upsample: maps have shape " << shape_string(maps.shape()) << ", expected at least 2 dimensions");
    if (mode == upsample_mode::none) return maps;
    DEEPVIS_CHECK(height > 0 && width > 0, config_error,
                  "upsample: target size " << height << "x" << width << " is empty");
    const std::size_t rank = maps.dimension();
    const std::size_t h = maps.shape()[rank - 2], w = maps.shape()[rank - 1];
    DEEPVIS_CHECK(h > 0 && w > 0, shape_error, "upsample: maps have an empty spatial size");
    shape_type out_shape = shape_of(maps);
    out_shape[rank - 2] = height;
    out_shape[rank - 1] = width;
    tensor out(out_shape);
    const std::size_t planes = maps.size() / (h * w);
    const auto ty = detail::upsample_taps(h, height, mode);
    const auto tx = detail::upsample_taps(w, width, mode);
    for (std::size_t p = 0; p < planes; ++p) {
        const float* src = maps.data() + p * h * w;
        float* dst = out.data() + p * height * width;
        for (std::size_t y = 0; y < height; ++y) {
            const float* r0 = src + ty[y].i0 * w;
            const float* r1 = src + ty[y].i1 * w;
            const float wy = ty[y].w1;
            for (std::size_t x = 0; x < width; ++x) {
                const auto& c = tx[x];
                const float top = r0[c.i0] + c.w1 * (r0[c.i1] - r0[c.i0]);
                const float bottom = r1[c.i0] + c.w1 * (r1[c.i1] - r1[c.i0]);
                dst[y * width + x] = top + wy * (bottom - top);
            }
        }
    }
    return out;
}

}  // namespace deepvis
