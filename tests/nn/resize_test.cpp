// Resize (opset 10-13) and Upsample: bilinear values against PyTorch, nearest values against
// PyTorch and hand-computed ONNX rounding rules, gradients against finite differences.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "support/gradient_check.hpp"

using namespace deepvis;
using testing::check_op_gradient;
using testing::make_tensor;
using testing::random_tensor;
using testing::run_op;
using testing::values_of;
using testing::vector_tensor;

namespace {

void check_values(const tensor& y, const shape_type& s, const std::vector<float>& expected) {
    REQUIRE(shape_of(y) == s);
    for (std::size_t i = 0; i < expected.size(); ++i)
        CHECK_MESSAGE(y.data()[i] == doctest::Approx(expected[i]).epsilon(1e-5).scale(1.0),
                      "element " << i << ": " << y.data()[i] << " expected " << expected[i]);
}

// The fixtures below were made at /usr/bin/python3 with PyTorch 1.13:
//   x = torch.tensor([float((i * 37) % 11 - 5) for i in range(24)]).reshape(2, 1, 3, 4)
//   F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)  -> bilinear_scale2
//   F.interpolate(x, size=(5, 7), mode='bilinear', align_corners=False)     -> bilinear_5x7
//   F.interpolate(x, size=(5, 7), mode='bilinear', align_corners=True)      -> bilinear_5x7_corners
//   F.interpolate(x, size=(5, 7), mode='nearest')                           -> nearest_5x7
// and printed with "%.6f".
tensor fixture_input() {
    std::vector<float> v(24);
    for (int i = 0; i < 24; ++i) v[i] = static_cast<float>((i * 37) % 11 - 5);
    return make_tensor({2, 1, 3, 4}, v);
}
const std::vector<float> bilinear_scale2 = {
    -5.000000f, -4.000000f, -2.000000f, 0.000000f,  2.000000f,  1.250000f,  -2.250000f, -4.000000f, -3.750000f,
    -2.750000f, -0.750000f, 0.562500f,  1.187500f,  0.437500f,  -1.687500f, -2.750000f, -1.250000f, -0.250000f,
    1.750000f,  1.687500f,  -0.437500f, -1.187500f, -0.562500f, -0.250000f, 1.250000f,  1.562500f,  2.187500f,
    1.437500f,  -0.687500f, -1.437500f, -0.812500f, -0.500000f, 3.750000f,  2.687500f,  0.562500f,  -0.187500f,
    0.437500f,  -0.312500f, -2.437500f, -3.500000f, 5.000000f,  3.250000f,  -0.250000f, -1.000000f, 1.000000f,
    0.250000f,  -3.250000f, -5.000000f, -1.000000f, 0.000000f,  2.000000f,  1.250000f,  -2.250000f, -3.000000f,
    -1.000000f, 0.000000f,  0.250000f,  0.562500f,  1.187500f,  0.437500f,  -1.687500f, -1.750000f, 0.250000f,
    1.250000f,  2.750000f,  1.687500f,  -0.437500f, -1.187500f, -0.562500f, 0.750000f,  2.750000f,  3.750000f,
    2.500000f,  1.437500f,  -0.687500f, -1.437500f, -0.812500f, 0.500000f,  2.500000f,  3.500000f,  -0.500000f,
    -0.187500f, 0.437500f,  -0.312500f, -2.437500f, -2.500000f, -0.500000f, 0.500000f,  -2.000000f, -1.000000f,
    1.000000f,  0.250000f,  -3.250000f, -4.000000f, -2.000000f, -1.000000f};
const std::vector<float> bilinear_5x7 = {
    -5.000000f, -3.571428f, -1.285714f, 1.000000f,  2.499999f,  -1.500001f, -4.000000f, -3.000000f, -1.571428f,
    0.714286f,  0.800000f,  0.414285f,  -1.071429f, -2.000000f, 0.000000f,  1.428572f,  3.714286f,  0.499999f,
    -2.714285f, -0.428571f, 1.000000f,  3.000000f,  2.071429f,  0.585714f,  0.200000f,  -0.185714f, -1.671429f,
    -2.600000f, 5.000000f,  2.500000f,  -1.500000f, 0.000000f,  1.499999f,  -2.500001f, -5.000000f, -1.000000f,
    0.428572f,  2.714286f,  -0.500001f, -3.714285f, -1.428571f, 0.000000f,  1.000000f,  0.857143f,  0.628571f,
    -0.700000f, -1.714285f, 0.571429f,  2.000000f,  4.000000f,  1.499999f,  -2.500000f, -1.000000f, 1.285714f,
    3.571429f,  5.000000f,  0.399999f,  0.257143f,  0.028572f,  -1.300000f, -2.314286f, -0.028571f, 1.400000f,
    -2.000000f, -0.571428f, 1.714286f,  -1.500001f, -4.714285f, -2.428571f, -1.000000f};
const std::vector<float> bilinear_5x7_corners = {
    -5.000000f, -3.000000f, -1.000000f, 1.000000f,  3.000000f,  -0.500000f, -4.000000f, -2.500000f, -0.500000f,
    1.500000f,  0.750000f,  0.000000f,  -0.750000f, -1.500000f, 0.000000f,  2.000000f,  4.000000f,  0.500000f,
    -3.000000f, -1.000000f, 1.000000f,  2.500000f,  1.750000f,  1.000000f,  0.250000f,  -0.500000f, -1.250000f,
    -2.000000f, 5.000000f,  1.500000f,  -2.000000f, 0.000000f,  2.000000f,  -1.500000f, -5.000000f, -1.000000f,
    1.000000f,  3.000000f,  -0.500000f, -4.000000f, -2.000000f, 0.000000f,  1.500000f,  0.750000f,  0.000000f,
    -0.750000f, -1.500000f, 0.500000f,  2.500000f,  4.000000f,  0.500000f,  -3.000000f, -1.000000f, 1.000000f,
    3.000000f,  5.000000f,  1.000000f,  0.250000f,  -0.500000f, -1.250000f, -2.000000f, 0.000000f,  2.000000f,
    -2.000000f, 0.000000f,  2.000000f,  -1.500000f, -5.000000f, -3.000000f, -1.000000f};
const std::vector<float> nearest_5x7 = {
    -5.000000f, -5.000000f, -1.000000f, -1.000000f, 3.000000f,  3.000000f,  -4.000000f, -5.000000f, -5.000000f,
    -1.000000f, -1.000000f, 3.000000f,  3.000000f,  -4.000000f, 0.000000f,  0.000000f,  4.000000f,  4.000000f,
    -3.000000f, -3.000000f, 1.000000f,  0.000000f,  0.000000f,  4.000000f,  4.000000f,  -3.000000f, -3.000000f,
    1.000000f,  5.000000f,  5.000000f,  -2.000000f, -2.000000f, 2.000000f,  2.000000f,  -5.000000f, -1.000000f,
    -1.000000f, 3.000000f,  3.000000f,  -4.000000f, -4.000000f, 0.000000f,  -1.000000f, -1.000000f, 3.000000f,
    3.000000f,  -4.000000f, -4.000000f, 0.000000f,  4.000000f,  4.000000f,  -3.000000f, -3.000000f, 1.000000f,
    1.000000f,  5.000000f,  4.000000f,  4.000000f,  -3.000000f, -3.000000f, 1.000000f,  1.000000f,  5.000000f,
    -2.000000f, -2.000000f, 2.000000f,  2.000000f,  -5.000000f, -5.000000f, -1.000000f};

nn::attribute_map linear(const std::string& coordinates) {
    return {{"mode", std::string("linear")}, {"coordinate_transformation_mode", coordinates}};
}
nn::attribute_map nearest(const std::string& coordinates, const std::string& rounding) {
    return {
        {"mode", std::string("nearest")}, {"coordinate_transformation_mode", coordinates}, {"nearest_mode", rounding}};
}
const tensor no_input;  // an omitted optional input (roi, scales)
}  // namespace

