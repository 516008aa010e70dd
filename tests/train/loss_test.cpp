// Losses: values against hand-computed cases and gradients against finite differences.
#include <doctest/doctest.h>

#include <cmath>
#include <deepvis/train/binary_cross_entropy.hpp>
#include <deepvis/train/cross_entropy.hpp>
#include <deepvis/train/loss.hpp>
#include <vector>

#include "support/gradient_check.hpp"

using namespace deepvis;

static_assert(train::Loss<train::loss_archetype>);
static_assert(train::ClassificationLoss<train::cross_entropy>);
static_assert(train::Loss<train::binary_cross_entropy>);
static_assert(train::Loss<train::binary_cross_entropy_with_logits>);
static_assert(!train::ClassificationLoss<train::binary_cross_entropy>);

TEST_CASE("cross_entropy: value of a hand-computed case") {
    tensor z = {{1.0f, 2.0f, 3.0f}, {0.0f, 0.0f, 0.0f}};
    const std::vector<int> y = {2, 0};
    const double l0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0, l1 = std::log(3.0);
    CHECK(train::cross_entropy{}.loss(z, y) == doctest::Approx((l0 + l1) / 2).epsilon(1e-6));
    CHECK(train::cross_entropy{}.correct(z, y) == 2);  // ties go to the lower index
    tensor g;
    train::cross_entropy{}.loss_and_gradient(z, y, g);
    CHECK(g(1, 0) == doctest::Approx((1.0 / 3 - 1) / 2));
}

TEST_CASE("cross_entropy: gradient matches finite differences, large logits stay finite") {
    tensor z = testing::random_tensor({4, 10}, 7, 3.0f);
    const std::vector<int> y = {3, 0, 9, 5};
    tensor g;
    train::cross_entropy ce;
    ce.loss_and_gradient(z, y, g);
    testing::check_against_finite_differences(
        z, g, [&] { return ce.loss(z, y); }, "cross_entropy", 1e-2f, 1e-4f, 1e-2f);
    tensor big = {{1000.0f, -1000.0f}};
    CHECK(std::isfinite(ce.loss(big, {1})));
    CHECK(ce.loss(big, {1}) == doctest::Approx(2000.0));
}

TEST_CASE("cross_entropy: a label out of range is a config_error") {
    tensor z = {{1.0f, 2.0f}};
    CHECK_THROWS_AS(train::cross_entropy{}.loss(z, {2}), config_error);
    CHECK_THROWS_AS(train::cross_entropy{}.loss(z, {0, 1}), shape_error);
}

TEST_CASE("binary_cross_entropy: value, gradient by finite differences, clamped logs") {
    tensor p = {{0.2f, 0.7f}, {0.9f, 0.5f}};
    tensor t = {{0.0f, 1.0f}, {0.5f, 0.3f}};
    double expected = 0;
    for (std::size_t e = 0; e < 4; ++e)
        expected -= t.data()[e] * std::log(p.data()[e]) + (1 - t.data()[e]) * std::log(1 - p.data()[e]);
    train::binary_cross_entropy bce;
    CHECK(bce.loss(p, t) == doctest::Approx(expected / 4).epsilon(1e-6));
    tensor g;
    bce.loss_and_gradient(p, t, g);
    testing::check_against_finite_differences(
        p, g, [&] { return bce.loss(p, t); }, "binary_cross_entropy", 1e-3f, 1e-4f, 1e-2f);
    tensor zero(shape_type{1, 1}, 0.0f), one(shape_type{1, 1}, 1.0f);
    CHECK(bce.loss(zero, one) == doctest::Approx(100.0));  // log clamped at -100, like PyTorch
}

TEST_CASE("binary_cross_entropy_with_logits: equals BCE of the sigmoid, gradient by finite differences") {
    tensor z = testing::random_tensor({3, 1, 4, 4}, 11, 2.0f);
    tensor t = testing::random_tensor({3, 1, 4, 4}, 12, 1.0f);
    for (auto& v : t) v = 1.0f / (1.0f + std::exp(-v));
    tensor p = z;
    for (auto& v : p) v = 1.0f / (1.0f + std::exp(-v));
    train::binary_cross_entropy_with_logits bcel;
    CHECK(bcel.loss(z, t) == doctest::Approx(train::binary_cross_entropy{}.loss(p, t)).epsilon(1e-5));
    tensor g;
    bcel.loss_and_gradient(z, t, g);
    testing::check_against_finite_differences(
        z, g, [&] { return bcel.loss(z, t); }, "bce_with_logits", 1e-2f, 1e-5f, 1e-2f);
    tensor huge(shape_type{1, 1}, -200.0f), target(shape_type{1, 1}, 1.0f);
    CHECK(bcel.loss(huge, target) == doctest::Approx(200.0));  // no log(0)
    CHECK_THROWS_AS(bcel.loss(z, tensor(shape_type{3, 16})), shape_error);
}
