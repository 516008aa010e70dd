// deepvis' attribution methods against PyTorch, on torchvision models exported to ONNX with seeded
// random weights: saliency, guided backpropagation, deconvnet, Grad-CAM (at deepvis' default
// layer), guided Grad-CAM, input × gradient, integrated gradients (16-point Gauss–Legendre, zero
// baseline), Grad-CAM++, LayerCAM, XGrad-CAM, HiResCAM, Eigen-CAM and EigenGrad-CAM (all at
// deepvis' default CAM layer), for a batch of N = 2. The maps come from make_attribution_reference.py
// (float64 autograd with hooks, independent of deepvis), generated at test time into
// <cache>/attribution_reference/ (CMake variable DEEPVIS_REFERENCE_CACHE, default ~/.cache/deepvis)
// by the CTest fixture `attribution_reference_generate`; the
// environment variable DEEPVIS_ATTRIBUTION_REFERENCE_DIR overrides that folder.
// Criteria for every map: max(|deepvis − torch| − allowance) ≤ 1e-3 · max|torch| and Pearson
// correlation ≥ 0.9999. The allowance (allowance_<map>.npy) is the reference's per-element statement
// of how far float32 rounding may move the map: the effect of the near-tie ReLUs and max-pool
// windows that any float32 implementation may decide either way, carried through the map's formula,
// plus how far it did move PyTorch's own float32 map (see the generator's docstring). Printed next
// to each result: the allowance's maximum relative to max|torch|, the share of elements where it
// exceeds the tolerance (where the check is weaker), and the share where deepvis actually needs it.
// The generator conditions the input away from ReLU and max-pool ties (no decision at x within
// 1e-4 of its layer's scale of a tie), so the allowance is small, and each model also checks that
// the criterion still has teeth: every map scaled by 1.01 (a 1 % error) and the other rule's
// map (guided backprop for deconvnet and back) must fail it. An Eigen-CAM map whose first singular
// value is too close to the second for a stable reference is not generated: the generator writes
// <map>_skipped.txt with the reason, which the test prints.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <deepvis/attribution/deconvolution.hpp>
#include <deepvis/attribution/detail/cam.hpp>
#include <deepvis/attribution/eigen_cam.hpp>
#include <deepvis/attribution/gradcam.hpp>
#include <deepvis/attribution/gradcam_plus_plus.hpp>
#include <deepvis/attribution/guided_backprop.hpp>
#include <deepvis/attribution/guided_gradcam.hpp>
#include <deepvis/attribution/hires_cam.hpp>
#include <deepvis/attribution/input_x_gradient.hpp>
#include <deepvis/attribution/integrated_gradients.hpp>
#include <deepvis/attribution/layer_cam.hpp>
#include <deepvis/attribution/xgrad_cam.hpp>
#include <deepvis/io/npy.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/nn/network.hpp>
#include <deepvis/saliency.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#ifndef DEEPVIS_ATTRIBUTION_REFERENCE_DIR
#error "DEEPVIS_ATTRIBUTION_REFERENCE_DIR must name the folder make_attribution_reference.py writes"
#endif

namespace fs = std::filesystem;
using namespace deepvis;

namespace {

constexpr double max_error_tolerance = 1e-3;
constexpr double correlation_minimum = 0.9999;
constexpr std::size_t ig_steps = 16;  // IG_STEPS in make_attribution_reference.py

fs::path attribution_root() {
    if (const char* env = std::getenv("DEEPVIS_ATTRIBUTION_REFERENCE_DIR"); env && *env) return env;
    return DEEPVIS_ATTRIBUTION_REFERENCE_DIR;
}

std::string first_line(const fs::path& p) {
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    return line;
}

struct agreement {
    double max_error;         // max|a − b| / max|b|
    double beyond_allowance;  // max(|a − b| − allowance, 0) / max|b|
    double max_allowance;     // max(allowance) / max|b|
    double allowed_share;     // share of elements whose allowance exceeds the tolerance
    double drawn_share;       // share of elements whose error exceeds the tolerance (allowance drawn on)
    double correlation;       // Pearson, over all elements
};

agreement compare(const tensor& a, const tensor& b, const tensor& allowance) {
    REQUIRE(shape_string(a.shape()) == shape_string(b.shape()));
    REQUIRE(shape_string(allowance.shape()) == shape_string(b.shape()));
    const std::size_t n = b.size();
    double diff = 0.0, beyond = 0.0, allowed = 0.0, scale = 0.0, ma = 0.0, mb = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double d = std::abs(double(a.data()[i]) - double(b.data()[i]));
        diff = std::max(diff, d);
        beyond = std::max(beyond, d - double(allowance.data()[i]));
        allowed = std::max(allowed, double(allowance.data()[i]));
        scale = std::max(scale, std::abs(double(b.data()[i])));
        ma += a.data()[i];
        mb += b.data()[i];
    }
    REQUIRE(scale > 0.0);
    std::size_t large = 0, drawn = 0;
    for (std::size_t i = 0; i < n; ++i) {
        large += double(allowance.data()[i]) > max_error_tolerance * scale;
        drawn += std::abs(double(a.data()[i]) - double(b.data()[i])) > max_error_tolerance * scale;
    }
    ma /= double(n);
    mb /= double(n);
    double sab = 0.0, saa = 0.0, sbb = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double da = a.data()[i] - ma, db = b.data()[i] - mb;
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    return {diff / scale,
            beyond / scale,
            allowed / scale,
            double(large) / double(n),
            double(drawn) / double(n),
            sab / std::sqrt(saa * sbb)};
}

