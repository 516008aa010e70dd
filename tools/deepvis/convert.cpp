/// deepvis convert: writes a model as ONNX — a Caffe model (M.caffemodel + D.prototxt) to the
/// graph deepvis runs, with the Caffe layer names (io/caffe.hpp) — checked by the ONNX checker,
/// then loaded back and run beside the original on one seeded input: the outputs must agree.
/// With preprocessing flags or --labels it also stores them in the model (io/model_metadata.hpp),
/// so that later commands on the written file need neither.
#include <cmath>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"

namespace deepvis::cli {

int run_convert(const std::vector<std::string>& args, std::ostream& out) {
    command_line f(
        "deepvis convert",
        "--model M.caffemodel|M.onnx [--prototxt D.prototxt] --out M.onnx [--preprocess P ...] [--labels FILE]",
        command_summary("convert"));
    add_model_flag(f);
    f.required("out", "M.onnx", "the ONNX file to write")
        .option("labels", "FILE", "class names, one per line, to store in the model (deepvis.labels)");
    add_preprocessing_flags(f);
    f.example("deepvis convert --model squeezenet1.0.caffemodel --prototxt deploy.prototxt --out squeezenet1.0.onnx")
        .example(
            "deepvis convert --model squeezenet1.0.onnx --preprocess caffe --labels imagenet_classes.txt "
            "--out squeezenet1.0-with-metadata.onnx");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const nn::network original = load_model(f);
    const std::string target = f.get_string("out");

    // One seeded input of the declared shape (batch 1; a free dimension becomes 32).
    shape_type shape;
    for (auto d : original.input_info().shape) shape.push_back(d > 0 ? static_cast<std::size_t>(d) : 32);
    if (!shape.empty()) shape[0] = 1;
    tensor x = tensor::from_shape(shape);
    std::mt19937 rng(1234);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (auto& v : x) v = normal(rng);
    nn::network::trace t1, t2;
    const tensor& a = original.forward(x, t1);

    nn::graph g = original.definition();
    bool preprocessing_given = false;
    for (const char* flag : preprocessing_flag_names) preprocessing_given = preprocessing_given || f.given(flag);
    if (preprocessing_given) {
        const auto& declared = original.input_info().shape;
        const int channels = declared.size() == 4 && declared[1] > 0 ? static_cast<int>(declared[1]) : 3;
        io::write_preprocessing(g.metadata,
                                read_preprocessing(f, channels, model_image_size(original)).image_options());
    }
    if (f.given("labels"))
        io::write_labels(g.metadata, load_labels(f.get_string("labels"), class_count(original.scores(t1))));
    io::save_onnx(g, target);
    const nn::network converted = io::load_network(target);
    const tensor& b = converted.forward(x, t2);
    DEEPVIS_CHECK(a.shape() == b.shape(), config_error,
                  "convert: the ONNX file's output has shape " << shape_string(b.shape()) << ", the model's "
                                                               << shape_string(a.shape()));
    double diff = 0.0, scale = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(static_cast<double>(a.data()[i]) - b.data()[i]));
        scale = std::max(scale, std::abs(static_cast<double>(a.data()[i])));
    }
    DEEPVIS_CHECK(
        diff <= 1e-5 * scale, config_error,
        "convert: the ONNX file's output differs from the model's by " << diff << " (max |output| " << scale << ")");
    out << "wrote " << target << ": " << original.definition().nodes.size() << " nodes, " << describe_input(converted)
        << ", output '" << converted.output_name() << "' " << shape_string(b.shape())
        << "; ONNX checker passed; max |onnx - original| on a seeded input = " << diff << '\n';
    if (!g.metadata.empty()) {
        out << "metadata:";
        for (const auto& [key, value] : g.metadata)
            out << ' ' << key
                << (key == io::metadata_key::labels
                        ? "=(" + std::to_string(io::read_labels(g.metadata).size()) + " names)"
                        : "=" + value);
        out << '\n';
    }
    return 0;
}

}  // namespace deepvis::cli
