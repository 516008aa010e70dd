// Losses and gradients against PyTorch: fixtures made by tests/synthesis/make_fixtures.py
// (PyTorch 1.13 autograd on fixed seeded inputs, stored as float32 .npy in tests/synthesis/data).
// Criterion: max|a − b| ≤ 1e-4 · max|b| for gradients, relative 1e-4 for loss values.
#include <doctest/doctest.h>

#include <deepvis/io/npy.hpp>
#include <deepvis/objectives.hpp>

#include "support/tiny_net.hpp"

using namespace deepvis;
using deepvis::testing::relative_error;

namespace {
tensor fixture(const std::string& name) {
    return io::load_npy(std::string(DEEPVIS_SOURCE_DIR) + "/tests/synthesis/data/" + name + ".npy");
}
double scalar(const std::string& name) { return fixture(name).data()[0]; }
}  // namespace

TEST_CASE("pytorch: style_loss over two layers (by-size Gram + sum, plain Gram + Gatys' factor)") {
    const tensor fa = fixture("style_fa"), fb = fixture("style_fb");
    const style_loss s{.layers = {{"a", 2.0, fixture("style_ta")}}, .normalization = gram_normalization::by_size};
    const style_loss s2{.layers = {{"b", 0.5, fixture("style_tb")}}, .reduction = style_reduction::gatys};
    auto both = s + s2;
    tensor ga, gb;
    const tensor* acts[] = {&fa, &fb};
    tensor* grads[] = {&ga, &gb};
    const double v = both.loss_and_gradient(acts, grads);
    CHECK(v == doctest::Approx(scalar("style_loss")).epsilon(1e-4));
    CHECK(relative_error(ga, fixture("style_ga")) <= 1e-4);
    CHECK(relative_error(gb, fixture("style_gb")) <= 1e-4);
}

TEST_CASE("pytorch: content_loss, sum and mean, target broadcast over the batch") {
    const tensor f = fixture("content_f");
    tensor g;
    const double vs = content_loss{.layer = "l", .target = fixture("content_p"), .weight = 0.7}.loss_and_gradient(f, g);
    CHECK(vs == doctest::Approx(scalar("content_sum_loss")).epsilon(1e-4));
    CHECK(relative_error(g, fixture("content_sum_grad")) <= 1e-4);
    const double vm =
        content_loss{.layer = "l", .target = fixture("content_p"), .weight = 0.7, .reduction = reduction::mean}
            .loss_and_gradient(f, g);
    CHECK(vm == doctest::Approx(scalar("content_mean_loss")).epsilon(1e-4));
    CHECK(relative_error(g, fixture("content_mean_grad")) <= 1e-4);
}

TEST_CASE("pytorch: total_variation, target_class, feature_match, alpha_norm") {
    tensor g;
    CHECK(total_variation{.weight = 0.3}.loss_and_gradient(fixture("tv_x"), g) ==
          doctest::Approx(scalar("tv_loss")).epsilon(1e-4));
    CHECK(relative_error(g, fixture("tv_grad")) <= 1e-4);
    CHECK(target_class{.per_sample = {1, 4, 0}}.loss_and_gradient(fixture("target_s"), g) ==
          doctest::Approx(scalar("target_loss")).epsilon(1e-4));
    CHECK(relative_error(g, fixture("target_grad")) <= 1e-4);
    CHECK(feature_match{.layer = "l", .target = fixture("match_p")}.loss_and_gradient(fixture("match_f"), g) ==
          doctest::Approx(scalar("match_loss")).epsilon(1e-4));
    CHECK(relative_error(g, fixture("match_grad")) <= 1e-4);
    CHECK(alpha_norm{.alpha = 6, .weight = 0.01}.loss_and_gradient(fixture("alpha_x"), g) ==
          doctest::Approx(scalar("alpha_loss")).epsilon(1e-4));
    CHECK(relative_error(g, fixture("alpha_grad")) <= 1e-4);
}
