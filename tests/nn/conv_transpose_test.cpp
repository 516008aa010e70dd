// ConvTranspose: values against the direct scatter formula, output_shape handling, and
// gradients (X, W, B) against finite differences.
#include <doctest/doctest.h>

#include <vector>

#include "support/gradient_check.hpp"

using namespace deepvis;
using testing::check_op_gradient;
using testing::random_tensor;
using testing::require_close;
using testing::run_op;
using ints = std::vector<std::int64_t>;

namespace {
/// y[n, g·M + m, oh·s − p + ki·d, ow·s − p + kj·d] += W[g·C + c, m, ki, kj] · x[n, g·C + c, oh, ow]
tensor direct_conv_transpose(const tensor& x, const tensor& w, const tensor* b, const ints& s, const ints& pads,
                             const ints& dil, const ints& out_pad, std::size_t group) {
    const auto N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
    const auto Mg = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
    const std::ptrdiff_t OH = s[0] * (H - 1) + out_pad[0] + (kh - 1) * dil[0] + 1 - pads[0] - pads[2];
    const std::ptrdiff_t OW = s[1] * (W - 1) + out_pad[1] + (kw - 1) * dil[1] + 1 - pads[1] - pads[3];
    const std::size_t M = Mg * group, Cg = C / group;
    tensor y = xt::zeros<float>(shape_type{N, M, std::size_t(OH), std::size_t(OW)});
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t h = 0; h < H; ++h)
                for (std::size_t v = 0; v < W; ++v)
                    for (std::size_t m = 0; m < Mg; ++m)
                        for (std::size_t i = 0; i < kh; ++i)
                            for (std::size_t j = 0; j < kw; ++j) {
                                const std::ptrdiff_t oh =
                                    std::ptrdiff_t(h) * s[0] - pads[0] + std::ptrdiff_t(i) * dil[0];
                                const std::ptrdiff_t ow =
                                    std::ptrdiff_t(v) * s[1] - pads[1] + std::ptrdiff_t(j) * dil[1];
                                if (oh < 0 || ow < 0 || oh >= OH || ow >= OW) continue;
                                y(n, (c / Cg) * Mg + m, oh, ow) += w(c, m, i, j) * x(n, c, h, v);
                            }
    if (b)
        for (std::size_t n = 0; n < N; ++n)
            for (std::size_t m = 0; m < M; ++m) xt::view(y, n, m) += (*b)(m);
    return y;
}

}  // namespace

TEST_CASE("conv_transpose: forward matches the direct scatter (stride, pads, dilation, output_padding, groups)") {
    struct config {
        ints s, pads, dil, out_pad;
        std::int64_t group;
        shape_type w_shape;
    };
    const config configs[] = {
        {{2, 2}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1, {4, 3, 3, 3}},
        {{1, 2}, {0, 2, 1, 0}, {2, 1}, {0, 1}, 2, {4, 2, 3, 2}},
        {{3, 2}, {2, 0, 0, 1}, {1, 2}, {2, 0}, 4, {4, 1, 2, 3}},
        {{1, 1}, {0, 0, 0, 0}, {1, 1}, {0, 0}, 1, {4, 5, 1, 1}},  // pointwise
    };
    const tensor x = random_tensor({2, 4, 5, 4}, 1);
    for (const auto& c : configs) {
        const tensor w = random_tensor(c.w_shape, 2);
        const tensor b = random_tensor({c.w_shape[1] * std::size_t(c.group)}, 3);
        const nn::attribute_map attrs{{"strides", c.s},
                                      {"pads", c.pads},
                                      {"dilations", c.dil},
                                      {"output_padding", c.out_pad},
                                      {"group", c.group}};
        const auto y = run_op("ConvTranspose", attrs, {x, w, b})[0];
        require_close(y, direct_conv_transpose(x, w, &b, c.s, c.pads, c.dil, c.out_pad, c.group), 1e-4f,
                      "ConvTranspose forward");
    }
}

TEST_CASE("conv_transpose: output_shape sets the padding as ONNX specifies") {
    const tensor x = random_tensor({1, 2, 3, 3}, 4);
    const tensor w = random_tensor({2, 3, 3, 3}, 5);
    // Full size 2·2 + 3 = 7; output_shape 6 → total padding 1: ONNX puts total − total/2 at the
    // beginning unless auto_pad is SAME_UPPER.
    const auto y = run_op("ConvTranspose", {{"strides", ints{2, 2}}, {"output_shape", ints{6, 6}}}, {x, w})[0];
    // Named statics: GCC 12.2 at -O3 -march=native (SLP vectoriser) built these two vectors
    // wrongly ({1, 1, 1, 1}) when they were locals of this function.
    static const ints begin_pads{1, 1, 0, 0}, end_pads{0, 0, 1, 1};
    require_close(y, direct_conv_transpose(x, w, nullptr, {2, 2}, begin_pads, {1, 1}, {0, 0}, 1), 1e-4f,
                  "output_shape");
    const auto upper =
        run_op("ConvTranspose", {{"strides", ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}}, {x, w})[0];
    CHECK(shape_of(upper) == shape_type{1, 3, 6, 6});
    // SAME_UPPER: total/2 = 0 at the beginning, 1 at the end.
    require_close(upper, direct_conv_transpose(x, w, nullptr, {2, 2}, end_pads, {1, 1}, {0, 0}, 1), 1e-4f,
                  "SAME_UPPER");
}

TEST_CASE("conv_transpose: gradients w.r.t. X, W and B match finite differences") {
    SUBCASE("stride 2, pads, output_padding, N = 2") {
        check_op_gradient(
            {.op_type = "ConvTranspose",
             .attributes = {{"strides", ints{2, 2}}, {"pads", ints{1, 0, 0, 1}}, {"output_padding", ints{1, 1}}},
             .inputs = {random_tensor({2, 3, 4, 3}, 1), random_tensor({3, 2, 3, 3}, 2), random_tensor({2}, 3)},
             .differentiable = {0, 1, 2}});
    }
    SUBCASE("groups 2 and dilation 2") {
        check_op_gradient(
            {.op_type = "ConvTranspose",
             .attributes = {{"group", std::int64_t(2)}, {"dilations", ints{2, 2}}},
             .inputs = {random_tensor({1, 4, 3, 3}, 4), random_tensor({4, 3, 2, 2}, 5), random_tensor({6}, 6)},
             .differentiable = {0, 1, 2}});
    }
    SUBCASE("1-D") {
        check_op_gradient({.op_type = "ConvTranspose",
                           .attributes = {{"strides", ints{3}}, {"pads", ints{1, 1}}},
                           .inputs = {random_tensor({2, 2, 5}, 7), random_tensor({2, 3, 4}, 8)},
                           .differentiable = {0, 1}});
    }
}
