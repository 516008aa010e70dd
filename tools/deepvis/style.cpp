/// deepvis style: Gatys style transfer (include/deepvis/synthesis/style_transfer.hpp); without
/// --model on the embedded random-weight texture network.
#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "synthesis_output.hpp"

namespace deepvis::cli {

int run_style(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis style",
                   "[--model M.onnx --content-layer L --style-layers A,B] --content C.png --style S.png[,T.png] --out "
                   "OUT.png",
                   command_summary("style"));
    synth::add_common_flags(f, "200", false);
    f.required("content", "C.png", "the content image")
        .required("style", "S.png[,T.png...]", "one or more style images")
        .option("style-blend", "B[,B...]", "blend weight of each style image (default: equal)")
        .option("content-layer", "L", "the content layer (needed with --model; embedded network: relu3_2)")
        .option("style-layers", "A[,B...]",
                "the style layers (needed with --model; embedded: relu1_1,relu2_1,relu3_1,relu4_1)")
        .option("layer-weights", "W[,W...]", "weight of each style layer (default: 1 each)")
        .option("content-weight", "W", "content weight (embedded network: 2e-2)", "5e-2")
        .option("tv-weight", "W", "total-variation weight (embedded network: 1e-3)", "5e-2")
        .option("init", "content|noise", "initial image", "content")
        .option("optimizer", "lbfgs|adam", "optimiser", "lbfgs")
        .option("lr", "LR", "L-BFGS step or Adam step size", "1")
        .option("decay-at", "N", "Adam: use --decayed-lr from step N on (default: 90% of the steps)")
        .option("decayed-lr", "LR", "Adam: the step size from --decay-at on", "0.1")
        .option("gram", "by-size|none", "Gram normalisation: F F^T / (C H W), or F F^T", "by-size")
        .toggle("preserve-colour", "keep the content's colours (luminance transfer)")
        .example("deepvis style --content content.png --style style.png --iterations 20 --out styled.png");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    // No --model: the embedded texture network (synthesis/texture_network.hpp) with its own
    // layers and pixel normalisation unless the flags say otherwise.
    const bool embedded = !f.given("model");
    if (!embedded && (!f.given("content-layer") || !f.given("style-layers")))
        throw usage_error(
            "with --model, --content-layer and --style-layers are required (the layer names depend on the model)");
    const nn::network net =
        embedded ? nn::network(texture_network(static_cast<std::uint64_t>(f.get_int("seed")))) : load_model(f);
    // --size resizes the content image; style images keep their size unless the model fixes it.
    // The embedded network takes ImageNet-normalised pixels unless --preprocess says otherwise.
    preprocessing content_preprocessing =
        read_preprocessing(f, synth::model_channels(net), model_image_size(net), net.definition().metadata);
    if (embedded && !f.given("preprocess")) {
        if (!f.given("mean")) content_preprocessing.mean = texture_network_mean();
        if (!f.given("std")) content_preprocessing.std = texture_network_std();
    }
    preprocessing style_preprocessing = content_preprocessing;
    style_preprocessing.size = model_image_size(net);
    const tensor content = content_preprocessing.to_model(f.get_string("content"));
    const auto style_files = f.get_list("style");
    std::vector<float> blend(style_files.size(), 1.0f);
    if (f.given("style-blend")) blend = f.get_floats("style-blend");
    DEEPVIS_CHECK(blend.size() == style_files.size(), config_error,
                  "--style-blend: " << blend.size() << " weights for " << style_files.size() << " style images");
    std::vector<style_image> styles;
    for (std::size_t i = 0; i < style_files.size(); ++i)
        styles.push_back({style_preprocessing.to_model(style_files[i]), blend[i]});
    const style_transfer_options defaults = embedded ? texture_network_style_options() : style_transfer_options{};
    style_transfer_options o{.content_layer =
                                 f.given("content-layer") ? f.get_string("content-layer") : defaults.content_layer};
    o.content_weight = f.given("content-weight") ? f.get_float("content-weight") : defaults.content_weight;
    std::vector<std::string> layers;
    std::vector<float> lw;
    if (f.given("style-layers")) {
        layers = f.get_list("style-layers");
    } else {
        for (const auto& [name, weight] : defaults.style_layers) {
            layers.push_back(name);
            lw.push_back(static_cast<float>(weight));
        }
    }
    if (lw.size() != layers.size()) lw.assign(layers.size(), 1.0f);
    if (f.given("layer-weights")) lw = f.get_floats("layer-weights");
    DEEPVIS_CHECK(lw.size() == layers.size(), config_error,
                  "--layer-weights: " << lw.size() << " weights for " << layers.size() << " style layers");
    for (std::size_t i = 0; i < layers.size(); ++i) o.style_layers.emplace_back(layers[i], lw[i]);
    const std::string gram = f.get_string("gram");
    if (gram != "by-size" && gram != "none") throw usage_error("flag --gram: '" + gram + "' is not by-size or none");
    o.normalization = gram == "none" ? gram_normalization::none : gram_normalization::by_size;
    o.tv_weight = f.given("tv-weight") ? f.get_float("tv-weight") : defaults.tv_weight;
    const std::string init = f.get_string("init"), opt = f.get_string("optimizer");
    if (init != "content" && init != "noise") throw usage_error("flag --init: '" + init + "' is not content or noise");
    if (opt != "lbfgs" && opt != "adam") throw usage_error("flag --optimizer: '" + opt + "' is not lbfgs or adam");
    o.init = init == "noise" ? style_init::noise : style_init::content;
    o.optimizer = opt == "adam" ? style_optimizer::adam : style_optimizer::lbfgs;
    o.iterations = f.get_count("iterations");
    o.step_size = f.get_float("lr");
    o.decay_at = f.given("decay-at") ? f.get_count("decay-at") : o.iterations * 9 / 10;
    o.decayed_step_size = f.get_float("decayed-lr");
    o.preprocessing = content_preprocessing.model_input();
    o.preserve_colour = f.get_bool("preserve-colour");
    o.seed = static_cast<std::uint64_t>(f.get_int("seed"));
    const auto r = style_transfer(net, content, styles, o, synth::make_progress(f, content_preprocessing));
    synth::save_result(f.get_string("out"), r.image, content_preprocessing, f.get_count("zoom"));
    out << r.report.message << "; objective " << r.report.value << '\n'
        << "style loss " << r.start.style << " -> " << r.end.style << " ("
        << r.start.style / std::max(r.end.style, 1e-300) << "x lower), content loss " << r.start.content << " -> "
        << r.end.content << ", TV " << r.start.tv << " -> " << r.end.tv << '\n'
        << "wrote " << f.get_string("out") << '\n';
    return r.report.ok() ? 0 : 1;
}

}  // namespace deepvis::cli
