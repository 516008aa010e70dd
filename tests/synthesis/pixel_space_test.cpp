// The pixel space every recipe optimises in (synthesis/pixel_space.hpp): the map to a model's
// input for each preprocessing convention, its inverse, and the gradient it passes back.
#include <doctest/doctest.h>

#include <deepvis/synthesis.hpp>

#include "support/gradient_check.hpp"
#include "support/tiny_net.hpp"

using namespace deepvis;
using deepvis::testing::random_tensor;

static_assert(Model<pixel_space<nn::network>>, "pixel_space must satisfy Model (nn/model.hpp)");

TEST_CASE("pixel space: the Caffe map is BGR, 0..255 minus the mean pixel, and from_input inverts it") {
    const nn::network net = testing::synthesis_net();
    const pixel_space space(net, input_preprocessing::caffe());
    // A pixel image: R = 0.2, G = 0.5, B = 0.9 everywhere.
    tensor p = xt::zeros<float>(shape_type{1, 3, 8, 8});
    xt::view(p, 0, 0) = 0.2f;
    xt::view(p, 0, 1) = 0.5f;
    xt::view(p, 0, 2) = 0.9f;
    const tensor x = space.to_input(space.from_pixels(p));
    CHECK(x(0, 0, 3, 3) == doctest::Approx(0.9 * 255 - 104).epsilon(1e-5));  // B first
    CHECK(x(0, 1, 3, 3) == doctest::Approx(0.5 * 255 - 117).epsilon(1e-5));
    CHECK(x(0, 2, 3, 3) == doctest::Approx(0.2 * 255 - 123).epsilon(1e-5));
    CHECK(xt::allclose(space.to_pixels(space.from_input(x)), p, 1e-5, 1e-5));
    // Valid pixels are exactly the clamp's range.
    tensor u = random_tensor({1, 3, 8, 8}, 5, 3.0f);
    pixel_space<nn::network>::clamp(3).apply(u);
    const tensor q = space.to_pixels(u);
    CHECK(xt::amin(q)() >= -1e-6f);
    CHECK(xt::amax(q)() <= 1.0f + 1e-6f);
}

TEST_CASE("pixel space: the gradient to the input is the model's, mapped back") {
    const nn::network net = testing::synthesis_net();
    const auto score = maximize(class_score{.class_index = 2});
    for (const auto& pre :
         {input_preprocessing::caffe(), input_preprocessing::unit(), input_preprocessing::imagenet()}) {
        INFO("bgr " << pre.bgr << " scale " << pre.scale);
        const pixel_space space(net, pre);
        tensor u = random_tensor({1, 3, 8, 8}, 9, 0.5f), g, gx;
        pixel_space<nn::network>::trace_type t;
        nn::network::trace tx;
        // Exactly the chain rule: ∂/∂u_{src k} = a_k · ∂/∂x_k.
        evaluate_objective(space, t, score, u, g);
        evaluate_objective(net, tx, score, space.to_input(u), gx);
        const detail::channel_affine f = space.affine(3);
        for (std::size_t k = 0; k < 3; ++k)
            CHECK(xt::allclose(xt::eval(xt::view(g, 0, f.src[k])), xt::eval(f.a[k] * xt::view(gx, 0, k)), 1e-5, 1e-6));
        // And by finite differences, with a term on the pixel-space image itself.
        const auto objective = score + 1e-2 * total_variation{};
        evaluate_objective(space, t, objective, u, g);
        const double h = 1e-2;
        double worst = 0.0, scale = 0.0;
        for (std::size_t e = 0; e < u.size(); e += 7) {
            tensor a = u, b = u, ga, gb;
            a.data()[e] += static_cast<float>(h);
            b.data()[e] -= static_cast<float>(h);
            const double fd =
                (evaluate_objective(space, t, objective, a, ga) - evaluate_objective(space, t, objective, b, gb)) /
                (2 * h);
            worst = std::max(worst, std::abs(fd - g.data()[e]));
            scale = std::max(scale, std::abs(fd));
        }
        CHECK(scale > 0.0);
        CHECK(worst <= 0.1 * scale);  // loose: a step of h may cross a ReLU or max-pool switch
    }
}
