// Objectives and explicit regularisers: finite-difference checks through the shared checker,
// composition (flat sums, weights, maximize), concept conformance, and one backward pass for
// an objective that taps several layers.
#include <doctest/doctest.h>

#include <deepvis/objectives.hpp>
#include <deepvis/regularizers.hpp>
#include <deepvis/solvers.hpp>

#include "support/gradient_check.hpp"
#include "support/tiny_net.hpp"

using namespace deepvis;
using deepvis::testing::check_against_finite_differences;
using deepvis::testing::random_tensor;

namespace {

// A user-written objective: the squared mean of a channel, with no library change.
struct squared_channel_mean {
    std::string layer;
    std::size_t channel = 0;
    std::string tap() const { return layer; }
    double loss_and_gradient(const tensor& a, tensor& g) const {
        const std::size_t n = a.shape()[0], c = a.shape()[1], p = a.size() / (n * c);
        ensure_shape(g, a.shape());
        std::fill(g.begin(), g.end(), 0.0f);
        double v = 0;
        for (std::size_t b = 0; b < n; ++b) {
            double m = 0;
            for (std::size_t e = 0; e < p; ++e) m += a.data()[(b * c + channel) * p + e];
            m /= double(p);
            v += m * m;
            for (std::size_t e = 0; e < p; ++e) g.data()[(b * c + channel) * p + e] = float(2 * m / double(p));
        }
        return v;
    }
};

static_assert(Objective<class_score> && Objective<target_class> && Objective<neuron> && Objective<channel_mean>);
static_assert(Objective<content_loss> && Objective<style_loss> && Objective<feature_match>);
static_assert(Objective<total_variation> && Objective<l2> && Objective<alpha_norm> && Objective<squared_channel_mean>);
static_assert(MultiLayerObjective<style_loss> && LayerObjective<class_score>);
static_assert(Regularizer<l2> && Regularizer<alpha_norm> && Regularizer<total_variation>);
static_assert(Regularizer<jitter> && Regularizer<periodic_blur> && Regularizer<clamp_pixels> &&
              Regularizer<random_transform> && Regularizer<regularizer_archetype>);
static_assert(Optimizer<gradient_descent> && Optimizer<adam> && Optimizer<lbfgs> && Optimizer<optimizer_archetype>);
static_assert(Callback<no_callback>);
static_assert(Model<testing::counting_model>);

template <LayerObjective O>
void fd_check(const O& o, tensor a, const std::string& what, float eps = 1e-2f) {
    tensor g;
    o.loss_and_gradient(a, g);
    tensor scratch;
    check_against_finite_differences(
        a, g, [&] { return o.loss_and_gradient(a, scratch); }, what, eps);
}

template <ExplicitRegularizer R>
void fd_check_penalty(const R& r, tensor x, const std::string& what, float eps = 1e-2f) {
    // penalty() ADDS to the gradient: start from a known gradient and subtract it.
    tensor g = random_tensor(shape_of(x), 99);
    const tensor g0 = g;
    r.penalty(x, g);
    g -= g0;
    tensor scratch = g0;
    check_against_finite_differences(
        x, g, [&] { return r.penalty(x, scratch); }, what, eps);
}

}  // namespace

TEST_CASE("objectives: class_score and target_class agree with finite differences") {
    fd_check(class_score{.class_index = 2}, random_tensor({3, 5}, 1), "class_score");
    fd_check(class_score{.per_sample = {0, 4, 1}}, random_tensor({3, 5}, 2), "class_score per sample");
    fd_check(target_class{.class_index = 3}, random_tensor({2, 5}, 3, 2.0f), "target_class");
    tensor s = random_tensor({2, 5}, 4);
    tensor g;
    CHECK(class_score{.class_index = 1}.loss_and_gradient(s, g) == doctest::Approx(s(0, 1) + s(1, 1)));
    CHECK_THROWS_AS(class_score{.class_index = 7}.loss_and_gradient(s, g), config_error);
}

