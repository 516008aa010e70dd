// bench_network: times deepvis on one ONNX model and prints the result as one JSON object.
//
//   bench_network MODEL.onnx [--runs 9] [--warmup 2] [--batch 1] [--size 224] [--class 0|top1]
//                            [--task both|forward|saliency|none] [--per-node] (--class top1: each
//                            item's highest-scoring class)
//                            [--attribution saliency,guided,gradcam,ig] [--layer L] [--steps 50]
//                            [--ig-batch 16] [--save DIR]
//
// forward:  net.forward(x) on a seeded N(0, 1) input of shape (batch, C, size, size).
// saliency: forward, then one backward pass of the score of --class (summed over the batch) to
//           the input under the plain rule, reusing one trace: the cost of a gradient map.
// --attribution: times the methods of the CLI's registry (tools/deepvis/attribution_methods.hpp;
//           any of its names, plus guided and ig), as the CLI calls them, with class --class for
//           every batch item (JSON key "attribution": {method: timing}):
//             saliency  deepvis::saliency           (N, H, W)
//             guided    deepvis::guided_backprop    (N, C, H, W)
//             gradcam   deepvis::gradcam at --layer (default: default_cam_layer), (N, H, W)
//             ig        deepvis::integrated_gradients, --steps Gauss-Legendre nodes evaluated
//                       --ig-batch inputs per pass, (N, C, H, W)
//           Each call builds its own trace, as a user's call does. --save DIR writes input.npy
//           and <method>.npy there, to check the results against another implementation.
// Each task runs --warmup times untimed, then --runs times; the JSON gives the median, min, max
// and every sample in milliseconds. Threads: OPENBLAS_NUM_THREADS or OMP_NUM_THREADS sets both
// OpenBLAS and deepvis' own kernels (core/parallel.hpp); the count used is echoed in the JSON.
// --per-node: runs the graph node by node with the same ops and reports, for each node, the
// median forward and backward time over the runs — which layers dominate. It uses its own small
// executor over net.definition(), so the totals differ a little from the whole-network times.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deepvis/attribution/gradcam.hpp>
#include <deepvis/attribution/guided_backprop.hpp>
#include <deepvis/attribution/integrated_gradients.hpp>
#include <deepvis/core/parallel.hpp>
#include <deepvis/io/npy.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/nn/network.hpp>
#include <deepvis/saliency.hpp>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "deepvis/attribution_methods.hpp"

