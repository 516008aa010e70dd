// bench_synthesis: times one step of the synthesis recipes (include/deepvis/synthesis/) on an
// ONNX model and prints one JSON object. run_synthesis_bench.py runs it next to PyTorch.
//
//   bench_synthesis MODEL.onnx --task class|style [--size H,W] [--steps 10] [--runs 5] [--warmup 1]
//       [--class 0]                                                     (class)
//       [--content C.npy --style S.npy --content-layer L --style-layers A,B,..
//        --style-weights W,W,..]                                        (style)
//       [--check X.npy]
//
// class: the class-model recipe, visualize_class() as shipped (ImageNet normalisation, λ = 1e-3,
//        normalised step, blur σ = 0.5 every 10 steps, jitter, clamp): forward + backward to the
//        image + L2 + jitter/clamp, and the blur of every 10th step.
// style: style_transfer() with the course settings (REFERENCE.md): content weight 5e-2, the given
//        style layers and weights, G = F Fᵀ/(C·H·W), Σ(G − A)², TV 5e-2, Adam lr 3, clamp to the
//        valid pixels, from the content image: forward to the deepest tapped layer, one backward
//        pass seeded at the content and the style layers, TV, Adam.
// A run calls the recipe for steps + 1 iterations and times steps 1…steps from its step callback
// (step 0 allocates the run's buffers; the setup before it — initial image, style targets — is not
// timed). Each run gives one sample: the mean time per step. --warmup runs are not recorded.
// --check X.npy: also print the objective (and the L2 norm of its gradient) at the image X, to
// check that the PyTorch side computes the same function. Threads: OPENBLAS_NUM_THREADS or
// OMP_NUM_THREADS sets both OpenBLAS and deepvis' own kernels (echoed in the JSON).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <deepvis/core/parallel.hpp>
#include <deepvis/io/npy.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/synthesis.hpp>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "deepvis/command_line.hpp"

