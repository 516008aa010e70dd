// deepvis against PyTorch: class scores and input gradients under the three backprop rules,
// for models exported from PyTorch to ONNX. The fixtures come from make_reference.py (float64
// reference numbers from the float32 weights; see its docstring):
//   fashion_cnn                              committed, tests/reference/data/
//   alexnet, vgg16, squeezenet1_1, resnet18  generated at test time into <cache>/reference/ (DEEPVIS_REFERENCE_CACHE)
//   by
//                                            the CTest fixture `reference_generate` (needs
//                                            python3-torch); the environment variable
//                                            DEEPVIS_REFERENCE_DIR overrides that folder.
// Tolerances: scores max|a - b| <= 1e-4 max|b|, gradients max(|a - b| - allowance) <= 1e-3 max|b|,
// batch N = 2. The allowance (0 where no file gives it) is the reference's own statement of how far
// float32 rounding may move a gradient element: where ReLUs whose input is within rounding distance
// of zero, or near-tie max-pool windows, fall the other way, as they may in any float32
// implementation; plus how far it did move PyTorch's own float32 gradient (see make_reference.py).
// The generated fixtures' inputs are conditioned away from those ties (no ReLU input or max-pool
// lead within 1e-4 of its layer's scale of one), so on any CPU the allowance has little to do; each
// gradient check also verifies that a 1 % error would fail it.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <deepvis/backprop/rule.hpp>
#include <deepvis/io/npy.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/nn/network.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#ifndef DEEPVIS_REFERENCE_DATA
#error "DEEPVIS_REFERENCE_DATA must name the folder of the committed fixtures"
#endif
#ifndef DEEPVIS_REFERENCE_DIR
#error "DEEPVIS_REFERENCE_DIR must name the folder the fixture generator writes"
#endif

namespace fs = std::filesystem;
using namespace deepvis;

