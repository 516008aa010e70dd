/// deepvis fool: the smallest push that makes the model predict a target class
/// (include/deepvis/synthesis/fooling.hpp).
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "synthesis_output.hpp"

namespace deepvis::cli {

int run_fool(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis fool", "--model M.onnx (--input X.npy | --image P.png) --target T --out OUT.png [options]",
                   command_summary("fool"));
    add_model_flag(f);
    add_input_flags(f);
    f.required("target", "T[,T...]", "the target class (an index or topK), or one per input")
        .required("out", "OUT.png|OUT.npy", "the fooling image")
        .option("difference", "D.png|D.npy", "the difference image (PNG: 0.5 + d / (2 max|d|))")
        .option("iterations", "N", "most steps", "100")
        .option("lr", "LR", "normalised step size", "1");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const nn::network net = load_model(f);
    const input_batch batch = load_input(f, net);
    nn::network::trace trace;
    net.forward(batch.x, trace);
    std::vector<std::int64_t> targets;
    for (std::size_t t : select_classes(f, net.scores(trace), "target"))
        targets.push_back(static_cast<std::int64_t>(t));
    const auto r = fool(net, batch.x, targets,
                        {.max_iterations = f.get_count("iterations"),
                         .step_size = f.get_float("lr"),
                         .preprocessing = batch.preprocess.model_input(),
                         .clamp = batch.from_images});
    synth::save_result(f.get_string("out"), r.image, batch.preprocess);
    if (f.given("difference")) {
        const std::filesystem::path d = f.get_string("difference");
        if (d.extension() == ".npy") {
            io::save_npy(d, r.difference);
        } else {
            // A signed difference (pixels, R, G, B) around mid-grey.
            const float m = std::max(1e-12f, xt::amax(xt::abs(r.difference))());
            synth::save_result(d, xt::eval(0.5f + r.difference / (2.0f * m)), preprocessing{.scale = 1.0f / 255.0f});
        }
    }
    out << r.report.message << '\n';
    for (std::size_t n = 0; n < r.linf.size(); ++n)
        out << batch.names[n] << ": class " << r.original_class[n] << " -> " << r.final_class[n] << ", L-inf "
            << r.linf[n] << " (" << r.linf[n] * 255.0 << "/255), L2 " << r.l2[n] << " (pixels in [0, 1])\n";
    out << "wrote " << f.get_string("out") << '\n';
    return r.success ? 0 : 1;
}

}  // namespace deepvis::cli
