// The synthesis recipes on a small network: class/channel visualisation, fooling, inversion,
// style transfer (L-BFGS and Adam, colour preservation).
#include <doctest/doctest.h>

#include <algorithm>
#include <deepvis/synthesis.hpp>

#include "support/gradient_check.hpp"
#include "support/tiny_net.hpp"

using namespace deepvis;
using deepvis::testing::random_tensor;

namespace {
tensor logits(const nn::network& net, const tensor& x) {
    nn::network::trace t;
    net.forward(x, t);
    return net.scores(t);
}
}  // namespace

TEST_CASE("class model: the visualisation of every class is classified as that class") {
    const nn::network net = testing::synthesis_net();
    for (std::int64_t c = 0; c < 5; ++c) {
        // Pixels in [0, 1] normalised with mean 0.5, std 0.25: the image lives in [-2, 2].
        const auto r = visualize_class(net, c, {.preprocessing = {.mean = {0.5f}, .std = {0.25f}}, .seed = 3});
        CHECK(r.report.status == solve_status::completed);
        CHECK(r.image.shape() == shape_type{1, 3, 8, 8});
        CHECK(xt::amin(r.image)() >= -2.0f);
        CHECK(xt::amax(r.image)() <= 2.0f);
        CHECK(detail::argmax_row(logits(net, r.image), 0) == std::size_t(c));
    }
}

TEST_CASE("class model: channel and neuron visualisations raise their unit") {
    const nn::network net = testing::synthesis_net();
    // Step 4 in pixel space (σ ≈ 0.23): 0.065 per pixel of [0, 1], the recipe's 25·√(192/150528) ≈ 0.9 of an
    // image optimised directly in [0, 1].
    // No random scale/rotation: on an 8 x 8 image their sub-pixel bilinear resampling is mostly a
    // blur, which the 3 x 3 patterns these units like do not survive (the channel mean then falls).
    const class_model_options o{
        .iterations = 40, .step_size = 4.0, .seed = 4, .scale_jitter = 0.0, .rotation_degrees = 0.0};
    nn::network::trace t;
    // The recipe's start: N(0, 1) in the pixel space, clamped to valid pixels, as the model sees it.
    tensor start = detail::initial({1, 3, 8, 8}, initial_image::normal, 4);
    pixel_space<nn::network>::clamp(3).apply(start);
    net.forward(pixel_space(net, o.preprocessing).to_input(start), t);
    const float before = xt::mean(xt::view(net.activation(t, "c2"), 0, 5))();
    const auto r = visualize_channel(net, "conv2", 5, o);
    net.forward(r.image, t);
    CHECK(xt::mean(xt::view(net.activation(t, "c2"), 0, 5))() > before + 0.5f);
    const auto n = visualize_neuron(net, "relu1", 2, 3, 4, o);
    net.forward(n.image, t);
    CHECK(net.activation(t, "r1")(0, 2, 3, 4) > 0.5f);
}

TEST_CASE("fooling: ascends the target until the prediction flips and reports the change") {
    const nn::network net = testing::synthesis_net();
    const tensor x = random_tensor({2, 3, 8, 8}, 70, 0.5f);
    const tensor s = logits(net, x);
    std::vector<std::int64_t> targets;
    for (std::size_t b = 0; b < 2; ++b) targets.push_back(std::int64_t((detail::argmax_row(s, b) + 2) % 5));
    // The inputs are not pixels: no clamping, and the preprocessing whose pixel space is the input itself.
    const fooling_options fooling_in_input_space{.method = fooling_method::normalized_gradient,
                                                 .max_iterations = 200,
                                                 .step_size = 0.1,
                                                 .preprocessing = input_preprocessing::imagenet(),
                                                 .clamp = false};
    const auto r = fool(net, x, targets, fooling_in_input_space);
    INFO(r.report.message);
    REQUIRE(r.success);
    CHECK(r.iterations > 0);
    CHECK(r.final_class == targets);
    CHECK(r.original_class[0] != targets[0]);
    const tensor fs = logits(net, r.image);
    for (std::size_t b = 0; b < 2; ++b) CHECK(detail::argmax_row(fs, b) == std::size_t(targets[b]));
    const pixel_space space(net, fooling_in_input_space.preprocessing);  // the difference is in pixels
    CHECK(xt::allclose(r.difference, space.to_pixels(space.from_input(r.image)) - space.to_pixels(space.from_input(x)),
                       1e-4, 1e-5));
    CHECK(r.linf[0] == doctest::Approx(double(xt::amax(xt::abs(xt::view(r.difference, 0)))())));
    CHECK(r.l2[1] > r.linf[1]);
    // Image 0 is already of the target class: it never moves while image 1 is pushed there.
    const auto same = fool(net, x, std::int64_t(detail::argmax_row(s, 0)), fooling_in_input_space);
    CHECK(same.success);
    CHECK(same.linf[0] == 0.0);
    const auto one = fool(net, xt::eval(xt::view(x, xt::range(0, 1))), std::int64_t(detail::argmax_row(s, 0)));
    CHECK(one.success);
    CHECK(one.iterations == 0);
}

