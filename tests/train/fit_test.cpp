// The training loop: a short run lowers the loss clearly; the same seed gives the same weights.
#include <doctest/doctest.h>

#include <cmath>
#include <deepvis/io/idx.hpp>
#include <deepvis/nn/network.hpp>
#include <deepvis/solvers/adam.hpp>
#include <deepvis/solvers/gradient_descent.hpp>
#include <deepvis/train/binary_cross_entropy.hpp>
#include <deepvis/train/cross_entropy.hpp>
#include <deepvis/train/fit.hpp>
#include <deepvis/train/models.hpp>
#include <deepvis/train/noise.hpp>
#include <vector>

#include "deepvis/training_history.hpp"

using namespace deepvis;

namespace {

/// A small CNN (Conv 8 → Relu → MaxPool → Flatten → Gemm 10 → Softmax) that trains in seconds.
nn::graph tiny_classifier(std::uint64_t seed) {
    nn::graph g;
    g.inputs.push_back({"input", {-1, 1, 28, 28}});
    deepvis::detail::graph_builder b{g};
    std::string x = b.conv("conv", "input", 1, 8);
    x = b.unary("relu", "Relu", x);
    x = b.max_pool("pool", x);
    x = b.max_pool("pool2", x);
    x = b.unary("flatten", "Flatten", x, {{"axis", std::int64_t{1}}});
    x = b.dense("fc", x, 8 * 7 * 7, 10);
    g.add({"softmax", "Softmax", {x}, {"probabilities"}, {{"axis", std::int64_t{1}}}});
    g.outputs.push_back({"probabilities", {-1, 10}});
    train::initialize_like_pytorch(g, seed);
    return g;
}

/// Synthetic images when Fashion-MNIST is absent: the class is the position of a bright bar.
io::labelled_images synthetic(std::size_t n, std::uint64_t seed) {
    train::rng r(seed);
    io::labelled_images d{tensor(shape_type{n, 1, 28, 28}, 0.0f), std::vector<int>(n)};
    for (std::size_t i = 0; i < n; ++i) {
        const int c = static_cast<int>(r.below(10));
        d.labels[i] = c;
        for (std::size_t y = 0; y < 28; ++y)
            for (std::size_t x = 0; x < 28; ++x)
                d.images(i, 0, y, x) = 0.2f * r.uniform() + (x / 3 == static_cast<std::size_t>(c) ? 0.8f : 0.0f);
    }
    return d;
}

io::labelled_images training_subset(std::size_t n) {
    if (!io::has_fashion_mnist()) {
        MESSAGE("Fashion-MNIST absent: training on synthetic bars instead");
        return synthetic(n, 1);
    }
    auto all = io::load_fashion_mnist(io::split::test);
    all.images = train::slice_rows(all.images, 0, n);
    all.labels.resize(n);
    return all;
}

struct counter {
    std::size_t steps = 0, epochs = 0;
    bool operator()(const train::step_report& r) {
        ++steps;
        CHECK(std::isfinite(r.loss));
        return false;
    }
    bool operator()(const train::epoch_report&) {
        ++epochs;
        return false;
    }
};

}  // namespace

TEST_CASE("fit: 250 Adam steps on 2000 images lower the cross-entropy clearly") {
    const auto data = training_subset(2000);
    nn::network net(tiny_classifier(1));
    train::dataset_view<std::vector<int>> view{data.images, data.labels};
    const auto before = train::evaluate(net, view, train::cross_entropy{});
    adam opt{.step_size = 2e-3};
    counter c;
    const auto h =
        train::fit(net, view, &view, train::cross_entropy{}, opt, {.epochs = 4, .batch_size = 32, .seed = 3}, c);
    MESSAGE("loss " << before.loss << " -> " << h.epochs.back().test_loss << ", accuracy " << before.accuracy << " -> "
                    << h.epochs.back().test_accuracy);
    CHECK(c.steps == 4 * 63);
    CHECK(c.epochs == 4);
    REQUIRE(h.epochs.size() == 4);
    CHECK(h.epochs.back().test_loss < 0.4 * before.loss);
    CHECK(h.epochs.back().test_accuracy > 0.7);
    CHECK(h.epochs.back().train_loss < h.epochs.front().train_loss);
    const std::string csv = cli::metrics_csv(h.epochs);
    CHECK(csv.rfind("epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds\n1,", 0) == 0);
    const std::string svg = cli::loss_plot_svg(h.epochs);
    CHECK(svg.find("train loss") != std::string::npos);
    CHECK(svg.find("test loss") != std::string::npos);
}

TEST_CASE("fit: the same seed gives the same weights bit for bit; another seed does not") {
    const auto data = training_subset(512);
    train::dataset_view<std::vector<int>> view{data.images, data.labels};
    auto run = [&](std::uint64_t seed) {
        nn::network net(tiny_classifier(seed));
        gradient_descent opt{.step_size = 0.05, .momentum = 0.9};
        train::fit(net, view, nullptr, train::cross_entropy{}, opt, {.epochs = 2, .batch_size = 64, .seed = seed});
        return net.definition().initializers;
    };
    const auto a = run(7), b = run(7), c = run(8);
    for (const auto& [name, w] : a) {
        CHECK_MESSAGE(w == b.at(name), name);
        CHECK_MESSAGE(w != c.at(name), name);
    }
}

TEST_CASE("fit: a callback that returns true stops training") {
    const auto data = synthetic(256, 2);
    nn::network net(tiny_classifier(1));
    train::dataset_view<std::vector<int>> view{data.images, data.labels};
    std::size_t n = 0;
    adam opt;
    const auto h = train::fit(net, view, nullptr, train::cross_entropy{}, opt, {.epochs = 5, .batch_size = 16},
                              [&](const train::step_report&) { return ++n == 3; });
    CHECK(n == 3);
    CHECK(h.stopped_by_callback);
    CHECK(h.epochs.size() == 1);
}

TEST_CASE("fit: the autoencoder lowers its binary cross-entropy; denoising corrupts only the inputs") {
    const auto data = training_subset(256);
    nn::network net(train::conv_autoencoder({.seed = 1, .width1 = 4, .width2 = 8, .width3 = 8}));
    train::dataset_view<tensor> view{data.images, data.images};
    train::binary_cross_entropy_with_logits loss;
    const double before = train::evaluate(net, view, loss).loss;
    adam opt{.step_size = 3e-3};
    train::fit_options o{.epochs = 5, .batch_size = 32, .seed = 1};
    o.corrupt = [](tensor& x, train::rng& r) { train::add_gaussian_noise(x, 0.3f, true, r); };
    const auto h = train::fit(net, view, &view, loss, opt, o);
    MESSAGE("autoencoder BCE " << before << " -> " << h.epochs.back().test_loss);
    CHECK(h.epochs.back().test_loss < before - 0.1);
    CHECK(std::isnan(h.epochs.back().test_accuracy));
    // The loss of the Sigmoid output equals the loss of its logits.
    nn::network::trace t;
    const tensor& p = net.forward(view.inputs, t);
    CHECK(train::binary_cross_entropy{}.loss(p, data.images) ==
          doctest::Approx(train::evaluate(net, view, loss).loss).epsilon(1e-4));
}
