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
#include <deepvis/core/parallel.hpp>

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
        return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_top == 0 && pad_left == 0 &&
               out_h == height && out_w == width;
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

namespace detail {
/// Stride 1 with an output as wide as the input ("same" width, as every padded 3×3 layer of a
/// small CNN): output position p reads input p + shift for a whole plane at once, so a row of
/// the column matrix is ONE copy of the plane, then zeros for the output rows whose input row
/// lies in the padding and for the columns that wrapped around a row edge. On 14×14 and 28×28
/// planes this is several times faster than a copy per output row.
inline bool im2col_by_plane_shift(const conv_geometry& g) {
    return g.stride_h == 1 && g.stride_w == 1 && g.out_w == g.width;
}

inline void im2col_plane_shift(const conv_geometry& g, const float* x, std::ptrdiff_t p0, std::ptrdiff_t p1, float* col,
                               std::ptrdiff_t c_begin, std::ptrdiff_t c_end) {
    const std::ptrdiff_t tile = p1 - p0, W = g.width, OW = g.out_w, plane = g.plane();
    for (std::ptrdiff_t c = c_begin; c < c_end; ++c) {
        const float* xc = x + c * plane;
        for (std::ptrdiff_t ki = 0; ki < g.kernel_h; ++ki) {
            const std::ptrdiff_t dr = ki * g.dilation_h - g.pad_top;  // input row = oh + dr
            // [a, b): the positions of the tile whose input row lies inside the input.
            const std::ptrdiff_t a = std::clamp(std::max<std::ptrdiff_t>(0, -dr) * OW, p0, p1);
            const std::ptrdiff_t b = std::clamp(std::min(g.out_h, g.height - dr) * OW, a, p1);
            for (std::ptrdiff_t kj = 0; kj < g.kernel_w; ++kj) {
                float* dst = col + ((c * g.kernel_h + ki) * g.kernel_w + kj) * tile;  // dst[p − p0]
                const std::ptrdiff_t dc = kj * g.dilation_w - g.pad_left;             // input column = ow + dc
                const std::ptrdiff_t shift = dr * W + dc;
                std::fill(dst, dst + (a - p0), 0.0f);
                std::fill(dst + (b - p0), dst + tile, 0.0f);
                // Reads stay inside the plane; what the clamp skips are wrapped columns, zeroed below.
                const std::ptrdiff_t c0 = std::max(a, -shift), c1 = std::min(b, plane - shift);
                if (c1 > c0)
                    std::memcpy(dst + (c0 - p0), xc + c0 + shift, sizeof(float) * static_cast<std::size_t>(c1 - c0));
                const std::ptrdiff_t lo = std::clamp<std::ptrdiff_t>(-dc, 0, OW), hi = std::clamp(W - dc, lo, OW);
                if (lo == 0 && hi == OW) continue;
                for (std::ptrdiff_t row = a - a % OW; row < b; row += OW) {
                    for (std::ptrdiff_t p = std::max(row, a); p < std::min(row + lo, b); ++p) dst[p - p0] = 0.0f;
                    for (std::ptrdiff_t p = std::max(row + hi, a); p < std::min(row + OW, b); ++p) dst[p - p0] = 0.0f;
                }
            }
        }
    }
}

/// The adjoint of im2col_plane_shift: each row of the column matrix is added to the plane with
/// one contiguous add, staged through a small buffer in which the wrapped columns are zeroed
/// (they came from the padding; adding 0 leaves x as it was). Each x element receives the same
/// contributions in the same order as from the row-by-row loop of col2im_add.
inline void col2im_add_plane_shift(const conv_geometry& g, const float* col, std::ptrdiff_t p0, std::ptrdiff_t p1,
                                   float* x, std::ptrdiff_t c_begin, std::ptrdiff_t c_end) {
    constexpr std::ptrdiff_t chunk = 1024;
    alignas(64) float staged[chunk];
    const std::ptrdiff_t tile = p1 - p0, W = g.width, OW = g.out_w, plane = g.plane();
    for (std::ptrdiff_t c = c_begin; c < c_end; ++c) {
        float* xc = x + c * plane;
        for (std::ptrdiff_t ki = 0; ki < g.kernel_h; ++ki) {
            const std::ptrdiff_t dr = ki * g.dilation_h - g.pad_top;
            const std::ptrdiff_t a = std::clamp(std::max<std::ptrdiff_t>(0, -dr) * OW, p0, p1);
            const std::ptrdiff_t b = std::clamp(std::min(g.out_h, g.height - dr) * OW, a, p1);
            for (std::ptrdiff_t kj = 0; kj < g.kernel_w; ++kj) {
                const float* src = col + ((c * g.kernel_h + ki) * g.kernel_w + kj) * tile;  // src[p − p0]
                const std::ptrdiff_t dc = kj * g.dilation_w - g.pad_left;
                const std::ptrdiff_t shift = dr * W + dc;
                const std::ptrdiff_t c0 = std::max(a, -shift), c1 = std::min(b, plane - shift);
                const std::ptrdiff_t lo = std::clamp<std::ptrdiff_t>(-dc, 0, OW), hi = std::clamp(W - dc, lo, OW);
                if (lo == 0 && hi == OW) {
                    if (c1 > c0) add_inplace(xc + c0 + shift, src + (c0 - p0), static_cast<std::size_t>(c1 - c0));
                    continue;
                }
                for (std::ptrdiff_t q0 = c0; q0 < c1; q0 += chunk) {
                    const std::ptrdiff_t q1 = std::min(c1, q0 + chunk);
                    std::memcpy(staged, src + (q0 - p0), sizeof(float) * static_cast<std::size_t>(q1 - q0));
                    for (std::ptrdiff_t row = q0 - q0 % OW; row < q1; row += OW) {
                        for (std::ptrdiff_t p = std::max(row, q0); p < std::min(row + lo, q1); ++p)
                            staged[p - q0] = 0.0f;
                        for (std::ptrdiff_t p = std::max(row + hi, q0); p < std::min(row + OW, q1); ++p)
                            staged[p - q0] = 0.0f;
                    }
                    add_inplace(xc + q0 + shift, staged, static_cast<std::size_t>(q1 - q0));
                }
            }
        }
    }
}

/// The walk that im2col_rows and its adjoint share: for input channels [c_begin, c_end), every
/// kernel tap (ki, kj) and every segment of positions [p0, p1) that lies on one output row oh,
/// f(plane, column, ih, ow0, n, lo, hi, base) with plane = c's input plane (H·W), column = the
/// segment's first entry in the column matrix (row stride p1 − p0), ih = oh·sh − pt + ki·dh (may
/// lie outside [0, H)), the segment's columns [ow0, ow0 + n), those whose input column
/// ow·sw + base is inside [0, W) as [lo, hi).
template <class Plane, class Column, class F>
inline void for_each_row_segment(const conv_geometry& g, Plane* x, Column* col, std::ptrdiff_t p0, std::ptrdiff_t p1,
                                 std::ptrdiff_t c_begin, std::ptrdiff_t c_end, F&& f) {
    const std::ptrdiff_t tile = p1 - p0;
    const std::ptrdiff_t H = g.height, W = g.width, OW = g.out_w;
    for (std::ptrdiff_t c = c_begin; c < c_end; ++c) {
        Plane* plane = x + c * H * W;
        for (std::ptrdiff_t ki = 0; ki < g.kernel_h; ++ki) {
            const std::ptrdiff_t row_offset = -g.pad_top + ki * g.dilation_h;
            for (std::ptrdiff_t kj = 0; kj < g.kernel_w; ++kj) {
                Column* column = col + ((c * g.kernel_h + ki) * g.kernel_w + kj) * tile;
                const std::ptrdiff_t base = -g.pad_left + kj * g.dilation_w;
                std::ptrdiff_t lo_all, hi_all;
                valid_columns(base, g.stride_w, W, lo_all, hi_all);
                for (std::ptrdiff_t p = p0; p < p1;) {
                    const std::ptrdiff_t oh = p / OW, ow0 = p - oh * OW;
                    const std::ptrdiff_t ow1 = std::min(OW, ow0 + (p1 - p));
                    const std::ptrdiff_t n = ow1 - ow0;
                    const std::ptrdiff_t lo = std::clamp(lo_all, ow0, ow1), hi = std::clamp(hi_all, lo, ow1);
                    f(plane, column, oh * g.stride_h + row_offset, ow0, n, lo, hi, base);
                    column += n;
                    p += n;
                }
            }
        }
    }
}

/// The general im2col, one output row segment at a time, for input channels [c_begin, c_end).
inline void im2col_rows(const conv_geometry& g, const float* x, std::ptrdiff_t p0, std::ptrdiff_t p1, float* col,
                        std::ptrdiff_t c_begin, std::ptrdiff_t c_end) {
    const std::ptrdiff_t H = g.height, W = g.width, s = g.stride_w;
    for_each_row_segment(g, x, col, p0, p1, c_begin, c_end,
                         [&](const float* plane, float* dst, std::ptrdiff_t ih, std::ptrdiff_t ow0, std::ptrdiff_t n,
                             std::ptrdiff_t lo, std::ptrdiff_t hi, std::ptrdiff_t base) {
                             if (ih < 0 || ih >= H) {
                                 std::memset(dst, 0, sizeof(float) * n);
                                 return;
                             }
                             const float* src = plane + ih * W;
                             const std::ptrdiff_t ow1 = ow0 + n;
                             if (lo > ow0) std::memset(dst, 0, sizeof(float) * (lo - ow0));
                             if (s == 1) {
                                 if (hi > lo) std::memcpy(dst + (lo - ow0), src + lo + base, sizeof(float) * (hi - lo));
                             } else {
                                 for (std::ptrdiff_t ow = lo; ow < hi; ++ow) dst[ow - ow0] = src[ow * s + base];
                             }
                             if (ow1 > hi) std::memset(dst + (hi - ow0), 0, sizeof(float) * (ow1 - hi));
                         });
}

/// The adjoint of im2col_rows for input channels [c_begin, c_end).
inline void col2im_add_rows(const conv_geometry& g, const float* col, std::ptrdiff_t p0, std::ptrdiff_t p1, float* x,
                            std::ptrdiff_t c_begin, std::ptrdiff_t c_end) {
    const std::ptrdiff_t H = g.height, W = g.width, s = g.stride_w;
    for_each_row_segment(g, x, col, p0, p1, c_begin, c_end,
                         [&](float* plane, const float* src, std::ptrdiff_t ih, std::ptrdiff_t ow0, std::ptrdiff_t,
                             std::ptrdiff_t lo, std::ptrdiff_t hi, std::ptrdiff_t base) {
                             if (ih < 0 || ih >= H) return;
                             float* dst = plane + ih * W;
                             if (s == 1) {
                                 if (hi > lo)
                                     add_inplace(dst + lo + base, src + (lo - ow0), static_cast<std::size_t>(hi - lo));
                             } else {
                                 for (std::ptrdiff_t ow = lo; ow < hi; ++ow) dst[ow * s + base] += src[ow - ow0];
                             }
                         });
}
}  // namespace detail

