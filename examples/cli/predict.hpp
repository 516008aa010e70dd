#pragma once
/// deepvis predict: runs a model on an .npy batch or on images and prints, for each item, the
/// top-K classes with their probability (softmax of the class scores); --out saves the graph's
/// output.
#include <algorithm>
#include <iomanip>
#include <numeric>
#include <ostream>
#include <string>
#include <vector>

#include "common.hpp"

namespace deepvis::cli {

inline constexpr const char* predict_summary = "run a model and print the top classes of each input";

inline int run_predict(const std::vector<std::string>& args, std::ostream& out) {
    flags f("deepvis predict", "--model M.onnx (--input X.npy | --image P.png[,Q.jpg...]) [options]", predict_summary);
    add_model_flag(f);
    add_input_flags(f);
    f.option("top", "K", "classes to print per input", "5")
        .option("labels", "FILE", "class names, one per line")
        .option("out", "Y.npy", "save the graph's output, (N, K), as float32 .npy");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const long long top = f.get_int("top");
    if (top <= 0) throw usage_error("flag --top: " + f.get_string("top") + " is not a positive count");

    const nn::network net = io::load_network(f.get_string("model"));
    const input_batch batch = load_input(f, net);
    nn::network::trace trace;
    const tensor& output = net.forward(batch.x, trace);
    const tensor& scores = net.scores(trace);
    const std::size_t classes = class_count(scores);
    std::vector<std::string> labels;
    if (f.given("labels")) labels = load_labels(f.get_string("labels"), classes);
    if (f.given("out")) io::save_npy(f.get_string("out"), output);

    const auto probabilities = softmax_rows(scores);
    const std::size_t k = std::min(static_cast<std::size_t>(top), classes);
    const int index_width = static_cast<int>(std::to_string(classes - 1).size());
    for (std::size_t n = 0; n < probabilities.size(); ++n) {
        const auto& p = probabilities[n];
        std::vector<std::size_t> order(classes);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                          [&](std::size_t a, std::size_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
        out << (n < batch.names.size() ? batch.names[n] : "input[" + std::to_string(n) + "]") << '\n';
        for (std::size_t r = 0; r < k; ++r) {
            const std::size_t c = order[r];
            out << "  " << r + 1 << ". class " << std::setw(index_width) << c << "  p=" << std::fixed
                << std::setprecision(4) << p[c];
            if (!labels.empty()) out << "  " << labels[c];
            out << '\n';
        }
    }
    if (f.given("out")) out << "wrote " << f.get_string("out") << ' ' << shape_string(output.shape()) << '\n';
    return 0;
}

}  // namespace deepvis::cli
