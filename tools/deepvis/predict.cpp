/// deepvis predict: runs a model on an .npy batch or on images and prints, for each item, the
/// top-K classes with their probability (softmax of the class scores); --out saves the graph's
/// output.
#include <algorithm>
#include <iomanip>
#include <ostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"

namespace deepvis::cli {

int run_predict(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis predict", "--model M.onnx (--input X.npy | --image P.png[,Q.jpg...]) [options]",
                   command_summary("predict"));
    add_model_flag(f);
    add_input_flags(f);
    f.option("top", "K", "classes to print per input", "5")
        .option("labels", "FILE", "class names, one per line")
        .option("out", "Y.npy", "save the graph's output, (N, K), as float32 .npy")
        .example("deepvis predict --model models/fashion_cnn.onnx --image shirt.png --top 3")
        .example(
            "deepvis predict --model squeezenet1.0.onnx --image cat.png --preprocess caffe --labels "
            "imagenet_classes.txt");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const std::size_t top = f.get_count("top");

    const nn::network net = load_model(f);
    const input_batch batch = load_input(f, net);
    nn::network::trace trace;
    const tensor& output = net.forward(batch.x, trace);
    const tensor& scores = net.scores(trace);
    const std::size_t classes = class_count(scores);
    std::vector<std::string> labels;
    labels = model_labels(f, net, classes);
    if (f.given("out")) io::save_npy(f.get_string("out"), output);

    const auto probabilities = softmax_rows(scores);
    const std::size_t k = std::min(static_cast<std::size_t>(top), classes);
    const int index_width = static_cast<int>(std::to_string(classes - 1).size());
    for (std::size_t n = 0; n < probabilities.size(); ++n) {
        const auto& p = probabilities[n];
        const auto order = top_classes(p, k);
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