TEST_CASE("objectives: neuron and channel_mean agree with finite differences") {
    fd_check(neuron{.layer = "l", .channel = 2, .y = 1, .x = 3}, random_tensor({2, 4, 3, 5}, 5), "neuron");
    fd_check(neuron{.layer = "fc", .channel = 3}, random_tensor({2, 6}, 6), "neuron 2-D");
    fd_check(channel_mean{.layer = "l", .channel = 1}, random_tensor({2, 4, 3, 5}, 7), "channel_mean");
    tensor a = random_tensor({1, 4, 3, 5}, 8), g;
    const channel_mean bad{.layer = "l", .channel = 4};
    CHECK_THROWS_AS(bad.loss_and_gradient(a, g), config_error);
}

TEST_CASE("objectives: content, feature_match, TV, l2 and alpha_norm agree with finite differences") {
    const tensor p = random_tensor({1, 3, 4, 5}, 9);
    fd_check(content_loss{.layer = "l", .target = p, .weight = 0.5}, random_tensor({2, 3, 4, 5}, 10), "content sum");
    fd_check(content_loss{.layer = "l", .target = p, .weight = 0.5, .reduction = reduction::mean},
             random_tensor({2, 3, 4, 5}, 11), "content mean");
    fd_check(feature_match{.layer = "l", .target = p}, random_tensor({2, 3, 4, 5}, 12), "feature_match");
    fd_check(feature_match{.layer = "l", .target = p, .normalize = false}, random_tensor({1, 3, 4, 5}, 13),
             "feature_match unnormalised");
    fd_check(total_variation{.weight = 0.3}, random_tensor({2, 3, 6, 7}, 14), "total_variation");
    fd_check(l2{.weight = 0.2}, random_tensor({2, 3, 4, 4}, 15), "l2");
    fd_check(alpha_norm{.alpha = 6, .weight = 0.01}, random_tensor({1, 3, 4, 4}, 16), "alpha_norm", 1e-3f);
    fd_check_penalty(total_variation{.weight = 0.3}, random_tensor({2, 3, 6, 7}, 17), "total_variation penalty");
    fd_check_penalty(l2{.weight = 0.2}, random_tensor({2, 3, 4, 4}, 18), "l2 penalty");
    fd_check_penalty(alpha_norm{.alpha = 3, .weight = 0.1}, random_tensor({1, 3, 4, 4}, 19), "alpha_norm penalty",
                     1e-3f);
}

TEST_CASE("objectives: style_loss agrees with finite differences for every normalisation") {
    for (auto norm : {gram_normalization::none, gram_normalization::by_size})
        for (auto red : {style_reduction::sum, style_reduction::mean, style_reduction::gatys}) {
            tensor f1 = random_tensor({2, 3, 4, 5}, 20, 0.5f), f2 = random_tensor({1, 4, 3, 3}, 21, 0.5f);
            style_loss s{.layers = {{"a", 2.0, gram_matrix(random_tensor({1, 3, 4, 5}, 22, 0.5f), norm)},
                                    {"b", 0.5, gram_matrix(random_tensor({1, 4, 3, 3}, 23, 0.5f), norm)}},
                         .normalization = norm,
                         .reduction = red};
            tensor g1, g2, s1, s2;
            const tensor* acts[] = {&f1, &f2};
            tensor* grads[] = {&g1, &g2};
            tensor* scratch[] = {&s1, &s2};
            s.loss_and_gradient(acts, grads);
            auto loss = [&] { return s.loss_and_gradient(acts, scratch); };
            const std::string what =
                "style_loss norm " + std::to_string(int(norm)) + " red " + std::to_string(int(red));
            check_against_finite_differences(f1, g1, loss, what + " layer a", 1e-2f, 1e-4f);
            check_against_finite_differences(f2, g2, loss, what + " layer b", 1e-2f, 1e-4f);
        }
}

