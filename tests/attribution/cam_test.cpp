#include <doctest/doctest.h>

#include <deepvis/attribution/gradcam.hpp>
#include <deepvis/attribution/gradcam_plus_plus.hpp>
#include <deepvis/attribution/guided_backprop.hpp>
#include <deepvis/attribution/guided_gradcam.hpp>
#include <deepvis/attribution/score_cam.hpp>
#include <deepvis/attribution/top_k.hpp>
#include <functional>
#include <xtensor/xmath.hpp>

#include "attribution/tiny_net.hpp"

using namespace deepvis;
using deepvis::testing::ints;

namespace {

struct layer_data {
    tensor a;  // conv2's output (N, 5, 4, 4)
    tensor g;  // d score / d conv2, by finite differences on the tail network
};

layer_data conv2_data(const nn::network& net, const tensor& x, const ints& classes) {
    nn::network::trace t;
    net.forward(x, t);
    layer_data d{net.activation(t, "c2"), {}};
    d.g = deepvis::testing::fd_gradient(deepvis::testing::tail(), d.a, classes, 1e-3f);
    return d;
}

// Σ_k w(i,k) A(i,k), optionally rectified: (N, h, w), written out directly.
tensor combine(const tensor& a, const std::vector<std::vector<double>>& w, bool relu) {
    const std::size_t n = a.shape()[0], k = a.shape()[1], h = a.shape()[2], wd = a.shape()[3];
    tensor cam = xt::zeros<float>({n, h, wd});
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t y = 0; y < h; ++y)
            for (std::size_t z = 0; z < wd; ++z) {
                double s = 0;
                for (std::size_t c = 0; c < k; ++c) s += w[i][c] * a(i, c, y, z);
                cam(i, y, z) = static_cast<float>(relu ? std::max(s, 0.0) : s);
            }
    return cam;
}

}  // namespace

TEST_CASE("gradcam: matches the formula from activations and finite-difference gradients") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 201);  // seed 201
    const ints classes{0, 2};
    const auto d = conv2_data(net, x, classes);
    std::vector<std::vector<double>> alpha(2, std::vector<double>(5, 0.0));
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t k = 0; k < 5; ++k) {
            for (std::size_t p = 0; p < 16; ++p) alpha[i][k] += d.g.data()[(i * 5 + k) * 16 + p];
            alpha[i][k] /= 16.0;
        }
    const tensor expected_raw = combine(d.a, alpha, true);
    const tensor raw = gradcam(net, x, classes, {.layer = "conv2", .upsample = upsample_mode::none});
    CHECK(raw.shape() == shape_type{2, 4, 4});
    CHECK(deepvis::testing::max_rel_diff(raw, expected_raw) < 2e-3);

    const tensor signed_raw = gradcam(net, x, classes, {.layer = "c2", .relu = false, .upsample = upsample_mode::none});
    CHECK(deepvis::testing::max_rel_diff(signed_raw, combine(d.a, alpha, false)) < 2e-3);

    const tensor up = gradcam(net, x, classes, {.layer = "conv2"});
    CHECK(up.shape() == shape_type{2, 8, 8});
    CHECK(deepvis::testing::max_rel_diff(up, upsample(expected_raw, 8, 8, upsample_mode::bilinear)) < 2e-3);

    const tensor normalized = gradcam(net, x, classes, {.layer = "conv2", .normalize = cam_normalize::after_upsample});
    CHECK(xt::amax(normalized)() == doctest::Approx(1.0).epsilon(1e-5));
    CHECK(xt::amin(normalized)() == doctest::Approx(0.0));
}

TEST_CASE("gradcam: the default layer is the last 4-D spatial block output (relu2 here)") {
    const auto net = deepvis::testing::cnn();
    nn::network::trace t;
    const tensor x = deepvis::testing::random_tensor({1, 2, 8, 8}, 202);
    net.forward(x, t);
    CHECK(default_cam_layer(net, t) == "r2");
    CHECK(deepvis::testing::max_rel_diff(gradcam(net, x, {1}), gradcam(net, x, {1}, {.layer = "relu2"})) == 0.0);
}

TEST_CASE("gradcam: a layer that is not 4-D is a config_error; an unknown one lists the layers") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({1, 2, 8, 8}, 203);
    CHECK_THROWS_WITH_AS(gradcam(net, x, {0}, {.layer = "fc"}), doctest::Contains("expected a 4-D spatial layer"),
                         config_error);
    CHECK_THROWS_WITH_AS(gradcam(net, x, {0}, {.layer = "conv9"}), doctest::Contains("conv2 -> c2"), config_error);
}

TEST_CASE("gradcam_plus_plus: matches pytorch-grad-cam's formula at relu2 (gradient = the Gemm row)") {
    // After relu2 the network is Flatten→Gemm, so d score_c / d relu2 is W3[c, :] reshaped to (5, 4, 4).
    // (At a pre-ReLU layer the formula's denominator 2g² + Σa·g³ can pass near 0, which makes any
    // comparison ill-conditioned; real models use post-ReLU layers, where Σa ≥ 0.)
    const auto net = deepvis::testing::cnn();
    const deepvis::testing::cnn_weights weights;
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 204);
    const ints classes{1, 0};
    nn::network::trace t;
    net.forward(x, t);
    const tensor a = net.activation(t, "r2");
    std::vector<std::vector<double>> w(2, std::vector<double>(5, 0.0));
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t k = 0; k < 5; ++k) {
            double sum_a = 0;
            for (std::size_t p = 0; p < 16; ++p) sum_a += a.data()[(i * 5 + k) * 16 + p];
            for (std::size_t p = 0; p < 16; ++p) {
                const double g = weights.w3(classes[i], k * 16 + p);
                const double aij = g * g / (2 * g * g + sum_a * g * g * g + 1e-6);
                w[i][k] += aij * std::max(g, 0.0);
            }
        }
    const tensor raw = gradcam_plus_plus(net, x, classes, {.layer = "relu2", .upsample = upsample_mode::none});
    CHECK(deepvis::testing::max_rel_diff(raw, combine(a, w, true)) < 1e-4);
    CHECK(xt::amax(raw)() > 0.0f);
}

