#pragma once
/// Gram matrices of feature maps (Gatys et al. 2016, eq. 3) and their gradient, on OpenBLAS.
/// Scalar twins in gram_reference.hpp. Every routine takes a batch of n ≥ 1 feature maps laid
/// out contiguously (NCHW with H·W flattened to hw).
///
///   gram:           G[n] = scale · F[n] F[n]ᵀ         F[n] is (c, hw) row-major, G[n] is (c, c), full
///   gram_backward:  dF[n] = scale · (dG[n] + dG[n]ᵀ) F[n]   (overwrites dF)
///
/// gram computes the upper triangle (about c²·hw flops, half of a GEMM) in row blocks and mirrors
/// it, so G is exactly symmetric. gram_backward runs one sgemm; when dG is known to be symmetric (every
/// loss of a Gram matrix is) pass `symmetric = true` to skip forming dG + dGᵀ.
#include <cblas.h>

#include <algorithm>
#include <cstddef>
#include <deepvis/core/kernels/gemm.hpp>
#include <deepvis/core/parallel.hpp>
#include <vector>

namespace deepvis::kernels {

/// Flops of gram() for one image, counting a multiply-add as two: c·(c+1)·hw.
inline double gram_flops(std::size_t c, std::size_t hw) { return double(c) * double(c + 1) * double(hw); }

/// Copies the upper triangle of a (c, c) row-major matrix onto the lower one. In square tiles,
/// so that the transposed reads stay in cache: a plain row loop reads a column of c rows per
/// output row, and for c = 512 with a short ssyrk (hw = 196) that cost 15–20 % of gram().
/// Split across the threads, since ssyrk before it uses them all.
inline void mirror_upper(float* g, std::size_t c) {
    constexpr std::size_t tile = 32;
    const auto blocks = static_cast<std::ptrdiff_t>((c + tile - 1) / tile);
    auto block_row = [&](std::size_t bi) {
        for (std::size_t bj = 0; bj <= bi; bj += tile) {
            const std::size_t ie = std::min(bi + tile, c), je = std::min(bj + tile, c);
            for (std::size_t i = bi; i < ie; ++i)
                for (std::size_t j = bj; j < std::min(je, i); ++j) g[i * c + j] = g[j * c + i];
        }
    };
    // Block row k has k + 1 tiles: pairing row k with row blocks−1−k gives every pair the same
    // work, so the pairs split evenly across the threads.
    const std::ptrdiff_t pairs = (blocks + 1) / 2;
    auto do_pair = [&](std::ptrdiff_t k, int) {
        block_row(static_cast<std::size_t>(k) * tile);
        if (blocks - 1 - k != k) block_row(static_cast<std::size_t>(blocks - 1 - k) * tile);
    };
    if (c * c < 2 * static_cast<std::size_t>(parallel_elementwise_grain))
        for (std::ptrdiff_t k = 0; k < pairs; ++k) do_pair(k, 0);
    else
        parallel_for(pairs, do_pair);
}

inline void gram(const float* f, std::size_t n, std::size_t c, std::size_t hw, float* g, float scale = 1.0f) {
    // The upper triangle in blocks of rows, G[r0:r1, r0:c] = scale · F[r0:r1] F[r0:c]ᵀ, one
    // single-threaded sgemm each: the blocks depend on c alone, so every element is computed the
    // same way whatever the thread count (kernels/gemm.hpp says why OpenBLAS' own threading of
    // ssyrk is not used). Row block k is paired with block count−1−k, as in mirror_upper.
    constexpr std::size_t rows = 64;
    const auto blocks = static_cast<std::ptrdiff_t>((c + rows - 1) / rows);
    for (std::size_t b = 0; b < n; ++b) {
        const float* fb = f + b * c * hw;
        float* gb = g + b * c * c;
        auto block_rows = [&](std::ptrdiff_t k) {
            const std::size_t r0 = static_cast<std::size_t>(k) * rows, r1 = std::min(c, r0 + rows);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(r1 - r0),
                        static_cast<blasint>(c - r0), static_cast<blasint>(hw), scale, fb + r0 * hw,
                        static_cast<blasint>(hw), fb + r0 * hw, static_cast<blasint>(hw), 0.0f, gb + r0 * c + r0,
                        static_cast<blasint>(c));
        };
        const std::ptrdiff_t pairs = (blocks + 1) / 2;
        const serial_blas one_thread;
        auto do_pair = [&](std::ptrdiff_t k, int) {
            block_rows(k);
            if (blocks - 1 - k != k) block_rows(blocks - 1 - k);
        };
        if (gram_flops(c, hw) < detail::gemm_block_work)
            for (std::ptrdiff_t k = 0; k < pairs; ++k) do_pair(k, 0);
        else
            parallel_for(pairs, do_pair);
        mirror_upper(gb, c);
    }
}

inline void gram_backward(const float* f, const float* dg, std::size_t n, std::size_t c, std::size_t hw, float* df,
                          float scale = 1.0f, bool symmetric = false) {
    const auto ic = static_cast<blasint>(c), ihw = static_cast<blasint>(hw);
    std::vector<float> sym;
    if (!symmetric) sym.resize(c * c);
    for (std::size_t b = 0; b < n; ++b) {
        const float* db = dg + b * c * c;
        float alpha = 2.0f * scale;
        if (!symmetric) {
            for (std::size_t i = 0; i < c; ++i)
                for (std::size_t j = 0; j < c; ++j) sym[i * c + j] = db[i * c + j] + db[j * c + i];
            db = sym.data();
            alpha = scale;
        }
        sgemm(false, false, ic, ihw, ic, alpha, db, ic, f + b * c * hw, ihw, 0.0f, df + b * c * hw, ihw);
    }
}

}  // namespace deepvis::kernels
