#pragma once
/// Dense linear algebra through LAPACK (xtensor-blas over OpenBLAS): the one place besides
/// core/tensor.hpp that includes xtensor headers, so the rest of deepvis sees only tensors.
///
///   symmetric_eigen(a): eigenvalues (ascending) and eigenvectors (columns) of a symmetric
///                       matrix, by LAPACK ?syevd through xt::linalg::eigh.
///   matmul(a, b):       a · b for 2-D tensors, by BLAS sgemm through xt::linalg::dot.
///   leading_symmetric_eigen(a, n): the largest two eigenvalues and the eigenvector of the largest
///                       of a symmetric n×n matrix in double, by LAPACK dsyevd.
#include <cstddef>
#include <utility>
#include <vector>

// xtensor-blas compiles against its own copy of the netlib cblas.h (xflens), which conflicts
// with OpenBLAS' <cblas.h> that the convolution kernels include. Declare the BLAS once, from
// OpenBLAS, and keep xflens' copy out: the names and enums are the same, so xflens' calls bind
// to OpenBLAS' declarations. Include order then no longer matters.
#include <cblas.h>
#ifndef CXXBLAS_DRIVERS_CBLAS_H
#define CXXBLAS_DRIVERS_CBLAS_H 1
#endif
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xadapt.hpp>

namespace deepvis {

struct eigen_decomposition {
    tensor values;   ///< (n), ascending
    tensor vectors;  ///< (n, n), column k belongs to values[k]
};

inline eigen_decomposition symmetric_eigen(const tensor& a) {
    DEEPVIS_CHECK(a.dimension() == 2 && a.shape()[0] == a.shape()[1], shape_error,
                  "symmetric_eigen: matrix has shape " << shape_string(a.shape()) << ", expected (n, n)");
    auto result = xt::linalg::eigh(a);
    return {tensor(std::get<0>(result)), tensor(std::get<1>(result))};
}

struct leading_eigenpair {
    double value = 0.0;          ///< the largest eigenvalue
    double next_value = 0.0;     ///< the second largest (0 when n = 1)
    std::vector<double> vector;  ///< (n), unit norm, its eigenvector (sign as LAPACK returns it)
};

/// a: n×n, symmetric, row-major (only its lower triangle is read).
inline leading_eigenpair leading_symmetric_eigen(const std::vector<double>& a, std::size_t n) {
    DEEPVIS_CHECK(n > 0 && a.size() == n * n, shape_error,
                  "leading_symmetric_eigen: " << a.size() << " values for a " << n << "x" << n << " matrix");
    const xt::xtensor<double, 2> m = xt::adapt(a, std::array<std::size_t, 2>{n, n});
    const auto result = xt::linalg::eigh(m);
    const auto& values = std::get<0>(result);
    const auto& vectors = std::get<1>(result);
    leading_eigenpair out{values(n - 1), n > 1 ? values(n - 2) : 0.0, std::vector<double>(n)};
    for (std::size_t i = 0; i < n; ++i) out.vector[i] = vectors(i, n - 1);
    return out;
}

inline tensor matmul(const tensor& a, const tensor& b) {
    DEEPVIS_CHECK(
        a.dimension() == 2 && b.dimension() == 2 && a.shape()[1] == b.shape()[0], shape_error,
        "matmul: shapes " << shape_string(a.shape()) << " and " << shape_string(b.shape()) << " do not chain");
    return tensor(xt::linalg::dot(a, b));
}

}  // namespace deepvis