TEST_CASE("guided_gradcam: guided backprop times the upsampled Grad-CAM") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 205);
    const tensor cam = gradcam(net, x, {2, 1});
    const tensor gb = guided_backprop(net, x, {2, 1});
    tensor expected = gb;
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t y = 0; y < 8; ++y)
                for (std::size_t z = 0; z < 8; ++z) expected(i, c, y, z) *= cam(i, y, z);
    CHECK(deepvis::testing::max_rel_diff(guided_gradcam(net, x, {2, 1}), expected) < 1e-6);
}

TEST_CASE("gradcam_top_k: ranks classes and gives the Grad-CAM of each") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 206);
    const auto top = gradcam_top_k(net, x, 3);
    REQUIRE(top.maps.shape() == shape_type{2, 3, 8, 8});
    nn::network::trace t;
    const tensor scores = net.forward(x, t);
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(scores(i, top.classes[i][0]) >= scores(i, top.classes[i][1]));
        CHECK(scores(i, top.classes[i][1]) >= scores(i, top.classes[i][2]));
        for (std::size_t r = 0; r < 3; ++r) {
            CHECK(top.scores(i, r) == scores(i, top.classes[i][r]));
            const tensor one = gradcam(net, xt::view(x, xt::range(i, i + 1)), {top.classes[i][r]});
            const tensor got = xt::view(top.maps, xt::range(i, i + 1), r);
            CHECK(deepvis::testing::max_rel_diff(got, one) < 1e-5);
        }
    }
}

TEST_CASE("score_cam: matches a direct loop over masked inputs") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 207);
    const ints classes{0, 1};
    nn::network::trace t;
    net.forward(x, t);
    const tensor a = net.activation(t, "r2");
    auto prob = [&](const tensor& input, std::int64_t c) {
        const tensor s = net.forward(input, t);
        double z = 0;
        for (std::size_t j = 0; j < 3; ++j) z += std::exp(double(s(0, j)));
        return std::exp(double(s(0, c))) / z;
    };
    std::vector<std::vector<double>> w_increase(2, std::vector<double>(5)), w_soft(2, std::vector<double>(5));
    for (std::size_t i = 0; i < 2; ++i) {
        const double base = prob(xt::zeros<float>({1, 2, 8, 8}), classes[i]);
        std::vector<double> raw(5);
        for (std::size_t k = 0; k < 5; ++k) {
            tensor map = upsample(tensor(xt::view(a, i, k)), 8, 8, upsample_mode::bilinear);
            const float lo = xt::amin(map)(), hi = xt::amax(map)();
            map = (map - lo) / (hi - lo + 1e-8f);
            tensor masked = xt::view(x, xt::range(i, i + 1));
            for (std::size_t c = 0; c < 2; ++c) xt::view(masked, 0, c) *= map;
            w_increase[i][k] = prob(masked, classes[i]) - base;
            raw[k] = net.forward(masked, t)(0, classes[i]);
        }
        double z = 0;
        for (double r : raw) z += std::exp(r);
        for (std::size_t k = 0; k < 5; ++k) w_soft[i][k] = std::exp(raw[k]) / z;
    }
    const tensor got = score_cam(net, x, classes, {.upsample = upsample_mode::none, .batch_size = 3});
    CHECK(deepvis::testing::max_rel_diff(got, combine(a, w_increase, true)) < 1e-4);
    const tensor got_soft =
        score_cam(net, x, classes, {.weights = score_cam_weights::softmax_over_maps, .upsample = upsample_mode::none});
    CHECK(deepvis::testing::max_rel_diff(got_soft, combine(a, w_soft, true)) < 1e-4);

    // Faster Score-CAM: only each item's 2 maps of largest variance keep their weight.
    std::vector<std::vector<double>> w_top2 = w_increase;
    for (std::size_t i = 0; i < 2; ++i) {
        std::vector<std::pair<double, std::size_t>> var;
        for (std::size_t k = 0; k < 5; ++k) {
            const tensor m = xt::view(a, i, k);
            var.push_back({double(xt::variance(m)()), k});
        }
        std::sort(var.begin(), var.end(), std::greater<>());
        for (std::size_t r = 2; r < 5; ++r) w_top2[i][var[r].second] = 0.0;
    }
    const tensor got_top2 = score_cam(net, x, classes, {.upsample = upsample_mode::none, .max_channels = 2});
    CHECK(deepvis::testing::max_rel_diff(got_top2, combine(a, w_top2, true)) < 1e-4);
    const tensor got_all = score_cam(net, x, classes, {.upsample = upsample_mode::none, .max_channels = 5});
    CHECK(deepvis::testing::max_rel_diff(got_all, got) < 1e-6);
}
