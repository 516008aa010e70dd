#pragma once
/// Max and average pooling of one (H, W) plane, and global pooling of whole planes. The window
/// loops use precomputed valid kernel ranges, so no element is bounds-checked; global pooling
/// is vectorised with xsimd. Scalar twins in pooling_reference.hpp.
#include <algorithm>
#include <bit>
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

namespace detail {
/// The flat index (ih·W + iw) of the FIRST maximum, in row-major window order, of the window
/// at (oh, ow), and that maximum in `best`; −1 for a window wholly in the padding. A NaN counts
/// as a maximum (the last NaN of the window wins, as in PyTorch).
inline std::int64_t window_first_max(const pool_geometry& g, const float* x, std::ptrdiff_t h0, std::ptrdiff_t ki0,
                                     std::ptrdiff_t ki1, std::ptrdiff_t w0, std::ptrdiff_t kj0, std::ptrdiff_t kj1,
                                     float& best) {
    best = -std::numeric_limits<float>::infinity();
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
    return where;
}

/// Bit t set where base[offset[t]] == target, t < taps ≤ 64 (unrolled for a fixed count).
template <std::ptrdiff_t Taps>
inline std::uint64_t equal_taps(const float* base, const std::ptrdiff_t* offset, float target) {
    std::uint64_t bits = 0;
    for (std::ptrdiff_t t = 0; t < Taps; ++t) bits |= std::uint64_t(base[offset[t]] == target) << t;
    return bits;
}
inline std::uint64_t equal_taps(const float* base, const std::ptrdiff_t* offset, std::ptrdiff_t taps, float target) {
    std::uint64_t bits = 0;
    for (std::ptrdiff_t t = 0; t < taps; ++t) bits |= std::uint64_t(base[offset[t]] == target) << t;
    return bits;
}

/// max(m, v) that propagates a NaN of either operand.
inline float nan_max(float m, float v) { return (v > m || v != v) ? v : m; }

/// The outputs ow in [lo, hi) whose windows lie wholly inside [0, W) horizontally.
inline void interior_columns(const pool_geometry& g, std::ptrdiff_t& lo, std::ptrdiff_t& hi) {
    lo = (g.pad_left + g.stride_w - 1) / g.stride_w;
    const std::ptrdiff_t last_start = g.width - 1 - (g.kernel_w - 1) * g.dilation_w + g.pad_left;
    hi = last_start < 0 ? 0 : std::min(g.out_w, last_start / g.stride_w + 1);
    lo = std::min(lo, hi);
}
}  // namespace detail

/// y[oh, ow] = max of the window (padding excluded); arg[oh, ow] = ih·W + iw of the FIRST
/// maximum in row-major window order (−1 and y = 0 for a window wholly in the padding). NaN
/// propagates, as in PyTorch. Used when the indices themselves are wanted (MaxPool's Indices).
inline void max_pool_plane(const pool_geometry& g, const float* x, float* y, std::int64_t* arg) {
    std::ptrdiff_t ow_lo, ow_hi;
    detail::interior_columns(g, ow_lo, ow_hi);
    for (std::ptrdiff_t oh = 0; oh < g.out_h; ++oh) {
        const std::ptrdiff_t h0 = oh * g.stride_h - g.pad_top;
        std::ptrdiff_t ki0, ki1;
        detail::valid_taps(h0, g.dilation_h, g.kernel_h, g.height, ki0, ki1);
        for (std::ptrdiff_t ow = 0; ow < g.out_w; ++ow) {
            const std::ptrdiff_t w0 = ow * g.stride_w - g.pad_left;
            std::ptrdiff_t kj0 = 0, kj1 = g.kernel_w;
            if (ow < ow_lo || ow >= ow_hi) detail::valid_taps(w0, g.dilation_w, g.kernel_w, g.width, kj0, kj1);
            float best;
            const std::int64_t where = detail::window_first_max(g, x, h0, ki0, ki1, w0, kj0, kj1, best);
            y[oh * g.out_w + ow] = where < 0 ? 0.0f : best;
            arg[oh * g.out_w + ow] = where;
        }
    }
}

