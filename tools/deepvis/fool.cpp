/// deepvis fool: the smallest push that makes the model predict a target class
/// (include/deepvis/synthesis/fooling.hpp): by default projected sign-gradient steps of 1/255
/// inside an L-inf ball of 8/255 (--method linf), or the CS231n normalised-gradient recipe
/// (--method gradient).
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
        .option("method", "linf|gradient",
                "linf: sign-gradient steps projected onto the L-inf ball of --linf around the original; gradient: "
                "the CS231n recipe, L2-normalised gradient steps of --lr, no bound on the change",
                "linf")
        .option("linf", "EPS", "--method linf: the largest change of any pixel, in [0, 1] units (e.g. 8/255 or 0.03)",
                "8/255")
        .option("lr", "LR",
                "step size: per pixel for --method linf (default 1/255), L2 length in the standardised pixel space "
                "for --method gradient (default 1)")
        .option("loss", "log-probability|score",
                "what is ascended: the target's log-probability (default for linf) or its unnormalised score "
                "(default for gradient)");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const std::string method = f.get_string("method");
    if (method != "linf" && method != "gradient")
        throw usage_error("flag --method: '" + method + "' is not linf or gradient");
    const bool linf = method == "linf";
    if (!linf && f.given("linf"))
        throw usage_error("flag --linf: only --method linf has an L-inf budget (--method gradient has no bound)");
    fooling_options o{.method = linf ? fooling_method::linf : fooling_method::normalized_gradient,
                      .max_iterations = f.get_count("iterations")};
    o.linf = f.get_float("linf");
    if (!(o.linf > 0.0 && o.linf <= 1.0))
        throw usage_error("flag --linf: '" + f.get_string("linf") + "' is not in (0, 1] (pixels are in [0, 1])");
    if (f.given("lr")) {
        const double lr = f.get_float("lr");
        if (!(lr > 0.0)) throw usage_error("flag --lr: '" + f.get_string("lr") + "' is not a positive step");
        if (linf && lr > 1.0)
            throw usage_error("flag --lr: '" + f.get_string("lr") + "' is more than 1, the whole pixel range");
        (linf ? o.linf_step : o.step_size) = lr;
    }
    if (f.given("loss")) {
        const std::string loss = f.get_string("loss");
        if (loss != "log-probability" && loss != "score")
            throw usage_error("flag --loss: '" + loss + "' is not log-probability or score");
        o.loss = loss == "score" ? fooling_loss::score : fooling_loss::log_probability;
    }
    const nn::network net = load_model(f);
    const input_batch batch = load_input(f, net);
    nn::network::trace trace;
    net.forward(batch.x, trace);
    std::vector<std::int64_t> targets;
    for (std::size_t t : select_classes(f, net.scores(trace), "target"))
        targets.push_back(static_cast<std::int64_t>(t));
    o.preprocessing = batch.preprocess.model_input();
    o.clamp = batch.from_images;
    const auto r = fool(net, batch.x, targets, o);
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
        out << batch.names[n] << ": class " << r.original_class[n] << " -> " << r.final_class[n] << " in " << r.steps[n]
            << " steps, L-inf " << r.linf[n] << " (" << r.linf[n] * 255.0 << "/255), L2 " << r.l2[n]
            << " (pixels in [0, 1])\n";
    out << "wrote " << f.get_string("out") << '\n';
    return r.success ? 0 : 1;
}

}  // namespace deepvis::cli