namespace {

using namespace bench;
using deepvis::tensor;

struct options {
    std::string model, task, content, style, check, content_layer;
    std::vector<std::string> style_layers;
    std::vector<double> style_weights;
    std::size_t height = 224, width = 224, steps = 10;
    int runs = 5, warmup = 1;
    std::int64_t cls = 0;
};

/// The command line, parsed by the CLI's own parser (CLI11; errors as one line, exit 2).
options parse(int argc, char** argv) {
    using deepvis::cli::usage_error;
    deepvis::cli::command_line f("bench_synthesis", "MODEL.onnx --task class|style [options]",
                                 "Times steps of a class-model visualisation or a style transfer.");
    f.positionals(1);
    f.required("task", "class|style", "what to time")
        .option("size", "H,W", "image size", "224,224")
        .option("steps", "N", "optimiser steps per run", "10")
        .option("runs", "N", "timed runs", "5")
        .option("warmup", "N", "untimed runs first", "1")
        .option("class", "C", "the class of the class model", "0")
        .option("content", "C.npy", "style: the content image")
        .option("style", "S.npy", "style: the style image")
        .option("content-layer", "L", "style: the content layer")
        .option("style-layers", "A,B,...", "style: the style layers")
        .option("style-weights", "W,W,...", "style: one weight per style layer (default 1)")
        .option("check", "X.npy", "also print the objective and its gradient norm at X");
    if (!f.parse(std::vector<std::string>(argv + 1, argv + argc))) {
        std::cout << f.help();
        std::exit(0);
    }
    if (f.positional_args().size() != 1) throw usage_error("give one model" + f.see_help());
    options o;
    o.model = f.positional_args().front();
    o.task = f.get_string("task");
    if (o.task != "class" && o.task != "style") throw usage_error("flag --task: expected class or style");
    const std::vector<long long> hw = f.get_ints("size");
    if (hw.size() != 2 || hw[0] < 1 || hw[1] < 1) throw usage_error("flag --size: expected H,W, both >= 1");
    o.height = static_cast<std::size_t>(hw[0]);
    o.width = static_cast<std::size_t>(hw[1]);
    const long long steps = f.get_int("steps"), runs = f.get_int("runs"), warmup = f.get_int("warmup");
    if (steps < 1 || runs < 1 || warmup < 0) throw usage_error("steps and runs must be >= 1, warmup >= 0");
    o.steps = static_cast<std::size_t>(steps);
    o.runs = static_cast<int>(runs);
    o.warmup = static_cast<int>(warmup);
    o.cls = f.get_int("class");
    if (f.has("content")) o.content = f.get_string("content");
    if (f.has("style")) o.style = f.get_string("style");
    if (f.has("content-layer")) o.content_layer = f.get_string("content-layer");
    if (f.has("check")) o.check = f.get_string("check");
    if (f.has("style-layers")) o.style_layers = split_list(f.get_string("style-layers"));
    if (f.has("style-weights"))
        for (const float w : f.get_floats("style-weights")) o.style_weights.push_back(w);
    if (o.task == "style" &&
        (o.content.empty() || o.style.empty() || o.content_layer.empty() || o.style_layers.empty()))
        throw usage_error("--task style needs --content, --style, --content-layer and --style-layers");
    if (o.style_weights.empty()) o.style_weights.assign(o.style_layers.size(), 1.0);
    if (o.style_weights.size() != o.style_layers.size())
        throw usage_error("flag --style-weights: one value per style layer");
    return o;
}

/// A step callback that records when steps 1…steps end; mean_ms() is their mean duration.
struct step_clock {
    std::vector<clock_type::time_point>* ends;
    bool operator()(const deepvis::step_report&) const {
        ends->push_back(clock_type::now());
        return false;
    }
};

double mean_step_ms(const std::vector<clock_type::time_point>& ends) {
    return std::chrono::duration<double, std::milli>(ends.back() - ends.front()).count() / double(ends.size() - 1);
}

deepvis::style_transfer_options style_options(const options& o, std::size_t iterations) {
    deepvis::style_transfer_options s{.content_layer = o.content_layer,
                                      .content_weight = 5e-2,
                                      .style_layers = {},
                                      .normalization = deepvis::gram_normalization::by_size,
                                      .reduction = deepvis::style_reduction::sum,
                                      .tv_weight = 5e-2,
                                      .init = deepvis::style_init::content,
                                      .optimizer = deepvis::style_optimizer::adam,
                                      .iterations = iterations,
                                      .step_size = 3.0,
                                      .preprocessing = deepvis::input_preprocessing::imagenet()};
    for (std::size_t k = 0; k < o.style_layers.size(); ++k)
        s.style_layers.emplace_back(o.style_layers[k], o.style_weights[k]);
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const options o = parse(argc, argv);
        const deepvis::nn::network net = deepvis::io::load_network(o.model);
        const deepvis::shape_type shape = {1, 3, o.height, o.width};
        tensor content, style;
        if (o.task == "style") {
            content = deepvis::io::load_npy(o.content);
            style = deepvis::io::load_npy(o.style);
        }
        std::vector<double> samples;
        for (int r = 0; r < o.warmup + o.runs; ++r) {
            std::vector<clock_type::time_point> ends;
            ends.reserve(o.steps + 1);
            if (o.task == "class") {
                deepvis::visualize_class(net, o.cls,
                                         {.iterations = o.steps + 1,
                                          .preprocessing = deepvis::input_preprocessing::imagenet(),
                                          .seed = static_cast<std::uint64_t>(r),
                                          .shape = shape},
                                         step_clock{&ends});
            } else {
                deepvis::style_transfer(net, content, {{style, 1.0}}, style_options(o, o.steps + 1), step_clock{&ends});
            }
            if (r >= o.warmup) samples.push_back(mean_step_ms(ends));
        }
        std::ostringstream check;
        if (!o.check.empty()) {
            // The objective each recipe minimises, at a given image: the value and |gradient|.
            const tensor x = deepvis::io::load_npy(o.check);
            deepvis::nn::network::trace trace;
            tensor grad;
            double value = 0;
            if (o.task == "class") {
                const auto objective = deepvis::maximize(deepvis::class_score{.class_index = o.cls}) +
                                       deepvis::l2{.weight = deepvis::class_model_options{}.l2_weight};
                value = deepvis::evaluate_objective(net, trace, objective, x, grad);
            } else {
                const auto so = style_options(o, 1);
                const std::string layer = net.resolve(so.content_layer);
                net.forward(content, trace);
                const auto objective =
                    deepvis::content_loss{
                        .layer = layer, .target = net.activation(trace, layer), .weight = so.content_weight} +
                    deepvis::style_loss{.layers = deepvis::style_targets(net, {{style, 1.0}}, so),
                                        .normalization = so.normalization,
                                        .reduction = so.reduction} +
                    deepvis::total_variation{.weight = so.tv_weight};
                value = deepvis::evaluate_objective(net, trace, objective, x, grad);
            }
            double g2 = 0;
            for (float v : grad) g2 += double(v) * v;
            check << ", \"check\": {\"loss\": " << value << ", \"grad_norm\": " << std::sqrt(g2) << "}";
        }
        const char* threads = std::getenv("OPENBLAS_NUM_THREADS");
        std::cout.precision(9);
        std::cout << "{\"tool\": \"deepvis\", \"task\": \"" << o.task << "\", \"size\": [" << o.height << ", "
                  << o.width << "], \"steps\": " << o.steps << ", \"openblas_threads\": \"" << (threads ? threads : "")
                  << "\", \"threads\": " << deepvis::num_threads() << ", \"step_ms\": " << json_timing(samples)
                  << check.str() << "}\n";
    } catch (const deepvis::cli::usage_error& e) {
        std::cerr << "bench_synthesis: " << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "bench_synthesis: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
