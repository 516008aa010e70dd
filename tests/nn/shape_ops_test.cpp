// Identity, Dropout, Constant, Flatten, Reshape, Squeeze, Unsqueeze, Transpose, Pad, Concat,
// Shape and Gather: values against hand-computed or xtensor-computed results, gradients against
// finite differences, and the Shape → Gather → Unsqueeze → Concat → Reshape chain that PyTorch
// exports for x.view(x.size(0), -1) run through the network executor.
#include <doctest/doctest.h>

#include <deepvis/nn/network.hpp>
#include <vector>
#include <xtensor/xmanipulation.hpp>

#include "support/gradient_check.hpp"

using namespace deepvis;
using testing::check_op_gradient;
using testing::make_tensor;
using testing::random_tensor;
using testing::run_op;
using testing::values_of;
using testing::vector_tensor;

TEST_CASE("identity and dropout: copy the input; dropout's mask is all true") {
    const tensor x = random_tensor({2, 3, 4}, 1);
    CHECK(run_op("Identity", {}, {x})[0] == x);
    const auto out = run_op("Dropout", {{"ratio", 0.5f}}, {x}, {}, 2);
    CHECK(out[0] == x);
    CHECK(out[1].shape() == x.shape());
    for (float m : out[1]) CHECK(m == 1.0f);
    check_op_gradient({.op_type = "Identity", .attributes = {}, .inputs = {x}, .differentiable = {0}});
    check_op_gradient({.op_type = "Dropout", .attributes = {}, .inputs = {x}, .differentiable = {0}}, 2);
}

TEST_CASE("constant: value tensor and the scalar and list attributes") {
    const tensor v = random_tensor({2, 3}, 2);
    CHECK(run_op("Constant", {{"value", v}}, {})[0] == v);
    const auto f = run_op("Constant", {{"value_float", 2.5f}}, {})[0];
    CHECK(f.dimension() == 0);
    CHECK(f() == 2.5f);
    CHECK(values_of(run_op("Constant", {{"value_floats", std::vector<float>{1.0f, 2.0f}}}, {})[0]) ==
          std::vector<float>{1.0f, 2.0f});
    CHECK(run_op("Constant", {{"value_int", std::int64_t{-3}}}, {})[0]() == -3.0f);
    CHECK(values_of(run_op("Constant", {{"value_ints", std::vector<std::int64_t>{4, -1}}}, {})[0]) ==
          std::vector<float>{4.0f, -1.0f});
    CHECK_THROWS_AS(run_op("Constant", {}, {}), unsupported_error);
}

TEST_CASE("flatten: axis 1, axis 0, negative axis and axis = rank") {
    const tensor x = random_tensor({2, 3, 4, 5}, 3);
    CHECK(run_op("Flatten", {}, {x})[0].shape() == shape_type{2, 60});
    CHECK(run_op("Flatten", {{"axis", std::int64_t{0}}}, {x})[0].shape() == shape_type{1, 120});
    CHECK(run_op("Flatten", {{"axis", std::int64_t{-2}}}, {x})[0].shape() == shape_type{6, 20});
    CHECK(run_op("Flatten", {{"axis", std::int64_t{4}}}, {x})[0].shape() == shape_type{120, 1});
    CHECK(values_of(run_op("Flatten", {}, {x})[0]) == values_of(x));
    check_op_gradient(
        {.op_type = "Flatten", .attributes = {{"axis", std::int64_t{2}}}, .inputs = {x}, .differentiable = {0}});
}

TEST_CASE("reshape: 0 copies a dimension, -1 is inferred, allowzero, constant or computed shape") {
    const tensor x = random_tensor({2, 3, 4}, 4);
    CHECK(run_op("Reshape", {}, {x, vector_tensor({0, -1})}, {1})[0].shape() == shape_type{2, 12});
    CHECK(run_op("Reshape", {}, {x, vector_tensor({-1, 0, 2, 2})})[0].shape() == shape_type{2, 3, 2, 2});
    CHECK(run_op("Reshape", {}, {x, vector_tensor({4, 6})})[0].shape() == shape_type{4, 6});
    CHECK(run_op("Reshape", {{"shape", std::vector<std::int64_t>{24}}}, {x})[0].shape() == shape_type{24});
    CHECK(values_of(run_op("Reshape", {}, {x, vector_tensor({6, 4})})[0]) == values_of(x));
    const tensor empty(shape_type{0, 3});
    CHECK(run_op("Reshape", {{"allowzero", std::int64_t{1}}}, {empty, vector_tensor({3, 0})})[0].shape() ==
          shape_type{3, 0});
    CHECK_THROWS_WITH_AS(run_op("Reshape", {}, {x, vector_tensor({5, -1})}), doctest::Contains("cannot infer"),
                         shape_error);
    CHECK_THROWS_WITH_AS(run_op("Reshape", {}, {x, vector_tensor({5, 5})}), doctest::Contains("has 24 elements"),
                         shape_error);
    check_op_gradient({.op_type = "Reshape",
                       .attributes = {},
                       .inputs = {x, vector_tensor({0, -1})},
                       .differentiable = {0},
                       .constant = {1}});
    check_op_gradient(
        {.op_type = "Reshape", .attributes = {}, .inputs = {x, vector_tensor({4, 3, 2})}, .differentiable = {0, 1}});
}