namespace {

using deepvis::tensor;
using namespace bench;

struct options {
    std::string model;
    int runs = 9, warmup = 2, batch = 1, size = 224, cls = 0;
    bool forward = true, saliency = true, per_node = false;
    std::vector<std::string> attribution;  // methods of --attribution, in the order given
    std::string layer, save_dir;
    std::size_t steps = 50, ig_batch = 16;
};

/// --attribution takes the names of the CLI's method registry (tools/deepvis/attribution_methods.hpp);
/// "guided" and "ig" are the names run_attribution_bench.py has always used.
const deepvis::cli::attribution_method* find_method(const std::string& name) {
    if (name == "guided") return deepvis::cli::find_attribution_method("guided-backprop");
    if (name == "ig") return deepvis::cli::find_attribution_method("integrated-gradients");
    return deepvis::cli::find_attribution_method(name);
}

/// The command line, parsed by the CLI's own parser (CLI11; errors as one line, exit 2).
options parse(int argc, char** argv) {
    deepvis::cli::command_line f("bench_network", "MODEL.onnx [options]",
                                 "Times forward passes and attribution calls of a whole ONNX model.");
    f.positionals(1);
    f.option("runs", "N", "timed runs", "9")
        .option("warmup", "N", "untimed runs first", "2")
        .option("batch", "N", "batch size", "1")
        .option("size", "PX", "input height and width when the model leaves them free", "224")
        .option("class", "C|top1", "the class explained", "0")
        .option("task", "both|forward|saliency|none", "what to time besides --attribution", "both")
        .toggle("per-node", "time every node of the forward pass")
        .option("attribution", "M,M,...", "registry methods to time (guided, ig: short names)")
        .option("layer", "L", "the CAM layer (default: the method's)")
        .option("steps", "N", "integrated-gradients steps", "50")
        .option("ig-batch", "N", "integrated-gradients internal batch", "16")
        .option("save", "DIR", "save each method's result as .npy");
    if (!f.parse(std::vector<std::string>(argv + 1, argv + argc))) {
        std::cout << f.help();
        std::exit(0);
    }
    if (f.positional_args().size() != 1) throw deepvis::cli::usage_error("give one model" + f.see_help());
    options o;
    o.model = f.positional_args().front();
    const auto positive = [&](const char* name) {
        const long long v = f.get_int(name);
        if (v < 1) throw deepvis::cli::usage_error(std::string("flag --") + name + ": must be >= 1");
        return v;
    };
    o.runs = static_cast<int>(positive("runs"));
    o.warmup = static_cast<int>(f.get_int("warmup"));
    if (o.warmup < 0) throw deepvis::cli::usage_error("flag --warmup: must be >= 0");
    o.batch = static_cast<int>(positive("batch"));
    o.size = static_cast<int>(positive("size"));
    o.cls = f.get_string("class") == "top1" ? -1 : static_cast<int>(f.get_int("class"));
    o.per_node = f.get_bool("per-node");
    if (f.has("layer")) o.layer = f.get_string("layer");
    if (f.has("save")) o.save_dir = f.get_string("save");
    o.steps = static_cast<std::size_t>(positive("steps"));
    o.ig_batch = static_cast<std::size_t>(positive("ig-batch"));
    if (f.has("attribution")) {
        o.attribution = split_list(f.get_string("attribution"));
        for (const auto& m : o.attribution)
            if (find_method(m) == nullptr)
                throw deepvis::cli::usage_error("unknown attribution method '" + m + "' (guided, ig, " +
                                                deepvis::cli::attribution_method_names() + ")");
    }
    const std::string t = f.get_string("task");
    if (t != "both" && t != "forward" && t != "saliency" && t != "none")
        throw deepvis::cli::usage_error("flag --task: unknown task '" + t +
                                        "', expected both, forward, saliency or none");
    o.forward = t == "both" || t == "forward";
    o.saliency = t == "both" || t == "saliency";
    return o;
}

tensor make_input(const deepvis::nn::network& net, const options& o) {
    deepvis::shape_type shape;
    const auto& declared = net.input_info().shape;
    for (std::size_t d = 0; d < declared.size(); ++d) {
        if (d == 0)
            shape.push_back(static_cast<std::size_t>(o.batch));
        else if (d >= 2)
            shape.push_back(static_cast<std::size_t>(o.size));
        else
            shape.push_back(declared[d] > 0 ? static_cast<std::size_t>(declared[d]) : 3);
    }
    if (declared.empty())
        shape = {static_cast<std::size_t>(o.batch), 3, static_cast<std::size_t>(o.size),
                 static_cast<std::size_t>(o.size)};
    tensor x(shape);
    std::mt19937 rng(20240601);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (auto& v : x) v = normal(rng);
    return x;
}

/// The class of each batch item: --class for all, or with --class top1 each item's highest score
/// (one untimed forward pass).
deepvis::class_indices classes_for(const deepvis::nn::network& net, const tensor& x, const options& o) {
    if (o.cls >= 0) return {o.cls};
    deepvis::nn::network::trace t;
    net.forward(x, t);
    const tensor& scores = net.scores(t);
    const std::size_t n = scores.shape()[0], k = scores.size() / n;
    deepvis::class_indices out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = std::max_element(scores.data() + i * k, scores.data() + (i + 1) * k) - (scores.data() + i * k);
    return out;
}

tensor one_hot_like(const tensor& scores, const deepvis::class_indices& classes) {
    tensor g = xt::zeros<float>(scores.shape());
    const std::size_t k = scores.shape().back();
    for (std::size_t n = 0; n < scores.shape()[0]; ++n) {
        const std::int64_t cls = classes[classes.size() == 1 ? 0 : n];
        if (cls < 0 || static_cast<std::size_t>(cls) >= k)
            throw deepvis::cli::usage_error("flag --class: outside [0, " + std::to_string(k) + ")");
        g(n, static_cast<std::size_t>(cls)) = 1.0f;
    }
    return g;
}

/// Runs the graph node by node with the registered ops, timing each node's forward and backward.
struct node_timer {
    struct step {
        const deepvis::nn::node* def;
        std::unique_ptr<deepvis::nn::op> impl;
        std::vector<const tensor*> in;  // constant pointers filled at run time for activations
        std::vector<std::string> in_names;
        std::vector<bool> in_is_init;
        std::vector<double> forward_ms, backward_ms;
        deepvis::nn::op_scratch scratch;
    };

    const deepvis::nn::network& net;
    std::vector<step> steps;
    std::map<std::string, tensor> values, grads;
    std::map<std::string, bool> live;

