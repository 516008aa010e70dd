#pragma once
/// Per-channel loops over (N, C, plane) tensors, vectorised with xsimd: the affine map that is
/// a conv bias or an inference batch norm, and the per-channel reductions of their backward.
/// Scalar twins in channel_reference.hpp.
#include <cstddef>
#include <xsimd/xsimd.hpp>

namespace deepvis::kernels {

/// y[n, c, i] = a[c] · x[n, c, i] + b[c]; a == nullptr means 1, b == nullptr means 0.
/// x and y may be the same array.
inline void channel_affine(const float* x, const float* a, const float* b, float* y, std::size_t batch,
                           std::size_t channels, std::size_t plane) {
    using simd = xsimd::batch<float>;
    constexpr std::size_t L = simd::size;
    for (std::size_t n = 0; n < batch; ++n)
        for (std::size_t c = 0; c < channels; ++c) {
            const float av = a ? a[c] : 1.0f, bv = b ? b[c] : 0.0f;
            const float* xp = x + (n * channels + c) * plane;
            float* yp = y + (n * channels + c) * plane;
            const simd va(av), vb(bv);
            std::size_t i = 0;
            for (; i + L <= plane; i += L) xsimd::fma(va, simd::load_unaligned(xp + i), vb).store_unaligned(yp + i);
            for (; i < plane; ++i) yp[i] = av * xp[i] + bv;
        }
}

namespace detail {
/// out[c] = Σ_{n, i} g[n, c, i] (· x[n, c, i] when Dot): float lanes within a plane, double
/// across planes and for the tail of each plane.
template <bool Dot>
void channel_reduce(const float* g, const float* x, std::size_t batch, std::size_t channels, std::size_t plane,
                    float* out) {
    using simd = xsimd::batch<float>;
    constexpr std::size_t L = simd::size;
    for (std::size_t c = 0; c < channels; ++c) {
        double total = 0.0;
        for (std::size_t n = 0; n < batch; ++n) {
            const float* gp = g + (n * channels + c) * plane;
            [[maybe_unused]] const float* xp = Dot ? x + (n * channels + c) * plane : nullptr;
            simd acc(0.0f);
            std::size_t i = 0;
            for (; i + L <= plane; i += L)
                if constexpr (Dot)
                    acc = xsimd::fma(simd::load_unaligned(gp + i), simd::load_unaligned(xp + i), acc);
                else
                    acc += simd::load_unaligned(gp + i);
            total += xsimd::hadd(acc);
            for (; i < plane; ++i)
                if constexpr (Dot)
                    total += double(gp[i]) * xp[i];
                else
                    total += gp[i];
        }
        out[c] = static_cast<float>(total);
    }
}
}  // namespace detail

/// s[c] = Σ_{n, i} g[n, c, i]  (float lanes within a plane, double across planes).
inline void channel_sums(const float* g, std::size_t batch, std::size_t channels, std::size_t plane, float* s) {
    detail::channel_reduce<false>(g, nullptr, batch, channels, plane, s);
}

/// d[c] = Σ_{n, i} g[n, c, i] · x[n, c, i]
inline void channel_dots(const float* g, const float* x, std::size_t batch, std::size_t channels, std::size_t plane,
                         float* d) {
    detail::channel_reduce<true>(g, x, batch, channels, plane, d);
}

}  // namespace deepvis::kernels
