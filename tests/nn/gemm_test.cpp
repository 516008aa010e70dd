// Gemm and MatMul: values against naive products (every transA/transB, C broadcast, M = 1
// through sgemv, numpy batching and 1-D operands) and gradients against finite differences.
#include <doctest/doctest.h>

#include <vector>

#include "support/gradient_check.hpp"

using namespace deepvis;
using testing::check_op_gradient;
using testing::random_tensor;
using testing::require_close;
using testing::run_op;

namespace {
tensor transposed(const tensor& a) { return tensor(xt::transpose(a)); }

/// alpha · A'·B' + beta · C, by loops.
tensor naive_gemm(const tensor& a, const tensor& b, const tensor* c, float alpha, float beta) {
    const auto M = a.shape()[0], K = a.shape()[1], N = b.shape()[1];
    tensor y = xt::zeros<float>(shape_type{M, N});
    for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = 0; j < N; ++j) {
            double s = 0;
            for (std::size_t k = 0; k < K; ++k) s += double(a(i, k)) * b(k, j);
            double cv = 0;
            if (c) {
                const auto& cs = c->shape();
                if (cs.size() == 1)
                    cv = c->data()[cs[0] == 1 ? 0 : j];
                else
                    cv = (*c)(cs[0] == 1 ? 0 : i, cs[1] == 1 ? 0 : j);
            }
            y(i, j) = static_cast<float>(alpha * s + beta * cv);
        }
    return y;
}

}  // namespace

TEST_CASE("gemm: values for every transA/transB, C shape and M = 1") {
    for (std::size_t M : {1u, 4u}) {
        const tensor a = random_tensor({M, 5}, 1), b = random_tensor({5, 3}, 2);
        const std::vector<tensor> cs = {random_tensor({1}, 3), random_tensor({3}, 4), random_tensor({1, 3}, 5),
                                        random_tensor({M, 1}, 6), random_tensor({M, 3}, 7)};
        for (int ta = 0; ta < 2; ++ta)
            for (int tb = 0; tb < 2; ++tb)
                for (const auto& c : cs) {
                    const nn::attribute_map attrs{
                        {"transA", std::int64_t(ta)}, {"transB", std::int64_t(tb)}, {"alpha", 0.5f}, {"beta", 2.0f}};
                    const auto y = run_op("Gemm", attrs, {ta ? transposed(a) : a, tb ? transposed(b) : b, c})[0];
                    require_close(y, naive_gemm(a, b, &c, 0.5f, 2.0f), 1e-5f,
                                  "Gemm M=" + std::to_string(M) + " transA=" + std::to_string(ta) +
                                      " transB=" + std::to_string(tb) + " C " + shape_string(c.shape()));
                }
        const auto no_c = run_op("Gemm", {}, {a, b})[0];
        require_close(no_c, naive_gemm(a, b, nullptr, 1.0f, 0.0f), 1e-5f, "Gemm without C");
    }
}

TEST_CASE("gemm: gradients w.r.t. A, B and C match finite differences") {
    for (std::size_t M : {1u, 3u})
        for (int ta = 0; ta < 2; ++ta)
            for (int tb = 0; tb < 2; ++tb) {
                CAPTURE(M);
                CAPTURE(ta);
                CAPTURE(tb);
                const shape_type as = ta ? shape_type{4, M} : shape_type{M, 4};
                const shape_type bs = tb ? shape_type{5, 4} : shape_type{4, 5};
                check_op_gradient({.op_type = "Gemm",
                                   .attributes = {{"transA", std::int64_t(ta)},
                                                  {"transB", std::int64_t(tb)},
                                                  {"alpha", 0.7f},
                                                  {"beta", 1.5f}},
                                   .inputs = {random_tensor(as, 1), random_tensor(bs, 2), random_tensor({5}, 3)},
                                   .differentiable = {0, 1, 2}});
                check_op_gradient({.op_type = "Gemm",
                                   .attributes = {{"transA", std::int64_t(ta)}, {"transB", std::int64_t(tb)}},
                                   .inputs = {random_tensor(as, 4), random_tensor(bs, 5), random_tensor({M, 1}, 6)},
                                   .differentiable = {0, 1, 2}});
            }
}

