// Winograd convolution (core/kernels/winograd.hpp): the kernel, with both transforms, against
// the direct convolution sum (conv2d_reference.hpp), forward and as the data gradient, over
// paddings 0–2, sizes that are not multiples of the tile and outputs narrower than the input;
// and the Conv op on the shapes where it takes this path, forward and ∂X, against the same
// direct loops. The transforms round differently from the direct sum: values are compared to
// 2e-6 of their scale for F(2×2, 3×3) (the default; float32's own error here is ~3e-7) and to
// 2e-5 for F(4×4, 3×3).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <deepvis/core/kernels/conv2d_reference.hpp>
#include <deepvis/core/kernels/winograd.hpp>
#include <vector>

#include "support/gradient_check.hpp"

using namespace deepvis;
using testing::random_tensor;
using ints = std::vector<std::int64_t>;

namespace {
template <class T>
constexpr double tolerance = T::m == 2 ? 2e-6 : 2e-5;

double relative_error(const float* a, const float* b, std::size_t n) {
    double worst = 0, scale = 0;
    for (std::size_t i = 0; i < n; ++i) {
        worst = std::max(worst, double(std::abs(a[i] - b[i])));
        scale = std::max(scale, double(std::abs(b[i])));
    }
    return worst / std::max(scale, 1e-30);
}

/// 3×3 stride 1 on C×H×W with pads (top, left, bottom, right).
kernels::conv_geometry geometry(std::ptrdiff_t c, std::ptrdiff_t h, std::ptrdiff_t w, std::ptrdiff_t pt,
                                std::ptrdiff_t pl, std::ptrdiff_t pb, std::ptrdiff_t pr) {
    return {c, h, w, 3, 3, 1, 1, 1, 1, pt, pl, h + pt + pb - 2, w + pl + pr - 2};
}
}  // namespace

TEST_CASE_TEMPLATE("winograd_conv2d matches the direct sum, forward and as the data gradient", T,
                   kernels::winograd_f2x2_3x3, kernels::winograd_f4x4_3x3) {
    struct shape {
        kernels::conv_geometry g;
        std::ptrdiff_t out_channels;
    };
    const std::vector<shape> shapes = {
        {geometry(5, 13, 11, 1, 1, 1, 1), 7},    // "same", sizes not multiples of 4
        {geometry(3, 9, 10, 0, 0, 0, 0), 4},     // valid
        {geometry(4, 8, 8, 2, 2, 2, 2), 6},      // pad 2: output wider than the input
        {geometry(6, 17, 5, 1, 0, 1, 0), 3},     // asymmetric: output narrower than the input
        {geometry(2, 3, 3, 0, 0, 0, 0), 2},      // a single output position
        {geometry(2, 4, 6, 2, 0, 0, 1), 3},      // asymmetric top/bottom and left/right
        {geometry(40, 57, 58, 1, 1, 1, 1), 33},  // several blocks of tile rows
    };
    for (const auto& [g, M] : shapes) {
        CAPTURE(g.channels);
        CAPTURE(g.height);
        CAPTURE(g.width);
        CAPTURE(g.pad_top);
        CAPTURE(g.pad_left);
        REQUIRE(kernels::winograd_supports(g));
        const tensor x = random_tensor({std::size_t(g.channels), std::size_t(g.height), std::size_t(g.width)}, 1);
        const tensor w = random_tensor({std::size_t(M), std::size_t(g.channels), 3, 3}, 2);
        const tensor gy = random_tensor({std::size_t(M), std::size_t(g.out_h), std::size_t(g.out_w)}, 3);

        std::vector<float> y(gy.size()), y_direct(gy.size()), u(kernels::winograd_weight_size<T>(M, g.channels));
        std::vector<float> buffer(kernels::winograd_buffer_size<T>(g, M) * std::size_t(std::max(num_threads(), 1)));
        kernels::winograd_weights<T>(w.data(), M, g.channels, u.data());
        kernels::winograd_conv2d<T>(g, M, x.data(), u.data(), y.data(), buffer.data());
        kernels::reference::conv2d_forward(g, 1, M, x.data(), w.data(), y_direct.data());
        CHECK(relative_error(y.data(), y_direct.data(), y.size()) < tolerance<T>);

        const auto gb = kernels::winograd_backward_geometry(g, M);
        REQUIRE(kernels::winograd_supports(gb));
        std::vector<float> gx(x.size(), -1.0f), gx_direct(x.size()),
            ub(kernels::winograd_weight_size<T>(g.channels, M));
        std::vector<float> buffer_b(kernels::winograd_buffer_size<T>(gb, g.channels) *
                                    std::size_t(std::max(num_threads(), 1)));
        kernels::winograd_weights<T>(w.data(), M, g.channels, ub.data(), true);
        kernels::winograd_conv2d<T>(gb, g.channels, gy.data(), ub.data(), gx.data(), buffer_b.data());
        kernels::reference::conv2d_backward_data(g, 1, M, w.data(), gy.data(), gx_direct.data());
        CHECK(relative_error(gx.data(), gx_direct.data(), gx.size()) < tolerance<T>);
    }
}