TEST_CASE("objectives: sums are flat, weights scale, maximize negates") {
    auto o = maximize(class_score{.class_index = 1}) + 0.5 * total_variation{} + l2{.weight = 2.0};
    static_assert(std::is_same_v<decltype(o), sum<scaled<class_score>, scaled<total_variation>, l2>>);
    auto o2 = o + (channel_mean{.layer = "c1"} + neuron{.layer = "c2"});
    static_assert(std::tuple_size_v<decltype(o2.terms)> == 5, "a sum plus a sum concatenates");
    static_assert(std::is_same_v<decltype(3.0 * maximize(l2{})), scaled<l2>>, "a scaled term is rescaled");
    CHECK((3.0 * maximize(l2{})).weight == -3.0);
    CHECK(o.taps() == std::vector<std::string>{score_tap, input_tap, input_tap});

    tensor s = random_tensor({1, 5}, 30), x = random_tensor({1, 3, 4, 4}, 31);
    tensor gs, gx1, gx2;
    const tensor* acts[] = {&s, &x, &x};
    tensor* grads[] = {&gs, &gx1, &gx2};
    const double v = o.loss_and_gradient(acts, grads);
    tensor t1, t2;
    const double expected = -class_score{.class_index = 1}.loss_and_gradient(s, t1) +
                            0.5 * total_variation{}.loss_and_gradient(x, t2) +
                            l2{.weight = 2.0}.loss_and_gradient(x, t2);
    CHECK(v == doctest::Approx(expected).epsilon(1e-6));
    CHECK(gs(0, 1) == -1.0f);
}

TEST_CASE(
    "evaluate_objective: an objective tapping several layers costs one backward pass and matches finite differences") {
    const nn::network net = testing::synthesis_net();
    testing::counting_model model{net};
    nn::network::trace t0;
    tensor x = random_tensor({2, 3, 8, 8}, 40);
    net.forward(x, t0);
    const tensor p = random_tensor(shape_of(net.activation(t0, "c2")), 41, 0.5f);
    auto objective =
        0.3 * content_loss{.layer = "c2", .target = p} +
        style_loss{
            .layers = {{"r1", 0.5, gram_matrix(random_tensor({1, 4, 8, 8}, 42), gram_normalization::by_size)},
                       {"conv2", 0.2, gram_matrix(random_tensor({1, 6, 8, 8}, 43), gram_normalization::by_size)}},
            .normalization = gram_normalization::by_size} +
        maximize(class_score{.class_index = 2}) + maximize(channel_mean{.layer = "c1", .channel = 1}) +
        1e-2 * total_variation{} + squared_channel_mean{.layer = "relu2", .channel = 3};
    nn::network::trace t;
    tensor grad;
    const double v = evaluate_objective(model, t, objective, x, grad);
    CHECK(model.backward_calls == 1);
    CHECK(std::isfinite(v));
    tensor scratch;
    nn::network::trace t2;
    // eps small enough not to cross the rectifiers' kinks, large enough for float32 losses.
    check_against_finite_differences(
        x, grad, [&] { return evaluate_objective(net, t2, objective, x, scratch); },
        "evaluate_objective(multi-layer objective)", 2e-3f, 5e-3f, 3e-2f);
}

TEST_CASE("evaluate_objective: an objective on the image alone runs no backward pass") {
    const nn::network net = testing::synthesis_net();
    testing::counting_model model{net};
    nn::network::trace t;
    tensor x = random_tensor({1, 3, 8, 8}, 50), grad;
    const double v = evaluate_objective(model, t, total_variation{.weight = 0.5} + l2{.weight = 0.1}, x, grad);
    CHECK(model.backward_calls == 0);
    tensor g1, g2;
    const double expected =
        total_variation{.weight = 0.5}.loss_and_gradient(x, g1) + l2{.weight = 0.1}.loss_and_gradient(x, g2);
    CHECK(v == doctest::Approx(expected));
}

TEST_CASE("evaluate_objective: an unknown layer is a config_error naming it") {
    const nn::network net = testing::synthesis_net();
    nn::network::trace t;
    tensor x = random_tensor({1, 3, 8, 8}, 51), grad;
    const channel_mean bad{.layer = "conv9"};
    CHECK_THROWS_WITH_AS(evaluate_objective(net, t, bad, x, grad), doctest::Contains("conv9"), config_error);
}
