#pragma once
/// Elementwise hot loops, vectorised with xsimd. Each has a scalar twin in
/// elementwise_reference.hpp that the tests hold it to.
#include <algorithm>
#include <cstddef>

#include <xsimd/xsimd.hpp>

namespace deepvis::kernels {

using batch = xsimd::batch<float>;
inline constexpr std::size_t lanes = batch::size;

/// y = max(x, 0)
inline void relu(const float* x, float* y, std::size_t n) {
    const batch zero(0.0f);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) xsimd::max(batch::load_unaligned(x + i), zero).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = std::max(x[i], 0.0f);
}

/// gx = [x > 0] · gy
inline void relu_backward(const float* x, const float* gy, float* gx, std::size_t n) {
    const batch zero(0.0f);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        xsimd::select(batch::load_unaligned(x + i) > zero, batch::load_unaligned(gy + i), zero).store_unaligned(gx + i);
    for (; i < n; ++i) gx[i] = x[i] > 0.0f ? gy[i] : 0.0f;
}

/// y += x
inline void add_inplace(float* y, const float* x, std::size_t n) {
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        (batch::load_unaligned(y + i) + batch::load_unaligned(x + i)).store_unaligned(y + i);
    for (; i < n; ++i) y[i] += x[i];
}

}  // namespace deepvis::kernels