TEST_CASE("conv op: the Winograd shapes give the direct sum, forward with bias and ∂X") {
    struct op_shape {
        std::size_t batch, channels, out_channels, height, width;
        ints pads;
    };
    const std::vector<op_shape> shapes = {
        {1, 64, 72, 60, 57, {1, 1, 1, 1}},  // one image: tile rows split by thread
        {4, 64, 64, 14, 15, {1, 1, 1, 1}},  // 14×14 layers take this path from batch 4
        {2, 96, 64, 45, 40, {0, 2, 2, 1}},  // asymmetric pads
    };
    for (const auto& s : shapes) {
        CAPTURE(s.batch);
        CAPTURE(s.height);
        const tensor x = random_tensor({s.batch, s.channels, s.height, s.width}, 4);
        const tensor w = random_tensor({s.out_channels, s.channels, 3, 3}, 5, 0.1f);
        const tensor b = random_tensor({s.out_channels}, 6);
        const auto result = testing::run_op_with_gradients("Conv", {{"pads", s.pads}}, {x, w, b}, {0});
        const tensor& y = result[0];
        const tensor& gx = result[1];

        const kernels::conv_geometry g = geometry(std::ptrdiff_t(s.channels), std::ptrdiff_t(s.height),
                                                  std::ptrdiff_t(s.width), s.pads[0], s.pads[1], s.pads[2], s.pads[3]);
        REQUIRE(kernels::winograd_pays(g, std::ptrdiff_t(s.out_channels), std::ptrdiff_t(s.batch)));
        const std::size_t in_size = s.channels * s.height * s.width;
        const std::size_t out_size = s.out_channels * std::size_t(g.positions());
        REQUIRE(y.size() == s.batch * out_size);
        const tensor gy = random_tensor(shape_of(y), 99);  // what run_op_with_gradients feeds back
        std::vector<float> y_direct(y.size()), gx_direct(x.size());
        for (std::size_t n = 0; n < s.batch; ++n) {
            float* yn = y_direct.data() + n * out_size;
            kernels::reference::conv2d_forward(g, 1, std::ptrdiff_t(s.out_channels), x.data() + n * in_size, w.data(),
                                               yn);
            for (std::size_t o = 0; o < s.out_channels; ++o)
                for (std::ptrdiff_t p = 0; p < g.positions(); ++p)
                    yn[o * std::size_t(g.positions()) + std::size_t(p)] += b(o);
            kernels::reference::conv2d_backward_data(g, 1, std::ptrdiff_t(s.out_channels), w.data(),
                                                     gy.data() + n * out_size, gx_direct.data() + n * in_size);
        }
        CHECK(relative_error(y.data(), y_direct.data(), y.size()) < tolerance<kernels::winograd_default>);
        CHECK(relative_error(gx.data(), gx_direct.data(), gx.size()) < tolerance<kernels::winograd_default>);
    }
}

TEST_CASE("winograd_pays: wide 3×3 layers only") {
    const auto vgg = [](std::ptrdiff_t c, std::ptrdiff_t size) { return geometry(c, size, size, 1, 1, 1, 1); };
    CHECK(kernels::winograd_pays(vgg(64, 224), 64, 1));
    CHECK(kernels::winograd_pays(vgg(256, 56), 256, 1));
    CHECK(kernels::winograd_pays(vgg(512, 28), 512, 1));
    CHECK_FALSE(kernels::winograd_pays(vgg(512, 14), 512, 2));  // the weight transform does not pay at batch 2
    CHECK(kernels::winograd_pays(vgg(512, 14), 512, 4));
    CHECK_FALSE(kernels::winograd_pays(vgg(512, 7), 512, 64));  // too few tiles per image
    CHECK_FALSE(kernels::winograd_pays(vgg(3, 224), 64, 8));    // too few channels
    CHECK_FALSE(kernels::winograd_pays(vgg(32, 14), 64, 64));   // the Fashion-MNIST classifier's conv2
    auto strided = vgg(64, 56);
    strided.stride_h = 2;
    CHECK_FALSE(kernels::winograd_supports(strided));
}