    explicit node_timer(const deepvis::nn::network& n) : net(n) {
        const auto& g = net.definition();
        for (const auto& nd : g.nodes) {
            step s;
            s.def = &nd;
            std::vector<const tensor*> constants;
            for (const auto& name : nd.inputs) {
                auto it = name.empty() ? g.initializers.end() : g.initializers.find(name);
                const bool init = it != g.initializers.end();
                constants.push_back(init ? &it->second : nullptr);
                s.in_is_init.push_back(init);
                s.in_names.push_back(name);
            }
            s.in = constants;
            deepvis::nn::op_context ctx{nd.name, nd.op_type, nd.attributes, constants, nd.inputs.size()};
            s.impl = deepvis::nn::op_registry::instance().create(ctx);
            steps.push_back(std::move(s));
        }
    }

    void run(const tensor& x, const options& o, const deepvis::class_indices& classes) {
        values[net.input_name()] = x;  // other buffers are reused from run to run, as in a trace
        for (auto& s : steps) {
            for (std::size_t i = 0; i < s.in.size(); ++i)
                if (!s.in_is_init[i] && !s.in_names[i].empty()) s.in[i] = &values.at(s.in_names[i]);
            std::vector<tensor*> out;
            for (const auto& name : s.def->outputs) out.push_back(&values[name]);
            const auto start = clock_type::now();
            s.impl->forward(deepvis::nn::inputs_view(s.in.data(), s.in.size()),
                            deepvis::nn::outputs_view(out.data(), out.size()), s.scratch);
            s.forward_ms.push_back(ms_since(start));
        }
        if (!o.saliency) return;
        live.clear();
        const std::string score = net.score_name();
        grads[score] = one_hot_like(values.at(score), classes);
        live[score] = true;
        for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
            auto& s = *it;
            std::vector<const tensor*> gy, y;
            bool any = false;
            for (const auto& name : s.def->outputs) {
                const bool has = live.count(name) && live[name];
                gy.push_back(has ? &grads[name] : nullptr);
                y.push_back(&values.at(name));
                any = any || has;
            }
            if (!any) {
                s.backward_ms.push_back(0.0);
                continue;
            }
            std::vector<tensor*> gx(s.in.size(), nullptr);
            std::vector<tensor> tmp(s.in.size());
            for (std::size_t i = 0; i < s.in.size(); ++i) {
                if (s.in_is_init[i] || s.in_names[i].empty()) continue;
                const std::string& name = s.in_names[i];
                gx[i] = live.count(name) && live[name] ? &tmp[i] : &grads[name];
            }
            const auto start = clock_type::now();
            s.impl->backward(deepvis::nn::inputs_view(s.in.data(), s.in.size()),
                             deepvis::nn::inputs_view(y.data(), y.size()),
                             deepvis::nn::inputs_view(gy.data(), gy.size()),
                             deepvis::nn::outputs_view(gx.data(), gx.size()), s.scratch);
            s.backward_ms.push_back(ms_since(start));
            for (std::size_t i = 0; i < s.in.size(); ++i) {
                if (!gx[i]) continue;
                const std::string& name = s.in_names[i];
                if (gx[i] == &tmp[i]) {
                    tensor& acc = grads[name];
                    for (std::size_t e = 0; e < acc.size(); ++e) acc.data()[e] += tmp[i].data()[e];
                }
                live[name] = true;
            }
        }
    }

    void clear_times() {
        for (auto& s : steps) {
            s.forward_ms.clear();
            s.backward_ms.clear();
        }
    }
};

