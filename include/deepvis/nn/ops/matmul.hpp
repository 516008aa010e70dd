#pragma once
/// MatMul (ONNX opsets 1–17), numpy semantics: A (…, M, K) · B (…, K, N) → (…, M, N), leading
/// (batch) axes broadcast; a 1-D A is a row (1, K) and a 1-D B a column (K, 1), and the added
/// axis is dropped from the result. When B has no batch axes (a weight), all of A's rows go
/// through one GEMM (sgemv for a single row).
/// Backward: gA[b] = Σ gY[b] · B[b]ᵀ, gB[b] = Σ A[b]ᵀ · gY[b], summed over broadcast batches.
#include <cblas.h>

#include <algorithm>
#include <deepvis/core/kernels/gemm.hpp>
#include <deepvis/nn/op.hpp>

namespace deepvis::nn {

class matmul_op final : public op {
public:
    explicit matmul_op(const op_context& ctx) : m_name("MatMul '" + ctx.node_name + "'") {}

    void forward(inputs_view x, outputs_view y, op_scratch& s) const override {
        const auto p = plan(x, s);
        ensure_shape(*y[0], p.y_shape);
        const float* a = x[0]->data();
        const float* b = x[1]->data();
        float* out = y[0]->data();
        if (p.shared_b) {
            const std::ptrdiff_t rows = p.batches_a * p.m;
            if (rows == 1)
                kernels::sgemv(true, p.k, p.n, 1.0f, b, p.n, a, 0.0f, out);
            else
                kernels::sgemm(false, false, rows, p.n, p.k, 1.0f, a, p.k, b, p.n, 0.0f, out, p.n);
            return;
        }
        const std::int64_t* off = s.indices[0].data();
        for (std::ptrdiff_t i = 0; i < p.batches; ++i)
            kernels::sgemm(false, false, p.m, p.n, p.k, 1.0f, a + off[2 * i] * p.m * p.k, p.k,
                           b + off[2 * i + 1] * p.k * p.n, p.n, 0.0f, out + i * p.m * p.n, p.n);
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch& s) const override {
        const auto p = plan(x, s);
        for (std::size_t i = 0; i < 2 && i < gx.size(); ++i)
            if (gx[i]) ensure_shape(*gx[i], x[i]->shape());
        if (!gy[0]) {
            for (std::size_t i = 0; i < gx.size(); ++i)
                if (gx[i]) std::fill(gx[i]->begin(), gx[i]->end(), 0.0f);
            return;
        }
        const float* a = x[0]->data();
        const float* b = x[1]->data();
        const float* g = gy[0]->data();
        float* ga = gx[0] ? gx[0]->data() : nullptr;
        float* gb = gx.size() > 1 && gx[1] ? gx[1]->data() : nullptr;
        if (p.shared_b) {
            const std::ptrdiff_t rows = p.batches_a * p.m;
            if (ga && rows == 1)
                kernels::sgemv(false, p.k, p.n, 1.0f, b, p.n, g, 0.0f, ga);
            else if (ga)
                kernels::sgemm(false, true, rows, p.k, p.n, 1.0f, g, p.n, b, p.n, 0.0f, ga, p.k);
            if (gb) kernels::sgemm(true, false, p.k, p.n, rows, 1.0f, a, p.k, g, p.n, 0.0f, gb, p.n);
            return;
        }
        if (ga) std::fill(gx[0]->begin(), gx[0]->end(), 0.0f);
        if (gb) std::fill(gx[1]->begin(), gx[1]->end(), 0.0f);
        const std::int64_t* off = s.indices[0].data();
        for (std::ptrdiff_t i = 0; i < p.batches; ++i) {
            const float* gi = g + i * p.m * p.n;
            if (ga)
                kernels::sgemm(false, true, p.m, p.k, p.n, 1.0f, gi, p.n, b + off[2 * i + 1] * p.k * p.n, p.n, 1.0f,
                               ga + off[2 * i] * p.m * p.k, p.k);
            if (gb)
                kernels::sgemm(true, false, p.k, p.n, p.m, 1.0f, a + off[2 * i] * p.m * p.k, p.k, gi, p.n, 1.0f,
                               gb + off[2 * i + 1] * p.k * p.n, p.n);
        }
    }

private:
    struct matmul_plan {
        std::ptrdiff_t m = 1, n = 1, k = 1, batches = 1, batches_a = 1;
        bool shared_b = false;  ///< B has no batch axes: one GEMM over all rows of A
        shape_type y_shape;
    };

