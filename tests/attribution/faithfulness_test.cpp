#include <doctest/doctest.h>

#include <deepvis/attribution/faithfulness.hpp>

#include "attribution/tiny_net.hpp"

using namespace deepvis;

namespace {
// score_0 = Σ w ⊙ x + b, score_1 = 0: the probability of class 0 is sigmoid(score_0), and removing
// pixels in decreasing order of w ⊙ x (summed over channels) is the fastest possible descent.
nn::network linear(const tensor& w) {
    nn::graph g;
    g.inputs = {{"x", {-1, 3, 6, 6}}};
    tensor weights = xt::zeros<float>({2, 108});
    xt::view(weights, 0) = xt::flatten(w);
    g.initializers = {{"w", weights}, {"b", tensor(xt::zeros<float>({2}))}};
    g.add({"flatten", "Flatten", {"x"}, {"f"}, {}});
    g.add({"fc", "Gemm", {"f", "w", "b"}, {"logits"}, {{"transB", std::int64_t{1}}}});
    g.outputs = {{"logits", {}}};
    return nn::network(std::move(g));
}
float sigmoid(double s) { return static_cast<float>(1.0 / (1.0 + std::exp(-s))); }
}  // namespace

TEST_CASE("faithfulness: deletion AUC of the perfect map beats a random map; insertion the reverse") {
    const tensor w = deepvis::testing::random_tensor({3, 6, 6}, 401, 0.3f);  // seed 401
    const tensor x = xt::abs(deepvis::testing::random_tensor({2, 3, 6, 6}, 402));
    const auto net = linear(w);
    tensor perfect = xt::zeros<float>({2, 6, 6});
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t c = 0; c < 3; ++c) xt::view(perfect, i) += xt::view(w, c) * xt::view(x, i, c);
    const tensor random = deepvis::testing::random_tensor({2, 6, 6}, 403);
    const faithfulness_options zero{
        .step_fraction = 1.0 / 12.0, .baseline = faithfulness_baseline::zero, .batch_size = 5};
    const auto del_perfect = deletion_curve(net, x, perfect, {0}, zero);
    const auto del_random = deletion_curve(net, x, random, {0}, zero);
    const auto ins_perfect = insertion_curve(net, x, perfect, {0}, zero);
    const auto ins_random = insertion_curve(net, x, random, {0}, zero);
    REQUIRE(del_perfect.probabilities.shape() == shape_type{2, 13});
    REQUIRE(del_perfect.fractions.size() == 13);
    CHECK(del_perfect.fractions.back() == 1.0);
    for (std::size_t i = 0; i < 2; ++i) {
        const double full = xt::sum(tensor(w * xt::view(x, i)))();
        CHECK(del_perfect.probabilities(i, 0) == doctest::Approx(sigmoid(full)).epsilon(1e-5));
        CHECK(del_perfect.probabilities(i, 12) == doctest::Approx(0.5));
        CHECK(ins_perfect.probabilities(i, 0) == doctest::Approx(0.5));
        CHECK(ins_perfect.probabilities(i, 12) == doctest::Approx(sigmoid(full)).epsilon(1e-5));
        CHECK(del_perfect.auc[i] < del_random.auc[i]);
        CHECK(ins_perfect.auc[i] > ins_random.auc[i]);
        // Each step of the perfect deletion removes the largest remaining contributions: every
        // point is at or below the random map's.
        for (std::size_t s = 0; s < 13; ++s)
            CHECK(del_perfect.probabilities(i, s) <= del_random.probabilities(i, s) + 1e-6f);
    }
    // The default insertion baseline is the blurred image: its first point is the blurred score.
    const auto ins_blur = insertion_curve(net, x, perfect, {0}, {.step_fraction = 0.5});
    const tensor blurred = gaussian_blur(x, 5.0f, 5);
    const double blurred_score = xt::sum(tensor(w * xt::view(blurred, 0)))();
    CHECK(ins_blur.probabilities(0, 0) == doctest::Approx(sigmoid(blurred_score)).epsilon(1e-5));
    CHECK_THROWS_AS(deletion_curve(net, x, tensor(xt::zeros<float>({2, 5, 5})), {0}), shape_error);
}

TEST_CASE("faithfulness: gaussian_blur keeps constants and is symmetric") {
    tensor c = xt::ones<float>({1, 1, 5, 7}) * 3.0f;
    CHECK(xt::allclose(gaussian_blur(c, 2.0f, 3), c));
    tensor impulse = xt::zeros<float>({1, 1, 9, 9});
    impulse(0, 0, 4, 4) = 1.0f;
    const tensor b = gaussian_blur(impulse, 1.0f, 3);
    CHECK(b(0, 0, 4, 3) == doctest::Approx(b(0, 0, 3, 4)));
    CHECK(xt::sum(b)() == doctest::Approx(1.0f));
}