TEST_CASE("squeeze and unsqueeze: axes from the attribute or the input, negative axes") {
    const tensor x = random_tensor({2, 1, 3, 1}, 5);
    CHECK(run_op("Squeeze", {}, {x})[0].shape() == shape_type{2, 3});
    CHECK(run_op("Squeeze", {{"axes", std::vector<std::int64_t>{-1}}}, {x})[0].shape() == shape_type{2, 1, 3});
    CHECK(run_op("Squeeze", {}, {x, vector_tensor({1})}, {1})[0].shape() == shape_type{2, 3, 1});
    CHECK_THROWS_AS(run_op("Squeeze", {{"axes", std::vector<std::int64_t>{0}}}, {x}), shape_error);
    CHECK(run_op("Unsqueeze", {{"axes", std::vector<std::int64_t>{0, -1}}}, {x})[0].shape() ==
          shape_type{1, 2, 1, 3, 1, 1});
    CHECK(run_op("Unsqueeze", {}, {x, vector_tensor({2})})[0].shape() == shape_type{2, 1, 1, 3, 1});
    CHECK(values_of(run_op("Unsqueeze", {}, {x, vector_tensor({0})})[0]) == values_of(x));
    check_op_gradient({.op_type = "Squeeze", .attributes = {}, .inputs = {x}, .differentiable = {0}});
    check_op_gradient({.op_type = "Unsqueeze",
                       .attributes = {},
                       .inputs = {x, vector_tensor({1})},
                       .differentiable = {0},
                       .constant = {1}});
}

TEST_CASE("transpose: values match xt::transpose for several permutations") {
    const tensor x = random_tensor({2, 3, 4, 5}, 6);
    const std::vector<std::vector<std::int64_t>> perms = {{0, 2, 3, 1}, {3, 2, 1, 0}, {1, 0, 2, 3}, {0, 1, 3, 2}};
    for (const auto& p : perms) {
        CAPTURE(shape_string(p));
        const auto y = run_op("Transpose", {{"perm", p}}, {x})[0];
        const tensor expected = xt::transpose(x, std::vector<std::size_t>(p.begin(), p.end()));
        CHECK(y == expected);
        check_op_gradient({.op_type = "Transpose", .attributes = {{"perm", p}}, .inputs = {x}, .differentiable = {0}});
    }
    const tensor reversed = xt::transpose(x);
    CHECK(run_op("Transpose", {}, {x})[0] == reversed);
}

