// Training's initialisation (as PyTorch's modules) and its platform-independent generator.
// The optimisers are tested in tests/solvers.
#include <doctest/doctest.h>

#include <cmath>
#include <deepvis/train/init.hpp>
#include <deepvis/train/models.hpp>
#include <deepvis/train/rng.hpp>
#include <vector>

using namespace deepvis;

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
