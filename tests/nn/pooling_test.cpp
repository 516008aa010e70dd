// MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool: hand-computed cases (a tie, the
// ceil-mode overhang, count_include_pad; the values agree with PyTorch 1.13), the kernels
// against their scalar references, and gradients against finite differences.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <deepvis/core/kernels/pooling_reference.hpp>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "support/gradient_check.hpp"

using namespace deepvis;
using testing::check_op_gradient;
using testing::make_tensor;
using testing::random_tensor;
using testing::run_op;
using testing::values_of;
using testing::vector_tensor;
using ints = std::vector<std::int64_t>;

namespace {
/// Distinct values 0.1 apart in random order: central differences with eps 0.01 never change
/// which element of a window is the maximum.
tensor distinct_values(const shape_type& shape, std::uint64_t seed) {
    tensor t(shape);
    std::vector<int> order(t.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
    for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = 0.1f * float(order[i]) - 0.05f * float(t.size());
    return t;
}

/// Runs forward then backward with gradient gy on the first output; returns ∂/∂x.
tensor pool_gradient(const std::string& type, const nn::attribute_map& attrs, const tensor& x, const tensor& gy) {
    std::vector<const tensor*> constants{nullptr};
    nn::op_context ctx{"grad", type, attrs, constants, 1};
    auto impl = nn::op_registry::instance().create(ctx);
    nn::op_scratch s;
    tensor y, gx;
    const tensor* in[] = {&x};
    tensor* out[] = {&y};
    impl->forward(in, out, s);
    const tensor* outs[] = {&y};
    const tensor* gys[] = {&gy};
    tensor* gxs[] = {&gx};
    impl->backward(in, outs, gys, gxs, s);
    return gx;
}
}  // namespace

TEST_CASE("max_pool: 2x2 stride 2 with ties routes the gradient to the first maximum") {
    const tensor x = {{{{1, 3, 2, 2}, {3, 0, 1, 0}, {5, 4, 7, 7}, {4, 5, 7, 6}}}};
    const nn::attribute_map attrs{{"kernel_shape", ints{2, 2}}, {"strides", ints{2, 2}}};
    const auto out = run_op("MaxPool", attrs, {x}, {}, 2);
    CHECK(values_of(out[0]) == std::vector<float>{3, 2, 5, 7});
    CHECK(values_of(out[1]) == std::vector<float>{1, 2, 8, 10});  // PyTorch's indices
    const tensor gy = {{{{1, 2}, {3, 4}}}};
    const auto gx = pool_gradient("MaxPool", attrs, x, gy);
    CHECK(values_of(gx) == std::vector<float>{0, 1, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0});
}

TEST_CASE("max_pool: ceil_mode drops a last window that would start in the padding") {
    const tensor x = distinct_values({1, 1, 5, 5}, 1);
    CHECK(shape_of(run_op("MaxPool",
                          {{"kernel_shape", ints{2, 2}}, {"strides", ints{2, 2}}, {"ceil_mode", std::int64_t(1)}},
                          {x})[0]) == shape_type{1, 1, 3, 3});
    CHECK(shape_of(run_op("MaxPool",
                          {{"kernel_shape", ints{3, 3}},
                           {"strides", ints{2, 2}},
                           {"pads", ints{1, 1, 1, 1}},
                           {"ceil_mode", std::int64_t(1)}},
                          {x})[0]) == shape_type{1, 1, 3, 3});
    CHECK(shape_of(run_op("MaxPool", {{"kernel_shape", ints{2, 2}}, {"strides", ints{2, 2}}}, {x})[0]) ==
          shape_type{1, 1, 2, 2});
}

TEST_CASE("average_pool: count_include_pad counts the pads but not the ceil-mode overhang") {
    const tensor x = {{{1, 2, 3, 4, 5, 6}}};  // (1, 1, 6): a 1-D pool
    const nn::attribute_map base{
        {"kernel_shape", ints{3}}, {"strides", ints{2}}, {"pads", ints{1, 1}}, {"ceil_mode", std::int64_t(1)}};
    nn::attribute_map incl = base, excl = base;
    incl.set("count_include_pad", std::int64_t(1));
    CHECK(values_of(run_op("AveragePool", incl, {x})[0]) == std::vector<float>{1, 3, 5, 3});
    CHECK(values_of(run_op("AveragePool", excl, {x})[0]) == std::vector<float>{1.5f, 3, 5, 6});
    const tensor x5 = {{{1, 2, 3, 4, 5}}};
    CHECK(values_of(run_op("AveragePool",
                           {{"kernel_shape", ints{2}},
                            {"strides", ints{2}},
                            {"ceil_mode", std::int64_t(1)},
                            {"count_include_pad", std::int64_t(1)}},
                           {x5})[0]) == std::vector<float>{1.5f, 3.5f, 5});
}

TEST_CASE("pooling kernels: fast window loops match the scalar references") {
    const kernels::pool_geometry geometries[] = {
        {7, 8, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 3, 4},     {7, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4, 4},
        {9, 6, 3, 2, 1, 3, 2, 1, 2, 0, 1, 1, 7, 3},      // dilation, asymmetric pads
        {5, 5, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 3, 3},      // ceil-mode overhang
        {23, 21, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 11, 10},  // SqueezeNet's 3x3/2 ceil_mode, wider than a SIMD batch
        {19, 20, 3, 3, 1, 1, 1, 2, 1, 2, 1, 2, 19, 20},  // stride 1, horizontal dilation and pads
        {4, 4, 2, 2, 1, 1, 1, 1, 3, 3, 3, 3, 9, 9},      // windows wholly in the padding
    };
    for (const auto& g : geometries) {
        const tensor x = random_tensor({std::size_t(g.height * g.width)}, 5);
        const std::size_t n = std::size_t(g.out_h * g.out_w);
        std::vector<float> y(n), y_ref(n);
        std::vector<std::int64_t> arg(n), arg_ref(n);
        kernels::max_pool_plane(g, x.data(), y.data(), arg.data());
        kernels::reference::max_pool_plane(g, x.data(), y_ref.data(), arg_ref.data());
        CHECK(y == y_ref);
        CHECK(arg == arg_ref);
        std::vector<float> y_fast(n), row(2 * std::size_t(g.width));
        kernels::max_pool_plane_values(g, x.data(), y_fast.data(), row.data());
        CHECK(y_fast == y_ref);
        // Backward finds the first maximum again from x and y: the same routing as the indices.
        std::vector<float> gy(n), gx(std::size_t(g.height * g.width)), gx_ref(gx.size(), 0.0f);
        for (std::size_t i = 0; i < n; ++i) gy[i] = float(i + 1);
        kernels::max_pool_plane_backward(g, x.data(), y_ref.data(), gy.data(), gx.data());
        for (std::size_t i = 0; i < n; ++i)
            if (arg_ref[i] >= 0) gx_ref[std::size_t(arg_ref[i])] += gy[i];
        CHECK(gx == gx_ref);
        if (g.dilation_h == 1 && g.dilation_w == 1)
            for (bool include : {false, true}) {
                kernels::average_pool_plane(g, include, x.data(), y.data());
                kernels::reference::average_pool_plane(g, include, x.data(), y_ref.data());
                for (std::size_t i = 0; i < n; ++i) CHECK(y[i] == doctest::Approx(y_ref[i]).epsilon(1e-5));
            }
    }
    {  // NaN propagates through the SIMD rows and the column pass alike.
        const kernels::pool_geometry g{23, 21, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 11, 10};
        tensor x = random_tensor({std::size_t(g.height * g.width)}, 7);
        x(6 * 21 + 8) = std::numeric_limits<float>::quiet_NaN();
        x(20 * 21 + 20) = std::numeric_limits<float>::quiet_NaN();
        std::vector<float> y(110), y_fast(110), row(42);
        std::vector<std::int64_t> arg(110);
        kernels::max_pool_plane(g, x.data(), y.data(), arg.data());
        kernels::max_pool_plane_values(g, x.data(), y_fast.data(), row.data());
        int nans = 0;
        for (std::size_t i = 0; i < 110; ++i) {
            CHECK(std::isnan(y_fast[i]) == std::isnan(y[i]));
            if (!std::isnan(y[i])) CHECK(y_fast[i] == y[i]);
            nans += std::isnan(y[i]);
        }
        CHECK(nans == 6);  // (6, 8) lies in 2 × 2 windows, (20, 20) in 2 × 1
    }
    const tensor big = random_tensor({1000}, 6);
    float sum = 0;
    for (float v : big) sum += v;
    CHECK(kernels::plane_sum(big.data(), 1000) == doctest::Approx(sum).epsilon(1e-4));
    CHECK(kernels::first_argmax(big.data(), 1000) == std::max_element(big.begin(), big.end()) - big.begin());
}

TEST_CASE("max_pool 2x2: the branch-free batch kernels match the plane kernels (ties, NaN, odd sizes)") {
    for (const auto& [h, w] :
         {std::pair{28, 28}, std::pair{14, 14}, std::pair{7, 9}, std::pair{6, 5}, std::pair{2, 3}}) {
        const kernels::pool_geometry g{h, w, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, h / 2, w / 2};
        REQUIRE(kernels::is_max_pool_2x2(g));
        const std::ptrdiff_t planes = 3, in_plane = h * w, out_plane = (h / 2) * (w / 2);
        for (bool with_nan : {false, true}) {
            // Values on a coarse grid, so windows hold ties; a few NaN when asked.
            tensor x = random_tensor({std::size_t(planes * in_plane)}, 11);
            for (auto& v : x) v = std::round(v * 2.0f) / 2.0f;
            if (with_nan)
                for (std::size_t i = 3; i < x.size(); i += 17) x(i) = std::numeric_limits<float>::quiet_NaN();
            std::vector<float> y(std::size_t(planes * out_plane)), y_ref(y.size()), gy(y.size());
            std::vector<float> gx(x.size(), -1.0f), gx_ref(x.size(), 0.0f);
            for (std::size_t i = 0; i < gy.size(); ++i) gy[i] = float(i + 1);
            kernels::max_pool_2x2_values(g, planes, x.data(), y.data());
            kernels::max_pool_2x2_backward(g, planes, x.data(), y.data(), gy.data(), gx.data());
            std::vector<std::int64_t> arg(static_cast<std::size_t>(out_plane));
            for (std::ptrdiff_t i = 0; i < planes; ++i) {
                // max_pool_plane: the indexed kernel (first maximum, last NaN), held to the reference above.
                kernels::max_pool_plane(g, x.data() + i * in_plane, y_ref.data() + i * out_plane, arg.data());
                for (std::ptrdiff_t o = 0; o < out_plane; ++o)
                    if (arg[o] >= 0) gx_ref[std::size_t(i * in_plane + arg[o])] += gy[std::size_t(i * out_plane + o)];
            }
            for (std::size_t i = 0; i < y.size(); ++i) {
                CHECK(std::isnan(y[i]) == std::isnan(y_ref[i]));
                if (!std::isnan(y_ref[i])) CHECK(y[i] == y_ref[i]);
            }
            CHECK(gx == gx_ref);
            if (!with_nan) {
                std::vector<float> y_plain(static_cast<std::size_t>(out_plane));
                kernels::reference::max_pool_plane(g, x.data(), y_plain.data(), arg.data());
                CHECK(std::equal(y_plain.begin(), y_plain.end(), y.begin()));
            }
        }
    }
    CHECK_FALSE(kernels::is_max_pool_2x2({5, 5, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 3, 3}));  // ceil mode
    CHECK_FALSE(kernels::is_max_pool_2x2({6, 6, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 4, 4}));  // padded
}

TEST_CASE("max_pool: gradient matches finite differences (stride, pads, dilation, ceil_mode, N = 2)") {
    const tensor x = distinct_values({2, 3, 7, 6}, 2);
    const nn::attribute_map configs[] = {
        {{"kernel_shape", ints{2, 2}}, {"strides", ints{2, 2}}},
        {{"kernel_shape", ints{3, 3}},
         {"strides", ints{2, 2}},
         {"pads", ints{1, 0, 1, 2}},
         {"ceil_mode", std::int64_t(1)}},
        {{"kernel_shape", ints{2, 3}}, {"dilations", ints{2, 1}}, {"strides", ints{1, 2}}},
        {{"kernel_shape", ints{3, 3}}, {"auto_pad", std::string("SAME_UPPER")}, {"strides", ints{2, 2}}},
    };
    for (const auto& attrs : configs)
        check_op_gradient({.op_type = "MaxPool", .attributes = attrs, .inputs = {x}, .differentiable = {0}});
}

TEST_CASE("average_pool: gradient matches finite differences (ceil_mode, count_include_pad, asymmetric pads)") {
    const tensor x = random_tensor({2, 2, 7, 6}, 3);
    for (std::int64_t include : {0, 1})
        for (std::int64_t ceil : {0, 1}) {
            const nn::attribute_map attrs{{"kernel_shape", ints{3, 2}},
                                          {"strides", ints{2, 2}},
                                          {"pads", ints{1, 0, 0, 1}},
                                          {"ceil_mode", ceil},
                                          {"count_include_pad", include}};
            check_op_gradient({.op_type = "AveragePool", .attributes = attrs, .inputs = {x}, .differentiable = {0}});
        }
}

TEST_CASE("global_pool: values and gradients") {
    const tensor x = distinct_values({2, 3, 4, 5}, 4);
    const auto avg = run_op("GlobalAveragePool", {}, {x})[0];
    const auto mx = run_op("GlobalMaxPool", {}, {x})[0];
    REQUIRE(shape_of(avg) == shape_type{2, 3, 1, 1});
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t c = 0; c < 3; ++c) {
            auto plane = xt::view(x, n, c);
            CHECK(avg(n, c, 0, 0) == doctest::Approx(float(xt::mean(plane)())).epsilon(1e-5));
            CHECK(mx(n, c, 0, 0) == xt::amax(plane)());
        }
    check_op_gradient({.op_type = "GlobalAveragePool", .attributes = {}, .inputs = {x}, .differentiable = {0}});
    check_op_gradient({.op_type = "GlobalMaxPool", .attributes = {}, .inputs = {x}, .differentiable = {0}});
}

TEST_CASE("pooling: missing kernel_shape and bad input rank throw") {
    CHECK_THROWS_AS(run_op("MaxPool", {}, {random_tensor({1, 1, 4, 4}, 1)}), config_error);
    CHECK_THROWS_AS(run_op("MaxPool", {{"kernel_shape", ints{2, 2}}}, {random_tensor({4, 4}, 1)}), unsupported_error);
    CHECK_THROWS_AS(run_op("AveragePool", {{"kernel_shape", ints{2, 2}}}, {random_tensor({1, 1, 4}, 1)}), shape_error);
}
