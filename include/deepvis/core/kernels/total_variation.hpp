#pragma once
/// Total variation (squared forward differences, the β = 2 case of Mahendran & Vedaldi 2015,
/// eq. 6, as used for style transfer) and its gradient in ONE pass over the image, with xsimd.
/// Scalar twin in total_variation_reference.hpp.
///
///   L = weight · Σ_planes [ Σ_{i, j<W-1} (x[i,j+1] − x[i,j])² + Σ_{i<H-1, j} (x[i+1,j] − x[i,j])² ]
///   ∂L/∂x[i,j] = 2·weight · (4-neighbour Laplacian with the missing neighbours of the border
///                taken equal to x[i,j]), i.e. 2w·[(x_ij − x_{i,j−1}) − (x_{i,j+1} − x_ij)
///                                                + (x_ij − x_{i−1,j}) − (x_{i+1,j} − x_ij)]
///
/// x holds `planes` = N·C planes of h × w floats. grad is overwritten (accumulate = false) or
/// added to (accumulate = true). Each element is read once from memory and the gradient written
/// once; the neighbour rows come from cache, so the kernel runs at memory speed.
#include <cstddef>
#include <xsimd/xsimd.hpp>

namespace deepvis::kernels {

namespace detail {
// One element with explicit neighbours; a missing neighbour is passed as the element itself,
// which makes its difference zero. Returns the loss contributions owned by this element: the
// difference to its right and to its lower neighbour.
inline float tv_element(float c, float left, float right, float up, float down, float two_w, float* g,
                        bool accumulate) {
    const float dr = right - c, dd = down - c;
    const float gv = two_w * ((c - left) - dr + (c - up) - dd);
    *g = accumulate ? *g + gv : gv;
    return dr * dr + dd * dd;
}
}  // namespace detail

inline double total_variation(const float* x, std::size_t planes, std::size_t h, std::size_t w, float* grad,
                              float weight = 1.0f, bool accumulate = false) {
    using batch = xsimd::batch<float>;
    constexpr std::size_t lanes = batch::size;
    const float two_w = 2.0f * weight;
    const batch vtwo_w(two_w);
    double loss = 0.0;
    for (std::size_t p = 0; p < planes; ++p) {
        const float* xp = x + p * h * w;
        float* gp = grad + p * h * w;
        for (std::size_t i = 0; i < h; ++i) {
            const float* cur = xp + i * w;
            const float* up = i > 0 ? cur - w : cur;
            const float* dn = i + 1 < h ? cur + w : cur;
            float* g = gp + i * w;
            float row = 0.0f;
            auto scalar = [&](std::size_t j) {
                const float c = cur[j];
                row += detail::tv_element(c, j > 0 ? cur[j - 1] : c, j + 1 < w ? cur[j + 1] : c, up[j], dn[j], two_w,
                                          g + j, accumulate);
            };
            scalar(0);
            std::size_t j = 1;
            batch acc(0.0f);
            // Interior columns: every neighbour exists (the row above/below may alias cur).
            for (; j + lanes < w; j += lanes) {
                const batch c = batch::load_unaligned(cur + j);
                const batch dl = c - batch::load_unaligned(cur + j - 1);
                const batch dr = batch::load_unaligned(cur + j + 1) - c;
                const batch du = c - batch::load_unaligned(up + j);
                const batch dd = batch::load_unaligned(dn + j) - c;
                batch gv = vtwo_w * ((dl - dr) + (du - dd));
                if (accumulate) gv += batch::load_unaligned(g + j);
                gv.store_unaligned(g + j);
                acc = xsimd::fma(dr, dr, xsimd::fma(dd, dd, acc));
            }
            row += xsimd::hadd(acc);
            for (; j < w; ++j) scalar(j);
            loss += row;
        }
    }
    return weight * loss;
}

}  // namespace deepvis::kernels
