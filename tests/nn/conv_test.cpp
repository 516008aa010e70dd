// Conv: the im2col / conv2d kernels against their scalar references, op values against the
// direct convolution sum, and gradients (X, W, B) against finite differences.
#include <doctest/doctest.h>

#include <deepvis/core/kernels/conv2d.hpp>
#include <deepvis/core/kernels/conv2d_reference.hpp>
#include <deepvis/core/kernels/im2col_reference.hpp>
#include <vector>

#include "support/gradient_check.hpp"

using namespace deepvis;
using testing::check_op_gradient;
using testing::random_tensor;
using testing::require_close;
using testing::run_op;
using ints = std::vector<std::int64_t>;

namespace {
/// Geometry for an H×W input, output size from the full pads (top, left, bottom, right).
kernels::conv_geometry geometry(std::ptrdiff_t c, std::ptrdiff_t h, std::ptrdiff_t w, std::ptrdiff_t kh,
                                std::ptrdiff_t kw, std::ptrdiff_t sh, std::ptrdiff_t sw, std::ptrdiff_t dh,
                                std::ptrdiff_t dw, std::ptrdiff_t pt, std::ptrdiff_t pl, std::ptrdiff_t pb,
                                std::ptrdiff_t pr) {
    return {c,
            h,
            w,
            kh,
            kw,
            sh,
            sw,
            dh,
            dw,
            pt,
            pl,
            (h + pt + pb - ((kh - 1) * dh + 1)) / sh + 1,
            (w + pl + pr - ((kw - 1) * dw + 1)) / sw + 1};
}

const std::vector<kernels::conv_geometry> geometries = {
    geometry(3, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),  // 3×3 same
    geometry(2, 8, 7, 3, 2, 2, 3, 1, 1, 0, 2, 1, 0),  // strides, asymmetric pads
    geometry(2, 9, 9, 3, 3, 1, 2, 2, 3, 2, 1, 0, 3),  // dilation
    geometry(4, 5, 6, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),  // pointwise
    geometry(1, 6, 6, 5, 5, 1, 1, 1, 1, 4, 4, 4, 4),  // padding wider than the input
    // im2col by whole-plane shifts (stride 1, output as wide as the input):
    geometry(32, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),  // the Fashion classifier's conv2
    geometry(2, 9, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2),     // dilated "same"
    geometry(2, 6, 7, 3, 5, 1, 1, 1, 1, 0, 4, 1, 0),     // asymmetric pads, fewer output rows
    geometry(1, 3, 4, 5, 3, 1, 1, 1, 1, 3, 1, 3, 1),     // padding taller than the input
    geometry(64, 40, 47, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),  // needs several im2col tiles
    // (keep the multi-tile geometry last: a test checks it needs several tiles)
};

/// Direct ONNX Conv on (N, C, H, W) for value checks of the op.
tensor direct_conv(const tensor& x, const tensor& w, const tensor* b, ints strides, ints pads, ints dil,
                   std::ptrdiff_t group) {
    const auto N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
    const auto M = w.shape()[0], Cg = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
    const std::ptrdiff_t OH = (H + pads[0] + pads[2] - ((kh - 1) * dil[0] + 1)) / strides[0] + 1;
    const std::ptrdiff_t OW = (W + pads[1] + pads[3] - ((kw - 1) * dil[1] + 1)) / strides[1] + 1;
    tensor y = xt::zeros<float>(shape_type{N, M, std::size_t(OH), std::size_t(OW)});
    const std::size_t Mg = M / group;
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t m = 0; m < M; ++m)
            for (std::ptrdiff_t oh = 0; oh < OH; ++oh)
                for (std::ptrdiff_t ow = 0; ow < OW; ++ow) {
                    double s = b ? (*b)(m) : 0.0;
                    for (std::size_t c = 0; c < Cg; ++c)
                        for (std::size_t i = 0; i < kh; ++i)
                            for (std::size_t j = 0; j < kw; ++j) {
                                const std::ptrdiff_t ih = oh * strides[0] - pads[0] + std::ptrdiff_t(i) * dil[0];
                                const std::ptrdiff_t iw = ow * strides[1] - pads[1] + std::ptrdiff_t(j) * dil[1];
                                if (ih < 0 || iw < 0 || ih >= std::ptrdiff_t(H) || iw >= std::ptrdiff_t(W)) continue;
                                s += w(m, c, i, j) * x(n, (m / Mg) * Cg + c, ih, iw);
                            }
                    y(n, m, oh, ow) = static_cast<float>(s);
                }
    (void)C;
    return y;
}
}  // namespace

