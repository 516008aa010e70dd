// "Why did the network say that?" — a walk through deepvis' attribution methods on one model.
//
//   attribution_tour [MODEL.onnx] [OUT_DIR]
//
// Defaults: the embedded Fashion-MNIST classifier (models/fashion_cnn.onnx) and ./attribution_tour.
// With any other ONNX classifier the tour runs on the same Fashion-MNIST images only if its input
// is (N, 1, 28, 28); for an ImageNet model, load your own images with io::load_images instead.
//
// The tour: classify eight test images; explain each prediction with six methods (saliency,
// guided backpropagation, Grad-CAM, guided Grad-CAM, integrated gradients, SmoothGrad); save one
// PNG per method (a row of heatmaps, image by image) plus an overlay; then ask which map is the
// most *faithful* with the deletion and insertion curves of Petsiuk et al. (2018), against a
// random map, and print the table. Everything below is the public API of the headers it includes.
#include <cstdio>
#include <deepvis/attribution.hpp>
#include <deepvis/io/idx.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/viz/grid.hpp>
#include <deepvis/viz/heatmap.hpp>
#include <deepvis/viz/normalize.hpp>
#include <deepvis/viz/overlay.hpp>
#include <exception>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#ifndef DEEPVIS_SOURCE_DIR
#define DEEPVIS_SOURCE_DIR "."
#endif

namespace fs = std::filesystem;
using namespace deepvis;

namespace {

// Guided backprop, IG and SmoothGrad give (N, C, H, W); pictures and faithfulness want one value
// per pixel: the channel-wise max of |.|, as saliency does (Simonyan 2014).
tensor per_pixel(const tensor& map) {
    return map.dimension() == 4 ? reduce_channels_abs(map, channel_reduce::max) : map;
}

}  // namespace

int main(int argc, char** argv) try {
    const fs::path model_path = argc > 1 ? fs::path(argv[1]) : fs::path(DEEPVIS_SOURCE_DIR) / "models/fashion_cnn.onnx";
    const fs::path out = argc > 2 ? fs::path(argv[2]) : fs::path("attribution_tour");
    fs::create_directories(out);

    // 1. A model and some images. The network is immutable; every call below makes its own trace.
    const nn::network net = io::load_network(model_path);
    const io::labelled_images test = io::load_fashion_mnist(io::split::test);
    const std::size_t n = 8;
    const tensor x = xt::view(test.images, xt::range(0, n));  // (8, 1, 28, 28) in [0, 1]
    const auto& names = io::fashion_mnist_classes();

    // 2. What does it predict? Attributions explain one class per image; here, the predicted one.
    nn::network::trace_type t;
    net.forward(x, t);
    const auto top1 = top_k_classes(net.scores(t), 1);
    class_indices predicted(n);
    for (std::size_t i = 0; i < n; ++i) {
        predicted[i] = top1[i][0];
        std::printf("image %zu: label %-11s predicted %-11s\n", i, names[test.labels[i]].c_str(),
                    names[predicted[i]].c_str());
    }

    // 3. Six explanations of the same predictions. Grad-CAM reads the last convolutional block by
    //    default (gradcam_options::layer names another); IG integrates from a black image.
    struct method {
        std::string name;
        tensor map;  // (N, H, W)
    };
    std::vector<method> methods = {
        {"saliency", saliency(net, x, predicted)},
        {"guided_backprop", per_pixel(guided_backprop(net, x, predicted))},
        {"gradcam", gradcam(net, x, predicted)},
        {"guided_gradcam", per_pixel(guided_gradcam(net, x, predicted))},
        {"integrated_gradients", per_pixel(integrated_gradients(net, x, predicted))},
        {"smoothgrad", per_pixel(smoothgrad(net, x, predicted, {.samples = 32, .stdev = 0.15, .seed = 1}))},
    };

    // 4. Pictures: per method, the eight maps in a row (each scaled to its own 1st–99th
    //    percentile), and an overlay of the map on its image. Files are written atomically.
    for (const auto& m : methods) {
        const tensor scaled = viz::normalize_percentile(m.map);
        const tensor colored = viz::colorize(scaled, viz::colormap::jet);  // (N, 3, H, W)
        io::save_png(out / (m.name + ".png"),
                     viz::vis_square(colored, {.padding = 2, .columns = n, .normalize = false}));
        io::save_png(out / (m.name + "_overlay.png"),
                     viz::vis_square(viz::overlay(x, scaled, {.alpha = 0.5f}),
                                     {.padding = 2, .columns = n, .normalize = false}));
    }

    // 5. Which map is faithful? Delete pixels in the map's order (most important first) and watch
    //    the class probability fall: a small area under that curve is good. Insert them into a
    //    blurred image and watch it rise: a large area is good. A random map is the yardstick.
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    tensor random_map = xt::zeros<float>({n, x.shape()[2], x.shape()[3]});
    for (auto& v : random_map) v = uniform(rng);
    methods.push_back({"random", random_map});

    std::printf("\n%-22s %14s %15s\n", "method", "deletion AUC", "insertion AUC");
    for (const auto& m : methods) {
        const auto deletion = deletion_curve(net, x, m.map, predicted);
        const auto insertion = insertion_curve(net, x, m.map, predicted);
        double del = 0, ins = 0;
        for (std::size_t i = 0; i < n; ++i) del += deletion.auc[i] / n, ins += insertion.auc[i] / n;
        std::printf("%-22s %14.3f %15.3f\n", m.name.c_str(), del, ins);
    }
    std::printf("\nmaps written to %s/\n", out.string().c_str());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "attribution_tour: error: %s\n", e.what());
    return 1;
}
