// LeakyRelu, Sigmoid, Tanh, Clip, Softmax and LogSoftmax: values against hand-computed
// formulas, gradients against finite differences (tests/support/gradient_check.hpp).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "support/gradient_check.hpp"

using namespace deepvis;
using testing::check_op_gradient;
using testing::random_tensor;
using testing::run_op;

namespace {
/// Random values pushed at least `margin` away from each kink, so central differences of a
/// piecewise-linear op see one piece.
tensor away_from(tensor t, std::initializer_list<float> kinks, float margin = 0.05f) {
    for (auto& v : t)
        for (float k : kinks)
            if (std::abs(v - k) < margin) v = v < k ? k - margin : k + margin;
    return t;
}
tensor filled(const shape_type& s, float v) {
    tensor t(s);
    t.fill(v);
    return t;
}
tensor scalar1(float v) { return filled({1}, v); }
}  // namespace

TEST_CASE("leaky_relu: values and gradient") {
    const tensor x = away_from(random_tensor({2, 3, 4, 5}, 1), {0.0f});
    const auto y = run_op("LeakyRelu", {{"alpha", 0.2f}}, {x})[0];
    for (std::size_t i = 0; i < x.size(); ++i)
        CHECK(y.data()[i] == doctest::Approx(x.data()[i] > 0 ? x.data()[i] : 0.2f * x.data()[i]));
    const auto d = run_op("LeakyRelu", {}, {x})[0];  // default alpha 0.01
    CHECK(d.data()[0] == doctest::Approx(x.data()[0] > 0 ? x.data()[0] : 0.01f * x.data()[0]));
    check_op_gradient({.op_type = "LeakyRelu", .attributes = {{"alpha", 0.2f}}, .inputs = {x}, .differentiable = {0}});
    check_op_gradient({.op_type = "LeakyRelu", .attributes = {}, .inputs = {x}, .differentiable = {0}});
}

TEST_CASE("sigmoid and tanh: values and gradients") {
    const tensor x = random_tensor({2, 3, 4, 5}, 2, 2.0f);
    const auto s = run_op("Sigmoid", {}, {x})[0];
    const auto t = run_op("Tanh", {}, {x})[0];
    for (std::size_t i = 0; i < x.size(); ++i) {
        CHECK(s.data()[i] == doctest::Approx(1.0 / (1.0 + std::exp(-double(x.data()[i])))).epsilon(1e-5));
        CHECK(t.data()[i] == doctest::Approx(std::tanh(double(x.data()[i]))).epsilon(1e-5));
    }
    check_op_gradient({.op_type = "Sigmoid", .attributes = {}, .inputs = {x}, .differentiable = {0}});
    check_op_gradient({.op_type = "Tanh", .attributes = {}, .inputs = {x}, .differentiable = {0}});
}

TEST_CASE("clip: bounds from attributes, constant inputs, run-time inputs and absent inputs") {
    const tensor x = away_from(random_tensor({2, 3, 4, 4}, 3, 4.0f), {-1.0f, 0.0f, 0.5f, 6.0f});
    // Relu6 as MobileNet exports it: Clip(x, 0, 6) with constant bounds (opset 11+).
    const auto relu6 = run_op("Clip", {}, {x, scalar1(0.0f), scalar1(6.0f)}, {1, 2})[0];
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(relu6.data()[i] == std::min(std::max(x.data()[i], 0.0f), 6.0f));
    // opset < 11: attributes.
    const auto attr = run_op("Clip", {{"min", -1.0f}, {"max", 0.5f}}, {x})[0];
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(attr.data()[i] == std::min(std::max(x.data()[i], -1.0f), 0.5f));
    // Only a max given (min omitted): no lower bound.
    const auto upper = run_op("Clip", {}, {x, tensor(), scalar1(0.5f)})[0];
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(upper.data()[i] == std::min(x.data()[i], 0.5f));

    check_op_gradient({.op_type = "Clip",
                       .attributes = {},
                       .inputs = {x, scalar1(0.0f), scalar1(6.0f)},
                       .differentiable = {0},
                       .constant = {1, 2}});
    check_op_gradient(
        {.op_type = "Clip", .attributes = {}, .inputs = {x, scalar1(-1.0f), scalar1(0.5f)}, .differentiable = {0}});
    check_op_gradient(
        {.op_type = "Clip", .attributes = {{"min", -1.0f}, {"max", 0.5f}}, .inputs = {x}, .differentiable = {0}});
}

namespace {
/// Softmax along `axis` computed independently in double precision.
tensor softmax_reference(const tensor& x, std::size_t axis, bool log) {
    tensor y = x;
    std::size_t outer = 1, inner = 1;
    const std::size_t n = x.shape()[axis];
    for (std::size_t d = 0; d < axis; ++d) outer *= x.shape()[d];
    for (std::size_t d = axis + 1; d < x.dimension(); ++d) inner *= x.shape()[d];
    for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t j = 0; j < inner; ++j) {
            double total = 0;
            for (std::size_t i = 0; i < n; ++i) total += std::exp(double(x.data()[(o * n + i) * inner + j]));
            for (std::size_t i = 0; i < n; ++i) {
                const double v = x.data()[(o * n + i) * inner + j];
                y.data()[(o * n + i) * inner + j] = static_cast<float>(log ? v - std::log(total) : std::exp(v) / total);
            }
        }
    return y;
}
}  // namespace

TEST_CASE("softmax and log_softmax: values along every axis, and gradients") {
    const tensor x = random_tensor({2, 3, 4, 5}, 4, 3.0f);
    for (const char* type : {"Softmax", "LogSoftmax"}) {
        const bool log = std::string(type) == "LogSoftmax";
        for (std::int64_t axis : {-1, 0, 1, 2, 3, -3}) {
            CAPTURE(type);
            CAPTURE(axis);
            const auto y = run_op(type, {{"axis", axis}}, {x})[0];
            const auto expected = softmax_reference(x, static_cast<std::size_t>(axis < 0 ? axis + 4 : axis), log);
            for (std::size_t i = 0; i < x.size(); ++i)
                CHECK(y.data()[i] == doctest::Approx(expected.data()[i]).epsilon(1e-5).scale(1.0));
            check_op_gradient({.op_type = type, .attributes = {{"axis", axis}}, .inputs = {x}, .differentiable = {0}});
        }
        // Default axis is the last one (opset 13).
        const auto y = run_op(type, {}, {x})[0];
        const auto expected = softmax_reference(x, 3, log);
        CHECK(y.data()[7] == doctest::Approx(expected.data()[7]).epsilon(1e-5));
    }
    // Large logits do not overflow (the maximum is subtracted first).
    const tensor big = filled({1, 3}, 1000.0f);
    const auto y = run_op("Softmax", {}, {big})[0];
    for (float v : y) CHECK(v == doctest::Approx(1.0f / 3.0f));
}
