// Evidence that the attribution maps point at the object, on the trained Fashion-MNIST classifier
// (models/fashion_cnn.onnx) and the first 20 correctly classified test images:
//   - the share of the map's mass (saliency, |guided backprop|, Grad-CAM) that lies on object
//     pixels (pixel > 0.05) is at least 1.3 times the share of such pixels, on average;
//   - the deletion AUC (Petsiuk et al. 2018; pixels zeroed in decreasing order of the map) of
//     saliency and of Grad-CAM is below that of a uniformly random map, on average.
// Skipped with a message when the model, the dataset or ONNX support is absent.
#include <doctest/doctest.h>

#ifdef DEEPVIS_ATTRIBUTION_WITH_ONNX
#include <algorithm>
#include <cmath>
#include <deepvis/faithfulness.hpp>
#include <deepvis/gradcam.hpp>
#include <deepvis/guided_backprop.hpp>
#include <deepvis/io/idx.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/saliency.hpp>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

using namespace deepvis;

namespace {

constexpr std::size_t images_used = 20;
constexpr float object_threshold = 0.05f;

struct fashion_batch {
    tensor x;               // (images_used, 1, 28, 28)
    class_indices classes;  // their (correctly predicted) labels
};

/// The first `images_used` test images the model classifies correctly.
fashion_batch correctly_classified(const nn::network& net, const io::labelled_images& test) {
    const std::size_t candidates = 64, plane = 28 * 28;
    REQUIRE(test.size() >= candidates);
    tensor x(shape_type{candidates, 1, 28, 28});
    std::copy(test.images.data(), test.images.data() + candidates * plane, x.data());
    nn::network::trace t;
    net.forward(x, t);
    const tensor& scores = net.scores(t);
    fashion_batch out{tensor(shape_type{images_used, 1, 28, 28}), {}};
    for (std::size_t i = 0; i < candidates && out.classes.size() < images_used; ++i) {
        std::size_t best = 0;
        for (std::size_t k = 1; k < 10; ++k)
            if (scores(i, k) > scores(i, best)) best = k;
        if (int(best) != test.labels[i]) continue;
        std::copy(x.data() + i * plane, x.data() + (i + 1) * plane, out.x.data() + out.classes.size() * plane);
        out.classes.push_back(test.labels[i]);
    }
    REQUIRE(out.classes.size() == images_used);
    return out;
}

/// Averages over the batch of (share of the map's |mass| on object pixels, share of object pixels);
/// `map` is (N, H, W) or (N, 1, H, W).
std::pair<double, double> mass_share(const tensor& map, const tensor& x) {
    const std::size_t n = x.shape()[0], hw = x.shape()[2] * x.shape()[3];
    REQUIRE(map.size() == n * hw);
    double mass = 0.0, pixels = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        double on = 0.0, total = 0.0, count = 0.0;
        for (std::size_t p = 0; p < hw; ++p) {
            const double m = std::abs(map.data()[i * hw + p]);
            total += m;
            if (x.data()[i * hw + p] > object_threshold) {
                on += m;
                count += 1.0;
            }
        }
        REQUIRE(total > 0.0);
        mass += on / total;
        pixels += count / double(hw);
    }
    return {mass / double(n), pixels / double(n)};
}

double mean(const std::vector<double>& v) {
    double s = 0.0;
    for (double e : v) s += e;
    return s / double(v.size());
}

}  // namespace

TEST_CASE(
    "fashion_cnn: saliency, guided backprop and Grad-CAM put their mass on the object; "
    "saliency and Grad-CAM beat a random map in deletion") {
    const std::filesystem::path file = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_cnn.onnx";
    if (!std::filesystem::exists(file)) {
        MESSAGE("skipped: " << file.string() << " does not exist (train it with `deepvis train`)");
        return;
    }
    if (!io::has_fashion_mnist()) {
        MESSAGE("skipped: Fashion-MNIST not found in " << io::fashion_mnist_directory().string()
                                                       << " (set DEEPVIS_FASHION_MNIST)");
        return;
    }
    const nn::network net = io::load_network(file);
    const auto [x, classes] = correctly_classified(net, io::load_fashion_mnist(io::split::test));

    const tensor sal = saliency(net, x, classes);
    const tensor gb = guided_backprop(net, x, classes);
    const tensor cam = gradcam(net, x, classes);
    const std::pair<std::string, const tensor*> maps[] = {
        {"saliency", &sal}, {"|guided backprop|", &gb}, {"Grad-CAM", &cam}};
    for (const auto& [name, map] : maps) {
        const auto [mass, pixels] = mass_share(*map, x);
        MESSAGE(name << ": share of the map's mass on object pixels (> " << object_threshold << ") " << mass
                     << ", share of object pixels " << pixels << " (ratio " << mass / pixels << "; " << images_used
                     << " correctly classified test images)");
        CHECK(mass >= 1.3 * pixels);
    }

    std::mt19937 rng(7);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    tensor random_map(shape_type{images_used, 28, 28});
    for (auto& v : random_map) v = uniform(rng);
    const double random_auc = mean(deletion_curve(net, x, random_map, classes).auc);
    for (const auto& [name, map] : {std::pair<std::string, const tensor*>{"saliency", &sal}, {"Grad-CAM", &cam}}) {
        const double auc = mean(deletion_curve(net, x, *map, classes).auc);
        MESSAGE(name << ": mean deletion AUC " << auc << ", random map " << random_auc << " (lower is better)");
        CHECK(auc < random_auc);
    }
}
#endif
