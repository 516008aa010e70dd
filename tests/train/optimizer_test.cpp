// Parameter optimisers: one and two steps against the formulas of torch.optim, written out.
#include <doctest/doctest.h>

#include <cmath>
#include <deepvis/train/adam.hpp>
#include <deepvis/train/init.hpp>
#include <deepvis/train/models.hpp>
#include <deepvis/train/optimizer.hpp>
#include <deepvis/train/rng.hpp>
#include <deepvis/train/sgd.hpp>
#include <vector>

using namespace deepvis;

static_assert(train::ParameterOptimizer<train::optimizer_archetype>);
static_assert(train::ParameterOptimizer<train::adam>);
static_assert(train::ParameterOptimizer<train::sgd>);

TEST_CASE("adam: two steps match Kingma & Ba's update with bias correction") {
    tensor p = {1.0f, -2.0f};
    tensor g1 = {0.5f, -1.0f}, g2 = {0.1f, 0.3f};
    train::adam opt({.learning_rate = 0.1f});
    tensor* params[] = {&p};
    const tensor* grads1[] = {&g1};
    const tensor* grads2[] = {&g2};
    opt.step(params, grads1);
    // First step: m̂ = g, v̂ = g², so θ moves by lr·g/(|g| + ε) = lr·sign(g).
    CHECK(p(0) == doctest::Approx(0.9).epsilon(1e-6));
    CHECK(p(1) == doctest::Approx(-1.9).epsilon(1e-6));
    opt.step(params, grads2);
    for (int i = 0; i < 2; ++i) {
        const double a = g1(i), b = g2(i);
        const double m = 0.9 * (0.1 * a) + 0.1 * b, v = 0.999 * (0.001 * a * a) + 0.001 * b * b;
        const double mh = m / (1 - 0.81), vh = v / (1 - 0.999 * 0.999);
        const double start = i == 0 ? 0.9 : -1.9;
        CHECK(p(i) == doctest::Approx(start - 0.1 * mh / (std::sqrt(vh) + 1e-8)).epsilon(1e-5));
    }
}

TEST_CASE("sgd: momentum buffer starts at the gradient, then b = μb + g") {
    tensor p = {1.0f};
    tensor g = {2.0f};
    train::sgd opt({.learning_rate = 0.1f, .momentum = 0.9f});
    tensor* params[] = {&p};
    const tensor* grads[] = {&g};
    opt.step(params, grads);
    CHECK(p(0) == doctest::Approx(0.8));
    opt.step(params, grads);  // b = 0.9·2 + 2 = 3.8
    CHECK(p(0) == doctest::Approx(0.8 - 0.38));
}

TEST_CASE("initialize_like_pytorch: bounds 1/sqrt(fan_in), seeded, spread over the interval") {
    nn::graph g1 = train::fashion_classifier(3), g2 = train::fashion_classifier(3), g3 = train::fashion_classifier(4);
    CHECK(g1.initializers.at("conv2.weight") == g2.initializers.at("conv2.weight"));
    CHECK(g1.initializers.at("conv2.weight") != g3.initializers.at("conv2.weight"));
    const auto check_bound = [](const tensor& w, double bound) {
        double lo = 1e9, hi = -1e9, sq = 0;
        for (float v : w) lo = std::min(lo, double(v)), hi = std::max(hi, double(v)), sq += double(v) * v;
        CHECK(lo >= -bound);
        CHECK(hi <= bound);
        CHECK(lo < -0.9 * bound);
        CHECK(hi > 0.9 * bound);
        // U(−b, b) has variance b²/3.
        CHECK(sq / w.size() == doctest::Approx(bound * bound / 3).epsilon(0.1));
    };
    check_bound(g1.initializers.at("conv1.weight"), 1.0 / 3.0);               // fan_in 9
    check_bound(g1.initializers.at("conv2.weight"), 1.0 / std::sqrt(288.0));  // fan_in 32·9
    check_bound(g1.initializers.at("fc1.weight"), 1.0 / std::sqrt(3136.0));
    check_bound(g1.initializers.at("fc2.bias"), 1.0 / std::sqrt(128.0));
}

TEST_CASE("rng: platform-independent transforms") {
    train::rng r(42);
    const auto p = r.permutation(100);
    std::vector<int> seen(100, 0);
    for (auto i : p) ++seen[i];
    CHECK(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
    train::rng a(5), b(5);
    for (int i = 0; i < 10; ++i) CHECK(a.normal() == b.normal());
    double s = 0, s2 = 0;
    train::rng n(9);
    for (int i = 0; i < 20000; ++i) {
        const double v = n.normal();
        s += v, s2 += v * v;
    }
    CHECK(s / 20000 == doctest::Approx(0.0).epsilon(0.03).scale(1));
    CHECK(s2 / 20000 == doctest::Approx(1.0).epsilon(0.03));
}
