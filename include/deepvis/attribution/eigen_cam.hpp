#pragma once
/// Eigen-CAM and EigenGrad-CAM (Muhammad & Yeasin 2020, "Eigen-CAM: Class Activation Map using
/// Principal Components", IJCNN; eq. 6–7): the layer's maps projected on their first principal
/// component, as pytorch-grad-cam's get_2d_projection computes it. Per batch item, with the
/// (h·w × K) matrix X whose row p holds the K channel values at position p,
///   M = X − 1 mean_p(X)   (each channel centred over positions),
///   v1 = the first right singular vector of M (the eigenvector of MᵀM of largest eigenvalue),
///   L = ReLU(M v1), reshaped to (h, w) and upsampled like Grad-CAM.
/// Eigen-CAM takes X from the activations A (class-agnostic: `classes` are checked, not used);
/// EigenGrad-CAM from G ⊙ A, G = ∂score_c/∂A (pytorch-grad-cam's EigenGradCAM).
///
/// Sign (differs from pytorch-grad-cam): an SVD's singular vector has an arbitrary sign, and
/// pytorch-grad-cam keeps whatever numpy returns, so its map can come out as the ReLU of the
/// negated projection. Here v1 is oriented so that the projection correlates positively with the
/// row sums of X (Σ_k A_k for Eigen-CAM, Σ_k G_k ⊙ A_k for EigenGrad-CAM): Σ_p (M v1)_p Σ_k X_pk ≥ 0,
/// and, if that is exactly 0, so that the projection's largest-magnitude entry (the first, on
/// ties) is positive. The map is then a deterministic function of X.
///
/// v1 comes from LAPACK dsyevd (core/linalg.hpp) in double on the smaller Gram matrix: MᵀM (K×K),
/// or M Mᵀ (hw×hw) when hw < K, whose leading eigenvector u1 gives v1 = Mᵀu1 / ‖Mᵀu1‖. When
/// σ1 ≈ σ2 the first component is ill-defined (any such method is unstable there); when M = 0
/// the map is 0. Options as Grad-CAM's: .relu = false keeps the signed projection.
#include <cmath>
#include <deepvis/attribution/gradcam.hpp>
#include <deepvis/core/linalg.hpp>
#include <vector>

namespace deepvis {
inline namespace attribution {

using eigen_cam_options = gradcam_options;

}  // namespace attribution

namespace detail {

/// Per batch item of m (N, K, h, w): the projection of the centred (hw × K) matrix on its first
/// right singular vector, with the sign convention above, ReLU when asked: (N, h, w).
inline tensor principal_projection(const tensor& m, bool relu) {
    const std::size_t n = m.shape()[0], k = m.shape()[1], hw = m.shape()[2] * m.shape()[3];
    tensor out = xt::zeros<float>({n, m.shape()[2], m.shape()[3]});
    std::vector<double> centred(hw * k), row_sum(hw), v(k), projection(hw);
    for (std::size_t i = 0; i < n; ++i) {
        const float* src = m.data() + i * k * hw;  // channel c, position p at src[c * hw + p]
        std::fill(row_sum.begin(), row_sum.end(), 0.0);
        for (std::size_t c = 0; c < k; ++c) {
            double mean = 0.0;
            for (std::size_t p = 0; p < hw; ++p) mean += src[c * hw + p];
            mean /= double(hw);
            for (std::size_t p = 0; p < hw; ++p) {
                centred[p * k + c] = src[c * hw + p] - mean;
                row_sum[p] += src[c * hw + p];
            }
        }
        // The smaller Gram matrix: (K×K) MᵀM gives v1 directly; (hw×hw) M Mᵀ gives u1, v1 ∝ Mᵀu1.
        const bool by_columns = k <= hw;
        const std::size_t g = by_columns ? k : hw;
        std::vector<double> gram(g * g, 0.0);
        for (std::size_t r = 0; r < g; ++r)
            for (std::size_t c = 0; c <= r; ++c) {
                double s = 0.0;
                if (by_columns)
                    for (std::size_t p = 0; p < hw; ++p) s += centred[p * k + r] * centred[p * k + c];
                else
                    for (std::size_t q = 0; q < k; ++q) s += centred[r * k + q] * centred[c * k + q];
                gram[r * g + c] = gram[c * g + r] = s;
            }
        const leading_eigenpair e = leading_symmetric_eigen(gram, g);
        if (by_columns) {
            v = e.vector;
        } else {
            std::fill(v.begin(), v.end(), 0.0);
            for (std::size_t p = 0; p < hw; ++p)
                for (std::size_t q = 0; q < k; ++q) v[q] += centred[p * k + q] * e.vector[p];
        }
        double norm = 0.0;
        for (double value : v) norm += value * value;
        norm = std::sqrt(norm);
        if (!(norm > 0.0) || !(e.value > 0.0)) continue;  // M = 0: no component, the map is 0
        double correlation = 0.0;
        std::size_t largest = 0;
        for (std::size_t p = 0; p < hw; ++p) {
            double s = 0.0;
            for (std::size_t q = 0; q < k; ++q) s += centred[p * k + q] * v[q];
            projection[p] = s / norm;
            correlation += projection[p] * row_sum[p];
            if (std::abs(projection[p]) > std::abs(projection[largest])) largest = p;
        }
        const double sign = correlation < 0.0 || (correlation == 0.0 && projection[largest] < 0.0) ? -1.0 : 1.0;
        float* dst = out.data() + i * hw;
        for (std::size_t p = 0; p < hw; ++p) {
            const double value = sign * projection[p];
            dst[p] = static_cast<float>(relu ? std::max(value, 0.0) : value);
        }
    }
    return out;
}

}  // namespace detail

inline namespace attribution {

/// Eigen-CAM: (N, H, W), or (N, h, w) with upsample = none. Class-agnostic.
///   requires: x is NCHW; the layer's output is 4-D (else config_error).
template <class M>
tensor eigen_cam(const M& model, const tensor& x, const class_indices& classes, const eigen_cam_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    const auto d = detail::cam_pass(model, x, classes, options.layer, "eigen_cam", false);
    return detail::finish_cam(detail::principal_projection(d.activations, options.relu), x, options.upsample,
                              options.normalize);
}

/// EigenGrad-CAM: the same projection of G ⊙ A. (N, H, W), or (N, h, w) with upsample = none.
///   requires: x is NCHW; the layer's output is 4-D (else config_error).
template <class M>
tensor eigen_grad_cam(const M& model, const tensor& x, const class_indices& classes,
                      const eigen_cam_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    const auto d = detail::cam_pass(model, x, classes, options.layer, "eigen_grad_cam");
    return detail::finish_cam(
        detail::principal_projection(detail::gradient_times_activation(d.activations, d.gradient, false), options.relu),
        x, options.upsample, options.normalize);
}

}  // namespace attribution
}  // namespace deepvis
