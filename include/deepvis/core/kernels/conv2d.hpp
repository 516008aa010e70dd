#pragma once
/// Grouped 2-D convolution of one image as im2col + sgemm, tiled over output positions so the
/// column buffer stays cache-sized (conv_column_budget floats) instead of materialising
/// C·kh·kw × OH·OW floats; 1×1 stride-1 unpadded kernels skip im2col and run one GEMM.
/// Scalar twins (direct loops) in conv2d_reference.hpp.
///
/// Layouts, per image: x (G·C, H, W), w (G·M, C, kh, kw), y (G·M, OH, OW), where the geometry
/// describes one group (C input channels) and M = out_channels per group.
///   forward:          y[m, p] = Σ_r w[m, r] · col[r, p]                         (Y = W·col)
///   backward_data:    gx = col2im(Wᵀ · gY)                                      (overwrites gx)
///   backward_weight:  gW (+)= gY · colᵀ                                         (accumulate flag)
/// The same three routines give ConvTranspose (its forward is backward_data, and so on).
#include <cblas.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <deepvis/core/kernels/gemm.hpp>
#include <deepvis/core/kernels/im2col.hpp>

namespace deepvis::kernels {

#ifndef DEEPVIS_CONV_COLUMN_BUDGET
/// Floats per column-buffer tile: 1 MiB, so that im2col's writes are still in the L2 cache
/// (2 MiB per core here) when the GEMM reads them. bench/conv_micro.cpp measures the choice:
/// against 4 MiB, VGG-16's conv1_2 forward 41.3 → 35.2 ms, the other layers unchanged (their
/// tiles are held at DEEPVIS_CONV_MIN_TILE). Define the macro before including deepvis to tune
/// it for another cache size.
#define DEEPVIS_CONV_COLUMN_BUDGET (std::ptrdiff_t(1) << 18)
#endif
inline constexpr std::ptrdiff_t conv_column_budget = DEEPVIS_CONV_COLUMN_BUDGET;

#ifndef DEEPVIS_CONV_MIN_TILE
/// The fewest output positions per tile: every sgemm call packs the whole weight matrix again,
/// so deep layers (3×3×512 weights are 9 MiB) need wide tiles whatever the budget says.
#define DEEPVIS_CONV_MIN_TILE 512
#endif

/// Output positions per im2col tile: all of them when the column matrix fits the budget, else
/// the budget's share (at least DEEPVIS_CONV_MIN_TILE), balanced over the tiles and rounded up
/// to a multiple of 16 (whole SIMD registers for the GEMM).
inline std::ptrdiff_t conv_tile_positions(const conv_geometry& g) {
    const std::ptrdiff_t p = g.positions();
    std::ptrdiff_t t =
        std::max<std::ptrdiff_t>(conv_column_budget / std::max<std::ptrdiff_t>(g.rows(), 1), DEEPVIS_CONV_MIN_TILE);
    if (t >= p) return p;
    const std::ptrdiff_t tiles = (p + t - 1) / t;
    t = ((p + tiles - 1) / tiles + 15) / 16 * 16;
    return std::min(t, p);
}

/// Floats of column buffer the routines below need (0 for pointwise kernels).
inline std::size_t conv_column_size(const conv_geometry& g) {
    return g.is_pointwise() ? 0 : static_cast<std::size_t>(g.rows() * conv_tile_positions(g));
}

/// y = conv(x, w) for one image, all groups; col has conv_column_size(g) floats.
inline void conv2d_forward(const conv_geometry& g, std::ptrdiff_t groups, std::ptrdiff_t out_channels, const float* x,
                           const float* w, float* y, float* col) {
    const std::ptrdiff_t K = g.rows(), P = g.positions(), M = out_channels;
    const std::ptrdiff_t tile = conv_tile_positions(g);
    for (std::ptrdiff_t grp = 0; grp < groups; ++grp) {
        const float* xg = x + grp * g.channels * g.plane();
        const float* wg = w + grp * M * K;
        float* yg = y + grp * M * P;
        if (g.is_pointwise()) {
            sgemm(false, false, M, P, K, 1.0f, wg, K, xg, P, 0.0f, yg, P);
            continue;
        }
        for (std::ptrdiff_t p0 = 0; p0 < P; p0 += tile) {
            const std::ptrdiff_t p1 = std::min(P, p0 + tile), t = p1 - p0;
            im2col(g, xg, p0, p1, col);
            sgemm(false, false, M, t, K, 1.0f, wg, K, col, t, 0.0f, yg + p0, P);
        }
    }
}

/// gx = ∂L/∂x for one image given gy = ∂L/∂y (gx is overwritten).
inline void conv2d_backward_data(const conv_geometry& g, std::ptrdiff_t groups, std::ptrdiff_t out_channels,
                                 const float* w, const float* gy, float* gx, float* col) {
    const std::ptrdiff_t K = g.rows(), P = g.positions(), M = out_channels;
    const std::ptrdiff_t tile = conv_tile_positions(g);
    for (std::ptrdiff_t grp = 0; grp < groups; ++grp) {
        const float* wg = w + grp * M * K;
        const float* gyg = gy + grp * M * P;
        float* gxg = gx + grp * g.channels * g.plane();
        if (g.is_pointwise()) {
            sgemm(true, false, K, P, M, 1.0f, wg, K, gyg, P, 0.0f, gxg, P);
            continue;
        }
        std::memset(gxg, 0, sizeof(float) * static_cast<std::size_t>(g.channels * g.plane()));
        for (std::ptrdiff_t p0 = 0; p0 < P; p0 += tile) {
            const std::ptrdiff_t p1 = std::min(P, p0 + tile), t = p1 - p0;
            sgemm(true, false, K, t, M, 1.0f, wg, K, gyg + p0, P, 0.0f, col, t);
            col2im_add(g, col, p0, p1, gxg);
        }
    }
}

/// gw = ∂L/∂w contributed by one image (accumulate: gw += it, else gw = it).
inline void conv2d_backward_weight(const conv_geometry& g, std::ptrdiff_t groups, std::ptrdiff_t out_channels,
                                   const float* x, const float* gy, float* gw, float* col, bool accumulate) {
    const std::ptrdiff_t K = g.rows(), P = g.positions(), M = out_channels;
    const std::ptrdiff_t tile = conv_tile_positions(g);
    for (std::ptrdiff_t grp = 0; grp < groups; ++grp) {
        const float* xg = x + grp * g.channels * g.plane();
        const float* gyg = gy + grp * M * P;
        float* gwg = gw + grp * M * K;
        if (g.is_pointwise()) {
            sgemm(false, true, M, K, P, 1.0f, gyg, P, xg, P, accumulate ? 1.0f : 0.0f, gwg, K);
            continue;
        }
        float beta = accumulate ? 1.0f : 0.0f;
        for (std::ptrdiff_t p0 = 0; p0 < P; p0 += tile) {
            const std::ptrdiff_t p1 = std::min(P, p0 + tile), t = p1 - p0;
            im2col(g, xg, p0, p1, col);
            sgemm(false, true, M, K, t, 1.0f, gyg + p0, P, col, t, beta, gwg, K);
            beta = 1.0f;
        }
    }
}

}  // namespace deepvis::kernels
