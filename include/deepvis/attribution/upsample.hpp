#pragma once
/// Resizing of attribution maps over their last two dimensions, matching PyTorch's
/// torch.nn.functional.interpolate: bilinear with half-pixel centres (align_corners=False, the
/// Grad-CAM default), bilinear with align_corners=True (nn.UpsamplingBilinear2d, which
/// pytorch-grad-cam's Score-CAM uses) and 'nearest' (src = floor(dst·in/out), Captum's default).
/// The interpolation itself is core/kernels/resample.hpp's.
#include <deepvis/core/error.hpp>
#include <deepvis/core/kernels/resample.hpp>
#include <deepvis/core/tensor.hpp>
#include <vector>

namespace deepvis {
inline namespace attribution {

enum class upsample_mode {
    bilinear,                ///< half-pixel centres, PyTorch align_corners=False
    bilinear_align_corners,  ///< corner pixels aligned, PyTorch align_corners=True
    nearest,                 ///< PyTorch mode='nearest'
    none                     ///< keep the layer's resolution
};

}  // namespace attribution

namespace detail {

/// The taps of one axis resized from `in` to `out` positions by `mode` (not none).
inline kernels::linear_axis_taps upsample_taps(std::size_t in, std::size_t out, upsample_mode mode) {
    if (mode == upsample_mode::nearest) return kernels::linear_axis_taps::nearest(in, out);
    if (mode == upsample_mode::bilinear_align_corners)
        return kernels::linear_axis_taps::linear(in, out, kernels::align_corners_source);
    return kernels::linear_axis_taps::linear(in, out, kernels::half_pixel_source);
}

}  // namespace detail

inline namespace attribution {

/// Resizes the last two dimensions of `maps` (rank ≥ 2) to (height, width).
///   ensures: mode none returns the maps unchanged; the leading dimensions are kept.
inline tensor upsample(const tensor& maps, std::size_t height, std::size_t width,
                       upsample_mode mode = upsample_mode::bilinear) {
    if (mode == upsample_mode::none) {
        DEEPVIS_CHECK(maps.dimension() >= 2, shape_error,
                      "upsample: input has shape " << shape_string(maps.shape()) << ", expected at least 2 dimensions");
        return maps;
    }
    tensor out(detail::resized_shape(maps, height, width, "upsample"));
    const std::size_t h = maps.shape()[maps.dimension() - 2], w = maps.shape()[maps.dimension() - 1];
    const auto ty = detail::upsample_taps(h, height, mode);
    const auto tx = detail::upsample_taps(w, width, mode);
    kernels::bilinear(maps.data(), maps.size() / (h * w), h, w, ty.view(), tx.view(), out.data(), height, width);
    return out;
}

}  // namespace attribution
}  // namespace deepvis
