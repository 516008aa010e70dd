#pragma once
/// What `deepvis train` writes beside a model (application code, not the library): per-epoch metrics as CSV and the
/// loss curve (train and test loss per epoch) as an SVG line plot (viz/plot.hpp).
///   metrics_csv(epochs):   header "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds",
///                          one row per epoch; NaN (no accuracy, no test set) is written empty.
///   loss_plot_svg(epochs, title): the two loss series against the epoch number.
#include <cmath>
#include <deepvis/io/atomic_file.hpp>
#include <deepvis/train/reports.hpp>
#include <deepvis/viz/plot.hpp>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

namespace deepvis::cli {

inline std::string metrics_csv(const std::vector<train::epoch_report>& epochs) {
    std::ostringstream os;
    os << "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds\n" << std::setprecision(8);
    auto cell = [&](double v) {
        os << ',';
        if (std::isfinite(v)) os << v;
    };
    for (const auto& e : epochs) {
        os << e.epoch;
        cell(e.train_loss);
        cell(e.train_accuracy);
        cell(e.test_loss);
        cell(e.test_accuracy);
        cell(e.seconds);
        os << '\n';
    }
    return os.str();
}

inline std::string loss_plot_svg(const std::vector<train::epoch_report>& epochs, const std::string& title = "loss") {
    viz::series train{"train loss", {}, {}}, test{"test loss", {}, {}};
    for (const auto& e : epochs) {
        train.x.push_back(static_cast<double>(e.epoch));
        train.y.push_back(e.train_loss);
        if (std::isfinite(e.test_loss)) {
            test.x.push_back(static_cast<double>(e.epoch));
            test.y.push_back(e.test_loss);
        }
    }
    std::vector<viz::series> s{train};
    if (!test.x.empty()) s.push_back(test);
    return viz::line_plot_svg(s, {.title = title, .x_label = "epoch", .y_label = "loss"});
}

}  // namespace deepvis::cli
