#pragma once
/// Max and average pooling of one (H, W) plane, and global pooling of whole planes. The window
/// loops use precomputed valid kernel ranges, so no element is bounds-checked; global pooling
/// is vectorised with xsimd. Scalar twins in pooling_reference.hpp.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include <xsimd/xsimd.hpp>

namespace deepvis::kernels {

/// One pooling window per output (oh, ow), starting at (oh·sh − pt, ow·sw − pl), with taps
/// every (dh, dw). pad_bottom/pad_right only matter to AveragePool's count_include_pad divisor.
struct pool_geometry {
    std::ptrdiff_t height = 1, width = 1;
    std::ptrdiff_t kernel_h = 1, kernel_w = 1;
    std::ptrdiff_t stride_h = 1, stride_w = 1;
    std::ptrdiff_t dilation_h = 1, dilation_w = 1;
    std::ptrdiff_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
    std::ptrdiff_t out_h = 1, out_w = 1;
};

namespace detail {
/// Kernel taps k in [lo, hi) with start + k·dilation inside [0, size).
inline void valid_taps(std::ptrdiff_t start, std::ptrdiff_t dilation, std::ptrdiff_t kernel, std::ptrdiff_t size,
                       std::ptrdiff_t& lo, std::ptrdiff_t& hi) {
    lo = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
    hi = size - start <= 0 ? 0 : std::min(kernel, (size - start + dilation - 1) / dilation);
    if (hi < lo) hi = lo;
}
}  // namespace detail

/// y[oh, ow] = max of the window (padding excluded); arg[oh, ow] = ih·W + iw of the FIRST
/// maximum in row-major window order (−1 and y = 0 for a window wholly in the padding). NaN
/// propagates, as in PyTorch.
inline void max_pool_plane(const pool_geometry& g, const float* x, float* y, std::int64_t* arg) {
    for (std::ptrdiff_t oh = 0; oh < g.out_h; ++oh) {
        const std::ptrdiff_t h0 = oh * g.stride_h - g.pad_top;
        std::ptrdiff_t ki0, ki1;
        detail::valid_taps(h0, g.dilation_h, g.kernel_h, g.height, ki0, ki1);
        for (std::ptrdiff_t ow = 0; ow < g.out_w; ++ow) {
            const std::ptrdiff_t w0 = ow * g.stride_w - g.pad_left;
            std::ptrdiff_t kj0, kj1;
            detail::valid_taps(w0, g.dilation_w, g.kernel_w, g.width, kj0, kj1);
            float best = -std::numeric_limits<float>::infinity();
            std::int64_t where = -1;
            for (std::ptrdiff_t ki = ki0; ki < ki1; ++ki) {
                const std::ptrdiff_t row = (h0 + ki * g.dilation_h) * g.width;
                for (std::ptrdiff_t kj = kj0; kj < kj1; ++kj) {
                    const std::ptrdiff_t at = row + w0 + kj * g.dilation_w;
                    const float v = x[at];
                    if (v > best || where < 0 || std::isnan(v)) {
                        best = v;
                        where = at;
                    }
                }
            }
            y[oh * g.out_w + ow] = where < 0 ? 0.0f : best;
            arg[oh * g.out_w + ow] = where;
        }
    }
}

/// gx = 0, then gx[arg[o]] += gy[o] for every output o.
inline void max_pool_plane_backward(const pool_geometry& g, const float* gy, const std::int64_t* arg, float* gx) {
    std::fill(gx, gx + g.height * g.width, 0.0f);
    const std::ptrdiff_t n = g.out_h * g.out_w;
    for (std::ptrdiff_t o = 0; o < n; ++o)
        if (arg[o] >= 0) gx[arg[o]] += gy[o];
}

namespace detail {
/// The clipped window of one AveragePool output and its divisor: with count_include_pad the
/// window is clipped to the padded input (pads count, the ceil-mode overhang does not),
/// without it to the input.
struct average_window {
    std::ptrdiff_t h0, h1, w0, w1;
    float divisor;
};
inline average_window average_window_at(const pool_geometry& g, bool count_include_pad, std::ptrdiff_t oh,
                                        std::ptrdiff_t ow) {
    std::ptrdiff_t h0 = oh * g.stride_h - g.pad_top, w0 = ow * g.stride_w - g.pad_left;
    std::ptrdiff_t h1 = std::min(h0 + g.kernel_h, g.height + g.pad_bottom);
    std::ptrdiff_t w1 = std::min(w0 + g.kernel_w, g.width + g.pad_right);
    const std::ptrdiff_t padded = (h1 - h0) * (w1 - w0);
    h0 = std::max<std::ptrdiff_t>(h0, 0);
    w0 = std::max<std::ptrdiff_t>(w0, 0);
    h1 = std::min(h1, g.height);
    w1 = std::min(w1, g.width);
    const std::ptrdiff_t inside = std::max<std::ptrdiff_t>(h1 - h0, 0) * std::max<std::ptrdiff_t>(w1 - w0, 0);
    return {h0, h1, w0, w1, static_cast<float>(count_include_pad ? padded : inside)};
}
}  // namespace detail

/// y[oh, ow] = (Σ of the window inside x) / divisor (see average_window_at); 0 for an empty window.
inline void average_pool_plane(const pool_geometry& g, bool count_include_pad, const float* x, float* y) {
    for (std::ptrdiff_t oh = 0; oh < g.out_h; ++oh)
        for (std::ptrdiff_t ow = 0; ow < g.out_w; ++ow) {
            const auto win = detail::average_window_at(g, count_include_pad, oh, ow);
            float sum = 0.0f;
            for (std::ptrdiff_t ih = win.h0; ih < win.h1; ++ih)
                for (std::ptrdiff_t iw = win.w0; iw < win.w1; ++iw) sum += x[ih * g.width + iw];
            y[oh * g.out_w + ow] = win.divisor > 0 ? sum / win.divisor : 0.0f;
        }
}

/// gx = 0, then every input of a window receives gy / divisor.
inline void average_pool_plane_backward(const pool_geometry& g, bool count_include_pad, const float* gy, float* gx) {
    std::fill(gx, gx + g.height * g.width, 0.0f);
    for (std::ptrdiff_t oh = 0; oh < g.out_h; ++oh)
        for (std::ptrdiff_t ow = 0; ow < g.out_w; ++ow) {
            const auto win = detail::average_window_at(g, count_include_pad, oh, ow);
            if (win.divisor <= 0) continue;
            const float share = gy[oh * g.out_w + ow] / win.divisor;
            for (std::ptrdiff_t ih = win.h0; ih < win.h1; ++ih)
                for (std::ptrdiff_t iw = win.w0; iw < win.w1; ++iw) gx[ih * g.width + iw] += share;
        }
}

/// Index of the first maximum of x[0, n) (a NaN counts as a maximum, as in PyTorch).
inline std::ptrdiff_t first_argmax(const float* x, std::ptrdiff_t n) {
    std::ptrdiff_t where = 0;
    float best = x[0];
    for (std::ptrdiff_t i = 1; i < n; ++i)
        if (x[i] > best || std::isnan(x[i])) {
            best = x[i];
            where = i;
        }
    return where;
}

/// Σ x[0, n), in float SIMD lanes.
inline float plane_sum(const float* x, std::ptrdiff_t n) {
    using simd = xsimd::batch<float>;
    constexpr std::ptrdiff_t L = simd::size;
    simd acc(0.0f);
    std::ptrdiff_t i = 0;
    for (; i + L <= n; i += L) acc += simd::load_unaligned(x + i);
    float sum = xsimd::hadd(acc);
    for (; i < n; ++i) sum += x[i];
    return sum;
}

}  // namespace deepvis::kernels
