#pragma once
/// Gemm (ONNX opsets 7–17): Y = alpha · A' · B' + beta · C, with A' = transA ? Aᵀ : A (M×K),
/// B' = transB ? Bᵀ : B (K×N), and the optional C broadcast unidirectionally to (M, N) from a
/// scalar, (N), (1, N), (M, 1) or (M, N). A batch-1 fully connected layer (M = 1) runs as
/// sgemv, which streams the weights 2–3× faster than sgemm with one row.
/// Backward: gA' = alpha · gY · B'ᵀ, gB' = alpha · A'ᵀ · gY, gC = beta · Σ gY over the broadcast axes.
#include <cblas.h>

#include <algorithm>
#include <deepvis/core/kernels/gemm.hpp>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>

namespace deepvis::nn {

class gemm_op final : public op {
public:
    explicit gemm_op(const op_context& ctx)
        : m_name("Gemm '" + ctx.node_name + "'"),
          m_alpha(ctx.attributes.get_float("alpha", 1.0f)),
          m_beta(ctx.attributes.get_float("beta", 1.0f)),
          m_trans_a(ctx.attributes.get_int("transA", 0) != 0),
          m_trans_b(ctx.attributes.get_int("transB", 0) != 0) {}

    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        const auto d = dims(x);
        ensure_shape(*y[0], shape_type{static_cast<std::size_t>(d.m), static_cast<std::size_t>(d.n)});
        float* out = y[0]->data();
        const float* a = x[0]->data();
        const float* b = x[1]->data();
        float beta = 0.0f;
        if (has_c(x) && m_beta != 0.0f) {
            const float* c = x[2]->data();
            for (std::ptrdiff_t i = 0; i < d.m; ++i)
                for (std::ptrdiff_t j = 0; j < d.n; ++j)
                    out[i * d.n + j] = m_beta * c[(d.c_rows == 1 ? 0 : i) * d.c_cols + (d.c_cols == 1 ? 0 : j)];
            beta = 1.0f;
        }
        if (d.m == 1) {
            // y (N) = alpha · B' ᵀ-view · a: B stored (K, N) needs Bᵀ·a, B stored (N, K) needs B·a.
            if (m_trans_b)
                kernels::sgemv(false, d.n, d.k, m_alpha, b, d.k, a, beta, out);
            else
                kernels::sgemv(true, d.k, d.n, m_alpha, b, d.n, a, beta, out);
        } else {
            kernels::sgemm(m_trans_a, m_trans_b, d.m, d.n, d.k, m_alpha, a, m_trans_a ? d.m : d.k, b,
                           m_trans_b ? d.k : d.n, beta, out, d.n);
        }
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch&) const override {
        const auto d = dims(x);
        if (!detail::begin_backward(x, gy, gx)) return;
        const float* g = gy[0]->data();
        const float* a = x[0]->data();
        const float* b = x[1]->data();
        if (gx[0]) {
            float* ga = gx[0]->data();
            if (d.m == 1) {
                // ga (K) = alpha · B' · g
                if (m_trans_b)
                    kernels::sgemv(true, d.n, d.k, m_alpha, b, d.k, g, 0.0f, ga);
                else
                    kernels::sgemv(false, d.k, d.n, m_alpha, b, d.n, g, 0.0f, ga);
            } else if (!m_trans_a) {  // gA (M×K) = alpha · gY · B'ᵀ
                kernels::sgemm(false, !m_trans_b, d.m, d.k, d.n, m_alpha, g, d.n, b, m_trans_b ? d.k : d.n, 0.0f, ga,
                               d.k);
            } else {  // gA (K×M) = alpha · B' · gYᵀ
                kernels::sgemm(m_trans_b, true, d.k, d.m, d.n, m_alpha, b, m_trans_b ? d.k : d.n, g, d.n, 0.0f, ga,
                               d.m);
            }
        }
        if (gx.size() > 1 && gx[1]) {
            float* gb = gx[1]->data();
            if (d.m == 1) {  // an outer product of a (K) and g (N)
                std::fill(gb, gb + d.k * d.n, 0.0f);
                const kernels::serial_blas one_thread;  // one call per element whatever the threads
                if (m_trans_b)
                    cblas_sger(CblasRowMajor, d.n, d.k, m_alpha, g, 1, a, 1, gb, d.k);
                else
                    cblas_sger(CblasRowMajor, d.k, d.n, m_alpha, a, 1, g, 1, gb, d.n);
            } else if (!m_trans_b) {  // gB (K×N) = alpha · A'ᵀ · gY
                kernels::sgemm(!m_trans_a, false, d.k, d.n, d.m, m_alpha, a, m_trans_a ? d.m : d.k, g, d.n, 0.0f, gb,
                               d.n);
            } else {  // gB (N×K) = alpha · gYᵀ · A'
                kernels::sgemm(true, m_trans_a, d.n, d.k, d.m, m_alpha, g, d.n, a, m_trans_a ? d.m : d.k, 0.0f, gb,
                               d.k);
            }
        }
        if (gx.size() > 2 && gx[2] && has_c(x)) {
            float* gc = gx[2]->data();
            std::fill(gc, gc + d.c_rows * d.c_cols, 0.0f);
            for (std::ptrdiff_t i = 0; i < d.m; ++i)
                for (std::ptrdiff_t j = 0; j < d.n; ++j)
                    gc[(d.c_rows == 1 ? 0 : i) * d.c_cols + (d.c_cols == 1 ? 0 : j)] += m_beta * g[i * d.n + j];
        }
    }

private:
    struct gemm_dims {
        std::ptrdiff_t m = 0, n = 0, k = 0, c_rows = 1, c_cols = 1;
    };

