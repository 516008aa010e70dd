#pragma once
/// Scalar references for im2col.hpp: one bounds check per element, no tiling tricks. The tests
/// hold the fast kernels to these.
#include <cstddef>
#include <deepvis/core/kernels/im2col.hpp>

namespace deepvis::kernels::reference {

/// f(column entry, input index or −1 for the padding) for every entry of the column matrix of
/// positions [p0, p1): entry ((c·kh + ki)·kw + kj)·(p1 − p0) + (p − p0) reads
/// x[c, oh·sh − pt + ki·dh, ow·sw − pl + kj·dw].
template <class F>
inline void for_each_column_entry(const conv_geometry& g, std::ptrdiff_t p0, std::ptrdiff_t p1, F&& f) {
    const std::ptrdiff_t tile = p1 - p0;
    for (std::ptrdiff_t c = 0; c < g.channels; ++c)
        for (std::ptrdiff_t ki = 0; ki < g.kernel_h; ++ki)
            for (std::ptrdiff_t kj = 0; kj < g.kernel_w; ++kj)
                for (std::ptrdiff_t p = p0; p < p1; ++p) {
                    const std::ptrdiff_t oh = p / g.out_w, ow = p % g.out_w;
                    const std::ptrdiff_t ih = oh * g.stride_h - g.pad_top + ki * g.dilation_h;
                    const std::ptrdiff_t iw = ow * g.stride_w - g.pad_left + kj * g.dilation_w;
                    const bool inside = ih >= 0 && ih < g.height && iw >= 0 && iw < g.width;
                    f(((c * g.kernel_h + ki) * g.kernel_w + kj) * tile + (p - p0),
                      inside ? (c * g.height + ih) * g.width + iw : std::ptrdiff_t{-1});
                }
}

/// col[(c·kh + ki)·kw + kj, p − p0] = x[c, oh·sh − pt + ki·dh, ow·sw − pl + kj·dw], 0 outside.
inline void im2col(const conv_geometry& g, const float* x, std::ptrdiff_t p0, std::ptrdiff_t p1, float* col) {
    for_each_column_entry(g, p0, p1, [&](std::ptrdiff_t e, std::ptrdiff_t i) { col[e] = i >= 0 ? x[i] : 0.0f; });
}

/// x[c, ih, iw] += col[row, p − p0] for every column entry that was read from x[c, ih, iw].
inline void col2im_add(const conv_geometry& g, const float* col, std::ptrdiff_t p0, std::ptrdiff_t p1, float* x) {
    for_each_column_entry(g, p0, p1, [&](std::ptrdiff_t e, std::ptrdiff_t i) {
        if (i >= 0) x[i] += col[e];
    });
}

}  // namespace deepvis::kernels::reference