TEST_CASE("im2col: fast kernel matches the scalar reference on every tile split") {
    for (const auto& g : geometries) {
        const tensor x = random_tensor({std::size_t(g.channels * g.plane())}, 7);
        const std::ptrdiff_t P = g.positions();
        for (std::ptrdiff_t tile : {P, std::ptrdiff_t(7), std::ptrdiff_t(64)}) {
            for (std::ptrdiff_t p0 = 0; p0 < P; p0 += tile) {
                const std::ptrdiff_t p1 = std::min(P, p0 + tile);
                std::vector<float> fast(g.rows() * (p1 - p0), -1.0f), ref(fast.size(), -2.0f);
                kernels::im2col(g, x.data(), p0, p1, fast.data());
                kernels::reference::im2col(g, x.data(), p0, p1, ref.data());
                REQUIRE(fast == ref);
                const tensor col = random_tensor({fast.size()}, 9);
                std::vector<float> gx(x.size(), 0.5f), gx_ref(x.size(), 0.5f);
                kernels::col2im_add(g, col.data(), p0, p1, gx.data());
                kernels::reference::col2im_add(g, col.data(), p0, p1, gx_ref.data());
                require_close(gx.data(), gx_ref.data(), gx.size(), 1e-5f, "col2im_add");
            }
        }
    }
}

TEST_CASE("conv2d kernels: forward, backward_data and backward_weight match direct loops") {
    for (std::ptrdiff_t groups : {1, 2}) {
        for (const auto& g : geometries) {
            const std::ptrdiff_t M = 3;
            const tensor x = random_tensor({std::size_t(groups * g.channels * g.plane())}, 1);
            const tensor w = random_tensor({std::size_t(groups * M * g.rows())}, 2);
            const tensor gy = random_tensor({std::size_t(groups * M * g.positions())}, 3);
            std::vector<float> col(std::max<std::size_t>(kernels::conv_column_size(g), 1));
            std::vector<float> y(gy.size()), y_ref(gy.size()), gx(x.size()), gx_ref(x.size()), gw(w.size()),
                gw_ref(w.size());
            kernels::conv2d_forward(g, groups, M, x.data(), w.data(), y.data(), col.data());
            kernels::reference::conv2d_forward(g, groups, M, x.data(), w.data(), y_ref.data());
            require_close(y.data(), y_ref.data(), y.size(), 1e-4f, "conv2d_forward");
            kernels::conv2d_backward_data(g, groups, M, w.data(), gy.data(), gx.data(), col.data());
            kernels::reference::conv2d_backward_data(g, groups, M, w.data(), gy.data(), gx_ref.data());
            require_close(gx.data(), gx_ref.data(), gx.size(), 1e-4f, "conv2d_backward_data");
            kernels::conv2d_backward_weight(g, groups, M, x.data(), gy.data(), gw.data(), col.data(), false);
            kernels::reference::conv2d_backward_weight(g, groups, M, x.data(), gy.data(), gw_ref.data());
            require_close(gw.data(), gw_ref.data(), gw.size(), 1e-3f, "conv2d_backward_weight");
        }
    }
    CHECK(kernels::conv_tile_positions(geometries.back()) < geometries.back().positions());
}

TEST_CASE("conv: forward matches the direct sum (N = 2, stride, asymmetric pads, dilation, groups, bias)") {
    struct config {
        ints strides, pads, dil;
        std::int64_t group;
        shape_type w_shape;
    };
    const config configs[] = {
        {{1, 1}, {1, 1, 1, 1}, {1, 1}, 1, {4, 3, 3, 3}},
        {{2, 1}, {0, 2, 1, 0}, {1, 1}, 1, {5, 3, 3, 2}},
        {{1, 2}, {2, 1, 0, 3}, {2, 3}, 1, {2, 3, 3, 3}},
        {{2, 2}, {1, 1, 1, 1}, {1, 1}, 3, {6, 1, 3, 3}},  // depthwise with multiplier 2
        {{1, 1}, {0, 0, 0, 0}, {1, 1}, 1, {4, 3, 1, 1}},  // pointwise
    };
    const tensor x = random_tensor({2, 3, 8, 9}, 11);
    for (const auto& c : configs) {
        const tensor w = random_tensor(c.w_shape, 12);
        const tensor b = random_tensor({c.w_shape[0]}, 13);
        const nn::attribute_map attrs{
            {"strides", c.strides}, {"pads", c.pads}, {"dilations", c.dil}, {"group", c.group}};
        const auto y = run_op("Conv", attrs, {x, w, b})[0];
        const auto ref = direct_conv(x, w, &b, c.strides, c.pads, c.dil, c.group);
        REQUIRE(y.shape() == ref.shape());
        require_close(y.data(), ref.data(), y.size(), 1e-4f, "Conv forward");
    }
}

