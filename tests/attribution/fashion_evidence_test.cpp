// Evidence that the attribution maps point at the object, on the trained Fashion-MNIST classifier
// (models/fashion_cnn.onnx) and the first 20 correctly classified test images. Printed: for
// saliency, |guided backprop| and Grad-CAM, the share of the map's mass on object pixels
// (pixel > 0.05, and that region grown by 1-3 px) next to the share of those pixels; the mean
// deletion AUC (Petsiuk et al. 2018; pixels zeroed in decreasing order of the map) of saliency and
// Grad-CAM next to that of a uniformly random map.
// Checked: saliency's deletion AUC is below the random map's.
// Measured false, so reported with WARN (visible in the output, not failing): "mass share >= 1.3 x
// pixel share" and "Grad-CAM's deletion AUC beats random". On the two classifiers committed on
// 2026-11-23 the mass shares were saliency 0.37 / 0.34 against pixel shares 0.47 / 0.44,
// |guided backprop| 0.42 / 0.39, Grad-CAM 0.49 / 0.54 (items with an all-zero map left out): the
// gradient is large on the background next to the silhouette (about 72-77 % of saliency's mass
// lies within 2 px of the object). Grad-CAM's deletion AUC was 0.52 / 0.48 against random 0.46 /
// 0.48: its upsampled 14x14 map sends early deletions to background pixels, which are already 0.
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

/// Item i's object pixels (> object_threshold), grown by `dilation` pixels (8-neighbourhood).
std::vector<bool> object_region(const tensor& x, std::size_t i, std::size_t dilation) {
    const std::size_t h = x.shape()[2], w = x.shape()[3];
    std::vector<bool> region(h * w, false);
    const auto d = static_cast<std::ptrdiff_t>(dilation);
    for (std::ptrdiff_t y = 0; y < std::ptrdiff_t(h); ++y)
        for (std::ptrdiff_t z = 0; z < std::ptrdiff_t(w); ++z) {
            if (x.data()[i * h * w + std::size_t(y) * w + std::size_t(z)] <= object_threshold) continue;
            for (std::ptrdiff_t dy = -d; dy <= d; ++dy)
                for (std::ptrdiff_t dz = -d; dz <= d; ++dz) {
                    const std::ptrdiff_t yy = y + dy, zz = z + dz;
                    if (yy >= 0 && zz >= 0 && yy < std::ptrdiff_t(h) && zz < std::ptrdiff_t(w))
                        region[std::size_t(yy) * w + std::size_t(zz)] = true;
                }
        }
    return region;
}

/// Averages over the batch of (share of the map's |mass| in the object region, share of the
/// region's pixels); `map` is (N, H, W) or (N, 1, H, W). Items whose map is 0 everywhere are left out.
std::pair<double, double> mass_share(const tensor& map, const tensor& x, std::size_t dilation = 0) {
    const std::size_t n = x.shape()[0], hw = x.shape()[2] * x.shape()[3];
    REQUIRE(map.size() == n * hw);
    double mass = 0.0, pixels = 0.0;
    std::size_t used = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::vector<bool> region = object_region(x, i, dilation);
        double on = 0.0, total = 0.0, count = 0.0;
        for (std::size_t p = 0; p < hw; ++p) {
            const double m = std::abs(map.data()[i * hw + p]);
            total += m;
            if (region[p]) {
                on += m;
                count += 1.0;
            }
        }
        if (total == 0.0) continue;  // a Grad-CAM map can be 0 everywhere (all evidence negative)
        mass += on / total;
        pixels += count / double(hw);
        ++used;
    }
    REQUIRE(used > 0);
    return {mass / double(used), pixels / double(used)};
}

double mean(const std::vector<double>& v) {
    double s = 0.0;
    for (double e : v) s += e;
    return s / double(v.size());
}

}  // namespace

TEST_CASE(
    "fashion_cnn: where saliency, guided backprop and Grad-CAM put their mass; saliency beats a random map in "
    "deletion") {
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
        WARN(mass >= 1.3 * pixels);
        for (std::size_t dilation : {1, 2, 3}) {
            const auto [dm, dp] = mass_share(*map, x, dilation);
            MESSAGE(name << ": object grown by " << dilation << " px: mass share " << dm << ", pixel share " << dp
                         << " (ratio " << dm / dp << ")");
        }
    }

    std::mt19937 rng(7);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    tensor random_map(shape_type{images_used, 28, 28});
    for (auto& v : random_map) v = uniform(rng);
    const double random_auc = mean(deletion_curve(net, x, random_map, classes).auc);
    for (const auto& [name, map] : {std::pair<std::string, const tensor*>{"saliency", &sal}, {"Grad-CAM", &cam}}) {
        const double auc = mean(deletion_curve(net, x, *map, classes).auc);
        MESSAGE(name << ": mean deletion AUC " << auc << ", random map " << random_auc << " (lower is better)");
        if (name == "saliency")
            CHECK(auc < random_auc);
        else
            WARN(auc < random_auc);
    }
}
#endif
