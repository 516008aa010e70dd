// Integrated gradients, SmoothGrad and occlusion against direct implementations of their formulas.
#include <doctest/doctest.h>

#include <deepvis/attribution/gradient.hpp>
#include <deepvis/attribution/integrated_gradients.hpp>
#include <deepvis/attribution/occlusion.hpp>
#include <deepvis/attribution/smoothgrad.hpp>
#include <random>

#include "attribution/tiny_net.hpp"

using namespace deepvis;
using deepvis::testing::ints;

TEST_CASE("quadrature: 5-point Gauss-Legendre nodes and weights match the tabulated values") {
    const auto r = gauss_legendre_rule(5);
    const double nodes[] = {-0.9061798459386640, -0.5384693101056831, 0.0, 0.5384693101056831, 0.9061798459386640};
    const double weights[] = {0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665,
                              0.2369268850561891};
    for (int i = 0; i < 5; ++i) {
        CHECK(r.nodes[i] == doctest::Approx(nodes[i]).epsilon(1e-13));
        CHECK(r.weights[i] == doctest::Approx(weights[i]).epsilon(1e-13));
    }
    // Exact for degree 2n − 1 on [0, 1]: ∫ t^k = 1/(k+1), for n = 50 up to k = 99.
    const auto unit = unit_interval_rule(quadrature::gauss_legendre, 50);
    for (int k : {0, 1, 7, 42, 99}) {
        double s = 0;
        for (std::size_t i = 0; i < 50; ++i) s += unit.weights[i] * std::pow(unit.nodes[i], k);
        CHECK(s == doctest::Approx(1.0 / (k + 1)).epsilon(1e-12));
    }
    for (auto m : {quadrature::riemann_left, quadrature::riemann_right, quadrature::riemann_middle,
                   quadrature::riemann_trapezoid}) {
        const auto q = unit_interval_rule(m, 7);
        double s = 0, first = 0;
        for (std::size_t i = 0; i < 7; ++i) s += q.weights[i], first += q.weights[i] * q.nodes[i];
        CHECK(s == doctest::Approx(1.0));
        CHECK(first == doctest::Approx(0.5).epsilon(
                           m == quadrature::riemann_middle || m == quadrature::riemann_trapezoid ? 1e-12 : 0.1));
    }
    CHECK(unit_interval_rule(quadrature::riemann_left, 4).nodes == std::vector<double>{0.0, 0.25, 0.5, 0.75});
    CHECK(unit_interval_rule(quadrature::riemann_right, 4).nodes == std::vector<double>{0.25, 0.5, 0.75, 1.0});
}

TEST_CASE("integrated_gradients: completeness, sum of attributions = score(x) - score(baseline)") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 301);  // seed 301
    const ints classes{0, 1};
    const tensor baseline = deepvis::testing::random_tensor({1, 2, 8, 8}, 302, 0.1f);
    for (auto method : {quadrature::gauss_legendre, quadrature::riemann_middle, quadrature::riemann_trapezoid}) {
        CAPTURE(static_cast<int>(method));
        const std::size_t steps = method == quadrature::gauss_legendre ? 50 : 200;
        for (bool zero : {true, false}) {
            const tensor ig = integrated_gradients(
                net, x, classes,
                {.steps = steps, .method = method, .baseline = zero ? tensor() : baseline, .batch_size = 7});
            REQUIRE(ig.shape() == x.shape());
            for (std::size_t i = 0; i < 2; ++i) {
                double total = 0;
                for (std::size_t e = 0; e < 128; ++e) total += ig.data()[i * 128 + e];
                tensor xb = zero ? tensor(xt::zeros<float>({1, 2, 8, 8})) : baseline;
                const double expected =
                    deepvis::testing::score_of(net, xt::view(x, xt::range(i, i + 1)), 0, classes[i]) -
                    deepvis::testing::score_of(net, xb, 0, classes[i]);
                CHECK(std::abs(total - expected) <= 0.01 * std::abs(expected));
            }
        }
    }
}