TEST_CASE("resize: bilinear values match PyTorch interpolate") {
    const tensor x = fixture_input();
    // scales given as a constant initialiser, as PyTorch exports Upsample(scale_factor=2).
    check_values(run_op("Resize", linear("half_pixel"), {x, no_input, vector_tensor({1, 1, 2, 2})}, {2})[0],
                 {2, 1, 6, 8}, bilinear_scale2);
    // pytorch_half_pixel agrees wherever the output has more than one pixel.
    check_values(run_op("Resize", linear("pytorch_half_pixel"), {x, no_input, vector_tensor({1, 1, 2, 2})})[0],
                 {2, 1, 6, 8}, bilinear_scale2);
    // sizes given at run time (not a constant), scales omitted.
    check_values(run_op("Resize", linear("half_pixel"), {x, no_input, no_input, vector_tensor({2, 1, 5, 7})})[0],
                 {2, 1, 5, 7}, bilinear_5x7);
    check_values(
        run_op("Resize", linear("align_corners"), {x, no_input, no_input, vector_tensor({2, 1, 5, 7})}, {3})[0],
        {2, 1, 5, 7}, bilinear_5x7_corners);
    // An empty scales tensor (shape (0)) also counts as omitted.
    check_values(
        run_op("Resize", linear("half_pixel"), {x, no_input, tensor(shape_type{0}), vector_tensor({2, 1, 5, 7})})[0],
        {2, 1, 5, 7}, bilinear_5x7);
}