    /// Shapes, and (unless B is shared) the (A, B) matrix index of every output batch in
    /// s.indices[0], so the loops above do no index arithmetic.
    matmul_plan plan(inputs_view x, op_scratch& s) const {
        DEEPVIS_CHECK(x.size() >= 2 && x[0] && x[1], shape_error, m_name << ": expected inputs A and B");
        const auto& as = x[0]->shape();
        const auto& bs = x[1]->shape();
        DEEPVIS_CHECK(as.size() >= 1 && bs.size() >= 1, shape_error,
                      m_name << ": A " << shape_string(as) << ", B " << shape_string(bs) << ", expected rank >= 1");
        const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
        matmul_plan p;
        p.m = a_vec ? 1 : static_cast<std::ptrdiff_t>(as[as.size() - 2]);
        p.k = static_cast<std::ptrdiff_t>(as.back());
        const auto kb = static_cast<std::ptrdiff_t>(b_vec ? bs[0] : bs[bs.size() - 2]);
        p.n = b_vec ? 1 : static_cast<std::ptrdiff_t>(bs.back());
        DEEPVIS_CHECK(kb == p.k, shape_error,
                      m_name << ": A " << shape_string(as) << " has " << p.k << " columns, B " << shape_string(bs)
                             << " has " << kb << " rows, expected them equal");
        const std::size_t ra = a_vec ? 0 : as.size() - 2, rb = b_vec ? 0 : bs.size() - 2;
        const std::size_t rank = std::max(ra, rb);
        shape_type batch(rank, 1);
        for (std::size_t i = 0; i < rank; ++i) {
            const std::size_t da = i + ra >= rank ? as[i + ra - rank] : 1;
            const std::size_t db = i + rb >= rank ? bs[i + rb - rank] : 1;
            DEEPVIS_CHECK(da == db || da == 1 || db == 1, shape_error,
                          m_name << ": batch axes of A " << shape_string(as) << " and B " << shape_string(bs)
                                 << " do not broadcast");
            batch[i] = std::max(da, db);
        }
        p.batches = static_cast<std::ptrdiff_t>(element_count(batch));
        p.batches_a = 1;
        for (std::size_t i = 0; i < ra; ++i) p.batches_a *= static_cast<std::ptrdiff_t>(as[i]);
        p.shared_b = rb == 0;
        p.y_shape = batch;
        if (!a_vec) p.y_shape.push_back(static_cast<std::size_t>(p.m));
        if (!b_vec) p.y_shape.push_back(static_cast<std::size_t>(p.n));
        if (p.shared_b) return p;
        std::int64_t* off = s.index(0, 2 * static_cast<std::size_t>(p.batches));
        for (std::ptrdiff_t i = 0; i < p.batches; ++i) {
            std::ptrdiff_t rest = i, ia = 0, ib = 0, sa = 1, sb = 1;
            for (std::size_t d = rank; d-- > 0;) {
                const auto idx = rest % static_cast<std::ptrdiff_t>(batch[d]);
                rest /= static_cast<std::ptrdiff_t>(batch[d]);
                if (d + ra >= rank) {
                    const auto da = static_cast<std::ptrdiff_t>(as[d + ra - rank]);
                    ia += (da == 1 ? 0 : idx) * sa;
                    sa *= da;
                }
                if (d + rb >= rank) {
                    const auto db = static_cast<std::ptrdiff_t>(bs[d + rb - rank]);
                    ib += (db == 1 ? 0 : idx) * sb;
                    sb *= db;
                }
            }
            off[2 * i] = ia;
            off[2 * i + 1] = ib;
        }
        return p;
    }

    std::string m_name;
};

inline const bool matmul_registered = register_op<matmul_op>("MatMul");

}  // namespace deepvis::nn
