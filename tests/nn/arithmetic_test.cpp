// Add, Sub, Mul, Div with numpy broadcasting: values against xtensor's own broadcasting
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
