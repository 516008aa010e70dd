#pragma once
/// Matrix products on OpenBLAS with a result that does not depend on the thread count.
///
/// Why not let OpenBLAS thread them: its threaded sgemm splits C among the threads by a
/// partition that depends on the thread count and on the kernel it picked for the CPU, and some
/// of its kernels (the Haswell ones that an AMD EPYC runs under OPENBLAS_CORETYPE=Haswell) do not
/// round an element the same way in every position of a tile, so 1 and 2 threads differed in the
/// last bit. Here the product is cut into blocks of rows or columns of C by its shape alone,
/// every block is one single-threaded BLAS call, and the threads take whole blocks: each element
/// of C is computed by the same call whatever the thread count, and 1 thread runs the same calls
/// in order.
///
///   sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
///       C (m×n) = alpha · op(A) · op(B) + beta · C, row-major, as cblas_sgemm
///   sgemv(ta, rows, cols, alpha, a, lda, x, beta, y)
///       y = alpha · op(A) · x + beta · y, A (rows×cols) row-major, as cblas_sgemv
///   serial_blas: a scope in which OpenBLAS runs on the calling thread only
#include <cblas.h>

#include <algorithm>
#include <cstddef>
#include <deepvis/core/parallel.hpp>

namespace deepvis::kernels {

/// While alive, OpenBLAS calls from this thread run single-threaded. OpenBLAS' OpenMP build
/// takes its thread count from omp_get_max_threads() at every call and runs on one thread inside
/// a parallel region; outside one, the calling thread's OpenMP setting is lowered to 1 and put
/// back afterwards (deepvis' own regions name their thread count explicitly).
class serial_blas {
public:
    serial_blas() {
#if defined(_OPENMP)
        if (!omp_in_parallel()) {
            m_saved = omp_get_max_threads();
            if (m_saved > 1) omp_set_num_threads(1);
        }
#endif
    }
    ~serial_blas() {
#if defined(_OPENMP)
        if (m_saved > 1) omp_set_num_threads(m_saved);
#endif
    }
    serial_blas(const serial_blas&) = delete;
    serial_blas& operator=(const serial_blas&) = delete;

private:
    int m_saved = 0;
};

namespace detail {
/// Products below this many multiply-adds are one call: a second thread costs more than it saves.
inline constexpr double gemm_block_work = double(1 << 20);
/// At most this many blocks per product: each block packs the operand it does not split again.
inline constexpr std::ptrdiff_t gemm_max_blocks = 8;

/// How many blocks of `extent` rows or columns (cut at multiples of `align`) a product of
/// `work` multiply-adds is split into: a function of the shape only.
inline std::ptrdiff_t gemm_blocks(double work, std::ptrdiff_t extent, std::ptrdiff_t align) {
    const auto by_work = static_cast<std::ptrdiff_t>(std::min(double(gemm_max_blocks), work / gemm_block_work));
    return std::max<std::ptrdiff_t>(1, std::min(by_work, extent / align));
}

/// The start of block i of `blocks` over `extent`, a multiple of `align` (the last ends at extent).
inline std::ptrdiff_t gemm_block_begin(std::ptrdiff_t extent, std::ptrdiff_t i, std::ptrdiff_t blocks,
                                       std::ptrdiff_t align) {
    if (i >= blocks) return extent;
    return std::min(extent, (extent * i / blocks + align - 1) / align * align);
}
}  // namespace detail

inline void sgemm(bool trans_a, bool trans_b, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, float alpha,
                  const float* a, std::ptrdiff_t lda, const float* b, std::ptrdiff_t ldb, float beta, float* c,
                  std::ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
    // Split the side whose other operand is cheaper to pack again: rows of C repack B (k×n),
    // columns of C repack A (m×k). Blocks start at multiples of the kernels' tile sizes.
    const bool split_rows = m * k > k * n;
    const std::ptrdiff_t extent = split_rows ? m : n, align = split_rows ? 16 : 64;
    const std::ptrdiff_t blocks = detail::gemm_blocks(double(m) * double(n) * double(k), extent, align);
    const serial_blas one_thread;
    auto block = [&](std::ptrdiff_t i, int) {
        const std::ptrdiff_t lo = detail::gemm_block_begin(extent, i, blocks, align);
        const std::ptrdiff_t hi = detail::gemm_block_begin(extent, i + 1, blocks, align);
        if (hi <= lo) return;
        const float* ab = a;
        const float* bb = b;
        float* cb = c;
        std::ptrdiff_t rows = m, cols = n;
        if (split_rows) {
            ab += trans_a ? lo : lo * lda;
            cb += lo * ldc;
            rows = hi - lo;
        } else {
            bb += trans_b ? lo * ldb : lo;
            cb += lo;
            cols = hi - lo;
        }
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                    static_cast<blasint>(rows), static_cast<blasint>(cols), static_cast<blasint>(k), alpha, ab,
                    static_cast<blasint>(lda), bb, static_cast<blasint>(ldb), beta, cb, static_cast<blasint>(ldc));
    };
    if (blocks == 1)
        block(0, 0);
    else
        parallel_for(blocks, block);
}

inline void sgemv(bool trans, std::ptrdiff_t rows, std::ptrdiff_t cols, float alpha, const float* a, std::ptrdiff_t lda,
                  const float* x, float beta, float* y) {
    const std::ptrdiff_t outputs = trans ? cols : rows;
    if (outputs <= 0) return;
    // Blocks of outputs: each output's dot product stays in one call.
    const std::ptrdiff_t blocks = detail::gemm_blocks(double(rows) * double(cols), outputs, 64);
    const serial_blas one_thread;
    auto block = [&](std::ptrdiff_t i, int) {
        const std::ptrdiff_t lo = detail::gemm_block_begin(outputs, i, blocks, 64);
        const std::ptrdiff_t hi = detail::gemm_block_begin(outputs, i + 1, blocks, 64);
        if (hi <= lo) return;
        if (trans)
            cblas_sgemv(CblasRowMajor, CblasTrans, static_cast<blasint>(rows), static_cast<blasint>(hi - lo), alpha,
                        a + lo, static_cast<blasint>(lda), x, 1, beta, y + lo, 1);
        else
            cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(hi - lo), static_cast<blasint>(cols), alpha,
                        a + lo * lda, static_cast<blasint>(lda), x, 1, beta, y + lo, 1);
    };
    if (blocks == 1)
        block(0, 0);
    else
        parallel_for(blocks, block);
}

}  // namespace deepvis::kernels