TEST_CASE("fooling: the L-inf method stays inside its budget and inside [0, 1] pixels") {
    const nn::network net = testing::synthesis_net();
    // Pixels in [0, 1] (uniform, seeded), fed through the torchvision preprocessing.
    tensor p = random_tensor({2, 3, 8, 8}, 72, 0.5f);
    for (auto& v : p) v = std::clamp(0.5f + v, 0.0f, 1.0f);
    const input_preprocessing pre = input_preprocessing::imagenet();
    const pixel_space space(net, pre);
    const tensor x = space.to_input(pixel_space<nn::network>::from_pixels(p));
    const tensor s = logits(net, x);
    std::vector<std::int64_t> targets;
    for (std::size_t b = 0; b < 2; ++b) targets.push_back(std::int64_t((detail::argmax_row(s, b) + 2) % 5));
    const double eps = 0.25;
    const auto r = fool(net, x, targets, {.max_iterations = 200, .linf = eps, .linf_step = 0.01, .preprocessing = pre});
    INFO(r.report.message);
    REQUIRE(r.success);
    const tensor fs = logits(net, r.image);
    const tensor fooled = space.to_pixels(space.from_input(r.image));
    for (std::size_t b = 0; b < 2; ++b) {
        CHECK(detail::argmax_row(fs, b) == std::size_t(targets[b]));
        CHECK(r.steps[b] >= 1);
        CHECK(r.steps[b] <= r.iterations);
        // The definition of the method: no pixel moves more than ε·(1 + float rounding) or k steps of α.
        CHECK(r.linf[b] <= eps + 1e-6);
        CHECK(r.linf[b] <= 0.01 * double(r.steps[b]) + 1e-6);
    }
    // Measured from the returned image, not from the reported difference.
    CHECK(double(xt::amax(xt::abs(fooled - p))()) <= eps + 1e-5);
    CHECK(xt::amin(fooled)() >= -1e-5f);
    CHECK(xt::amax(fooled)() <= 1.0f + 1e-5f);
    CHECK(xt::allclose(r.difference, fooled - p, 1e-4, 1e-5));
    // A budget too small to reach the target: not fooled, and still no larger change.
    const auto tiny =
        fool(net, x, targets, {.max_iterations = 20, .linf = 1e-3, .linf_step = 1e-3, .preprocessing = pre});
    CHECK_FALSE(tiny.success);
    CHECK(tiny.report.status == solve_status::completed);
    CHECK(tiny.iterations == 20);
    CHECK(tiny.linf[0] <= 1e-3 + 1e-7);
    CHECK(tiny.linf[1] <= 1e-3 + 1e-7);
    CHECK_THROWS_AS(fool(net, x, targets, {.linf = 0.0}), config_error);
    CHECK_THROWS_AS(fool(net, x, targets, {.linf_step = -1.0}), config_error);
}

TEST_CASE("inversion: reconstructs the features of a layer from several random starts") {
    const nn::network net = testing::synthesis_net();
    const tensor x = random_tensor({1, 3, 8, 8}, 71, 0.5f);
    const auto r = invert(net, x,
                          {.layer = "conv1",
                           .feature_weight = 1.0,
                           .normalize = true,
                           .tv_weight = 1e-4,
                           .iterations = 150,
                           .step_size = 0.05,
                           .decay_at = 0,
                           .starts = 2,
                           .seed = 9,
                           .preprocessing = input_preprocessing::imagenet(),
                           .clamp = false});
    REQUIRE(r.images.size() == 2);
    CHECK(r.best < 2);
    CHECK(r.feature_error[r.best] < 0.05);
    CHECK(r.reports[0].ok());
    CHECK(r.images[0] != r.images[1]);
}

TEST_CASE("style transfer: L-BFGS and Adam lower the loss; colour preservation keeps the content's colours") {
    const nn::network net = testing::synthesis_net();
    const tensor content = random_tensor({1, 3, 8, 8}, 72, 0.5f);
    const std::vector<style_image> styles = {{random_tensor({1, 3, 8, 8}, 73, 0.5f), 2.0},
                                             {random_tensor({1, 3, 8, 8}, 74, 0.5f), 1.0}};
    for (auto method : {style_optimizer::lbfgs, style_optimizer::adam}) {
        std::vector<double> values;
        const auto r = style_transfer(net, content, styles,
                                      {.content_layer = "conv2",
                                       .content_weight = 1e-2,
                                       .style_layers = {{"relu1", 1.0}, {"relu2", 1.0}},
                                       .tv_weight = 1e-3,
                                       .optimizer = method,
                                       .iterations = 40,
                                       .step_size = method == style_optimizer::lbfgs ? 1.0 : 0.05,
                                       .preprocessing = input_preprocessing::imagenet(),
                                       .clamp = false},
                                      [&](const step_report& s) {
                                          values.push_back(s.value);
                                          return false;
                                      });
        INFO(r.report.message);
        CHECK(r.report.status == solve_status::completed);
        REQUIRE(values.size() == 40);
        CHECK(values.back() < 0.7 * values.front());
    }
    // Colour preservation: the luminance of the result with the chrominance of the content.
    const tensor a = random_tensor({1, 3, 4, 4}, 75, 0.2f) + 0.5f, b = random_tensor({1, 3, 4, 4}, 76, 0.2f) + 0.5f;
    CHECK(xt::allclose(preserve_colour(a, a), a, 1e-3, 1e-3));
    const tensor p = preserve_colour(a, b);
    auto luma = [](const tensor& t, std::size_t e) {
        return 0.299f * t.data()[e] + 0.587f * t.data()[16 + e] + 0.114f * t.data()[32 + e];
    };
    for (std::size_t e = 0; e < 16; ++e) CHECK(luma(p, e) == doctest::Approx(luma(a, e)).epsilon(1e-2));
}
