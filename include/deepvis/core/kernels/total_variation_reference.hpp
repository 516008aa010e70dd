#pragma once
/// Scalar twin of core/kernels/total_variation.hpp, written as the two sums of the definition:
///   L = weight · Σ_planes [ Σ_{i, j<W-1} (x[i,j+1] − x[i,j])² + Σ_{i<H-1, j} (x[i+1,j] − x[i,j])² ]
/// and the gradient scattered from each difference. Overwrites grad; returns L.
#include <cstddef>

namespace deepvis::kernels::reference {

inline double total_variation(const float* x, std::size_t planes, std::size_t h, std::size_t w, float* grad,
                              float weight) {
    double loss = 0.0;
    for (std::size_t e = 0; e < planes * h * w; ++e) grad[e] = 0.0f;
    for (std::size_t p = 0; p < planes; ++p) {
        const float* xp = x + p * h * w;
        float* gp = grad + p * h * w;
        for (std::size_t i = 0; i < h; ++i)
            for (std::size_t j = 0; j + 1 < w; ++j) {
                const double d = double(xp[i * w + j + 1]) - xp[i * w + j];
                loss += d * d;
                gp[i * w + j + 1] += static_cast<float>(2.0 * weight * d);
                gp[i * w + j] -= static_cast<float>(2.0 * weight * d);
            }
        for (std::size_t i = 0; i + 1 < h; ++i)
            for (std::size_t j = 0; j < w; ++j) {
                const double d = double(xp[(i + 1) * w + j]) - xp[i * w + j];
                loss += d * d;
                gp[(i + 1) * w + j] += static_cast<float>(2.0 * weight * d);
                gp[i * w + j] -= static_cast<float>(2.0 * weight * d);
            }
    }
    return weight * loss;
}

}  // namespace deepvis::kernels::reference
