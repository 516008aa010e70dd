#pragma once
/// im2col / col2im for one image of a 2-D convolution (1-D convolutions use height 1), over a
/// tile of output positions so the column buffer stays cache-sized. Zero padding is written
/// here, never materialised in the input. Scalar twins in im2col_reference.hpp.
///
/// Layout: x is (C, H, W) row-major; the column matrix has one row per (c, ki, kj) in that
/// order (matching a row-major (M, C, kh, kw) weight) and one column per output position
/// p = oh·OW + ow, restricted to the tile [p0, p1); its row stride is p1 − p0.
///   col[(c·kh + ki)·kw + kj, p − p0] = x[c, oh·sh − pt + ki·dh, ow·sw − pl + kj·dw]  (0 outside)
#include <algorithm>
#include <cstddef>
#include <cstring>

#include <deepvis/core/kernels/elementwise.hpp>

namespace deepvis::kernels {

/// The geometry of a 2-D convolution as seen by one group: `channels` input channels of
/// height × width, a kernel_h × kernel_w kernel with strides, dilations and the top/left
/// padding, producing out_h × out_w positions. (Bottom/right padding is implied by out_h/out_w.)
struct conv_geometry {
    std::ptrdiff_t channels = 1, height = 1, width = 1;
    std::ptrdiff_t kernel_h = 1, kernel_w = 1;
    std::ptrdiff_t stride_h = 1, stride_w = 1;
    std::ptrdiff_t dilation_h = 1, dilation_w = 1;
    std::ptrdiff_t pad_top = 0, pad_left = 0;
    std::ptrdiff_t out_h = 1, out_w = 1;

    /// Rows of the column matrix: C·kh·kw.
    std::ptrdiff_t rows() const { return channels * kernel_h * kernel_w; }
    /// Output positions: OH·OW.
    std::ptrdiff_t positions() const { return out_h * out_w; }
    std::ptrdiff_t plane() const { return height * width; }
    /// A 1×1, stride-1, unpadded kernel: the column matrix is x itself.
    bool is_pointwise() const {
        return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_top == 0 &&
               pad_left == 0 && out_h == height && out_w == width;
    }
};

namespace detail {
/// Output columns ow whose input column ow·s + base lies in [0, width): [lo, hi).
inline void valid_columns(std::ptrdiff_t base, std::ptrdiff_t stride, std::ptrdiff_t width, std::ptrdiff_t& lo,
                          std::ptrdiff_t& hi) {
    lo = base >= 0 ? 0 : (-base + stride - 1) / stride;
    hi = width - base <= 0 ? 0 : (width - base + stride - 1) / stride;
}
}  // namespace detail

/// Writes the column matrix of output positions [p0, p1) to col (row stride p1 − p0).
inline void im2col(const conv_geometry& g, const float* x, std::ptrdiff_t p0, std::ptrdiff_t p1, float* col) {
    const std::ptrdiff_t tile = p1 - p0;
    const std::ptrdiff_t H = g.height, W = g.width, OW = g.out_w;
    for (std::ptrdiff_t c = 0; c < g.channels; ++c) {
        const float* plane = x + c * H * W;
        for (std::ptrdiff_t ki = 0; ki < g.kernel_h; ++ki) {
            const std::ptrdiff_t row_offset = -g.pad_top + ki * g.dilation_h;
            for (std::ptrdiff_t kj = 0; kj < g.kernel_w; ++kj) {
                float* dst = col + ((c * g.kernel_h + ki) * g.kernel_w + kj) * tile;
                const std::ptrdiff_t base = -g.pad_left + kj * g.dilation_w;
                std::ptrdiff_t lo_all, hi_all;
                detail::valid_columns(base, g.stride_w, W, lo_all, hi_all);
                std::ptrdiff_t p = p0;
                while (p < p1) {
                    const std::ptrdiff_t oh = p / OW, ow0 = p - oh * OW;
                    const std::ptrdiff_t ow1 = std::min(OW, ow0 + (p1 - p));
                    const std::ptrdiff_t n = ow1 - ow0;
                    const std::ptrdiff_t ih = oh * g.stride_h + row_offset;
                    if (ih < 0 || ih >= H) {
                        std::memset(dst, 0, sizeof(float) * n);
                    } else {
                        const float* src = plane + ih * W;
                        const std::ptrdiff_t lo = std::clamp(lo_all, ow0, ow1), hi = std::clamp(hi_all, lo, ow1);
                        if (lo > ow0) std::memset(dst, 0, sizeof(float) * (lo - ow0));
                        if (g.stride_w == 1) {
                            if (hi > lo) std::memcpy(dst + (lo - ow0), src + lo + base, sizeof(float) * (hi - lo));
                        } else {
                            const std::ptrdiff_t s = g.stride_w;
                            for (std::ptrdiff_t ow = lo; ow < hi; ++ow) dst[ow - ow0] = src[ow * s + base];
                        }
                        if (ow1 > hi) std::memset(dst + (hi - ow0), 0, sizeof(float) * (ow1 - hi));
                    }
                    dst += n;
                    p += n;
                }
            }
        }
    }
}

/// The adjoint of im2col: adds every entry of the column matrix of positions [p0, p1) to the
/// input element it was read from (entries that came from padding are dropped).
inline void col2im_add(const conv_geometry& g, const float* col, std::ptrdiff_t p0, std::ptrdiff_t p1, float* x) {
    const std::ptrdiff_t tile = p1 - p0;
    const std::ptrdiff_t H = g.height, W = g.width, OW = g.out_w;
    for (std::ptrdiff_t c = 0; c < g.channels; ++c) {
        float* plane = x + c * H * W;
        for (std::ptrdiff_t ki = 0; ki < g.kernel_h; ++ki) {
            const std::ptrdiff_t row_offset = -g.pad_top + ki * g.dilation_h;
            for (std::ptrdiff_t kj = 0; kj < g.kernel_w; ++kj) {
                const float* src = col + ((c * g.kernel_h + ki) * g.kernel_w + kj) * tile;
                const std::ptrdiff_t base = -g.pad_left + kj * g.dilation_w;
                std::ptrdiff_t lo_all, hi_all;
                detail::valid_columns(base, g.stride_w, W, lo_all, hi_all);
                std::ptrdiff_t p = p0;
                while (p < p1) {
                    const std::ptrdiff_t oh = p / OW, ow0 = p - oh * OW;
                    const std::ptrdiff_t ow1 = std::min(OW, ow0 + (p1 - p));
                    const std::ptrdiff_t n = ow1 - ow0;
                    const std::ptrdiff_t ih = oh * g.stride_h + row_offset;
                    if (ih >= 0 && ih < H) {
                        float* dst = plane + ih * W;
                        const std::ptrdiff_t lo = std::clamp(lo_all, ow0, ow1), hi = std::clamp(hi_all, lo, ow1);
                        if (g.stride_w == 1) {
                            if (hi > lo) add_inplace(dst + lo + base, src + (lo - ow0), static_cast<std::size_t>(hi - lo));
                        } else {
                            const std::ptrdiff_t s = g.stride_w;
                            for (std::ptrdiff_t ow = lo; ow < hi; ++ow) dst[ow * s + base] += src[ow - ow0];
                        }
                    }
                    src += n;
                    p += n;
                }
            }
        }
    }
}

}  // namespace deepvis::kernels
