// Add, Sub, Mul, Div, Pow and two-input Max with numpy broadcasting: values against xtensor's own broadcasting
// expressions, gradients (including the reductions over broadcast dimensions) against finite
// differences.
#include <doctest/doctest.h>

#include <cmath>
#include <xtensor/xmath.hpp>

#include "support/gradient_check.hpp"

using namespace deepvis;
using testing::check_op_gradient;
using testing::random_tensor;
using testing::run_op;

namespace {
struct shape_pair {
    shape_type a, b;
};
const shape_pair cases[] = {
    {{2, 3, 4, 5}, {2, 3, 4, 5}},  // same shape
    {{2, 3, 4, 5}, {1, 3, 1, 1}},  // per-channel bias
    {{2, 3, 4, 5}, {5}},           // trailing vector
    {{2, 1, 4, 1}, {3, 1, 5}},     // both sides broadcast
    {{1}, {2, 3}},                 // scalar-like on the left
    {{2, 3, 4}, {2, 1, 4}},        // middle dimension
    {{2, 3, 1}, {1}},              // size-1 trailing dimensions on both
};

tensor away_from_zero(tensor t) {
    for (auto& v : t) v = v >= 0 ? v + 0.5f : v - 0.5f;
    return t;
}

void check_values(const char* type, const tensor& a, const tensor& b) {
    const auto y = run_op(type, {}, {a, b})[0];
    tensor expected;
    const std::string t = type;
    if (t == "Add")
        expected = a + b;
    else if (t == "Sub")
        expected = a - b;
    else if (t == "Mul")
        expected = a * b;
    else if (t == "Pow")
        expected = xt::pow(a, b);
    else if (t == "Max")
        expected = xt::maximum(a, b);
    else
        expected = a / b;
    REQUIRE(y.shape() == expected.shape());
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(y.data()[i] == doctest::Approx(expected.data()[i]).epsilon(1e-6));
}
}  // namespace

TEST_CASE("arithmetic: broadcast values match xtensor for add, sub, mul and div") {
    std::uint64_t seed = 100;
    for (const auto& c : cases) {
        CAPTURE(shape_string(c.a));
        CAPTURE(shape_string(c.b));
        const tensor a = random_tensor(c.a, seed++), b = away_from_zero(random_tensor(c.b, seed++));
        for (const char* type : {"Add", "Sub", "Mul", "Div"}) {
            CAPTURE(type);
            check_values(type, a, b);
            check_values(type, b, a);
        }
    }
}

TEST_CASE("arithmetic: gradients reduce over broadcast dimensions") {
    std::uint64_t seed = 200;
    for (const auto& c : cases) {
        CAPTURE(shape_string(c.a));
        CAPTURE(shape_string(c.b));
        const tensor a = away_from_zero(random_tensor(c.a, seed++)), b = away_from_zero(random_tensor(c.b, seed++));
        for (const char* type : {"Add", "Sub", "Mul", "Div"}) {
            CAPTURE(type);
            check_op_gradient({.op_type = type, .attributes = {}, .inputs = {a, b}, .differentiable = {0, 1}});
            check_op_gradient({.op_type = type, .attributes = {}, .inputs = {b, a}, .differentiable = {0, 1}});
        }
    }
}

TEST_CASE("arithmetic: incompatible shapes are a shape_error naming the node and both shapes") {
    const tensor a = random_tensor({2, 3}, 1), b = random_tensor({4}, 2);
    CHECK_THROWS_WITH_AS(run_op("Add", {}, {a, b}), doctest::Contains("Add 'test_Add': shapes (2, 3) and (4)"),
                         shape_error);
}

TEST_CASE("arithmetic: Pow (positive base) and two-input Max, values and gradients") {
    std::uint64_t seed = 300;
    for (const auto& c : cases) {
        CAPTURE(shape_string(c.a));
        CAPTURE(shape_string(c.b));
        const tensor a = xt::abs(away_from_zero(random_tensor(c.a, seed++)));
        const tensor b = away_from_zero(random_tensor(c.b, seed++));
        check_values("Pow", a, b);
        check_op_gradient({.op_type = "Pow", .attributes = {}, .inputs = {a, b}, .differentiable = {0, 1}});
        // On the grids k/2 + 0.1 and k/2 + 0.35 no two values are closer than 0.15: no tie
        // lies within a finite-difference step.
        const tensor ma = xt::floor(a * 2.0f) / 2.0f + 0.1f, mb = xt::floor(b * 2.0f) / 2.0f + 0.35f;
        check_values("Max", ma, mb);
        check_values("Max", mb, ma);
        check_op_gradient({.op_type = "Max", .attributes = {}, .inputs = {ma, mb}, .differentiable = {0, 1}});
    }
}

TEST_CASE("arithmetic: Max sends a tie's gradient to the first input, as Caffe's Eltwise MAX does") {
    const tensor a = {1.0f, 2.0f, 3.0f}, b = {1.0f, 5.0f, 0.0f};
    const auto r = testing::run_op_with_gradients("Max", {}, {a, b}, {0, 1});
    const tensor& y = r[0];
    const tensor gy = random_tensor({3}, 99);  // the output gradient run_op_with_gradients uses
    CHECK(y(0) == 1.0f);
    CHECK(y(1) == 5.0f);
    CHECK(y(2) == 3.0f);
    CHECK(r[1](0) == gy(0));  // the tie: all to a
    CHECK(r[2](0) == 0.0f);
    CHECK(r[1](1) == 0.0f);
    CHECK(r[2](1) == gy(1));
    CHECK(r[1](2) == gy(2));
    CHECK(r[2](2) == 0.0f);
}
