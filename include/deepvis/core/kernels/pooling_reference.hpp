#pragma once
/// Scalar references for pooling.hpp: every window tap bounds-checked, nothing precomputed.
#include <cstddef>
#include <cstdint>
#include <deepvis/core/kernels/pooling.hpp>
#include <limits>

namespace deepvis::kernels::reference {

inline void max_pool_plane(const pool_geometry& g, const float* x, float* y, std::int64_t* arg) {
    for (std::ptrdiff_t oh = 0; oh < g.out_h; ++oh)
        for (std::ptrdiff_t ow = 0; ow < g.out_w; ++ow) {
            float best = -std::numeric_limits<float>::infinity();
            std::int64_t where = -1;
            for (std::ptrdiff_t ki = 0; ki < g.kernel_h; ++ki)
                for (std::ptrdiff_t kj = 0; kj < g.kernel_w; ++kj) {
                    const std::ptrdiff_t ih = oh * g.stride_h - g.pad_top + ki * g.dilation_h;
                    const std::ptrdiff_t iw = ow * g.stride_w - g.pad_left + kj * g.dilation_w;
                    if (ih < 0 || ih >= g.height || iw < 0 || iw >= g.width) continue;
                    if (where < 0 || x[ih * g.width + iw] > best) {
                        best = x[ih * g.width + iw];
                        where = ih * g.width + iw;
                    }
                }
            y[oh * g.out_w + ow] = where < 0 ? 0.0f : best;
            arg[oh * g.out_w + ow] = where;
        }
}

inline void average_pool_plane(const pool_geometry& g, bool count_include_pad, const float* x, float* y) {
    for (std::ptrdiff_t oh = 0; oh < g.out_h; ++oh)
        for (std::ptrdiff_t ow = 0; ow < g.out_w; ++ow) {
            float sum = 0.0f;
            std::ptrdiff_t inside = 0, padded = 0;
            for (std::ptrdiff_t ki = 0; ki < g.kernel_h; ++ki)
                for (std::ptrdiff_t kj = 0; kj < g.kernel_w; ++kj) {
                    const std::ptrdiff_t ih = oh * g.stride_h - g.pad_top + ki;
                    const std::ptrdiff_t iw = ow * g.stride_w - g.pad_left + kj;
                    // Taps in the declared padding count for count_include_pad; taps beyond it
                    // (the ceil-mode overhang) never do.
                    if (ih < g.height + g.pad_bottom && iw < g.width + g.pad_right) ++padded;
                    if (ih < 0 || ih >= g.height || iw < 0 || iw >= g.width) continue;
                    sum += x[ih * g.width + iw];
                    ++inside;
                }
            const std::ptrdiff_t divisor = count_include_pad ? padded : inside;
            y[oh * g.out_w + ow] = divisor > 0 ? sum / static_cast<float>(divisor) : 0.0f;
        }
}

}  // namespace deepvis::kernels::reference
