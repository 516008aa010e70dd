/// deepvis invert: reconstruct an input from its features at a layer, from several random
/// starts (include/deepvis/synthesis/inversion.hpp).
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "synthesis_output.hpp"

namespace deepvis::cli {

int run_invert(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis invert", "--model M.onnx (--input X.npy | --image P.png) --layer L --out OUT.png [options]",
                   command_summary("invert"));
    add_model_flag(f);
    add_input_flags(f);
    f.required("layer", "L", "the layer whose features are inverted")
        .required("out", "OUT.png|OUT.npy", "the best reconstruction (OUT.startK.EXT for the others)")
        .option("starts", "K", "random starts", "1")
        .option("iterations", "N", "Adam steps per start", "200")
        .option("lr", "LR", "Adam step size in the standardised pixel space (decayed linearly to 0 over the steps)",
                "0.3")
        .option("feature-weight", "W", "weight of the feature loss", "1")
        .option("tv-weight", "W", "weight of the total-variation prior (pixel space)", "1e-4")
        .toggle("unnormalized",
                "do not divide the feature loss by |phi0|^2 (the course's form, e.g. --feature-weight 6e-2 "
                "--tv-weight 2e-2 --lr 3 for torchvision-scale features)")
        .option("seed", "S", "random seed of the first start", "0");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const nn::network net = load_model(f);
    const input_batch batch = load_input(f, net);
    inversion_options o{.layer = f.get_string("layer")};
    o.feature_weight = f.get_float("feature-weight");
    // Normalised (Mahendran & Vedaldi): the weights do not depend on the scale of the network's
    // features (a Caffe network's are ~100x a torchvision network's).
    o.normalize = !f.get_bool("unnormalized");
    o.tv_weight = f.get_float("tv-weight");
    o.iterations = f.get_count("iterations");
    o.step_size = f.get_float("lr");
    if (!(o.step_size > 0.0)) throw usage_error("flag --lr: '" + f.get_string("lr") + "' is not a positive step");
    if (!(o.feature_weight > 0.0))
        throw usage_error("flag --feature-weight: '" + f.get_string("feature-weight") + "' is not positive");
    if (!(o.tv_weight >= 0.0)) throw usage_error("flag --tv-weight: '" + f.get_string("tv-weight") + "' is negative");
    o.starts = f.get_count("starts");
    o.seed = static_cast<std::uint64_t>(f.get_int("seed"));
    o.preprocessing = batch.preprocess.model_input();
    // An .npy input need not be pixels: clamp only when the flags or an image say what pixels are.
    o.clamp = batch.from_images || f.given("preprocess") || f.given("mean") || f.given("std") || f.given("scale");
    const auto r = invert(net, batch.x, o);
    const std::filesystem::path path = f.get_string("out");
    for (std::size_t s = 0; s < r.images.size(); ++s) {
        out << "start " << s << ": relative feature error " << r.initial_feature_error[s] << " -> "
            << r.feature_error[s] << " (" << r.reports[s].message << ")" << (s == r.best ? "  best" : "") << '\n';
        std::filesystem::path p = path;
        if (s != r.best) p.replace_extension(".start" + std::to_string(s) + path.extension().string());
        synth::save_result(p, r.images[s], batch.preprocess);
    }
    out << "wrote " << path.string() << '\n';
    return 0;
}

}  // namespace deepvis::cli
