// Class-model visualisation of the trained Fashion-MNIST classifier (models/fashion_cnn.onnx):
// with the REFERENCE.md recipe (λ = 1e-3, lr 25 normalised steps, blur σ = 0.5 every 10, jitter
// scaled to 28 px = 2 px, clamp to [0, 1], 100 steps, N(0, 1) start) every class reaches a
// softmax probability of at least 0.99.
#include <doctest/doctest.h>

#ifdef DEEPVIS_SYNTHESIS_WITH_ONNX
#include <filesystem>

#include <deepvis/io/onnx.hpp>
#include <deepvis/synthesis/class_model.hpp>

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
#endif
