#pragma once
/// The gallery's autoencoder stages (Fashion-MNIST only): reconstructions, denoising, the
/// training curves written next to the models, and the 2-D code against PCA of the pixels.
#include <deepvis/io/idx.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/train/batches.hpp>
#include <deepvis/train/binary_cross_entropy.hpp>
#include <deepvis/train/noise.hpp>
#include <deepvis/train/rng.hpp>
#include <deepvis/viz/grid.hpp>
#include <deepvis/viz/pca.hpp>
#include <deepvis/viz/plot.hpp>
#include <deepvis/viz/separation.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "context.hpp"
#include "stage.hpp"

namespace deepvis::cli::gallery {

inline void require_dataset(const context& ctx) {
    if (!ctx.test) throw not_applicable("needs the Fashion-MNIST test set (run with --dataset fashion-mnist)");
}

inline nn::network load_autoencoder(const std::filesystem::path& path, const char* what) {
    if (path.empty()) throw not_applicable(std::string("no ") + what + " model (--" + what + ")");
    return io::load_network(path);
}

/// The first test image of each class, in class order: (10, 1, 28, 28).
inline tensor one_per_class(const context& ctx) {
    std::vector<std::size_t> first(10, ctx.test->labels.size());
    for (std::size_t i = 0; i < ctx.test->labels.size(); ++i) {
        const auto c = static_cast<std::size_t>(ctx.test->labels[i]);
        if (c < first.size() && first[c] == ctx.test->labels.size()) first[c] = i;
    }
    return items(ctx.test->images, first);
}

/// Rows of (N, 1, H, W) images as one zoomed grid, a row per tensor.
inline tensor rows_grid(const std::vector<tensor>& rows, std::size_t factor) {
    return zoom(viz::image_rows(rows, {.padding = 2, .pad_value = 1.0f}), factor);
}

inline double mean_squared_error(const tensor& a, const tensor& b) {
    double s = 0;
    for (std::size_t e = 0; e < a.size(); ++e)
        s += (double(a.data()[e]) - b.data()[e]) * (double(a.data()[e]) - b.data()[e]);
    return s / double(a.size());
}

/// Runs an autoencoder on `input`, appends its output to `rows` and returns it.
inline tensor append_reconstruction(std::vector<tensor>& rows, const nn::network& net, const tensor& input) {
    nn::network::trace t;
    rows.push_back(net.forward(input, t));
    return rows.back();
}

/// "file (MSE m)": an output's error against the clean images, for a caption.
inline std::string mse_caption(const std::filesystem::path& file, const tensor& out, const tensor& clean) {
    return file.filename().string() + " (MSE " + fixed(mean_squared_error(out, clean), 4) + ")";
}

inline stage reconstruction_stage(context& ctx) {
    return {"reconstruction", "Autoencoder reconstructions",
            "Test images (one per class) through the convolutional autoencoder with a 2-D code and through its "
            "denoising twin: how much of an image two numbers can carry.",
            [&ctx](figures& f) {
                require_dataset(ctx);
                const nn::network cae = load_autoencoder(ctx.autoencoder, "autoencoder");
                const tensor clean = one_per_class(ctx);
                std::vector<tensor> rows = {clean};
                const tensor out = append_reconstruction(rows, cae, clean);
                std::string caption = "Row 1: originals; row 2: " + ctx.autoencoder.filename().string() + " (BCE " +
                                      fixed(train::binary_cross_entropy{}.loss(out, clean), 4) + ", MSE " +
                                      fixed(mean_squared_error(out, clean), 4) + ")";
                if (!ctx.denoiser.empty())
                    caption += "; row 3, on the clean images: " +
                               mse_caption(ctx.denoiser,
                                           append_reconstruction(rows, io::load_network(ctx.denoiser), clean), clean);
                f.figure(f.png("grid", rows_grid(rows, ctx.zoom)),
                         caption + ". Classes left to right: T-shirt/top … ankle boot. Zoom ×" +
                             std::to_string(ctx.zoom) + ".");
            }};
}

inline stage denoising_stage(context& ctx) {
    return {"denoising", "Denoising",
            "Noisy test images through the denoising autoencoder (trained on noisy inputs against clean targets, "
            "Vincent et al. 2008) and, for comparison, through the plain autoencoder.",
            [&ctx](figures& f) {
                require_dataset(ctx);
                const nn::network dae = load_autoencoder(ctx.denoiser, "denoiser");
                const tensor clean = one_per_class(ctx);
                tensor noisy = clean;
                train::rng r(ctx.seed);
                train::add_gaussian_noise(noisy, ctx.noise, true, r);
                std::vector<tensor> rows = {clean, noisy};
                std::string caption = "Rows: originals; + Gaussian noise σ = " + fixed(ctx.noise, 2) +
                                      " clipped to [0, 1] (seed " + std::to_string(ctx.seed) + ", MSE " +
                                      fixed(mean_squared_error(noisy, clean), 4) + "); " +
                                      mse_caption(ctx.denoiser, append_reconstruction(rows, dae, noisy), clean);
                if (!ctx.autoencoder.empty())
                    caption += "; " + mse_caption(ctx.autoencoder,
                                                  append_reconstruction(rows, io::load_network(ctx.autoencoder), noisy),
                                                  clean);
                f.figure(f.png("grid", rows_grid(rows, ctx.zoom)),
                         caption + ". MSE against the clean images. Zoom ×" + std::to_string(ctx.zoom) + ".");
            }};
}

/// The per-epoch metrics a training run writes (tools/deepvis/training_history.hpp): columns by header name.
struct metrics_table {
    std::vector<std::string> columns;
    std::vector<std::vector<double>> rows;
    std::vector<double> column(const std::string& name) const {
        std::vector<double> out;
        const auto it = std::find(columns.begin(), columns.end(), name);
        if (it == columns.end()) return out;
        const std::size_t k = static_cast<std::size_t>(it - columns.begin());
        for (const auto& r : rows) out.push_back(k < r.size() ? r[k] : std::nan(""));
        return out;
    }
};

inline metrics_table read_metrics(const std::filesystem::path& file) {
    std::ifstream in(file);
    DEEPVIS_CHECK(in.is_open(), io_error, "metrics '" << file.string() << "': cannot open");
    metrics_table m;
    std::string line;
    auto split = [](const std::string& s) {
        std::vector<std::string> cells;
        std::stringstream ss(s);
        for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
        if (!s.empty() && s.back() == ',') cells.emplace_back();
        return cells;
    };
    DEEPVIS_CHECK(static_cast<bool>(std::getline(in, line)), io_error, "metrics '" << file.string() << "': empty file");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    m.columns = split(line);
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        std::vector<double> row;
        for (const auto& c : split(line)) {
            char* end = nullptr;
            const double v = c.empty() ? std::nan("") : std::strtod(c.c_str(), &end);
            row.push_back(c.empty() || (end && *end == '\0') ? v : std::nan(""));
        }
        m.rows.push_back(std::move(row));
    }
    DEEPVIS_CHECK(!m.rows.empty(), io_error, "metrics '" << file.string() << "': no epochs");
    return m;
}

