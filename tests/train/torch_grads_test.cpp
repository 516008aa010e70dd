// The classifier's parameter gradients on a fixed batch against PyTorch (float64), through
// tests/train/torch_param_grads.py. Skipped with a message when python3-torch is absent.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <deepvis/io/idx.hpp>
#include <deepvis/io/npy.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/train/batches.hpp>
#include <deepvis/train/cross_entropy.hpp>
#include <deepvis/train/models.hpp>
#include <deepvis/train/parameters.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "support/gradient_check.hpp"

using namespace deepvis;

TEST_CASE("classifier: parameter gradients agree with PyTorch to 1e-3 relative") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("deepvis_torch_grads_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    // The committed model when present (trained weights), else a seeded fresh one.
    const fs::path committed = fs::path(DEEPVIS_SOURCE_DIR) / "models" / "fashion_cnn.onnx";
    nn::graph g = fs::exists(committed) ? io::load_onnx(committed) : train::fashion_classifier(5);
    const fs::path model = dir / "model.onnx";
    io::save_onnx(g, model);
    // A fixed batch: the first 32 test images, or seeded noise without the dataset.
    tensor x;
    std::vector<int> labels;
    if (io::has_fashion_mnist()) {
        const auto test = io::load_fashion_mnist(io::split::test);
        x = train::slice_rows(test.images, 0, 32);
        labels.assign(test.labels.begin(), test.labels.begin() + 32);
    } else {
        x = testing::random_tensor({32, 1, 28, 28}, 17, 0.5f);
        for (int i = 0; i < 32; ++i) labels.push_back(i % 10);
    }
    tensor y(shape_type{labels.size()});
    for (std::size_t i = 0; i < labels.size(); ++i) y(i) = static_cast<float>(labels[i]);
    io::save_npy(dir / "images.npy", x);
    io::save_npy(dir / "labels.npy", y);
    const std::string script = std::string(DEEPVIS_SOURCE_DIR) + "/tests/train/torch_param_grads.py";
    const std::string command = "/usr/bin/python3 " + script + " " + model.string() + " " +
                                (dir / "images.npy").string() + " " + (dir / "labels.npy").string() + " " +
                                (dir / "torch").string() + " > " + (dir / "log.txt").string() + " 2>&1";
    const int status = fs::exists("/usr/bin/python3") ? std::system(command.c_str()) : -1;
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) == 3) {
        MESSAGE("skipped: PyTorch not available (/usr/bin/python3 with python3-torch and python3-onnx)");
        fs::remove_all(dir);
        return;
    }
    REQUIRE_MESSAGE(WEXITSTATUS(status) == 0, "torch_param_grads.py failed; see " << (dir / "log.txt").string());

    nn::network net(std::move(g));
    nn::network::trace t;
    net.forward(x, t);
    tensor seed_gradient;
    const double loss = train::cross_entropy{}.loss_and_gradient(net.scores(t), labels, seed_gradient);
    CHECK(loss == doctest::Approx(io::load_npy(dir / "torch" / "loss.npy")(0)).epsilon(1e-5));
    const std::vector<nn::gradient_seed> seeds = {{net.score_name(), seed_gradient}};
    const auto names = train::trainable_parameters(net.definition());
    REQUIRE(names.size() == 8);
    net.backward(t, seeds, names);
    for (const auto& name : names) {
        const tensor& ours = net.gradient(t, name);
        const tensor theirs = io::load_npy(dir / "torch" / (name + ".npy"));
        REQUIRE(ours.shape() == theirs.shape());
        double diff = 0, norm = 0, max_diff = 0, max_ref = 0;
        for (std::size_t e = 0; e < ours.size(); ++e) {
            const double d = double(ours.data()[e]) - theirs.data()[e];
            diff += d * d;
            norm += double(theirs.data()[e]) * theirs.data()[e];
            max_diff = std::max(max_diff, std::abs(d));
            max_ref = std::max(max_ref, std::abs(double(theirs.data()[e])));
        }
        const double relative = std::sqrt(diff / norm);
        MESSAGE(name << ": relative L2 error " << relative << ", max |diff| / max |ref| " << max_diff / max_ref);
        CHECK(relative < 1e-3);
        CHECK(max_diff / max_ref < 1e-3);
    }
    fs::remove_all(dir);
}