TEST_CASE("integrated_gradients: a direct Riemann loop, and independence of the internal batch size") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 303);
    const ints classes{1, 1};
    tensor sum = xt::zeros<float>(x.shape());
    for (int s = 0; s < 5; ++s) {
        const float a = (s + 0.5f) / 5.0f;
        sum += gradient(net, tensor(a * x), classes) / 5.0f;
    }
    const tensor expected = x * sum;
    const tensor a =
        integrated_gradients(net, x, classes, {.steps = 5, .method = quadrature::riemann_middle, .batch_size = 1});
    const tensor b =
        integrated_gradients(net, x, classes, {.steps = 5, .method = quadrature::riemann_middle, .batch_size = 64});
    CHECK(deepvis::testing::max_rel_diff(a, expected) < 1e-5);
    CHECK(deepvis::testing::max_rel_diff(b, expected) < 1e-5);
    CHECK_THROWS_AS(integrated_gradients(net, x, classes, {.baseline = tensor(xt::zeros<float>({3}))}), shape_error);
}

TEST_CASE("smoothgrad: matches a direct loop with the documented noise order; variants") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 304);
    const ints classes{2, 0};
    const std::size_t n = 6;
    const std::uint64_t seed = 77;
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    tensor mean = xt::zeros<float>(x.shape()), mean_sq = xt::zeros<float>(x.shape());
    for (std::size_t i = 0; i < 2; ++i) {
        tensor xi = xt::view(x, xt::range(i, i + 1));
        const float sigma = 0.15f * (xt::amax(xi)() - xt::amin(xi)());
        for (std::size_t s = 0; s < n; ++s) {
            tensor noisy = xi;
            for (auto& v : noisy) v += sigma * normal(rng);
            const tensor g = gradient(net, noisy, {classes[i]});
            xt::view(mean, xt::range(i, i + 1)) += g / float(n);
            xt::view(mean_sq, xt::range(i, i + 1)) += g * g / float(n);
        }
    }
    const smoothgrad_options o{.samples = n, .seed = seed, .batch_size = 4};
    CHECK(deepvis::testing::max_rel_diff(smoothgrad(net, x, classes, o), mean) < 1e-5);
    smoothgrad_options sq = o;
    sq.variant = noise_tunnel::smoothgrad_sq;
    CHECK(deepvis::testing::max_rel_diff(smoothgrad(net, x, classes, sq), mean_sq) < 1e-5);
    smoothgrad_options var = o;
    var.variant = noise_tunnel::vargrad;
    CHECK(deepvis::testing::max_rel_diff(smoothgrad(net, x, classes, var), tensor(mean_sq - mean * mean)) < 1e-4);
    // Absolute noise of 0 is the plain gradient.
    const tensor plain = smoothgrad(net, x, classes, {.samples = 2, .stdev = 0.0f, .mode = stdev_mode::absolute});
    CHECK(deepvis::testing::max_rel_diff(plain, gradient(net, x, classes)) < 1e-6);
}

TEST_CASE("occlusion: matches a direct loop over windows, uncovered pixels are 0") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 305);
    const ints classes{0, 1};
    const occlusion_options o{
        .window_height = 3, .window_width = 2, .stride_y = 2, .stride_x = 3, .baseline = 0.5f, .batch_size = 5};
    tensor total = xt::zeros<float>({2, 8, 8}), count = xt::zeros<float>({2, 8, 8});
    for (std::size_t i = 0; i < 2; ++i) {
        const tensor xi = xt::view(x, xt::range(i, i + 1));
        const double ref = deepvis::testing::score_of(net, xi, 0, classes[i]);
        for (std::size_t y0 = 0; y0 + 3 <= 8; y0 += 2)
            for (std::size_t x0 = 0; x0 + 2 <= 8; x0 += 3) {
                tensor occluded = xi;
                xt::view(occluded, 0, xt::all(), xt::range(y0, y0 + 3), xt::range(x0, x0 + 2)) = 0.5f;
                const double d = ref - deepvis::testing::score_of(net, occluded, 0, classes[i]);
                xt::view(total, i, xt::range(y0, y0 + 3), xt::range(x0, x0 + 2)) += float(d);
                xt::view(count, i, xt::range(y0, y0 + 3), xt::range(x0, x0 + 2)) += 1.0f;
            }
    }
    const tensor expected = xt::where(count > 0.0f, total / xt::maximum(count, 1.0f), 0.0f);
    const tensor got = occlusion(net, x, classes, o);
    REQUIRE(got.shape() == shape_type{2, 8, 8});
    CHECK(deepvis::testing::max_rel_diff(got, expected) < 1e-5);
    CHECK(got(0, 7, 3) == 0.0f);  // row 7 is under no window (windows start at rows 0, 2, 4)
    CHECK_THROWS_AS(occlusion(net, x, classes, {.window_height = 9}), config_error);
}
