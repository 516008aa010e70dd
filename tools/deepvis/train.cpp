/// deepvis train classifier|autoencoder|denoising: trains one of deepvis' Fashion-MNIST models
/// (train/models.hpp) on the Debian package dataset-fashion-mnist and saves it as ONNX.
///
/// After every epoch the model is checkpointed to --out (atomically: an interrupted run leaves
/// the last complete epoch), the metrics are written to --csv and the loss curve to --plot.
/// A progress bar with the running loss (and accuracy) is drawn on stderr.
/// Reproducible bit for bit for a given seed with OPENBLAS_NUM_THREADS=1, e.g. the committed
/// classifier:  OPENBLAS_NUM_THREADS=1 deepvis train classifier --epochs 5 --seed 1 --out models/fashion_cnn.onnx
#include <cstdio>
#include <deepvis/io/atomic_file.hpp>
#include <deepvis/io/idx.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/solvers/adam.hpp>
#include <deepvis/solvers/gradient_descent.hpp>
#include <deepvis/train/binary_cross_entropy.hpp>
#include <deepvis/train/cross_entropy.hpp>
#include <deepvis/train/fit.hpp>
#include <deepvis/train/models.hpp>
#include <deepvis/train/noise.hpp>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <ostream>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "commands.hpp"
#include "training_history.hpp"

namespace deepvis::cli {

/// Draws "epoch 2/5 [=========>      ] 512/938 loss 0.3121 acc 0.887" on stderr, and one line
/// per epoch on `out`; checkpoints and writes the metrics after each epoch.
class training_reporter {
public:
    training_reporter(std::ostream& out, std::size_t epochs, nn::network& net, std::filesystem::path model,
                      std::filesystem::path csv, std::filesystem::path plot, std::string title)
        : m_out(out),
          m_epochs(epochs),
          m_net(net),
          m_model(std::move(model)),
          m_csv(std::move(csv)),
          m_plot(std::move(plot)),
          m_title(std::move(title)) {}

    bool operator()(const train::step_report& r) {
        if (r.step % 10 != 0 && r.step != r.steps_per_epoch) return false;
        constexpr std::size_t width = 30;
        const std::size_t done = r.step * width / r.steps_per_epoch;
        std::cerr << "\repoch " << r.epoch << '/' << m_epochs << " [" << std::string(done, '=')
                  << (done < width ? ">" : "") << std::string(width - std::min(width, done + 1), ' ') << "] " << r.step
                  << '/' << r.steps_per_epoch << " loss " << std::fixed << std::setprecision(4) << r.running_loss;
        if (std::isfinite(r.running_accuracy)) std::cerr << " acc " << std::setprecision(3) << r.running_accuracy;
        std::cerr << std::defaultfloat << "   " << std::flush;
        return false;
    }

