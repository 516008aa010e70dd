/// deepvis reconstruct: an autoencoder's reconstructions of Fashion-MNIST test images as a PNG
/// grid — row 1 the originals, row 2 (with --noise) the noisy inputs, last row the outputs —
/// and the mean binary cross-entropy and squared error of the reconstructions.
#include <cstdint>
#include <deepvis/io/idx.hpp>
#include <deepvis/io/image.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/train/batches.hpp>
#include <deepvis/train/binary_cross_entropy.hpp>
#include <deepvis/train/noise.hpp>
#include <deepvis/train/rng.hpp>
#include <deepvis/viz/grid.hpp>
#include <iomanip>
#include <ostream>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "commands.hpp"
#include "common.hpp"

namespace deepvis::cli {

int run_reconstruct(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis reconstruct", "--model cae.onnx --out grid.png [options]", command_summary("reconstruct"));
    add_prototxt_flag(f);
    f.required("model", "M.onnx", "the autoencoder (input and output (N, 1, 28, 28))")
        .required("out", "F.png", "the grid to write")
        .option("samples", "N", "test images to show (chosen at random)", "10")
        .option("seed", "S", "seed of the choice of images and of the noise", "0")
        .option("noise", "SIGMA", "std of Gaussian noise added to the inputs, clipped to [0,1] (0: none)", "0");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const std::size_t samples = f.get_count("samples");
    const float noise = f.get_float("noise");
    if (noise < 0) throw usage_error("flag --noise: must be >= 0");
    const auto seed = static_cast<std::uint64_t>(f.get_int("seed"));
    const nn::network net = load_model(f);
    const auto test = io::load_fashion_mnist(io::split::test);
    train::rng r(seed);
    auto order = r.permutation(test.size());
    order.resize(static_cast<std::size_t>(samples));
    tensor clean;
    train::gather_rows(test.images, order, clean);
    tensor input = clean;
    if (noise > 0) train::add_gaussian_noise(input, noise, true, r);
    nn::network::trace t;
    const tensor& output = net.forward(input, t);
    DEEPVIS_CHECK(output.shape() == clean.shape(), shape_error,
                  "reconstruct: the model's output has shape " << shape_string(output.shape()) << ", expected "
                                                               << shape_string(clean.shape()));
    std::vector<tensor> rows = {clean};
    if (noise > 0) rows.push_back(input);
    rows.push_back(output);
    io::save_png(f.get_string("out"), viz::image_rows(rows, {.padding = 2, .pad_value = 0.5f}));
    double mse = 0;
    for (std::size_t e = 0; e < clean.size(); ++e) {
        const double d = double(output.data()[e]) - clean.data()[e];
        mse += d * d;
    }
    out << "reconstructed " << samples << " test images" << (noise > 0 ? " with noise" : "") << ": BCE "
        << std::setprecision(5) << train::binary_cross_entropy{}.loss(output, clean) << ", MSE "
        << mse / static_cast<double>(clean.size()) << "; wrote " << f.get_string("out") << '\n';
    return 0;
}

}  // namespace deepvis::cli
