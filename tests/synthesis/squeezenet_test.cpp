// The synthesis recipes on a trained ImageNet network with Caffe preprocessing (BGR, 0..255 minus
// the mean pixel): the shared SqueezeNet 1.0 of ../shared/models/squeezenet1.0 and the photos and
// paintings of ../shared/images. Every recipe optimises in the pixel space of
// synthesis/pixel_space.hpp, so the course's numbers apply although the inputs are ~255x larger
// than the torchvision inputs they were written for. Skipped (with a message) without ../shared.
// Step counts are chosen for a loaded 2-core machine; nothing depends on timing.
#include <doctest/doctest.h>

#ifdef DEEPVIS_SYNTHESIS_WITH_ONNX
#include <algorithm>
#include <cmath>
#include <deepvis/io/image.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/synthesis.hpp>
#include <filesystem>
#include <random>
#include <vector>

#include "caffe/caffe_support.hpp"

namespace fs = std::filesystem;
using namespace deepvis;

namespace {

fs::path model_file() { return test::shared_dir() / "models" / "squeezenet1.0" / "squeezenet1.0.onnx"; }

bool have_shared() {
    if (fs::exists(model_file()) && fs::exists(test::shared_dir() / "images" / "paintings")) return true;
    MESSAGE("skipped: " << model_file().string() << " or ../shared/images not found (set DEEPVIS_SHARED_DIR to the "
                        << "folder that holds models/ and images/)");
    return false;
}

/// The Caffe convention as io::image_options: what `deepvis predict --preprocess caffe` reads.
io::image_options caffe_reading(std::size_t h = 227, std::size_t w = 227) {
    return {.size = {h, w}, .mean = {104.0f, 117.0f, 123.0f}, .scale = 1.0f, .bgr = true};
}

tensor photo(const std::string& folder, const std::string& file, std::size_t h = 227, std::size_t w = 227) {
    return io::load_image(test::shared_dir() / "images" / folder / file, caffe_reading(h, w));
}

std::vector<float> probabilities(const nn::network& net, const tensor& x) {
    nn::network::trace t;
    const tensor& s = net.forward(x, t);
    std::vector<float> p(s.begin(), s.end());
    const float m = *std::max_element(p.begin(), p.end());
    double z = 0.0;
    for (float& v : p) z += v = std::exp(v - m);
    for (float& v : p) v = static_cast<float>(v / z);
    return p;
}

}  // namespace

TEST_CASE("squeezenet caffe: class models survive the PNG round trip with p >= 0.9 and are not flat") {
    if (!have_shared()) return;
    const nn::network net = io::load_network(model_file());
    const pixel_space space(net, input_preprocessing::caffe());
    const fs::path dir = fs::path(DEEPVIS_BINARY_DIR) / "tests" / "squeezenet_class_models";
    fs::create_directories(dir);
    // Egyptian cat, flamingo, goldfish, bell pepper, volcano.
    for (const std::int64_t c : {285, 130, 1, 945, 980}) {
        const auto r = visualize_class(
            net, c,
            {.iterations = 60, .preprocessing = input_preprocessing::caffe(), .seed = 1, .shape = {1, 3, 227, 227}});
        REQUIRE(r.report.ok());
        // What a user does: write the PNG, read it back through the preprocessing, classify it.
        const tensor pixels = xt::view(space.to_pixels(space.from_input(r.image)), 0);
        const fs::path png = dir / ("class_" + std::to_string(c) + ".png");
        io::save_png(png, pixels);
        const tensor back = io::load_image(png, caffe_reading());
        const double p = probabilities(net, back)[static_cast<std::size_t>(c)];
        const tensor back_pixels = space.to_pixels(space.from_input(back));
        double sum = 0.0, sum2 = 0.0;
        for (float v : back_pixels) {
            sum += v;
            sum2 += double(v) * v;
        }
        const double count = static_cast<double>(back_pixels.size());
        const double sd = std::sqrt(std::max(0.0, sum2 / count - (sum / count) * (sum / count)));
        MESSAGE("class " << c << ": p = " << p << " after the PNG round trip (" << r.report.message << "); pixel std "
                         << sd);
        CHECK(p >= 0.9);
        CHECK(sd >= 0.08);  // a flat grey image has ~0
    }
}

TEST_CASE("squeezenet caffe: fooling images reach their target with L-inf <= 8/255 on most tries") {
    if (!have_shared()) return;
    const nn::network net = io::load_network(model_file());
    const pixel_space space(net, input_preprocessing::caffe());
    std::mt19937_64 rng(7);
    MESSAGE("seed 7: random targets in 0..999");
    std::uniform_int_distribution<std::int64_t> any_class(0, 999);
    const double budget = 8.0 / 255.0;
    int tries = 0, small = 0;
    for (const char* file : {"chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg"})
        for (int k = 0; k < 2; ++k) {
            const std::int64_t target = any_class(rng);
            const tensor x = photo("photos", file);
            // The defaults: sign steps of 1/255 projected onto the 8/255 ball (synthesis/fooling.hpp).
            const auto r = fool(net, x, target, {.max_iterations = 60, .preprocessing = input_preprocessing::caffe()});
            ++tries;
            // Checked on the returned image itself: its class, and its largest pixel change.
            nn::network::trace t;
            const tensor scores = net.forward(r.image, t);
            const bool reached = static_cast<std::int64_t>(detail::argmax_row(scores, 0)) == target;
            const double linf = double(
                xt::amax(xt::abs(space.to_pixels(space.from_input(r.image)) - space.to_pixels(space.from_input(x))))());
            CHECK(reached == r.success);
            CHECK(linf <= budget + 1e-5);  // the method's bound, float rounding aside
            const bool ok = reached && linf <= budget + 1e-5;
            small += ok;
            MESSAGE(std::string(file) << " -> " << target << ": " << r.report.message << ", L-inf " << linf * 255.0
                                      << "/255");
        }
    MESSAGE(small << " of " << tries << " fooling images reach their target within L-inf 8/255");
    CHECK(2 * small > tries);
}