TEST_CASE("conv: auto_pad SAME_UPPER, SAME_LOWER and VALID output shapes and values") {
    const tensor x = random_tensor({1, 2, 7, 6}, 21);
    const tensor w = random_tensor({3, 2, 4, 3}, 22);
    const auto upper = run_op("Conv", {{"auto_pad", std::string("SAME_UPPER")}, {"strides", ints{2, 2}}}, {x, w})[0];
    CHECK(shape_of(upper) == shape_type{1, 3, 4, 3});
    // total padding rows (4−1)·2 + 4 − 7 = 3 → 1 on top, 2 below; columns (3−1)·2 + 3 − 6 = 1 → 0, 1.
    const auto ref_upper = direct_conv(x, w, nullptr, {2, 2}, {1, 0, 2, 1}, {1, 1}, 1);
    require_close(upper.data(), ref_upper.data(), upper.size(), 1e-4f, "SAME_UPPER");
    const auto lower = run_op("Conv", {{"auto_pad", std::string("SAME_LOWER")}, {"strides", ints{2, 2}}}, {x, w})[0];
    const auto ref_lower = direct_conv(x, w, nullptr, {2, 2}, {2, 1, 1, 0}, {1, 1}, 1);
    require_close(lower.data(), ref_lower.data(), lower.size(), 1e-4f, "SAME_LOWER");
    const auto valid = run_op("Conv", {{"auto_pad", std::string("VALID")}, {"pads", ints{5, 5, 5, 5}}}, {x, w})[0];
    CHECK(shape_of(valid) == shape_type{1, 3, 4, 4});
}

TEST_CASE("conv: 1-D convolution equals a 2-D one of height 1") {
    const tensor x = random_tensor({2, 3, 10}, 31);
    const tensor w = random_tensor({4, 3, 3}, 32);
    const tensor b = random_tensor({4}, 33);
    const auto y = run_op("Conv", {{"strides", ints{2}}, {"pads", ints{1, 2}}, {"dilations", ints{2}}}, {x, w, b})[0];
    tensor x4 = x, w4 = w;
    x4.reshape({2, 3, 1, 10});
    w4.reshape({4, 3, 1, 3});
    const auto ref = direct_conv(x4, w4, &b, {1, 2}, {0, 1, 0, 2}, {1, 2}, 1);
    REQUIRE(shape_of(y) == shape_type{2, 4, 5});
    require_close(y.data(), ref.data(), y.size(), 1e-4f, "1-D Conv");
    check_op_gradient({.op_type = "Conv",
                       .attributes = {{"strides", ints{2}}, {"pads", ints{1, 2}}, {"dilations", ints{2}}},
                       .inputs = {x, w, b},
                       .differentiable = {0, 1, 2}});
}

TEST_CASE("conv: gradients w.r.t. X, W and B match finite differences") {
    SUBCASE("stride 2, asymmetric pads, bias, N = 2") {
        check_op_gradient(
            {.op_type = "Conv",
             .attributes = {{"strides", ints{2, 2}}, {"pads", ints{0, 1, 2, 1}}},
             .inputs = {random_tensor({2, 3, 7, 6}, 1), random_tensor({4, 3, 3, 3}, 2), random_tensor({4}, 3)},
             .differentiable = {0, 1, 2}});
    }
    SUBCASE("dilation 2 and groups 2, no bias") {
        check_op_gradient(
            {.op_type = "Conv",
             .attributes = {{"dilations", ints{2, 2}}, {"group", std::int64_t(2)}, {"pads", ints{2, 2, 2, 2}}},
             .inputs = {random_tensor({2, 4, 6, 6}, 4), random_tensor({6, 2, 3, 3}, 5)},
             .differentiable = {0, 1}});
    }
    SUBCASE("depthwise 3x3 with kernel_shape, SAME_UPPER") {
        check_op_gradient(
            {.op_type = "Conv",
             .attributes = {{"group", std::int64_t(3)},
                            {"kernel_shape", ints{3, 3}},
                            {"auto_pad", std::string("SAME_UPPER")},
                            {"strides", ints{2, 2}}},
             .inputs = {random_tensor({1, 3, 6, 5}, 6), random_tensor({3, 1, 3, 3}, 7), random_tensor({3}, 8)},
             .differentiable = {0, 1, 2}});
    }
    SUBCASE("pointwise 1x1") {
        check_op_gradient(
            {.op_type = "Conv",
             .attributes = {},
             .inputs = {random_tensor({2, 5, 4, 3}, 9), random_tensor({3, 5, 1, 1}, 10), random_tensor({3}, 11)},
             .differentiable = {0, 1, 2}});
    }
}

TEST_CASE("conv: shape errors name the node and the expected value") {
    const tensor x = random_tensor({1, 3, 5, 5}, 1);
    CHECK_THROWS_AS(run_op("Conv", {}, {x, random_tensor({4, 2, 3, 3}, 2)}), shape_error);
    CHECK_THROWS_AS(run_op("Conv", {{"kernel_shape", ints{2, 2}}}, {x, random_tensor({4, 3, 3, 3}, 2)}), shape_error);
    CHECK_THROWS_AS(run_op("Conv", {}, {x, random_tensor({4, 3, 7, 7}, 2)}), shape_error);
    CHECK_THROWS_AS(run_op("Conv", {}, {x, random_tensor({4, 3, 3, 3}, 2), random_tensor({3}, 3)}), shape_error);
    try {
        run_op("Conv", {}, {x, random_tensor({4, 2, 3, 3}, 2)});
    } catch (const shape_error& e) {
        CHECK(std::string(e.what()).find("Conv 'test_Conv': input has 3 channels, expected 2") != std::string::npos);
    }
}