inline stage loss_curves_stage(context& ctx) {
    return {
        "loss_curves", "Training curves",
        "Loss per epoch of the shipped models, from the metrics each training run wrote beside its model "
        "(models/*.metrics.csv).",
        [&ctx](figures& f) {
            if (ctx.metrics_folder.empty()) throw not_applicable("no models folder with training metrics");
            struct entry {
                std::string stem, title, loss;
            };
            const entry entries[] = {{"fashion_cnn", "classifier", "cross-entropy"},
                                     {"fashion_cae", "autoencoder", "binary cross-entropy"},
                                     {"fashion_dae", "denoising autoencoder", "binary cross-entropy"}};
            std::size_t found = 0;
            std::string missing;
            for (const auto& e : entries) {
                const auto file = ctx.metrics_folder / (e.stem + ".metrics.csv");
                if (!std::filesystem::exists(file)) {
                    missing += (missing.empty() ? "" : ", ") + file.string();
                    continue;
                }
                ++found;
                const metrics_table m = read_metrics(file);
                const auto epochs = m.column("epoch");
                std::vector<std::string> panels = {viz::line_plot_svg(
                    {{.name = "train", .x = epochs, .y = m.column("train_loss")},
                     {.name = "test", .x = epochs, .y = m.column("test_loss")}},
                    {.title = e.title + ": loss", .x_label = "epoch", .y_label = e.loss, .width = 520, .height = 340})};
                const auto accuracy = m.column("test_accuracy");
                if (std::any_of(accuracy.begin(), accuracy.end(), [](double v) { return std::isfinite(v); }))
                    panels.push_back(
                        viz::line_plot_svg({{.name = "train", .x = epochs, .y = m.column("train_accuracy")},
                                            {.name = "test", .x = epochs, .y = accuracy}},
                                           {.title = e.title + ": accuracy",
                                            .x_label = "epoch",
                                            .y_label = "accuracy",
                                            .width = 520,
                                            .height = 340}));
                std::string last;
                const auto& r = m.rows.back();
                for (std::size_t k = 0; k < m.columns.size() && k < r.size(); ++k)
                    if (std::isfinite(r[k]) && m.columns[k] != "epoch")
                        last += (last.empty() ? "" : ", ") + m.columns[k] + " " + fixed(r[k], 4);
                f.figure(f.svg(e.stem, viz::side_by_side_svg(panels)), e.title + " (" + file.filename().string() +
                                                                           "), " + std::to_string(m.rows.size()) +
                                                                           " epochs; last epoch: " + last + ".");
            }
            if (!found) throw not_applicable("no metrics files: " + missing);
            if (!missing.empty()) f.text("No metrics for: " + missing + ".");
        }};
}

