// DeepDream (synthesis/deep_dream.hpp) and its objective, layer_energy: the objective against its
// definition and finite differences, the octave schedule, and on the shared trained SqueezeNet
// (skipped without ../shared) that the layer's energy grows while the photo stays recognisable.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <deepvis/synthesis.hpp>

#include "support/gradient_check.hpp"
#include "support/tiny_net.hpp"

#ifdef DEEPVIS_SYNTHESIS_WITH_ONNX
#include <deepvis/io/image.hpp>
#include <deepvis/io/onnx.hpp>
#include <filesystem>

#include "caffe/caffe_support.hpp"
#endif

using namespace deepvis;

TEST_CASE("layer_energy: 1/2 mean(a^2) and its gradient a / count") {
    const tensor a = testing::random_tensor({2, 3, 4, 5}, 11, 1.0f);
    tensor g;
    const double value = layer_energy{.layer = "r"}.loss_and_gradient(a, g);
    double expected = 0.0;
    for (float v : a) expected += 0.5 * double(v) * v / double(a.size());
    CHECK(value == doctest::Approx(expected).epsilon(1e-9));
    // Central differences on a few elements.
    for (std::size_t i : {std::size_t{0}, std::size_t{17}, a.size() - 1}) {
        tensor plus = a, minus = a, unused;
        const float h = 1e-2f;
        plus.data()[i] += h;
        minus.data()[i] -= h;
        const double fd = (layer_energy{.layer = "r"}.loss_and_gradient(plus, unused) -
                           layer_energy{.layer = "r"}.loss_and_gradient(minus, unused)) /
                          (2.0 * h);
        CHECK(g.data()[i] == doctest::Approx(fd).epsilon(1e-3));
    }
}

TEST_CASE("deep_dream: the layer's energy grows, the image keeps its size and stays valid pixels") {
    const nn::network net = testing::synthesis_net();
    // An "image" in [0, 1] pixels, standardised for the default (torchvision) preprocessing by the
    // pixel space itself: start from pixels, map them to the model's input.
    tensor pixels = testing::random_tensor({1, 3, 8, 8}, 5, 0.2f) + 0.5f;  // inside (0, 1): room to move
    const input_preprocessing prep{};
    const pixel_space<nn::network> space(net, prep);
    const tensor x = space.to_input(space.from_pixels(pixels));
    const deep_dream_result r = deep_dream(net, x, {.layer = "r2", .octaves = 1, .iterations = 20});
    CHECK(r.image.shape() == x.shape());
    MESSAGE("r2 energy " << r.energy_before << " -> " << r.energy_after);
    CHECK(r.energy_after > 1.2 * r.energy_before);
    const tensor back = space.to_pixels(space.from_input(r.image));
    CHECK(*std::min_element(back.begin(), back.end()) >= -1e-5f);
    CHECK(*std::max_element(back.begin(), back.end()) <= 1.0f + 1e-5f);
    REQUIRE(r.octaves.size() == 1);
    CHECK(r.octaves[0] == shape_type{1, 3, 8, 8});
    CHECK_THROWS_AS(deep_dream(net, x, {.layer = "r2", .octave_scale = 1.0}), config_error);
    CHECK_THROWS_AS(deep_dream(net, x, {.layer = ""}), config_error);
}

#ifdef DEEPVIS_SYNTHESIS_WITH_ONNX
TEST_CASE("squeezenet caffe: deep_dream grows the layer's energy over the octaves and the cat stays") {
    namespace fs = std::filesystem;
    const fs::path model = test::shared_dir() / "models" / "squeezenet1.0" / "squeezenet1.0.onnx";
    const fs::path cat = test::shared_dir() / "images" / "photos" / "chelsea.png";
    if (!fs::exists(model) || !fs::exists(cat)) {
        MESSAGE("skipped: " << model.string() << " or " << cat.string()
                            << " not found (set DEEPVIS_SHARED_DIR to the folder that holds models/ and images/)");
        return;
    }
    const nn::network net(io::load_onnx(model));
    const tensor x =
        io::load_image(cat, {.size = {227, 227}, .mean = {104.0f, 117.0f, 123.0f}, .scale = 1.0f, .bgr = true});
    const deep_dream_result r = deep_dream(
        net, x,
        {.layer = "fire5/concat", .octaves = 3, .iterations = 6, .preprocessing = input_preprocessing::caffe()});
    REQUIRE(r.octaves.size() == 3);
    CHECK(r.octaves.back() == shape_type{1, 3, 227, 227});
    CHECK(r.octaves.front()[2] == 116);  // 227 / 1.4²
    MESSAGE("fire5/concat energy " << r.energy_before << " -> " << r.energy_after);
    CHECK(r.energy_after > 2.0 * r.energy_before);
    // Recognisable: the dreamed image still correlates with the photo (Pearson r over the pixels).
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    const double n = double(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double a = x.data()[i], b = r.image.data()[i];
        sx += a, sy += b, sxx += a * a, syy += b * b, sxy += a * b;
    }
    const double corr = (sxy - sx * sy / n) / std::sqrt((sxx - sx * sx / n) * (syy - sy * sy / n));
    MESSAGE("correlation with the photo " << corr);
    CHECK(corr > 0.5);
}
#endif