    static bool has_c(inputs_view x) { return x.size() > 2 && x[2] != nullptr; }

    gemm_dims dims(inputs_view x) const {
        DEEPVIS_CHECK(x.size() >= 2 && x[0] && x[1], shape_error, m_name << ": expected inputs A and B");
        const auto& as = x[0]->shape();
        const auto& bs = x[1]->shape();
        DEEPVIS_CHECK(as.size() == 2 && bs.size() == 2, shape_error,
                      m_name << ": A " << shape_string(as) << " and B " << shape_string(bs) << ", expected matrices");
        gemm_dims d;
        d.m = static_cast<std::ptrdiff_t>(m_trans_a ? as[1] : as[0]);
        d.k = static_cast<std::ptrdiff_t>(m_trans_a ? as[0] : as[1]);
        const auto kb = static_cast<std::ptrdiff_t>(m_trans_b ? bs[1] : bs[0]);
        d.n = static_cast<std::ptrdiff_t>(m_trans_b ? bs[0] : bs[1]);
        DEEPVIS_CHECK(kb == d.k, shape_error,
                      m_name << ": A " << shape_string(as) << " (transA " << m_trans_a << ") and B " << shape_string(bs)
                             << " (transB " << m_trans_b << ") have inner sizes " << d.k << " and " << kb
                             << ", expected them equal");
        if (has_c(x)) {
            const auto& cs = x[2]->shape();
            bool ok = cs.size() <= 2;
            if (cs.size() == 1) {
                d.c_cols = static_cast<std::ptrdiff_t>(cs[0]);
            } else if (cs.size() == 2) {
                d.c_rows = static_cast<std::ptrdiff_t>(cs[0]);
                d.c_cols = static_cast<std::ptrdiff_t>(cs[1]);
            }
            ok = ok && (d.c_rows == 1 || d.c_rows == d.m) && (d.c_cols == 1 || d.c_cols == d.n);
            DEEPVIS_CHECK(ok, shape_error,
                          m_name << ": C has shape " << shape_string(cs) << ", expected one that broadcasts to (" << d.m
                                 << ", " << d.n << ")");
        }
        return d;
    }

    std::string m_name;
    float m_alpha, m_beta;
    bool m_trans_a, m_trans_b;
};

inline const bool gemm_registered = register_op<gemm_op>("Gemm");

}  // namespace deepvis::nn