TEST_CASE("resize: nearest values match PyTorch and the ONNX rounding rules") {
    const tensor x = fixture_input();
    // PyTorch's mode='nearest' is ONNX asymmetric + floor.
    check_values(
        run_op("Resize", nearest("asymmetric", "floor"), {x, no_input, no_input, vector_tensor({2, 1, 5, 7})})[0],
        {2, 1, 5, 7}, nearest_5x7);
    // Hand-computed: in = 4, out = 3, half_pixel source c = (o + 0.5)/0.75 - 0.5 = 0.1667, 1.5, 2.8333.
    const tensor row = make_tensor({1, 1, 1, 4}, {10, 11, 12, 13});
    const tensor sizes = vector_tensor({1, 1, 1, 3});
    auto run = [&](const char* coordinates, const char* rounding) {
        return values_of(run_op("Resize", nearest(coordinates, rounding), {row, no_input, no_input, sizes})[0]);
    };
    CHECK(run("half_pixel", "round_prefer_floor") == std::vector<float>{10, 11, 13});
    CHECK(run("half_pixel", "round_prefer_ceil") == std::vector<float>{10, 12, 13});
    CHECK(run("half_pixel", "floor") == std::vector<float>{10, 11, 12});
    CHECK(run("half_pixel", "ceil") == std::vector<float>{11, 12, 13});
    // align_corners: c = o * 3/2 = 0, 1.5, 3.
    CHECK(run("align_corners", "round_prefer_floor") == std::vector<float>{10, 11, 13});
    // asymmetric: c = o / 0.75 = 0, 1.333, 2.667.
    CHECK(run("asymmetric", "round_prefer_floor") == std::vector<float>{10, 11, 13});
    // Nearest resizes every axis, including the channel axis.
    const auto c =
        run_op("Resize", nearest("asymmetric", "floor"), {fixture_input(), no_input, vector_tensor({1, 2, 1, 1})})[0];
    CHECK(c.shape() == shape_type{2, 2, 3, 4});
    CHECK(c(1, 1, 2, 3) == fixture_input()(1, 0, 2, 3));
}

