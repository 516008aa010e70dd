/// deepvis dream: DeepDream on a photo — the patterns a layer detects, grown in the image by
/// ascending the layer's energy over several octaves (include/deepvis/synthesis/deep_dream.hpp).
#include <ostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "synthesis_output.hpp"

namespace deepvis::cli {

int run_dream(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis dream", "--model M.onnx --image P.png --layer L --out OUT.png [options]",
                   command_summary("dream"));
    add_model_flag(f);
    add_input_flags(f);
    f.required("layer", "L", "the layer whose energy (1/2 mean a^2) grows in the image")
        .required("out", "OUT.png|OUT.npy", "the dreamed image")
        .option("octaves", "K",
                "scales, from 1/SCALE^(K-1) of the image to its full size (default: 4; 1 for a model "
                "whose input size is fixed)")
        .option("octave-scale", "S", "size ratio between octaves (> 1)", "1.4")
        .option("iterations", "N", "normalised-gradient steps per octave", "10")
        .option("lr", "LR", "step size in the standardised pixel space (default: 12.5 scaled to each octave's size)")
        .option("jitter", "J", "largest random shift in pixels (default: 16 scaled to each octave's size)")
        .option("seed", "S", "random seed of the jitter", "0")
        .example(
            "deepvis dream --model models/fashion_cnn.onnx --image shirt.png --layer relu2 --octaves 1 --out "
            "dream.png");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const nn::network net = load_model(f);
    const input_batch batch = load_input(f, net);
    if (batch.x.shape()[0] != 1)
        throw usage_error("deepvis dream: give one image, got " + std::to_string(batch.x.shape()[0]));
    // Octaves need a model that takes every size; a fixed input size allows one octave only.
    const auto& declared = net.input_info().shape;
    const bool fixed_size = declared.size() == 4 && (declared[2] > 0 || declared[3] > 0);
    deep_dream_options o{.layer = f.get_string("layer"),
                         .octaves = f.given("octaves") ? f.get_count("octaves") : (fixed_size ? 1 : 4),
                         .octave_scale = f.get_float("octave-scale"),
                         .iterations = f.get_count("iterations"),
                         .preprocessing = batch.preprocess.model_input(),
                         .seed = static_cast<std::uint64_t>(f.get_int("seed"))};
    if (o.octave_scale <= 1.0f || !std::isfinite(o.octave_scale))
        throw usage_error("flag --octave-scale: " + f.get_string("octave-scale") + " must be a number > 1");
    if (f.given("lr")) {
        o.step_size = f.get_float("lr");
        if (!(*o.step_size > 0)) throw usage_error("flag --lr: " + f.get_string("lr") + " must be > 0");
    }
    if (f.given("jitter")) {
        const long long j = f.get_int("jitter");
        if (j < 0 || j > 4096) throw usage_error("flag --jitter: " + f.get_string("jitter") + " must be 0 to 4096");
        o.jitter_pixels = static_cast<std::ptrdiff_t>(j);
    }
    if (o.octaves > 1 && fixed_size)
        throw usage_error("flag --octaves: the model's input has a fixed size " + shape_string(declared) +
                          ", so only --octaves 1 can run");
    const deep_dream_result r = deep_dream(net, batch.x, o);
    out << "layer " << o.layer << ": energy 1/2 mean(a^2) " << r.energy_before << " -> " << r.energy_after << " ("
        << o.octaves << " octaves of " << o.iterations << " steps; " << r.report.message << ")\n";
    synth::save_result(f.get_string("out"), r.image, batch.preprocess);
    out << "wrote " << f.get_string("out") << '\n';
    return r.report.ok() ? 0 : 1;
}

}  // namespace deepvis::cli