namespace {

fs::path generated_root() {
    if (const char* env = std::getenv("DEEPVIS_REFERENCE_DIR"); env && *env) return env;
    return DEEPVIS_REFERENCE_DIR;
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// max(|a - b| - allowance, 0) / max|b| (allowance may be empty: zero); shapes must agree.
double relative_max_error(const tensor& a, const tensor& b, const tensor* allowance = nullptr) {
    REQUIRE(shape_string(a.shape()) == shape_string(b.shape()));
    if (allowance) REQUIRE(shape_string(allowance->shape()) == shape_string(b.shape()));
    double diff = 0.0, scale = 0.0;
    for (std::size_t i = 0; i < b.size(); ++i) {
        double d = std::abs(static_cast<double>(a.data()[i]) - b.data()[i]);
        if (allowance) d = std::max(0.0, d - allowance->data()[i]);
        diff = std::max(diff, d);
        scale = std::max(scale, static_cast<double>(std::abs(b.data()[i])));
    }
    REQUIRE(scale > 0.0);
    return diff / scale;
}

void expect_close(const std::string& what, const tensor& actual, const tensor& expected, double tolerance,
                  const tensor* allowance = nullptr) {
    const double raw = relative_max_error(actual, expected);
    const double err = relative_max_error(actual, expected, allowance);
    if (!allowance)
        MESSAGE(what << ": max|deepvis - torch| / max|torch| = " << raw << " (tolerance " << tolerance << ")");
    else
        MESSAGE(what << ": max|deepvis - torch| / max|torch| = " << raw << ", beyond the rounding allowance " << err
                     << " (tolerance " << tolerance << ")");
    CHECK(err <= tolerance);
}

template <BackpropRule Rule>
void check_rule(const nn::network& net, nn::network::trace& t, std::span<const nn::gradient_seed> seeds,
                const fs::path& folder, const std::string& file, const std::string& rule) {
    const tensor expected = io::load_npy(folder / ("grad_" + rule + ".npy"));
    const fs::path allowance_file = folder / ("allowance_" + rule + ".npy");
    const bool has_allowance = fs::exists(allowance_file);
    const tensor allowance = has_allowance ? io::load_npy(allowance_file) : tensor{};
    const tensor& g = net.backward<Rule>(t, seeds, net.input_name());
    expect_close(file + " gradient (" + rule + ")", g, expected, 1e-3, has_allowance ? &allowance : nullptr);
    // The criterion has teeth: a 1 % error does not pass it.
    tensor scaled = g;
    for (auto& v : scaled) v *= 1.01f;
    const double wrong = relative_max_error(scaled, expected, has_allowance ? &allowance : nullptr);
    CHECK_MESSAGE(wrong > 1e-3, file << " " << rule << ": a 1 % error passes (" << wrong << ")");
}

/// Checks every model*.onnx in the model's fixture folder; returns false when it does not exist.
bool check_model(const std::string& model, const fs::path& root) {
    const fs::path folder = root / model;
    if (!fs::exists(folder / "stamp.json")) {
        MESSAGE("skipped: " << model << " fixtures not generated (needs python3-torch) in " << folder.string());
        return false;
    }
    std::string stamp = read_text(folder / "stamp.json");
    stamp.erase(std::remove(stamp.begin(), stamp.end(), '\n'), stamp.end());
    MESSAGE(model << ": fixtures " << folder.string() << ", " << stamp);

    const tensor x = io::load_npy(folder / "input.npy");
    const tensor classes = io::load_npy(folder / "classes.npy");
    const tensor logits = io::load_npy(folder / "logits.npy");
    REQUIRE(x.dimension() == 4);
    REQUIRE(x.shape()[0] == 2);
    REQUIRE(logits.dimension() == 2);
    REQUIRE(classes.size() == x.shape()[0]);

    // The seed of d(sum_n score[n, c_n]): one-hot rows.
    tensor one_hot = xt::zeros<float>(logits.shape());
    for (std::size_t n = 0; n < classes.size(); ++n) {
        const auto c = static_cast<std::size_t>(classes(n));
        REQUIRE(c < logits.shape()[1]);
        one_hot(n, c) = 1.0f;
    }

    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(folder)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("model", 0) == 0 && entry.path().extension() == ".onnx") files.push_back(name);
    }
    std::sort(files.begin(), files.end());
    REQUIRE(!files.empty());

    for (const auto& file : files) {
        const auto start = std::chrono::steady_clock::now();
        const nn::network net = io::load_network(folder / file);
        const auto loaded = std::chrono::steady_clock::now();
        nn::network::trace t;
        net.forward(x, t);
        expect_close(file + " scores '" + net.score_name() + "'", net.scores(t), logits, 1e-4);
        const nn::gradient_seed seeds[] = {{net.score_name(), one_hot}};
        check_rule<backprop::standard>(net, t, seeds, folder, file, "standard");
        check_rule<backprop::guided>(net, t, seeds, folder, file, "guided");
        check_rule<backprop::deconvnet>(net, t, seeds, folder, file, "deconvnet");
        const auto done = std::chrono::steady_clock::now();
        using ms = std::chrono::duration<double, std::milli>;
        MESSAGE(model << "/" << file << ": load " << ms(loaded - start).count() << " ms, forward + 3 backward (N = 2) "
                      << ms(done - loaded).count() << " ms");
    }
    return true;
}

}  // namespace

TEST_CASE("reference: fashion_cnn (committed fixture, opsets 11, 13, 17) matches PyTorch") {
    CHECK(check_model("fashion_cnn", DEEPVIS_REFERENCE_DATA));
}

TEST_CASE("reference: alexnet matches PyTorch") { check_model("alexnet", generated_root()); }

TEST_CASE("reference: vgg16 matches PyTorch") { check_model("vgg16", generated_root()); }

TEST_CASE("reference: squeezenet1_1 (opsets 11, 13, 17) matches PyTorch") {
    check_model("squeezenet1_1", generated_root());
}

TEST_CASE("reference: resnet18 matches PyTorch") { check_model("resnet18", generated_root()); }