/// The values of max_pool_plane without the indices, in SIMD lanes: per output row, first the
/// maximum over the window's rows for the whole input row, then the maximum over the window's
/// columns at every start position of that row (strided outputs pick every stride-th one).
/// `row` is scratch for 2·g.width floats. Same y as max_pool_plane (NaN propagates; a window
/// wholly in the padding gives 0).
inline void max_pool_plane_values(const pool_geometry& g, const float* x, float* y, float* row) {
    using simd = xsimd::batch<float>;
    constexpr std::ptrdiff_t L = simd::size;
    const auto vmax = [](const simd& m, const simd& v) { return xsimd::select((v > m) | xsimd::isnan(v), v, m); };
    std::ptrdiff_t ow_lo, ow_hi;
    detail::interior_columns(g, ow_lo, ow_hi);
    float* columns = row + g.width;
    for (std::ptrdiff_t oh = 0; oh < g.out_h; ++oh) {
        const std::ptrdiff_t h0 = oh * g.stride_h - g.pad_top;
        std::ptrdiff_t ki0, ki1;
        detail::valid_taps(h0, g.dilation_h, g.kernel_h, g.height, ki0, ki1);
        float* yr = y + oh * g.out_w;
        if (ki0 == ki1) {
            std::fill(yr, yr + g.out_w, 0.0f);
            continue;
        }
        // m[i]: the maximum over the window's rows of input column i.
        const float* first = x + (h0 + ki0 * g.dilation_h) * g.width;
        const float* m = first;
        if (ki1 - ki0 > 1) {
            std::ptrdiff_t i = 0;
            for (; i + L <= g.width; i += L) {
                simd acc = simd::load_unaligned(first + i);
                for (std::ptrdiff_t ki = ki0 + 1; ki < ki1; ++ki)
                    acc = vmax(acc, simd::load_unaligned(x + (h0 + ki * g.dilation_h) * g.width + i));
                acc.store_unaligned(row + i);
            }
            for (; i < g.width; ++i) {
                float acc = first[i];
                for (std::ptrdiff_t ki = ki0 + 1; ki < ki1; ++ki)
                    acc = detail::nan_max(acc, x[(h0 + ki * g.dilation_h) * g.width + i]);
                row[i] = acc;
            }
            m = row;
        }
        // Windows that overlap the left or right padding: clipped taps.
        auto edge = [&](std::ptrdiff_t ow) {
            const std::ptrdiff_t w0 = ow * g.stride_w - g.pad_left;
            std::ptrdiff_t kj0, kj1;
            detail::valid_taps(w0, g.dilation_w, g.kernel_w, g.width, kj0, kj1);
            if (kj0 == kj1) {
                yr[ow] = 0.0f;
                return;
            }
            float best = m[w0 + kj0 * g.dilation_w];
            for (std::ptrdiff_t kj = kj0 + 1; kj < kj1; ++kj) best = detail::nan_max(best, m[w0 + kj * g.dilation_w]);
            yr[ow] = best;
        };
        for (std::ptrdiff_t ow = 0; ow < ow_lo; ++ow) edge(ow);
        for (std::ptrdiff_t ow = ow_hi; ow < g.out_w; ++ow) edge(ow);
        if (ow_lo == ow_hi) continue;
        // Interior windows: the window maximum h[i] at every start i in [i0, i1), written
        // straight into y for stride 1 (h = yr + pad_left), else into `columns` and picked.
        const std::ptrdiff_t i0 = ow_lo * g.stride_w - g.pad_left, i1 = (ow_hi - 1) * g.stride_w - g.pad_left + 1;
        float* h = g.stride_w == 1 ? yr + g.pad_left : columns;
        std::ptrdiff_t i = i0;
        for (; i + L <= i1; i += L) {
            simd acc = simd::load_unaligned(m + i);
            for (std::ptrdiff_t kj = 1; kj < g.kernel_w; ++kj)
                acc = vmax(acc, simd::load_unaligned(m + i + kj * g.dilation_w));
            acc.store_unaligned(h + i);
        }
        for (; i < i1; ++i) {
            float acc = m[i];
            for (std::ptrdiff_t kj = 1; kj < g.kernel_w; ++kj) acc = detail::nan_max(acc, m[i + kj * g.dilation_w]);
            h[i] = acc;
        }
        if (g.stride_w != 1)
            for (std::ptrdiff_t ow = ow_lo; ow < ow_hi; ++ow) yr[ow] = columns[ow * g.stride_w - g.pad_left];
    }
}

