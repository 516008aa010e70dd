#pragma once
/// pca: principal component analysis of the rows of a data matrix — K. Pearson, "On lines and
/// planes of closest fit", 1901; computed as the eigenvectors of the covariance matrix
///   C = (1/(N−1)) · (X − μ)ᵀ(X − μ)
/// by LAPACK (core/linalg.hpp), the top-k eigenvectors as the components.
///   requires: x has N ≥ 2 rows; any trailing shape is flattened into D features.
///   ensures:  projection = (X − μ)·V (N, k), components V (D, k) of unit length ordered by
///             decreasing variance, each signed so that its largest-magnitude entry is positive
///             (a deterministic sign); explained_variance the k largest eigenvalues.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deepvis/core/error.hpp>
#include <deepvis/core/linalg.hpp>
#include <deepvis/core/tensor.hpp>

namespace deepvis::viz {

struct pca_result {
    tensor projection;          ///< (N, k)
    tensor components;          ///< (D, k)
    tensor mean;                ///< (D)
    tensor explained_variance;  ///< (k), decreasing
    double total_variance = 0;  ///< trace of the covariance
};

inline pca_result pca(const tensor& x, std::size_t k = 2) {
    DEEPVIS_CHECK(x.dimension() >= 2 && x.shape()[0] >= 2, shape_error,
                  "pca: data has shape " << shape_string(x.shape()) << ", expected at least 2 rows");
    const std::size_t n = x.shape()[0], d = x.size() / n;
    DEEPVIS_CHECK(k >= 1 && k <= d, config_error, "pca: " << k << " components asked of " << d << " features");
    pca_result r;
    r.mean = tensor(shape_type{d}, 0.0f);
    tensor centred(shape_type{n, d});
    for (std::size_t j = 0; j < d; ++j) {
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) s += x.data()[i * d + j];
        r.mean(j) = static_cast<float>(s / static_cast<double>(n));
    }
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < d; ++j) centred(i, j) = x.data()[i * d + j] - r.mean(j);
    tensor cov = matmul(tensor(xt::transpose(centred)), centred);
    cov /= static_cast<float>(n - 1);
    for (std::size_t j = 0; j < d; ++j) r.total_variance += cov(j, j);
    const eigen_decomposition e = symmetric_eigen(cov);
    r.components = tensor(shape_type{d, k});
    r.explained_variance = tensor(shape_type{k});
    for (std::size_t c = 0; c < k; ++c) {
        const std::size_t col = d - 1 - c;  // eigenvalues ascend
        r.explained_variance(c) = e.values(col);
        std::size_t arg = 0;
        for (std::size_t j = 1; j < d; ++j)
            if (std::abs(e.vectors(j, col)) > std::abs(e.vectors(arg, col))) arg = j;
        const float sign = e.vectors(arg, col) < 0 ? -1.0f : 1.0f;
        for (std::size_t j = 0; j < d; ++j) r.components(j, c) = sign * e.vectors(j, col);
    }
    r.projection = matmul(centred, r.components);
    return r;
}

}  // namespace deepvis::viz
