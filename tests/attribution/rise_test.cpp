// RISE (attribution/rise.hpp) against its definition (Petsiuk et al. 2018): the masks are crops of
// an upsampled binary grid (checked by brute force with the public upsample()), their mean is p,
// and the map is the probability-weighted mean mask of eq. 6, from a direct loop over the masks.
#include <doctest/doctest.h>

#include <cmath>
#include <deepvis/attribution/rise.hpp>

#include "attribution/tiny_net.hpp"

using namespace deepvis;

namespace {

/// Softmax probability of class c for the single image x, in double.
double rise_test_probability(const nn::network& net, const tensor& x, std::int64_t c) {
    nn::network::trace t;
    net.forward(x, t);
    const tensor& s = net.scores(t);
    double mx = -INFINITY, z = 0.0;
    for (std::size_t j = 0; j < s.shape()[1]; ++j) mx = std::max(mx, double(s(0, j)));
    for (std::size_t j = 0; j < s.shape()[1]; ++j) z += std::exp(double(s(0, j)) - mx);
    return std::exp(double(s(0, static_cast<std::size_t>(c))) - mx) / z;
}

}  // namespace

TEST_CASE("rise: every mask is an HxW crop of a bilinearly upsampled binary s x s grid (§3.2)") {
    // 8x8 input, s = 3: cell = ceil(8/3) = 3, the grid upsampled to (3+1)*3 = 12, offsets in [0, 3).
    const rise_options o{.grid = 3, .probability = 0.5f, .seed = 7};
    const tensor masks = rise_masks(8, 8, o, 0, 12);
    REQUIRE(masks.shape() == shape_type{12, 8, 8});
    for (std::size_t k = 0; k < 12; ++k) {
        std::size_t matches = 0;
        for (unsigned bits = 0; bits < 512; ++bits) {
            tensor grid = xt::zeros<float>({std::size_t{1}, std::size_t{3}, std::size_t{3}});
            for (std::size_t e = 0; e < 9; ++e) grid.data()[e] = (bits >> e) & 1u ? 1.0f : 0.0f;
            const tensor up = upsample(grid, 12, 12, upsample_mode::bilinear);
            for (std::size_t dy = 0; dy < 3; ++dy)
                for (std::size_t dx = 0; dx < 3; ++dx) {
                    double err = 0.0;
                    for (std::size_t y = 0; y < 8; ++y)
                        for (std::size_t x = 0; x < 8; ++x)
                            err = std::max(err, double(std::abs(up(0, y + dy, x + dx) - masks(k, y, x))));
                    if (err < 1e-6) ++matches;
                }
        }
        CHECK_MESSAGE(matches >= 1, "mask " << k << " is no crop of an upsampled binary grid");
    }
}

TEST_CASE("rise: masks average to p, are reproducible from (seed, index) and lie in [0, 1]") {
    const rise_options o{.grid = 4, .probability = 0.3f, .seed = 11};
    const tensor masks = rise_masks(16, 16, o, 0, 4000);
    CHECK(xt::amin(masks)() >= 0.0f);
    CHECK(xt::amax(masks)() <= 1.0f);
    CHECK(std::abs(double(xt::mean(masks)()) - 0.3) < 0.02);  // E[M] = p; its spread here is ~0.003
    const tensor again = rise_masks(16, 16, o, 1000, 5);      // masks 1000..1004 alone
    CHECK(again == tensor(xt::view(masks, xt::range(1000, 1005))));
    const tensor other = rise_masks(16, 16, {.grid = 4, .probability = 0.3f, .seed = 12}, 1000, 5);
    CHECK(other != again);
    CHECK(xt::all(xt::equal(rise_masks(16, 16, {.grid = 4, .probability = 1.0f}, 0, 3), 1.0f)));
}

TEST_CASE("rise: the map is sum_i P_c(x*M_i + b(1-M_i)) M_i / (N p), for every item and any batch size") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 41);
    const class_indices classes{2, 0};
    const rise_options o{.masks = 40, .grid = 3, .probability = 0.4f, .baseline = 0.25f, .seed = 3, .batch_size = 7};
    const tensor masks = rise_masks(8, 8, o, 0, o.masks);
    tensor expected = xt::zeros<float>({2, 8, 8});
    for (std::size_t i = 0; i < 2; ++i) {
        std::vector<double> sum(64, 0.0);
        for (std::size_t k = 0; k < o.masks; ++k) {
            tensor xi = xt::view(x, xt::range(i, i + 1));
            for (std::size_t ch = 0; ch < 2; ++ch)
                for (std::size_t e = 0; e < 64; ++e) {
                    const float m = masks.data()[k * 64 + e];
                    float& v = xi.data()[ch * 64 + e];
                    v = v * m + o.baseline * (1.0f - m);
                }
            const double p = rise_test_probability(net, xi, classes[i]);
            for (std::size_t e = 0; e < 64; ++e) sum[e] += p * masks.data()[k * 64 + e];
        }
        for (std::size_t e = 0; e < 64; ++e) expected.data()[i * 64 + e] = float(sum[e] / (40.0 * 0.4));
    }
    const tensor got = rise(net, x, classes, o);
    REQUIRE(got.shape() == shape_type{2, 8, 8});
    CHECK(deepvis::testing::max_rel_diff(got, expected) < 1e-5);
    rise_options one_by_one = o;
    one_by_one.batch_size = 1;
    CHECK(deepvis::testing::max_rel_diff(rise(net, x, classes, one_by_one), got) < 1e-5);
}

TEST_CASE("rise: with every cell kept (p = 1) the map is the class probability everywhere") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({1, 2, 8, 8}, 42);
    const tensor got = rise(net, x, {1}, {.masks = 5, .grid = 2, .probability = 1.0f});
    const double p = rise_test_probability(net, x, 1);
    for (float v : got) CHECK(v == doctest::Approx(p).epsilon(1e-5));
}

TEST_CASE("rise: bad options are config_errors naming the option") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({1, 2, 8, 8}, 43);
    CHECK_THROWS_WITH_AS(rise(net, x, {0}, {.masks = 0}), doctest::Contains("masks"), config_error);
    CHECK_THROWS_WITH_AS(rise(net, x, {0}, {.grid = 9}), doctest::Contains("grid 9"), config_error);
    CHECK_THROWS_WITH_AS(rise(net, x, {0}, {.probability = 0.0f}), doctest::Contains("probability"), config_error);
    CHECK_THROWS_AS(rise(net, x, {5}, {}), config_error);  // class out of range
}
