/// deepvis latent: encodes seeded-random Fashion-MNIST test images to an autoencoder's 2-D code
/// and draws them as a scatter plot coloured by class (SVG); with --pca, the PCA of the same
/// images' pixels to 2-D beside it. Prints, for each map, the leave-one-out 5-NN accuracy and
/// the silhouette — how well the classes separate in 2-D.
#include <cstdint>
#include <deepvis/io/atomic_file.hpp>
#include <deepvis/io/idx.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/train/batches.hpp>
#include <deepvis/train/rng.hpp>
#include <deepvis/viz/pca.hpp>
#include <deepvis/viz/plot.hpp>
#include <deepvis/viz/separation.hpp>
#include <iomanip>
#include <ostream>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "training_history.hpp"

namespace deepvis::cli {

int run_latent(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis latent", "--model cae.onnx --out latent.svg [options]", command_summary("latent"));
    add_prototxt_flag(f);
    f.required("model", "M.onnx", "the autoencoder")
        .required("out", "F.svg", "the scatter plot to write")
        .option("samples", "N", "test images to encode (chosen at random)", "1000")
        .option("seed", "S", "seed of the choice of images", "0")
        .option("code", "TENSOR", "the tensor holding the 2-D code", "latent")
        .toggle("pca", "add the PCA of the same images to 2-D beside the latent map");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const std::size_t samples = f.get_count("samples");
    if (samples < 10) throw usage_error("flag --samples: must be at least 10");
    const nn::network net = load_model(f);
    const std::string code = net.resolve(f.get_string("code"));
    const auto test = io::load_fashion_mnist(io::split::test);
    train::rng r(static_cast<std::uint64_t>(f.get_int("seed")));
    auto order = r.permutation(test.size());
    order.resize(static_cast<std::size_t>(samples));
    tensor images;
    train::gather_rows(test.images, order, images);
    std::vector<int> labels;
    train::gather_rows(test.labels, order, labels);

    nn::network::trace t;
    const std::string wanted[] = {code};
    net.forward(images, t, std::span<const std::string>(wanted));
    const tensor& z = net.activation(t, code);
    DEEPVIS_CHECK(z.dimension() == 2 && z.shape()[1] == 2, shape_error,
                  "latent: tensor '" << code << "' has shape " << shape_string(z.shape()) << ", expected (N, 2)");
    const double knn = viz::knn_accuracy(z, labels, 5), sil = viz::silhouette(z, labels);
    out << std::setprecision(4) << "latent map of " << samples << " test images: 5-NN accuracy " << knn
        << ", silhouette " << sil << '\n';
    const std::string title = "autoencoder code (5-NN " + std::to_string(knn).substr(0, 5) + ")";
    std::string svg =
        viz::scatter_plot_svg(viz::series_by_label(z, labels, io::fashion_mnist_classes()),
                              {.title = title, .x_label = "z1", .y_label = "z2", .width = 620, .height = 480});
    if (f.get_bool("pca")) {
        const auto p = viz::pca(images, 2);
        const double pknn = viz::knn_accuracy(p.projection, labels, 5), psil = viz::silhouette(p.projection, labels);
        out << "PCA of the pixels: 5-NN accuracy " << pknn << ", silhouette " << psil << ", explained variance "
            << (p.explained_variance(0) + p.explained_variance(1)) / p.total_variance << '\n';
        const std::string pca_svg =
            viz::scatter_plot_svg(viz::series_by_label(p.projection, labels, io::fashion_mnist_classes()),
                                  {.title = "PCA of pixels (5-NN " + std::to_string(pknn).substr(0, 5) + ")",
                                   .x_label = "PC1",
                                   .y_label = "PC2",
                                   .width = 620,
                                   .height = 480});
        svg = viz::side_by_side_svg({svg, pca_svg});
    }
    io::write_file_atomic(f.get_string("out"), svg);
    out << "wrote " << f.get_string("out") << '\n';
    return 0;
}

}  // namespace deepvis::cli