/// Checks every method on one model's fixture; returns false (and says so) when it is absent.
bool check_model(const std::string& model) {
    const fs::path folder = attribution_root() / model;
    if (!fs::exists(folder / "stamp.json")) {
        MESSAGE("skipped: " << model << " attribution fixtures not generated (needs python3-torch) in "
                            << folder.string());
        return false;
    }
    const nn::network net = io::load_network(folder / "model.onnx");
    const tensor x = io::load_npy(folder / "input.npy");
    const tensor class_tensor = io::load_npy(folder / "classes.npy");
    REQUIRE(x.dimension() == 4);
    REQUIRE(x.shape()[0] == 2);
    REQUIRE(class_tensor.size() == x.shape()[0]);
    class_indices classes;
    for (std::size_t i = 0; i < class_tensor.size(); ++i) classes.push_back(std::int64_t(class_tensor(i)));

    // The Grad-CAM layer deepvis picks must be the torch module the reference hooked.
    nn::network::trace t;
    net.forward(x, t);
    const std::string layer = default_cam_layer(net, t);
    MESSAGE(model << ": deepvis' default CAM layer '" << layer << "' " << shape_string(net.activation(t, layer).shape())
                  << "; torch hooked " << first_line(folder / "cam_layer.txt") << "; classes " << classes[0] << ", "
                  << classes[1]);

    const std::pair<std::string, std::function<tensor()>> methods[] = {
        {"saliency", [&] { return saliency(net, x, classes); }},
        {"guided_backprop", [&] { return guided_backprop(net, x, classes); }},
        {"deconvolution", [&] { return deconvolution(net, x, classes); }},
        {"gradcam", [&] { return gradcam(net, x, classes); }},
        {"guided_gradcam", [&] { return guided_gradcam(net, x, classes); }},
        {"input_x_gradient", [&] { return input_x_gradient(net, x, classes); }},
        {"integrated_gradients", [&] { return integrated_gradients(net, x, classes, {.steps = ig_steps}); }},
        {"gradcam_plus_plus", [&] { return gradcam_plus_plus(net, x, classes); }},
        {"layercam", [&] { return layer_cam(net, x, classes); }},
        {"xgradcam", [&] { return xgrad_cam(net, x, classes); }},
        {"hirescam", [&] { return hires_cam(net, x, classes); }},
        {"eigencam", [&] { return eigen_cam(net, x, classes); }},
        {"eigengradcam", [&] { return eigen_grad_cam(net, x, classes); }},
    };
    std::vector<std::pair<std::string, tensor>> computed;
    for (const auto& [name, compute] : methods) {
        if (const fs::path skipped = folder / (name + "_skipped.txt"); fs::exists(skipped)) {
            MESSAGE(model << " " << name << ": skipped: " << first_line(skipped));
            continue;
        }
        const auto start = std::chrono::steady_clock::now();
        const tensor actual = compute();
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        const tensor expected = io::load_npy(folder / (name + ".npy"));
        const tensor allowance = io::load_npy(folder / ("allowance_" + name + ".npy"));
        const agreement r = compare(actual, expected, allowance);
        MESSAGE(model << " " << name << ": max|deepvis - torch| / max|torch| = " << r.max_error
                      << ", beyond the rounding allowance " << r.beyond_allowance << " (tolerance "
                      << max_error_tolerance << "; allowance max " << r.max_allowance << " of max|torch|, above "
                      << max_error_tolerance << " on " << 100.0 * r.allowed_share << " % of elements, drawn on for "
                      << 100.0 * r.drawn_share << " %), Pearson 1 - r = " << 1.0 - r.correlation << " (at most "
                      << 1.0 - correlation_minimum << "), " << ms << " ms");
        CHECK_MESSAGE(r.beyond_allowance <= max_error_tolerance, model << " " << name);
        CHECK_MESSAGE(r.correlation >= correlation_minimum, model << " " << name);
        // A 1 % error must not pass.
        tensor scaled = actual;
        for (auto& v : scaled) v *= 1.01f;
        const agreement wrong = compare(scaled, expected, allowance);
        CHECK_MESSAGE(wrong.beyond_allowance > max_error_tolerance,
                      model << " " << name << ": a 1 % error passes (" << wrong.beyond_allowance << ")");
        computed.emplace_back(name, actual);
    }
    // The wrong rule must not pass: deconvnet's map against guided backprop's reference and back.
    auto find = [&](const std::string& name) -> const tensor& {
        for (const auto& [n, t] : computed)
            if (n == name) return t;
        FAIL("no map " << name);
        return computed.front().second;
    };
    for (const auto& [actual, expected] : {std::pair<std::string, std::string>{"deconvolution", "guided_backprop"},
                                           {"guided_backprop", "deconvolution"}}) {
        const agreement wrong = compare(find(actual), io::load_npy(folder / (expected + ".npy")),
                                        io::load_npy(folder / ("allowance_" + expected + ".npy")));
        CHECK_MESSAGE(wrong.beyond_allowance > max_error_tolerance,
                      model << ": " << actual << " passes as " << expected << " (" << wrong.beyond_allowance << ")");
    }
    return true;
}

}  // namespace

TEST_CASE("attribution reference: alexnet matches PyTorch") { check_model("alexnet"); }

TEST_CASE("attribution reference: vgg16 matches PyTorch") { check_model("vgg16"); }

TEST_CASE("attribution reference: squeezenet1_1 matches PyTorch") { check_model("squeezenet1_1"); }

TEST_CASE("attribution reference: resnet18 matches PyTorch") { check_model("resnet18"); }