    bool operator()(const train::epoch_report& e) {
        std::cerr << '\n';
        m_history.push_back(e);
        m_out << "epoch " << e.epoch << ": train loss " << std::setprecision(5) << e.train_loss;
        if (std::isfinite(e.train_accuracy)) m_out << ", train accuracy " << e.train_accuracy;
        m_out << ", test loss " << e.test_loss;
        if (std::isfinite(e.test_accuracy)) m_out << ", test accuracy " << e.test_accuracy;
        m_out << ", " << std::setprecision(3) << e.seconds << " s" << std::endl;
        io::save_onnx(m_net.definition(), m_model);
        if (!m_csv.empty()) io::write_file_atomic(m_csv, metrics_csv(m_history));
        if (!m_plot.empty()) io::write_file_atomic(m_plot, loss_plot_svg(m_history, m_title));
        return false;
    }

private:
    std::ostream& m_out;
    std::size_t m_epochs;
    nn::network& m_net;
    std::filesystem::path m_model, m_csv, m_plot;
    std::string m_title;
    std::vector<train::epoch_report> m_history;
};

/// "dir/name.onnx" -> "dir/name<suffix>".
inline std::filesystem::path sibling_path(const std::filesystem::path& model, const std::string& suffix) {
    auto p = model;
    p.replace_extension();
    return p.string() + suffix;
}

int run_train(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis train", "classifier|autoencoder|denoising [options]", command_summary("train"));
    f.positionals(1);
    f.option("epochs", "E", "passes over the 60 000 training images", "5")
        .option("batch", "B", "mini-batch size", "64")
        .option("lr", "LR", "learning rate", "0.001")
        .option("lr-decay", "D", "multiply the learning rate by D after every epoch", "1")
        .option("seed", "S", "seed of the initial weights, the shuffling and the noise", "1")
        .option("optimizer", "adam|sgd", "Adam, or SGD with momentum 0.9", "adam")
        .option("out", "M.onnx", "where to save the model (after every epoch)")
        .option("csv", "F.csv", "per-epoch metrics (default: next to --out, .metrics.csv)")
        .option("plot", "F.svg", "loss plot (default: next to --out, .loss.svg)")
        .option("train-limit", "N", "train on the first N training images only (0: all)", "0")
        .option("noise", "SIGMA", "denoising: std of the Gaussian noise added to the inputs (then clipped to [0,1])",
                "1");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    if (f.positional_args().size() != 1)
        throw usage_error("give what to train: classifier, autoencoder or denoising" + f.see_help());
    const std::string kind = f.positional_args().front();
    if (kind != "classifier" && kind != "autoencoder" && kind != "denoising")
        throw usage_error("unknown model '" + kind + "', expected classifier, autoencoder or denoising" + f.see_help());
    const std::size_t epochs = f.get_count("epochs"), batch = f.get_count("batch");
    const long long limit = f.get_int("train-limit");
    if (limit < 0) throw usage_error("flag --train-limit: must be >= 0");
    const float lr = f.get_float("lr"), noise = f.get_float("noise"), decay = f.get_float("lr-decay");
    if (!(lr > 0)) throw usage_error("flag --lr: must be > 0");
    if (!(decay > 0 && decay <= 1)) throw usage_error("flag --lr-decay: must be in (0, 1]");
    const std::string optimizer = f.get_string("optimizer");
    if (optimizer != "adam" && optimizer != "sgd")
        throw usage_error("flag --optimizer: '" + optimizer + "', expected adam or sgd");
    const auto seed = static_cast<std::uint64_t>(f.get_int("seed"));
    const std::string default_name = kind == "classifier"    ? "fashion_cnn"
                                     : kind == "autoencoder" ? "fashion_cae"
                                                             : "fashion_dae";
    const std::filesystem::path model = f.has("out") ? f.get_string("out") : default_name + ".onnx";
    const std::filesystem::path csv =
        f.has("csv") ? std::filesystem::path(f.get_string("csv")) : sibling_path(model, ".metrics.csv");
    const std::filesystem::path plot =
        f.has("plot") ? std::filesystem::path(f.get_string("plot")) : sibling_path(model, ".loss.svg");

    io::labelled_images train_set = io::load_fashion_mnist(io::split::train);
    const io::labelled_images test_set = io::load_fashion_mnist(io::split::test);
    if (limit > 0 && static_cast<std::size_t>(limit) < train_set.size()) {
        train_set.images = train::slice_rows(train_set.images, 0, static_cast<std::size_t>(limit));
        train_set.labels.resize(static_cast<std::size_t>(limit));
    }
    train::fit_options options{.epochs = static_cast<std::size_t>(epochs),
                               .batch_size = static_cast<std::size_t>(batch),
                               .seed = seed,
                               .learning_rate_decay = decay};
    if (kind == "denoising") {
        options.corrupt = [noise](tensor& x, train::rng& r) { train::add_gaussian_noise(x, noise, true, r); };
    }
    nn::graph g = kind == "classifier" ? train::fashion_classifier(seed)
                                       : train::conv_autoencoder({.seed = seed, .name = default_name});
    nn::network net(std::move(g));
    out << "training " << kind << " '" << default_name << "' on " << train_set.size() << " images, " << epochs
        << " epochs, batch " << batch << ", " << optimizer << " lr " << lr;
    if (decay != 1.0f) out << " (x" << decay << " per epoch)";
    out << ", seed " << seed;
    if (kind == "denoising") out << ", noise " << noise << " (clipped to [0,1])";
    out << std::endl;
    training_reporter reporter(out, static_cast<std::size_t>(epochs), net, model, csv, plot,
                               default_name + " (" + kind + ")");
    auto run = [&](auto& opt) {
        if (kind == "classifier") {
            train::dataset_view<std::vector<int>> tr{train_set.images, train_set.labels},
                te{test_set.images, test_set.labels};
            return train::fit(net, tr, &te, train::cross_entropy{}, opt, options, reporter);
        }
        // The autoencoders reconstruct the clean image: the targets are the inputs themselves.
        // The denoiser is tested on noisy test images (fixed noise, seed + 1) against the clean ones.
        tensor test_inputs = test_set.images;
        if (kind == "denoising") {
            train::rng r(seed + 1);
            train::add_gaussian_noise(test_inputs, noise, true, r);
        }
        train::dataset_view<tensor> tr{train_set.images, train_set.images}, te{test_inputs, test_set.images};
        return train::fit(net, tr, &te, train::binary_cross_entropy_with_logits{}, opt, options, reporter);
    };
    train::training_history history;
    if (optimizer == "adam") {
        adam opt{.step_size = lr};
        history = run(opt);
    } else {
        gradient_descent opt{.step_size = lr, .momentum = 0.9};
        history = run(opt);
    }
    out << "saved " << model.string() << ", metrics " << csv.string() << ", loss plot " << plot.string() << '\n';
    return 0;
}

}  // namespace deepvis::cli
