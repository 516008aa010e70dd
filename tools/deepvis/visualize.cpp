/// deepvis visualize-class and visualize-channel: images that maximise a class score, a
/// channel's mean or one neuron (include/deepvis/synthesis/class_model.hpp).
#include <ostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "synthesis_output.hpp"

namespace deepvis::cli {

int run_visualize_class(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis visualize-class", "--model M.onnx --class C --out OUT.png [options]",
                   command_summary("visualize-class"));
    synth::add_common_flags(f, "100");
    f.required("class", "C", "the class whose score is maximised (a class index: there is no input to rank)");
    synth::add_recipe_flags(f);
    f.example("deepvis visualize-class --model models/fashion_cnn.onnx --class 3 --seed 1 --zoom 4 --out class3.png");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    if (f.get_string("class").rfind("top", 0) == 0)
        throw usage_error("flag --class: '" + f.get_string("class") +
                          "' ranks the classes of an input, and visualize-class starts from noise; give a class index");
    const nn::network net = load_model(f);
    const preprocessing p =
        read_preprocessing(f, synth::model_channels(net), model_image_size(net), net.definition().metadata);
    const auto r = visualize_class(net, f.get_int("class"), synth::recipe_options(f, p), synth::make_progress(f, p));
    synth::save_result(f.get_string("out"), r.image, p, f.get_count("zoom"));
    out << r.report.message << "; objective " << r.report.value << '\n';
    synth::report_scores(out, net, r.image);
    out << "wrote " << f.get_string("out") << '\n';
    return r.report.ok() ? 0 : 1;
}

int run_visualize_channel(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis visualize-channel", "--model M.onnx --layer L --channel K --out OUT.png [options]",
                   command_summary("visualize-channel"));
    synth::add_common_flags(f, "100");
    f.required("layer", "L", "the layer (node or tensor name)")
        .required("channel", "K", "the channel")
        .option("neuron", "Y,X", "maximise one neuron at (Y, X) instead of the channel mean");
    synth::add_recipe_flags(f);
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const nn::network net = load_model(f);
    const preprocessing p =
        read_preprocessing(f, synth::model_channels(net), model_image_size(net), net.definition().metadata);
    const auto o = synth::recipe_options(f, p);
    synthesis_result r;
    if (f.given("neuron")) {
        const auto yx = f.get_ints("neuron");
        if (yx.size() != 2) throw usage_error("flag --neuron: '" + f.get_string("neuron") + "' is not Y,X");
        r = visualize_neuron(net, f.get_string("layer"), f.get_int("channel"), yx[0], yx[1], o,
                             synth::make_progress(f, p));
    } else {
        r = visualize_channel(net, f.get_string("layer"), f.get_int("channel"), o, synth::make_progress(f, p));
    }
    synth::save_result(f.get_string("out"), r.image, p, f.get_count("zoom"));
    out << r.report.message << "; objective " << r.report.value << "\nwrote " << f.get_string("out") << '\n';
    return r.report.ok() ? 0 : 1;
}

}  // namespace deepvis::cli