inline stage latent_stage(context& ctx) {
    return {
        "latent", "2-D codes against PCA",
        "Test images placed by the autoencoders' 2-D codes and, for comparison, by the first two principal "
        "components of their pixels. The 5-nearest-neighbour accuracy and the silhouette say how well the classes "
        "separate in each map.",
        [&ctx](figures& f) {
            require_dataset(ctx);
            const std::size_t samples = ctx.quick ? 300 : 1000;
            train::rng r(ctx.seed);
            auto order = r.permutation(ctx.test->size());
            order.resize(samples);
            tensor images;
            train::gather_rows(ctx.test->images, order, images);
            std::vector<int> labels;
            train::gather_rows(ctx.test->labels, order, labels);
            std::vector<std::string> panels;
            report_table t{.columns = {"map", "5-NN accuracy", "silhouette"}};
            for (const auto& [path, what] :
                 {std::pair{ctx.autoencoder, "autoencoder"}, std::pair{ctx.denoiser, "denoiser"}}) {
                if (path.empty()) continue;
                const nn::network net = io::load_network(path);
                const std::string code = net.resolve("latent");
                nn::network::trace tr;
                const std::string wanted[] = {code};
                net.forward(images, tr, std::span<const std::string>(wanted));
                const tensor z = net.activation(tr, code);
                DEEPVIS_CHECK(z.dimension() == 2 && z.shape()[1] == 2, shape_error,
                              "latent: '" << code << "' of " << path.string() << " has shape "
                                          << shape_string(z.shape()) << ", expected (N, 2)");
                const double knn = viz::knn_accuracy(z, labels, 5), sil = viz::silhouette(z, labels);
                t.rows.push_back({path.filename().string() + " code", fixed(knn), fixed(sil)});
                panels.push_back(viz::scatter_plot_svg(viz::series_by_label(z, labels, io::fashion_mnist_classes()),
                                                       {.title = std::string(what) + " code (5-NN " + fixed(knn) + ")",
                                                        .x_label = "z1",
                                                        .y_label = "z2",
                                                        .width = 560,
                                                        .height = 440,
                                                        .marker_radius = 2.0}));
            }
            if (panels.empty()) throw not_applicable("no autoencoder model");
            const auto p = viz::pca(images, 2);
            const double knn = viz::knn_accuracy(p.projection, labels, 5), sil = viz::silhouette(p.projection, labels);
            t.rows.push_back({"PCA of the pixels", fixed(knn), fixed(sil)});
            panels.push_back(
                viz::scatter_plot_svg(viz::series_by_label(p.projection, labels, io::fashion_mnist_classes()),
                                      {.title = "PCA of pixels (5-NN " + fixed(knn) + ")",
                                       .x_label = "PC1",
                                       .y_label = "PC2",
                                       .width = 560,
                                       .height = 440,
                                       .marker_radius = 2.0}));
            const double explained = (p.explained_variance(0) + p.explained_variance(1)) / p.total_variance;
            f.figure(f.svg("scatter", viz::side_by_side_svg(panels)),
                     std::to_string(samples) + " test images chosen at random (seed " + std::to_string(ctx.seed) +
                         "), coloured by class. The two principal components explain " + fixed(explained * 100, 1) +
                         " % of the pixel variance.",
                     1240);
            t.caption = "Leave-one-out 5-NN accuracy (chance 0.1) and mean silhouette (−1 … 1) of each 2-D map.";
            f.add(std::move(t));
        }};
}

}  // namespace deepvis::cli::gallery