namespace detail {
/// f(c0, c1, by_plane_shift) for blocks [c0, c1) of the input channels, split across the threads
/// (each channel's rows of the column matrix, and its input plane, belong to it alone).
template <class F>
void for_channel_blocks(const conv_geometry& g, std::ptrdiff_t p0, std::ptrdiff_t p1, F&& f) {
    const bool shift = im2col_by_plane_shift(g);
    parallel_items(g.channels, g.kernel_h * g.kernel_w * (p1 - p0),
                   [&](std::ptrdiff_t c0, std::ptrdiff_t c1, int) { f(c0, c1, shift); });
}
}  // namespace detail

/// Writes the column matrix of output positions [p0, p1) to col (row stride p1 − p0). Input
/// channels fill disjoint rows, so they are split across the threads.
inline void im2col(const conv_geometry& g, const float* x, std::ptrdiff_t p0, std::ptrdiff_t p1, float* col) {
    detail::for_channel_blocks(g, p0, p1, [&](std::ptrdiff_t c0, std::ptrdiff_t c1, bool shift) {
        shift ? detail::im2col_plane_shift(g, x, p0, p1, col, c0, c1) : detail::im2col_rows(g, x, p0, p1, col, c0, c1);
    });
}

/// The adjoint of im2col: adds every entry of the column matrix of positions [p0, p1) to the
/// input element it was read from (entries that came from padding are dropped). Each input
/// channel's plane is written by its own rows only, so channels are split across the threads
/// and every element still receives its contributions in the same order.
inline void col2im_add(const conv_geometry& g, const float* col, std::ptrdiff_t p0, std::ptrdiff_t p1, float* x) {
    detail::for_channel_blocks(g, p0, p1, [&](std::ptrdiff_t c0, std::ptrdiff_t c1, bool shift) {
        shift ? detail::col2im_add_plane_shift(g, col, p0, p1, x, c0, c1)
              : detail::col2im_add_rows(g, col, p0, p1, x, c0, c1);
    });
}

}  // namespace deepvis::kernels
