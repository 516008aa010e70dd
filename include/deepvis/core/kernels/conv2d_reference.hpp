#pragma once
/// Direct-loop references for conv2d.hpp (the textbook sums, no im2col, no BLAS).
#include <cstddef>
#include <deepvis/core/kernels/im2col.hpp>

namespace deepvis::kernels::reference {

namespace detail {
/// Calls f(x_index, w_index, y_index) for every term of the convolution sum
/// of one image whose input element is inside x (terms reading padding are zero).
template <class F>
void for_each_conv_term(const conv_geometry& g, std::ptrdiff_t groups, std::ptrdiff_t out_channels, F&& f) {
    const std::ptrdiff_t C = g.channels, M = out_channels;
    for (std::ptrdiff_t grp = 0; grp < groups; ++grp)
        for (std::ptrdiff_t m = 0; m < M; ++m)
            for (std::ptrdiff_t oh = 0; oh < g.out_h; ++oh)
                for (std::ptrdiff_t ow = 0; ow < g.out_w; ++ow)
                    for (std::ptrdiff_t c = 0; c < C; ++c)
                        for (std::ptrdiff_t ki = 0; ki < g.kernel_h; ++ki)
                            for (std::ptrdiff_t kj = 0; kj < g.kernel_w; ++kj) {
                                const std::ptrdiff_t ih = oh * g.stride_h - g.pad_top + ki * g.dilation_h;
                                const std::ptrdiff_t iw = ow * g.stride_w - g.pad_left + kj * g.dilation_w;
                                if (ih < 0 || ih >= g.height || iw < 0 || iw >= g.width) continue;
                                const std::ptrdiff_t xi = ((grp * C + c) * g.height + ih) * g.width + iw;
                                const std::ptrdiff_t wi = (((grp * M + m) * C + c) * g.kernel_h + ki) * g.kernel_w + kj;
                                const std::ptrdiff_t yi = ((grp * M + m) * g.out_h + oh) * g.out_w + ow;
                                f(xi, wi, yi);
                            }
}
}  // namespace detail

/// y[m, oh, ow] = Σ_{c, ki, kj} w[m, c, ki, kj] · x[c, oh·sh − pt + ki·dh, ow·sw − pl + kj·dw]
inline void conv2d_forward(const conv_geometry& g, std::ptrdiff_t groups, std::ptrdiff_t out_channels, const float* x,
                           const float* w, float* y) {
    for (std::ptrdiff_t i = 0; i < groups * out_channels * g.positions(); ++i) y[i] = 0.0f;
    detail::for_each_conv_term(g, groups, out_channels, [&](std::ptrdiff_t xi, std::ptrdiff_t wi, std::ptrdiff_t yi) {
        y[yi] += w[wi] * x[xi];
    });
}

/// gx = Σ over the terms of w · gy (overwrites gx).
inline void conv2d_backward_data(const conv_geometry& g, std::ptrdiff_t groups, std::ptrdiff_t out_channels,
                                 const float* w, const float* gy, float* gx) {
    for (std::ptrdiff_t i = 0; i < groups * g.channels * g.plane(); ++i) gx[i] = 0.0f;
    detail::for_each_conv_term(g, groups, out_channels, [&](std::ptrdiff_t xi, std::ptrdiff_t wi, std::ptrdiff_t yi) {
        gx[xi] += w[wi] * gy[yi];
    });
}

/// gw = Σ over the terms of x · gy (overwrites gw).
inline void conv2d_backward_weight(const conv_geometry& g, std::ptrdiff_t groups, std::ptrdiff_t out_channels,
                                   const float* x, const float* gy, float* gw) {
    for (std::ptrdiff_t i = 0; i < groups * out_channels * g.rows(); ++i) gw[i] = 0.0f;
    detail::for_each_conv_term(g, groups, out_channels, [&](std::ptrdiff_t xi, std::ptrdiff_t wi, std::ptrdiff_t yi) {
        gw[wi] += x[xi] * gy[yi];
    });
}

}  // namespace deepvis::kernels::reference