/// gx = 0, then gy[o] goes to the FIRST maximum of window o in row-major order, found again
/// from x and the forward output y (the first tap equal to y[o], or for y[o] = NaN the last
/// NaN, as max_pool_plane decides), so forward keeps no indices.
inline void max_pool_plane_backward(const pool_geometry& g, const float* x, const float* y, const float* gy,
                                    float* gx) {
    std::fill(gx, gx + g.height * g.width, 0.0f);
    std::ptrdiff_t ow_lo, ow_hi;
    detail::interior_columns(g, ow_lo, ow_hi);
    // Whole windows of up to 64 taps: one bit per tap equal to y, the lowest set bit is the
    // first maximum (no data-dependent branch, no dependency chain).
    const std::ptrdiff_t taps = g.kernel_h * g.kernel_w;
    const bool by_mask = taps <= 64;
    std::ptrdiff_t offset[64];
    if (by_mask)
        for (std::ptrdiff_t t = 0; t < taps; ++t)
            offset[t] = (t / g.kernel_w) * g.dilation_h * g.width + (t % g.kernel_w) * g.dilation_w;
    for (std::ptrdiff_t oh = 0; oh < g.out_h; ++oh) {
        const std::ptrdiff_t h0 = oh * g.stride_h - g.pad_top;
        std::ptrdiff_t ki0, ki1;
        detail::valid_taps(h0, g.dilation_h, g.kernel_h, g.height, ki0, ki1);
        if (ki0 == ki1) continue;
        const bool full_rows = by_mask && ki0 == 0 && ki1 == g.kernel_h;
        for (std::ptrdiff_t ow = 0; ow < g.out_w; ++ow) {
            const std::ptrdiff_t w0 = ow * g.stride_w - g.pad_left;
            const std::ptrdiff_t o = oh * g.out_w + ow;
            const float target = y[o];
            const bool interior = ow >= ow_lo && ow < ow_hi;
            if (full_rows && interior && target == target) {
                const std::ptrdiff_t start = h0 * g.width + w0;
                const float* base = x + start;
                const std::uint64_t bits = taps == 9   ? detail::equal_taps<9>(base, offset, target)
                                           : taps == 4 ? detail::equal_taps<4>(base, offset, target)
                                                       : detail::equal_taps(base, offset, taps, target);
                if (bits) gx[start + offset[std::countr_zero(bits)]] += gy[o];
                continue;
            }
            std::ptrdiff_t kj0 = 0, kj1 = g.kernel_w;
            if (!interior) detail::valid_taps(w0, g.dilation_w, g.kernel_w, g.width, kj0, kj1);
            std::int64_t where = -1;
            if (target != target) {
                float best;
                where = detail::window_first_max(g, x, h0, ki0, ki1, w0, kj0, kj1, best);
            } else {
                // Backwards over the window, so the last hit is the first equal tap: no branch.
                for (std::ptrdiff_t ki = ki1 - 1; ki >= ki0; --ki) {
                    const std::ptrdiff_t r = (h0 + ki * g.dilation_h) * g.width + w0;
                    for (std::ptrdiff_t kj = kj1 - 1; kj >= kj0; --kj) {
                        const std::ptrdiff_t at = r + kj * g.dilation_w;
                        where = x[at] == target ? at : where;
                    }
                }
            }
            if (where >= 0) gx[where] += gy[o];
        }
    }
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

/// MaxPool's most common window: 2×2, stride 2, no padding or dilation, floor mode (VGG's and
/// every small CNN's pools). The generic plane kernels above run their window loops with
/// data-dependent branches, and on 28- or 14-wide planes most outputs fall in scalar tails, so
/// they mispredict on real activations; these loops are branch-free and vectorise, and take all
/// `planes` (N·C) planes of the batch in one call. Same values and routing as the generic kernels
/// (a column maximum first, then the row; the gradient to the FIRST maximum in row-major order,
/// for a NaN maximum to the last NaN); tested against the scalar references.
inline bool is_max_pool_2x2(const pool_geometry& g) {
    return g.kernel_h == 2 && g.kernel_w == 2 && g.stride_h == 2 && g.stride_w == 2 && g.dilation_h == 1 &&
           g.dilation_w == 1 && g.pad_top == 0 && g.pad_left == 0 && g.out_h == g.height / 2 && g.out_w == g.width / 2;
}

/// y = MaxPool 2×2/2 of `planes` contiguous (H, W) planes (an odd last row or column is unused).
inline void max_pool_2x2_values(const pool_geometry& g, std::ptrdiff_t planes, const float* x, float* y) {
    const std::ptrdiff_t W = g.width, OW = g.out_w, OH = g.out_h, plane = g.height * W;
    for (std::ptrdiff_t i = 0; i < planes; ++i)
        for (std::ptrdiff_t oh = 0; oh < OH; ++oh) {
            const float* __restrict r0 = x + i * plane + 2 * oh * W;
            const float* __restrict r1 = r0 + W;
            float* __restrict yr = y + (i * OH + oh) * OW;
            for (std::ptrdiff_t ow = 0; ow < OW; ++ow) {
                const float c0 = detail::nan_max(r0[2 * ow], r1[2 * ow]);
                const float c1 = detail::nan_max(r0[2 * ow + 1], r1[2 * ow + 1]);
                yr[ow] = detail::nan_max(c0, c1);
            }
        }
}

/// gx = ∂/∂x of max_pool_2x2_values given its output y and gy (gx is overwritten, unused
/// elements get 0).
inline void max_pool_2x2_backward(const pool_geometry& g, std::ptrdiff_t planes, const float* x, const float* y,
                                  const float* gy, float* gx) {
    const std::ptrdiff_t W = g.width, H = g.height, OW = g.out_w, OH = g.out_h, plane = H * W;
    for (std::ptrdiff_t i = 0; i < planes; ++i) {
        for (std::ptrdiff_t oh = 0; oh < OH; ++oh) {
            const float* __restrict r0 = x + i * plane + 2 * oh * W;
            const float* __restrict r1 = r0 + W;
            float* __restrict g0 = gx + i * plane + 2 * oh * W;
            float* __restrict g1 = g0 + W;
            const float* __restrict yr = y + (i * OH + oh) * OW;
            const float* __restrict gr = gy + (i * OH + oh) * OW;
            // Rows without a NaN maximum (all but pathological ones) take a loop of selects that
            // the compiler vectorises; a chain of conditions would compile to branches, which
            // mispredict since which element of a window wins is a coin toss.
            bool any_nan = false;
            for (std::ptrdiff_t ow = 0; ow < OW; ++ow) any_nan |= yr[ow] != yr[ow];
            if (!any_nan) {
                for (std::ptrdiff_t ow = 0; ow < OW; ++ow) {
                    const float t = yr[ow], v = gr[ow];
                    const bool ea = r0[2 * ow] == t;
                    const bool eb = !ea & (r0[2 * ow + 1] == t);
                    const bool ec = !(ea | eb) & (r1[2 * ow] == t);
                    const bool ed = !(ea | eb | ec);  // t is one of the four
                    g0[2 * ow] = ea ? v : 0.0f;
                    g0[2 * ow + 1] = eb ? v : 0.0f;
                    g1[2 * ow] = ec ? v : 0.0f;
                    g1[2 * ow + 1] = ed ? v : 0.0f;
                }
            } else {
                for (std::ptrdiff_t ow = 0; ow < OW; ++ow) {
                    const float t = yr[ow], v = gr[ow];
                    const float a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
                    const bool nan = t != t;
                    const bool ea = nan ? (a != a && b == b && c == c && d == d) : a == t;
                    const bool eb = nan ? (b != b && c == c && d == d) : (!ea && b == t);
                    const bool ec = nan ? (c != c && d == d) : (!ea && !eb && c == t);
                    const bool ed = nan ? d != d : (!ea && !eb && !ec && d == t);
                    g0[2 * ow] = ea ? v : 0.0f;
                    g0[2 * ow + 1] = eb ? v : 0.0f;
                    g1[2 * ow] = ec ? v : 0.0f;
                    g1[2 * ow + 1] = ed ? v : 0.0f;
                }
            }
            if (W % 2) g0[W - 1] = g1[W - 1] = 0.0f;
        }
        if (H % 2) std::fill(gx + i * plane + (H - 1) * W, gx + (i + 1) * plane, 0.0f);
    }
}

}  // namespace deepvis::kernels