// fire5/concat with a short run: 150 steps, lr 0.3 decayed to 0.1 at step 135.
TEST_CASE("squeezenet caffe: inversion of fire5/concat lowers the feature error 10x") {
    if (!have_shared()) return;
    const nn::network net = io::load_network(model_file());
    const tensor x = photo("photos", "chelsea.png");
    const auto r = invert(net, x,
                          {.layer = "fire5/concat",
                           .feature_weight = 1.0,
                           .normalize = true,
                           .tv_weight = 1e-4,
                           .iterations = 150,
                           .step_size = 0.3,
                           .decay_at = 135,
                           .decayed_step_size = 0.1,
                           .preprocessing = input_preprocessing::caffe()});
    MESSAGE("relative feature error " << r.initial_feature_error[0] << " -> " << r.feature_error[0] << " ("
                                      << r.initial_feature_error[0] / r.feature_error[0] << "x lower)");
    CHECK(r.feature_error[0] * 10.0 <= r.initial_feature_error[0]);
}

// The deepest fire module with the library's defaults (the CLI's README example): normalised feature
// loss, TV 1e-4, Adam 0.3 decayed linearly to 0 over 200 steps from an N(0, 1) start.
TEST_CASE("squeezenet caffe: inversion of fire9/concat with the defaults lowers the feature error 10x") {
    if (!have_shared()) return;
    const nn::network net = io::load_network(model_file());
    const tensor x = photo("photos", "chelsea.png");
    const std::string layer = "fire9/concat";
    MESSAGE("seed 0");
    const auto r = invert(net, x, {.layer = layer, .preprocessing = input_preprocessing::caffe()});
    // The relative feature error ‖Φ(x̂) − Φ₀‖² / ‖Φ₀‖², recomputed here from the returned image.
    nn::network::trace t;
    net.forward(x, t);
    const tensor phi0 = net.activation(t, net.resolve(layer));
    net.forward(r.images[0], t);
    const tensor& phi = net.activation(t, net.resolve(layer));
    double num = 0.0, den = 0.0;
    for (std::size_t e = 0; e < phi0.size(); ++e) {
        const double d = double(phi.data()[e]) - phi0.data()[e];
        num += d * d;
        den += double(phi0.data()[e]) * phi0.data()[e];
    }
    const double err = num / den;
    MESSAGE("fire9/concat: relative feature error " << r.initial_feature_error[0] << " -> " << err << " ("
                                                    << r.initial_feature_error[0] / err << "x lower; "
                                                    << r.reports[0].message << ")");
    CHECK(err == doctest::Approx(r.feature_error[0]).epsilon(1e-3));
    CHECK(err * 10.0 <= r.initial_feature_error[0]);
    CHECK(err <= 0.1);  // also 10x below the error of an all-zero representation (1 by definition)
}

TEST_CASE("squeezenet caffe: style transfer lowers the style loss 10x and keeps the content") {
    if (!have_shared()) return;
    const nn::network net = io::load_network(model_file());
    // 160 x 160 keeps the test short; the CLI's README example runs at 227 x 227.
    const tensor content = photo("photos", "chelsea.png", 160, 160);
    const tensor style = photo("paintings", "starry_night.jpg", 160, 160);
    style_transfer_options o{.content_layer = "fire2/concat",
                             .content_weight = 5e-2,
                             .style_layers = {{"relu_conv1", 20000.0},
                                              {"fire3/concat", 500.0},
                                              {"fire4/concat", 12.0},
                                              {"fire5/concat", 1.0}},
                             .tv_weight = 5e-2,
                             .optimizer = style_optimizer::adam,
                             .iterations = 60,
                             .step_size = 0.05,
                             .preprocessing = input_preprocessing::caffe()};
    const auto r = style_transfer(net, content, {{style, 1.0}}, o);
    REQUIRE(r.report.ok());
    // The content loss the style image itself has: the bar the result must stay under.
    const style_transfer_objective parts = make_style_transfer_objective(net, content, {{style, 1.0}}, o);
    const pixel_space space(net, o.preprocessing);
    const double style_image_content = parts.terms(space, space.from_input(style)).content;
    MESSAGE("style loss " << r.start.style << " -> " << r.end.style << " (" << r.start.style / r.end.style
                          << "x lower); content loss " << r.start.content << " -> " << r.end.content
                          << " (the style image's: " << style_image_content << ")");
    CHECK(r.end.style * 10.0 <= r.start.style);
    CHECK(r.end.content < style_image_content);
}
#endif