TEST_CASE("pad: constant, reflect, edge and wrap on a hand-computed row") {
    const tensor x = make_tensor({1, 4}, {1, 2, 3, 4});
    auto pad = [&](const char* mode, float value = 0.0f) {
        return values_of(run_op("Pad", {{"mode", std::string(mode)}},
                                {x, vector_tensor({0, 2, 0, 2}), vector_tensor({value})}, {1, 2})[0]);
    };
    CHECK(pad("constant", 7.0f) == std::vector<float>{7, 7, 1, 2, 3, 4, 7, 7});
    CHECK(pad("reflect") == std::vector<float>{3, 2, 1, 2, 3, 4, 3, 2});
    CHECK(pad("edge") == std::vector<float>{1, 1, 1, 2, 3, 4, 4, 4});
    CHECK(pad("wrap") == std::vector<float>{3, 4, 1, 2, 3, 4, 1, 2});
    // opset < 11: pads and value attributes; negative pads crop.
    const auto old = run_op("Pad", {{"pads", std::vector<std::int64_t>{1, -1, 0, 1}}, {"value", 9.0f}}, {x})[0];
    CHECK(old.shape() == shape_type{2, 4});
    CHECK(values_of(old) == std::vector<float>{9, 9, 9, 9, 2, 3, 4, 9});
    // 2-D reflect, as in a ReflectionPad2d(1) of style-transfer nets.
    const tensor img = make_tensor({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
    const auto r = run_op("Pad", {{"mode", std::string("reflect")}}, {img, vector_tensor({0, 0, 1, 1, 0, 0, 1, 1})})[0];
    CHECK(r.shape() == shape_type{1, 1, 4, 5});
    CHECK(values_of(r) == std::vector<float>{5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6, 5, 2, 1, 2, 3, 2});
    // opset 18 axes input: pads only the listed axes.
    const auto a = run_op("Pad", {}, {img, vector_tensor({1, 1}), tensor(), vector_tensor({-1})})[0];
    CHECK(a.shape() == shape_type{1, 1, 2, 5});
}

TEST_CASE("pad: gradients in every mode, with N = 2") {
    const tensor x = random_tensor({2, 3, 4, 5}, 7);
    for (const char* mode : {"constant", "reflect", "edge", "wrap"}) {
        CAPTURE(mode);
        check_op_gradient({.op_type = "Pad",
                           .attributes = {{"mode", std::string(mode)}},
                           .inputs = {x, vector_tensor({0, 0, 2, 1, 0, 0, 1, 3}), vector_tensor({0.5f})},
                           .differentiable = {0},
                           .constant = {1, 2}});
        check_op_gradient({.op_type = "Pad",
                           .attributes = {{"mode", std::string(mode)}},
                           .inputs = {x, vector_tensor({0, 1, -1, 2, 0, 0, 3, -2})},
                           .differentiable = {0}});
    }
}

TEST_CASE("concat: every axis, negative axis, values match xt::concatenate") {
    const tensor a = random_tensor({2, 3, 4}, 8), b = random_tensor({2, 3, 4}, 9);
    for (std::int64_t axis : {0, 1, 2, -1}) {
        CAPTURE(axis);
        const std::size_t ax = static_cast<std::size_t>(axis < 0 ? axis + 3 : axis);
        shape_type sc = shape_of(a);
        sc[ax] = 2;
        const tensor c = random_tensor(sc, 10);
        const auto y = run_op("Concat", {{"axis", axis}}, {a, c, b})[0];
        const tensor expected = xt::concatenate(xt::xtuple(a, c, b), ax);
        CHECK(y == expected);
        check_op_gradient(
            {.op_type = "Concat", .attributes = {{"axis", axis}}, .inputs = {a, c, b}, .differentiable = {0, 1, 2}});
    }
    CHECK_THROWS_AS(run_op("Concat", {{"axis", std::int64_t{0}}}, {a, random_tensor({2, 2, 4}, 11)}), shape_error);
}

TEST_CASE("shape and gather: values, negative indices, gradients") {
    const tensor x = random_tensor({2, 3, 4, 5}, 12);
    CHECK(values_of(run_op("Shape", {}, {x})[0]) == std::vector<float>{2, 3, 4, 5});
    CHECK(values_of(run_op("Shape", {{"start", std::int64_t{1}}, {"end", std::int64_t{-1}}}, {x})[0]) ==
          std::vector<float>{3, 4});
    check_op_gradient({.op_type = "Shape", .attributes = {}, .inputs = {x}, .differentiable = {0}});

    const tensor data = make_tensor({3, 2}, {1, 2, 3, 4, 5, 6});
    CHECK(values_of(run_op("Gather", {}, {data, vector_tensor({2, 0, -1})}, {1})[0]) ==
          std::vector<float>{5, 6, 1, 2, 5, 6});
    const auto g = run_op("Gather", {{"axis", std::int64_t{1}}}, {data, make_tensor({1, 2}, {1, 1})})[0];
    CHECK(g.shape() == shape_type{3, 1, 2});
    CHECK(values_of(g) == std::vector<float>{2, 2, 4, 4, 6, 6});
    CHECK_THROWS_AS(run_op("Gather", {}, {data, vector_tensor({3})}), shape_error);
    check_op_gradient({.op_type = "Gather",
                       .attributes = {{"axis", std::int64_t{2}}},
                       .inputs = {x, make_tensor({2, 2}, {3, 0, -1, 3})},
                       .differentiable = {0, 1},
                       .constant = {1}});
}

TEST_CASE("network: PyTorch's flatten chain Shape -> Gather -> Unsqueeze -> Concat -> Reshape") {
    nn::graph g;
    g.inputs = {{"x", {-1, 3, 4, 5}}};
    g.outputs = {{"y", {}}};
    g.initializers["zero"] = tensor(shape_type{});
    g.initializers["zero"]() = 0.0f;
    g.initializers["minus_one"] = vector_tensor({-1});
    g.integer_initializers = {"zero", "minus_one"};
    g.add({"shape", "Shape", {"x"}, {"s"}, {}});
    g.add({"gather", "Gather", {"s", "zero"}, {"n"}, {{"axis", std::int64_t{0}}}});
    g.add({"unsqueeze", "Unsqueeze", {"n"}, {"n1"}, {{"axes", std::vector<std::int64_t>{0}}}});
    g.add({"concat", "Concat", {"n1", "minus_one"}, {"target"}, {{"axis", std::int64_t{0}}}});
    g.add({"reshape", "Reshape", {"x", "target"}, {"y"}, {}});
    const nn::network net(std::move(g));
    nn::network::trace t;
    const tensor x = random_tensor({2, 3, 4, 5}, 13);
    const tensor& y = net.forward(x, t);
    CHECK(y.shape() == shape_type{2, 60});
    CHECK(values_of(y) == values_of(x));
    const tensor seed_gradient = random_tensor({2, 60}, 14);
    const nn::gradient_seed seeds[] = {{"y", seed_gradient}};
    const tensor& gx = net.backward(t, seeds, "x");
    CHECK(gx.shape() == x.shape());
    CHECK(values_of(gx) == values_of(seed_gradient));
}