TEST_CASE("gemm: mismatched inner sizes throw shape_error") {
    CHECK_THROWS_AS(run_op("Gemm", {}, {random_tensor({2, 3}, 1), random_tensor({4, 5}, 2)}), shape_error);
    CHECK_THROWS_AS(run_op("Gemm", {}, {random_tensor({2, 3}, 1), random_tensor({3, 5}, 2), random_tensor({4}, 3)}),
                    shape_error);
}

namespace {
/// numpy matmul by loops over broadcast batches.
tensor naive_matmul(tensor a, tensor b) {
    const bool av = a.dimension() == 1, bv = b.dimension() == 1;
    if (av) a.reshape({1, a.size()});
    if (bv) b.reshape({b.size(), 1});
    const std::size_t ra = a.dimension() - 2, rb = b.dimension() - 2, r = std::max(ra, rb);
    shape_type batch(r);
    for (std::size_t i = 0; i < r; ++i) {
        const std::size_t da = i + ra >= r ? a.shape()[i + ra - r] : 1, db = i + rb >= r ? b.shape()[i + rb - r] : 1;
        batch[i] = std::max(da, db);
    }
    const std::size_t M = a.shape()[ra], K = a.shape()[ra + 1], N = b.shape()[rb + 1];
    shape_type ys = batch;
    ys.push_back(M);
    ys.push_back(N);
    tensor y(ys);
    const std::size_t nb = element_count(batch);
    for (std::size_t t = 0; t < nb; ++t) {
        std::size_t rest = t, ia = 0, ib = 0, sa = 1, sb = 1;
        for (std::size_t d = r; d-- > 0;) {
            const std::size_t idx = rest % batch[d];
            rest /= batch[d];
            if (d + ra >= r) {
                const auto da = a.shape()[d + ra - r];
                ia += (da == 1 ? 0 : idx) * sa;
                sa *= da;
            }
            if (d + rb >= r) {
                const auto db = b.shape()[d + rb - r];
                ib += (db == 1 ? 0 : idx) * sb;
                sb *= db;
            }
        }
        for (std::size_t i = 0; i < M; ++i)
            for (std::size_t j = 0; j < N; ++j) {
                double s = 0;
                for (std::size_t k = 0; k < K; ++k)
                    s += double(a.data()[ia * M * K + i * K + k]) * b.data()[ib * K * N + k * N + j];
                y.data()[t * M * N + i * N + j] = static_cast<float>(s);
            }
    }
    shape_type out = batch;
    if (!av) out.push_back(M);
    if (!bv) out.push_back(N);
    y.reshape(out);
    return y;
}

const std::vector<std::pair<shape_type, shape_type>> matmul_cases = {
    {{3, 4}, {4, 5}},    {{1, 4}, {4, 5}}, {{2, 3, 4}, {4, 5}},    {{4}, {4, 5}},
    {{3, 4}, {4}},       {{4}, {4}},       {{2, 3, 4}, {2, 4, 5}}, {{2, 1, 3, 4}, {3, 4, 2}},
    {{3, 4}, {2, 4, 5}}, {{4}, {2, 4, 3}}, {{2, 2, 3, 4}, {4}},
};
}  // namespace

TEST_CASE("matmul: numpy semantics for 2-D, batched with broadcasting, and 1-D operands") {
    for (const auto& [as, bs] : matmul_cases) {
        const tensor a = random_tensor(as, 1), b = random_tensor(bs, 2);
        const auto y = run_op("MatMul", {}, {a, b})[0];
        require_close(y, naive_matmul(a, b), 1e-5f, "MatMul " + shape_string(as) + " x " + shape_string(bs));
    }
    CHECK_THROWS_AS(run_op("MatMul", {}, {random_tensor({2, 3, 4}, 1), random_tensor({3, 4, 5}, 2)}), shape_error);
    CHECK_THROWS_AS(run_op("MatMul", {}, {random_tensor({3, 4}, 1), random_tensor({3, 5}, 2)}), shape_error);
}

TEST_CASE("matmul: gradients w.r.t. both operands match finite differences") {
    for (const auto& [as, bs] : matmul_cases) {
        CAPTURE(shape_string(as));
        CAPTURE(shape_string(bs));
        check_op_gradient({.op_type = "MatMul",
                           .attributes = {},
                           .inputs = {random_tensor(as, 3), random_tensor(bs, 4)},
                           .differentiable = {0, 1}});
    }
}