TEST_CASE("upsample and resize-10: asymmetric coordinates, floor when enlarging") {
    const tensor x = make_tensor({1, 1, 2, 2}, {1, 2, 3, 4});
    // Upsample-7: scales attribute.
    const auto a =
        run_op("Upsample", {{"mode", std::string("nearest")}, {"scales", std::vector<float>{1, 1, 2, 2}}}, {x})[0];
    CHECK(values_of(a) == std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
    // Upsample-9: scales input; linear is asymmetric: c = o/2 -> between x[0] and x[1], edge-clamped.
    const tensor r = make_tensor({1, 1, 1, 2}, {0, 4});
    CHECK(values_of(run_op("Upsample", {{"mode", std::string("linear")}}, {r, vector_tensor({1, 1, 1, 2})}, {1})[0]) ==
          std::vector<float>{0, 2, 4, 4});
    // Resize-10: two inputs (X, scales).
    CHECK(values_of(run_op("Resize", {{"mode", std::string("nearest")}}, {x, vector_tensor({1, 1, 2, 2})})[0]) ==
          values_of(a));
    CHECK_THROWS_AS(run_op("Resize", {{"mode", std::string("cubic")}}, {x, no_input, vector_tensor({1, 1, 2, 2})}),
                    unsupported_error);
    CHECK_THROWS_AS(run_op("Resize", linear("half_pixel"), {x, no_input, vector_tensor({1, 2, 2, 2})}),
                    unsupported_error);
}

TEST_CASE("resize: gradients for linear and nearest, enlarging and shrinking, N = 2") {
    const tensor x = random_tensor({2, 3, 5, 6}, 31);
    for (const char* coordinates : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"}) {
        CAPTURE(coordinates);
        check_op_gradient({.op_type = "Resize",
                           .attributes = linear(coordinates),
                           .inputs = {x, no_input, vector_tensor({1, 1, 2, 1.5f})},
                           .differentiable = {0},
                           .constant = {2}});
        check_op_gradient({.op_type = "Resize",
                           .attributes = linear(coordinates),
                           .inputs = {x, no_input, no_input, vector_tensor({2, 3, 3, 4})},
                           .differentiable = {0}});
    }
    for (const char* rounding : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}) {
        CAPTURE(rounding);
        check_op_gradient({.op_type = "Resize",
                           .attributes = nearest("half_pixel", rounding),
                           .inputs = {x, no_input, vector_tensor({1, 1, 2, 1.5f})},
                           .differentiable = {0}});
        check_op_gradient({.op_type = "Resize",
                           .attributes = nearest("align_corners", rounding),
                           .inputs = {x, no_input, no_input, vector_tensor({2, 3, 3, 4})},
                           .differentiable = {0}});
    }
    check_op_gradient({.op_type = "Upsample",
                       .attributes = {{"mode", std::string("linear")}},
                       .inputs = {x, vector_tensor({1, 1, 2, 2})},
                       .differentiable = {0}});
    check_op_gradient({.op_type = "Upsample",
                       .attributes = {{"mode", std::string("nearest")}, {"scales", std::vector<float>{1, 1, 2, 3}}},
                       .inputs = {x},
                       .differentiable = {0}});
}

TEST_CASE("resize: infinite, huge and NaN scales or sizes are shape errors, not wrapped sizes (hostile input)") {
    const tensor x = make_tensor({1, 1, 2, 2}, {1, 2, 3, 4});
    const float inf = std::numeric_limits<float>::infinity();
    CHECK_THROWS_AS(run_op("Resize", nearest("asymmetric", "floor"), {x, no_input, vector_tensor({1, 1, inf, 1})}),
                    shape_error);
    CHECK_THROWS_AS(run_op("Resize", nearest("asymmetric", "floor"), {x, no_input, vector_tensor({1, 1, 3e38f, 1})}),
                    shape_error);
    CHECK_THROWS_AS(
        run_op("Resize", nearest("asymmetric", "floor"), {x, no_input, vector_tensor({1, 1, std::nanf(""), 1})}),
        shape_error);
    // Each axis fits, the product does not.
    CHECK_THROWS_WITH_AS(
        run_op("Resize", nearest("asymmetric", "floor"), {x, no_input, vector_tensor({1, 1, 4e4f, 4e4f})}),
        doctest::Contains("DEEPVIS_MAX_ELEMENTS"), shape_error);
}
