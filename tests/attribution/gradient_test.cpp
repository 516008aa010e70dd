#include <doctest/doctest.h>

#include <deepvis/attribution/deconvolution.hpp>
#include <deepvis/attribution/gradient.hpp>
#include <deepvis/attribution/guided_backprop.hpp>
#include <deepvis/attribution/input_x_gradient.hpp>
#include <deepvis/attribution/layer_gradients.hpp>
#include <deepvis/saliency.hpp>

#include "attribution/tiny_net.hpp"

using namespace deepvis;
using deepvis::testing::ints;

static_assert(Model<nn::network>);

namespace {

// Element-wise comparison with the finite-difference gradient; prints the seed of the input.
void check_close(const tensor& analytic, const tensor& numeric, const char* what, double atol = 2e-3,
                 double rtol = 2e-2) {
    REQUIRE(analytic.shape() == numeric.shape());
    std::size_t bad = 0;
    for (std::size_t e = 0; e < analytic.size(); ++e) {
        const double a = analytic.data()[e], n = numeric.data()[e];
        if (std::abs(a - n) > atol + rtol * std::abs(n) && bad++ < 5)
            FAIL_CHECK(what << ": element " << e << " analytic " << a << " numeric " << n);
    }
    CHECK_MESSAGE(bad == 0, what << ": " << bad << " elements differ");
}

}  // namespace

TEST_CASE("gradient: matches finite differences of the class score, one class per batch item") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 101);  // seed 101
    const ints classes{2, 0};
    const tensor g = gradient(net, x, classes);
    CHECK(g.shape() == x.shape());
    check_close(g, deepvis::testing::fd_gradient(net, x, classes, 1e-3f), "gradient");
}

TEST_CASE("gradient: the score is the input of a trailing Softmax") {
    const auto plain = deepvis::testing::cnn(false);
    const auto with_softmax = deepvis::testing::cnn(true);
    const tensor x = deepvis::testing::random_tensor({1, 2, 8, 8}, 102);
    CHECK(deepvis::testing::max_rel_diff(gradient(with_softmax, x, {1}), gradient(plain, x, {1})) < 1e-6);
}

TEST_CASE("gradient: a class out of range or a wrong class count is a config_error") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 103);
    CHECK_THROWS_WITH_AS(gradient(net, x, {3}), doctest::Contains("out of range [0, 3)"), config_error);
    CHECK_THROWS_WITH_AS(gradient(net, x, {0, 1, 2}), doctest::Contains("3 classes given for a batch of 2"),
                         config_error);
}

TEST_CASE("saliency: max, sum and none reductions of |gradient| over channels") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 104);
    const tensor g = gradient(net, x, {1, 2});
    const tensor s_max = saliency(net, x, {1, 2});
    const tensor s_sum = saliency(net, x, {1, 2}, {.reduce = channel_reduce::sum});
    const tensor s_none = saliency(net, x, {1, 2}, {.reduce = channel_reduce::none});
    REQUIRE(s_max.shape() == shape_type{2, 8, 8});
    REQUIRE(s_none.shape() == x.shape());
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t y = 0; y < 8; ++y)
            for (std::size_t z = 0; z < 8; ++z) {
                const float a = std::abs(g(i, 0, y, z)), b = std::abs(g(i, 1, y, z));
                CHECK(s_max(i, y, z) == std::max(a, b));
                CHECK(s_sum(i, y, z) == doctest::Approx(a + b));
                CHECK(s_none(i, 1, y, z) == b);
            }
    const tensor flat = deepvis::testing::random_tensor({2, 128}, 105);
    CHECK_THROWS_AS(saliency(net, flat, {0}), shape_error);
}

TEST_CASE("guided backprop and deconvolution: hand-computed rules on Flatten→Gemm→Relu→Gemm") {
    const auto net = deepvis::testing::mlp();
    const deepvis::testing::mlp_weights w;
    const tensor x = deepvis::testing::random_tensor({1, 1, 2, 3}, 106, 2.0f);
    const std::int64_t c = 0;
    // h = W1 x + b1; top gradient at the Relu output: W2[c, :]
    std::vector<double> h(4), top(4);
    for (std::size_t j = 0; j < 4; ++j) {
        h[j] = w.b1(j);
        for (std::size_t e = 0; e < 6; ++e) h[j] += w.w1(j, e) * x.data()[e];
        top[j] = w.w2(c, j);
    }
    auto expected = [&](auto rule) {
        tensor g = xt::zeros<float>({1, 1, 2, 3});
        for (std::size_t j = 0; j < 4; ++j) {
            const double gh = rule(h[j], top[j]);
            for (std::size_t e = 0; e < 6; ++e) g.data()[e] += static_cast<float>(w.w1(j, e) * gh);
        }
        return g;
    };
    const tensor g_standard = expected([](double hj, double t) { return hj > 0 ? t : 0.0; });
    const tensor g_guided = expected([](double hj, double t) { return hj > 0 ? std::max(t, 0.0) : 0.0; });
    const tensor g_deconv = expected([](double, double t) { return std::max(t, 0.0); });
    CHECK(deepvis::testing::max_rel_diff(gradient(net, x, {c}), g_standard) < 1e-5);
    CHECK(deepvis::testing::max_rel_diff(guided_backprop(net, x, {c}), g_guided) < 1e-5);
    CHECK(deepvis::testing::max_rel_diff(deconvolution(net, x, {c}), g_deconv) < 1e-5);
    // The three differ on this seed, so the test cannot pass by accident.
    CHECK(deepvis::testing::max_rel_diff(g_guided, g_standard) > 1e-3);
    CHECK(deepvis::testing::max_rel_diff(g_deconv, g_guided) > 1e-3);
}

TEST_CASE("input_x_gradient: x times the gradient") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 107);
    const tensor expected = x * gradient(net, x, {0, 1});
    CHECK(deepvis::testing::max_rel_diff(input_x_gradient(net, x, {0, 1}), expected) < 1e-6);
}

TEST_CASE("layer_gradients: several layers and the input from one backward pass") {
    const auto net = deepvis::testing::cnn();
    const auto head = deepvis::testing::tail();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 108);
    const ints classes{1, 2};
    const auto grads = layer_gradients(net, x, classes, {"conv2", "x", "pool1"});
    REQUIRE(grads.size() == 3);
    CHECK(grads[0].shape() == shape_type{2, 5, 4, 4});
    CHECK(grads[2].shape() == shape_type{2, 4, 4, 4});
    CHECK(deepvis::testing::max_rel_diff(grads[1], gradient(net, x, classes)) < 1e-6);
    // d score / d conv2 by finite differences on the tail network fed with conv2's output.
    nn::network::trace t;
    net.forward(x, t);
    const tensor c2 = net.activation(t, "c2");
    check_close(grads[0], deepvis::testing::fd_gradient(head, c2, classes, 1e-3f), "layer gradient at conv2");
}
