// LRN and BatchNormalization: values against the ONNX formulas by loops, gradients against
// finite differences.
#include <doctest/doctest.h>

#include <cmath>

#include "support/gradient_check.hpp"

using namespace deepvis;
using testing::check_op_gradient;
using testing::random_tensor;
using testing::run_op;

namespace {
/// ONNX LRN by loops.
tensor naive_lrn(const tensor& x, std::int64_t size, float alpha, float beta, float bias) {
    tensor y = x;
    const auto N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
    const std::int64_t lo = (size - 1) / 2, hi = (size - 1 + 1) / 2;
    for (std::size_t n = 0; n < N; ++n)
        for (std::int64_t c = 0; c < std::int64_t(C); ++c)
            for (std::size_t h = 0; h < H; ++h)
                for (std::size_t w = 0; w < W; ++w) {
                    double s = 0;
                    for (std::int64_t j = std::max<std::int64_t>(0, c - lo); j <= std::min<std::int64_t>(C - 1, c + hi);
                         ++j)
                        s += double(x(n, j, h, w)) * x(n, j, h, w);
                    y(n, c, h, w) = static_cast<float>(x(n, c, h, w) / std::pow(bias + alpha / size * s, beta));
                }
    return y;
}
}  // namespace

TEST_CASE("lrn: values match the ONNX formula for odd and even sizes") {
    const tensor x = random_tensor({2, 6, 3, 5}, 1, 2.0f);
    for (std::int64_t size : {1, 3, 4, 5})
        for (float beta : {0.75f, 0.6f}) {
            const auto y = run_op("LRN", {{"size", size}, {"alpha", 0.1f}, {"beta", beta}, {"bias", 2.0f}}, {x})[0];
            const auto ref = naive_lrn(x, size, 0.1f, beta, 2.0f);
            for (std::size_t i = 0; i < y.size(); ++i)
                REQUIRE(y.data()[i] == doctest::Approx(ref.data()[i]).epsilon(1e-5));
        }
    CHECK_THROWS_AS(run_op("LRN", {}, {x}), config_error);  // size is required
}

TEST_CASE("lrn: gradient matches finite differences") {
    const tensor x = random_tensor({2, 5, 3, 4}, 2);
    for (std::int64_t size : {3, 4})
        for (float beta : {0.75f, 0.6f})
            check_op_gradient({.op_type = "LRN",
                               .attributes = {{"size", size}, {"alpha", 0.5f}, {"beta", beta}, {"bias", 1.5f}},
                               .inputs = {x},
                               .differentiable = {0}});
}

TEST_CASE("batch_norm: inference values, gradients w.r.t. every input, training_mode rejected") {
    const tensor x = random_tensor({2, 3, 4, 5}, 3);
    const tensor scale = random_tensor({3}, 4), bias = random_tensor({3}, 5), mean = random_tensor({3}, 6);
    const tensor var = xt::abs(random_tensor({3}, 7)) + 0.5f;
    const auto y = run_op("BatchNormalization", {{"epsilon", 1e-3f}}, {x, scale, bias, mean, var})[0];
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t c = 0; c < 3; ++c)
            for (std::size_t h = 0; h < 4; ++h)
                for (std::size_t w = 0; w < 5; ++w)
                    CHECK(y(n, c, h, w) ==
                          doctest::Approx(scale(c) * (x(n, c, h, w) - mean(c)) / std::sqrt(var(c) + 1e-3f) + bias(c))
                              .epsilon(1e-5));
    check_op_gradient({.op_type = "BatchNormalization",
                       .attributes = {{"epsilon", 1e-3f}},
                       .inputs = {x, scale, bias, mean, var},
                       .differentiable = {0, 1, 2, 3, 4}});
    // (N, C) input, as after a Flatten.
    check_op_gradient({.op_type = "BatchNormalization",
                       .attributes = {},
                       .inputs = {random_tensor({4, 3}, 8), scale, bias, mean, var},
                       .differentiable = {0, 1, 2, 3, 4}});
    CHECK_THROWS_AS(run_op("BatchNormalization", {{"training_mode", std::int64_t(1)}}, {x, scale, bias, mean, var}),
                    unsupported_error);
    CHECK_THROWS_AS(run_op("BatchNormalization", {}, {x, scale, bias, mean, random_tensor({4}, 9)}), shape_error);
}
