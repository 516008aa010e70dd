// Class-model visualisation of the trained Fashion-MNIST classifier (models/fashion_cnn.onnx):
// with the REFERENCE.md recipe (λ = 1e-3, lr 25 normalised steps, blur σ = 0.5 every 10, jitter
// scaled to 28 px = 2 px, clamp to [0, 1], 100 steps, N(0, 1) start) every class reaches a
// softmax probability of at least 0.99.
#include <doctest/doctest.h>

#ifdef DEEPVIS_SYNTHESIS_WITH_ONNX
#include <algorithm>
#include <deepvis/io/idx.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/synthesis/class_model.hpp>
#include <deepvis/synthesis/fooling.hpp>
#include <filesystem>
#include <random>

using namespace deepvis;

TEST_CASE("fashion_cnn: the class visualisation of all 10 classes reaches p >= 0.99") {
    const std::filesystem::path file = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_cnn.onnx";
    if (!std::filesystem::exists(file)) {
        MESSAGE("skipped: " << file << " does not exist (train it with `deepvis train`)");
        return;
    }
    const nn::network net = io::load_network(file);
    for (std::int64_t c = 0; c < 10; ++c) {
        const auto r = visualize_class(net, c, {.seed = 1});
        CHECK(r.report.status == solve_status::completed);
        nn::network::trace t;
        const tensor& p = net.forward(r.image, t);  // the model ends in Softmax
        INFO("class " << c << " p = " << p(0, c));
        CHECK(p(0, c) >= 0.99f);
    }
}

// Fooling evidence (Szegedy 2014, the course recipe: normalised ascent, lr 1, stop at argmax =
// target), clamped to the valid pixel range [0, 1]: 100 correctly classified test images, each
// with a seeded random other target. Reports success rate, median iterations and median L∞.
TEST_CASE("fashion_cnn: fooling 100 correctly classified test images with random targets") {
    const std::filesystem::path file = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_cnn.onnx";
    if (!std::filesystem::exists(file) || !io::has_fashion_mnist()) {
        MESSAGE("skipped: needs " << file << " and the dataset-fashion-mnist package");
        return;
    }
    const nn::network net = io::load_network(file);
    const auto test = io::load_fashion_mnist(io::split::test);
    const std::size_t pixels = 28 * 28;
    std::mt19937_64 rng(2026);
    std::vector<double> iterations, linf;
    std::size_t tried = 0, fooled = 0;
    nn::network::trace t;
    auto predicted_class = [](const tensor& probabilities) {  // (1, 10)
        return static_cast<std::int64_t>(
            std::max_element(probabilities.data(), probabilities.data() + probabilities.size()) - probabilities.data());
    };
    for (std::size_t i = 0; i < test.size() && tried < 100; ++i) {
        tensor x = xt::zeros<float>({std::size_t{1}, std::size_t{1}, std::size_t{28}, std::size_t{28}});
        std::copy_n(test.images.data() + i * pixels, pixels, x.data());
        const tensor& p = net.forward(x, t);
        const std::int64_t predicted = predicted_class(p);
        if (predicted != test.labels[i]) continue;  // only correctly classified images
        ++tried;
        std::int64_t target = std::uniform_int_distribution<std::int64_t>(0, 8)(rng);
        if (target >= predicted) ++target;  // any class but the true one
        const auto r = fool(net, x, target, {.method = fooling_method::normalized_gradient, .max_iterations = 100});
        if (!r.success) continue;
        ++fooled;
        iterations.push_back(static_cast<double>(r.iterations));
        linf.push_back(r.linf[0]);
        const tensor& q = net.forward(r.image, t);
        CHECK_MESSAGE(predicted_class(q) == target,
                      "test image " << i << ": the fooling image is not classified as its target " << target);
    }
    REQUIRE(tried == 100);
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v.empty() ? 0.0 : v[v.size() / 2];
    };
    MESSAGE("fooling: " << fooled << " of " << tried << " images fooled; median iterations " << median(iterations)
                        << ", median L-infinity change " << median(linf) << " (pixels in [0, 1])");
    CHECK(fooled >= 95);
}
#endif