/// One attribution method of the registry, called as the CLI calls it: --layer, --steps and
/// --ig-batch go to the methods that have a layer, steps or batch parameter.
tensor attribute(const deepvis::nn::network& net, const tensor& x, const deepvis::class_indices& classes,
                 const options& o, const std::string& method, const std::string& layer) {
    const deepvis::cli::attribution_method& m = *find_method(method);
    std::map<std::string, std::string> values;
    for (const auto& p : m.parameters) {
        if (p.name == "layer") values["layer"] = layer;
        if (p.name == "steps") values["steps"] = std::to_string(o.steps);
        if (p.name == "batch" && m.name == "integrated-gradients") values["batch"] = std::to_string(o.ig_batch);
    }
    return m.compute(net, x, classes, {m.parameters, values});
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const options o = parse(argc, argv);
        const auto load_start = clock_type::now();
        const deepvis::nn::network net = deepvis::io::load_network(o.model);
        const double load_ms = ms_since(load_start);
        const tensor x = make_input(net, o);
        const deepvis::class_indices classes = classes_for(net, x, o);
        deepvis::nn::network::trace t;

        std::vector<double> forward_ms, saliency_ms;
        if (o.forward) {
            for (int r = 0; r < o.warmup + o.runs; ++r) {
                const auto start = clock_type::now();
                net.forward(x, t);
                if (r >= o.warmup) forward_ms.push_back(ms_since(start));
            }
        }
        tensor seed_gradient;
        if (o.saliency) {
            net.forward(x, t);
            seed_gradient = one_hot_like(net.scores(t), classes);
            const deepvis::nn::gradient_seed seeds[] = {{net.score_name(), seed_gradient}};
            for (int r = 0; r < o.warmup + o.runs; ++r) {
                const auto start = clock_type::now();
                net.forward(x, t);
                const tensor& g = net.backward<deepvis::backprop::standard>(t, seeds, net.input_name());
                if (r >= o.warmup) saliency_ms.push_back(ms_since(start));
                if (g.size() != x.size()) throw deepvis::shape_error("bench_network: gradient has the wrong size");
            }
        }

        std::ostringstream attribution_js;
        if (!o.attribution.empty()) {
            std::string layer = o.layer;
            if (layer.empty()) {  // resolve the default once, to report it
                net.forward(x, t);
                layer = deepvis::default_cam_layer(net, t);
            }
            if (!o.save_dir.empty()) deepvis::io::save_npy(std::filesystem::path(o.save_dir) / "input.npy", x);
            attribution_js << ", \"classes\": [";
            for (std::size_t i = 0; i < classes.size(); ++i) attribution_js << (i ? ", " : "") << classes[i];
            attribution_js << "], \"gradcam_layer\": " << json_string(layer) << ", \"ig_steps\": " << o.steps
                           << ", \"ig_batch\": " << o.ig_batch << ", \"attribution\": {";
            for (std::size_t m = 0; m < o.attribution.size(); ++m) {
                const std::string& method = o.attribution[m];
                std::vector<double> samples;
                tensor result;
                for (int r = 0; r < o.warmup + o.runs; ++r) {
                    const auto start = clock_type::now();
                    result = attribute(net, x, classes, o, method, layer);
                    if (r >= o.warmup) samples.push_back(ms_since(start));
                }
                if (result.size() == 0) throw deepvis::shape_error("bench_network: " + method + " returned nothing");
                if (!o.save_dir.empty())
                    deepvis::io::save_npy(std::filesystem::path(o.save_dir) / (method + ".npy"), result);
                attribution_js << (m ? ", " : "") << json_string(method) << ": " << json_timing(samples);
            }
            attribution_js << "}";
        }

        const char* threads = std::getenv("OPENBLAS_NUM_THREADS");
        std::ostringstream js;
        js << "{\"model\": " << json_string(o.model) << ", \"input\": " << json_string(deepvis::shape_string(x.shape()))
           << ", \"openblas_num_threads\": " << json_string(threads ? threads : "")
           << ", \"threads\": " << deepvis::num_threads() << ", \"runs\": " << o.runs << ", \"warmup\": " << o.warmup
           << ", \"load_ms\": " << load_ms;
        if (o.forward) js << ", \"forward_ms\": " << json_timing(forward_ms);
        if (o.saliency) js << ", \"saliency_ms\": " << json_timing(saliency_ms);
        js << attribution_js.str();
        if (o.per_node) {
            node_timer timer(net);
            for (int r = 0; r < o.warmup; ++r) timer.run(x, o, classes);
            timer.clear_times();
            for (int r = 0; r < o.runs; ++r) timer.run(x, o, classes);
            js << ", \"per_node\": [";
            bool first = true;
            for (const auto& s : timer.steps) {
                js << (first ? "" : ", ") << "{\"name\": " << json_string(s.def->name)
                   << ", \"op\": " << json_string(s.def->op_type) << ", \"output_shape\": "
                   << json_string(deepvis::shape_string(timer.values.at(s.def->outputs.front()).shape()))
                   << ", \"forward_ms\": " << summarise(s.forward_ms).median;
                if (o.saliency) js << ", \"backward_ms\": " << summarise(s.backward_ms).median;
                js << "}";
                first = false;
            }
            js << "]";
        }
        js << "}";
        std::cout << js.str() << std::endl;
    } catch (const deepvis::cli::usage_error& e) {
        std::cerr << "bench_network: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "bench_network: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
