#pragma once
/// Softmax and LogSoftmax along `axis` (opset-13 semantics: one axis, default −1):
///   Softmax:    y_i = e^{x_i − m} / Σ_j e^{x_j − m},  m = max_j x_j (subtracted for stability)
///   LogSoftmax: y_i = x_i − m − log Σ_j e^{x_j − m}
/// Backward along the axis: Softmax gx = y ⊙ (gy − Σ gy⊙y); LogSoftmax gx = gy − e^{y} Σ gy.
/// Rows along the last axis are contiguous and vectorised directly; for an inner axis the
/// (axis, inner) block is processed row by row with vectorised running maxima and sums.
/// Note: models exported at opset < 13 mean "flatten from axis" by Softmax; the two agree for
/// the usual (N, K) class scores with axis 1.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deepvis/core/kernels/elementwise.hpp>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>
#include <tuple>
#include <type_traits>

namespace deepvis::nn {

template <bool Log>
class softmax_family_op final : public op {
public:
    explicit softmax_family_op(const op_context& ctx)
        : m_what(detail::describe(ctx)), m_axis(ctx.attributes.get_int("axis", -1)) {}

    void forward(inputs_view x, outputs_view y, op_scratch& s) const override {
        ensure_shape(*y[0], x[0]->shape());
        if (x[0]->size() == 0) return;
        const auto [outer, n, inner] = layout(*x[0]);
        const float* px = x[0]->data();
        float* py = y[0]->data();
        if (inner == 1) {
            for (std::size_t o = 0; o < outer; ++o) {
                const float* xr = px + o * n;
                float* yr = py + o * n;
                const float m = kernels::max_value(xr, n);
                const float total = kernels::exp_shifted(xr, yr, n, m);
                if constexpr (Log) {
                    // (x − m) − log Σ: folding m and the log into one constant rounds it at
                    // the magnitude of m and loses the log's low bits when |m| is large.
                    kernels::add_scalar(xr, yr, n, -m);
                    kernels::add_scalar(yr, yr, n, -std::log(total));
                } else {
                    kernels::scale(yr, yr, n, 1.0f / total);
                }
            }
            return;
        }
        // Inner axis: per block, m[j] and total[j] over the n rows, vectorised across j.
        float* m = s.buffer(0, inner);
        float* total = s.buffer(1, inner);
        for (std::size_t o = 0; o < outer; ++o) {
            const float* xb = px + o * n * inner;
            float* yb = py + o * n * inner;
            std::copy(xb, xb + inner, m);
            for (std::size_t i = 1; i < n; ++i) kernels::binary(m, 1, xb + i * inner, 1, m, inner, max_fn{});
            std::fill(total, total + inner, 0.0f);
            for (std::size_t i = 0; i < n; ++i) {
                kernels::binary(xb + i * inner, 1, m, 1, yb + i * inner, inner, kernels::sub_fn{});
                exp_inplace(yb + i * inner, inner);
                kernels::add_inplace(total, yb + i * inner, inner);
            }
            if constexpr (Log) {
                for (std::size_t j = 0; j < inner; ++j) total[j] = std::log(total[j]);
                for (std::size_t i = 0; i < n; ++i) {
                    kernels::binary(xb + i * inner, 1, m, 1, yb + i * inner, inner, kernels::sub_fn{});
                    kernels::binary(yb + i * inner, 1, total, 1, yb + i * inner, inner, kernels::sub_fn{});
                }
            } else {
                for (std::size_t i = 0; i < n; ++i)
                    kernels::binary(yb + i * inner, 1, total, 1, yb + i * inner, inner, kernels::div_fn{});
            }
        }
    }

    void backward(inputs_view x, inputs_view y, inputs_view gy, outputs_view gx, op_scratch& s) const override {
        if (!gx[0]) return;
        if (!gy[0]) return detail::zero_gradient(x[0], gx[0]);
        ensure_shape(*gx[0], x[0]->shape());
        if (x[0]->size() == 0) return;
        const auto [outer, n, inner] = layout(*x[0]);
        const float* py = y[0]->data();
        const float* pg = gy[0]->data();
        float* pd = gx[0]->data();
        if (inner == 1) {
            for (std::size_t o = 0; o < outer; ++o) {
                const float* yr = py + o * n;
                const float* gr = pg + o * n;
                if constexpr (Log)
                    kernels::log_softmax_backward_row(yr, gr, pd + o * n, n, kernels::sum(gr, n));
                else
                    kernels::softmax_backward_row(yr, gr, pd + o * n, n, kernels::dot(gr, yr, n));
            }
            return;
        }
        float* acc = s.buffer(0, inner);
        float* tmp = s.buffer(1, inner);
        for (std::size_t o = 0; o < outer; ++o) {
            const float* yb = py + o * n * inner;
            const float* gb = pg + o * n * inner;
            float* db = pd + o * n * inner;
            std::fill(acc, acc + inner, 0.0f);
            for (std::size_t i = 0; i < n; ++i) {
                if constexpr (Log) {
                    kernels::add_inplace(acc, gb + i * inner, inner);
                } else {
                    kernels::binary(gb + i * inner, 1, yb + i * inner, 1, tmp, inner, kernels::mul_fn{});
                    kernels::add_inplace(acc, tmp, inner);
                }
            }
            for (std::size_t i = 0; i < n; ++i) {
                if constexpr (Log) {
                    std::copy(yb + i * inner, yb + (i + 1) * inner, tmp);
                    exp_inplace(tmp, inner);
                    kernels::binary(tmp, 1, acc, 1, tmp, inner, kernels::mul_fn{});
                    kernels::binary(gb + i * inner, 1, tmp, 1, db + i * inner, inner, kernels::sub_fn{});
                } else {
                    kernels::binary(gb + i * inner, 1, acc, 1, tmp, inner, kernels::sub_fn{});
                    kernels::binary(yb + i * inner, 1, tmp, 1, db + i * inner, inner, kernels::mul_fn{});
                }
            }
        }
    }

private:
    struct max_fn {
        template <class T>
        T operator()(const T& a, const T& b) const {
            if constexpr (std::is_same_v<T, float>)
                return std::max(a, b);
            else
                return xsimd::max(a, b);
        }
    };
    static void exp_inplace(float* p, std::size_t n) { kernels::exp_shifted(p, p, n, 0.0f); }

    std::tuple<std::size_t, std::size_t, std::size_t> layout(const tensor& t) const {
        const std::size_t axis = detail::normalize_axis(m_axis, t.dimension(), m_what);
        std::size_t outer = 1, inner = 1;
        for (std::size_t d = 0; d < axis; ++d) outer *= t.shape()[d];
        for (std::size_t d = axis + 1; d < t.dimension(); ++d) inner *= t.shape()[d];
        return {outer, t.shape()[axis], inner};
    }

    std::string m_what;
    std::int64_t m_axis;
};

using softmax_op = softmax_family_op<false>;
using log_softmax_op = softmax_family_op<true>;

inline const bool softmax_registered = register_op<softmax_op>(
    "Softmax", {.computes_features = false, .activation = op_traits::score_activation::softmax});
inline const bool log_softmax_registered = register_op<log_softmax_op>(
    "LogSoftmax", {.computes_features = false, .activation = op_traits::score_activation::log_softmax});

}  // namespace deepvis::nn
