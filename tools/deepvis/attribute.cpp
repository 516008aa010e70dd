/// deepvis attribute METHOD ...: every method of the registry (attribution_methods.hpp) with the
/// same flags — model, input, --class (an index or topK), --out — plus its own parameters; and
/// three tools built on the methods: top-k, faithfulness and object-mask.
///   --out A.npy  the numbers, float32;
///   --out A.png  a heatmap per batch item (A.png, or A_0.png, A_1.png, … for several items);
///                (N, C, H, W) results are shown as max over channels of |a|; --overlay blends the
///                heatmap over the input image in true colours.
#include <algorithm>
#include <deepvis/attribution.hpp>
#include <deepvis/attribution/object_mask.hpp>
#include <deepvis/viz/heatmap.hpp>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "attribution_methods.hpp"
#include "commands.hpp"
#include "common.hpp"

namespace deepvis::cli {

namespace {

constexpr const char* attribution_synopsis =
    "--model M.onnx (--input X.npy | --image P.png[,...]) --class C --out A.npy|A.png [options]";

void add_class_flag(command_line& f) {
    f.required("class", "C[,C...]",
               "the class to explain: an index or topK (the item's K-th most probable class); one for all inputs, "
               "or one per input");
}

void add_method_flags(command_line& f, const attribution_method& m) {
    for (const auto& p : m.parameters) p.add_to(f, p.help, p.default_value);
}

/// --model, --input/--image and --class: what explain() reads.
void add_explained_flags(command_line& f) {
    add_model_flag(f);
    add_input_flags(f);
    add_class_flag(f);
}

/// A model after a forward pass on the input, with the classes to explain (one per item).
struct explained_batch {
    nn::network net;
    nn::network::trace trace;
    input_batch batch;
    class_indices classes;
};

explained_batch explain(const command_line& f) {
    explained_batch e{load_model(f), {}, {}, {}};
    e.batch = load_input(f, e.net);
    e.net.forward(e.batch.x, e.trace);
    for (std::size_t c : select_classes(f, e.net.scores(e.trace))) e.classes.push_back(static_cast<std::int64_t>(c));
    return e;
}

/// "A.png" for one item, "A_<i><suffix>.png" for several (or always, with a suffix).
std::filesystem::path item_path(const std::filesystem::path& path, std::size_t i, std::size_t n,
                                const std::string& suffix = {}) {
    if (n == 1 && suffix.empty()) return path;
    std::filesystem::path p = path;
    p.replace_filename(path.stem().string() + "_" + std::to_string(i) + suffix + ".png");
    return p;
}

/// Writes one (H, W) map of item i as a heatmap, or over the item's image with --overlay.
void write_map_png(const command_line& f, const input_batch& batch, std::size_t i, const tensor& map,
                   const std::filesystem::path& p, std::ostream& out) {
    if (f.get_bool("overlay"))
        viz::save_overlay_png(p, batch.display_image(i), map);
    else
        viz::save_heatmap_png(p, map);
    out << "wrote " << p.string() << ' ' << shape_string(map.shape()) << '\n';
}

/// --out A.npy: the numbers; --out A.png: one picture per item (see the top of this file).
void write_attribution(const command_line& f, const input_batch& batch, const tensor& a, std::ostream& out) {
    const std::filesystem::path path = f.get_string("out");
    if (path.extension() != ".png") {
        if (f.get_bool("overlay")) throw usage_error("flag --overlay needs --out *.png");
        io::save_npy(path, a);
        out << "wrote " << path.string() << ' ' << shape_string(a.shape()) << '\n';
        return;
    }
    const tensor maps = a.dimension() == 4 ? reduce_channels_abs(a, channel_reduce::max) : a;
    DEEPVIS_CHECK(maps.dimension() == 3, shape_error,
                  "--out '" << path.string() << "': a " << shape_string(a.shape())
                            << " result cannot be drawn as a heatmap; use .npy");
    const std::size_t n = maps.shape()[0];
    for (std::size_t i = 0; i < n; ++i) write_map_png(f, batch, i, xt::view(maps, i), item_path(path, i, n), out);
}

int run_method(const attribution_method& m, const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis attribute " + m.name, attribution_synopsis, m.summary);
    add_explained_flags(f);
    f.required("out", "A.npy|A.png", "where to save the attribution: float32 .npy, or a heatmap per input")
        .toggle("overlay", "with --out *.png: blend the heatmap over the input image");
    add_method_flags(f, m);
    if (m.name == "saliency")
        f.example(
            "deepvis attribute saliency --model models/fashion_cnn.onnx --image shirt.png --class top1 --out "
            "saliency.png");
    if (m.name == "gradcam")
        f.example(
            "deepvis attribute gradcam --model squeezenet1.0.onnx --image cat.png --preprocess caffe --class top1 "
            "--overlay --out gradcam.png");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const explained_batch e = explain(f);
    write_attribution(f, e.batch, m.compute(e.net, e.batch.x, e.classes, method_arguments::from(f, m.parameters)), out);
    return 0;
}

/// --method NAME of faithfulness and object-mask: any method of the registry.
const attribution_method& method_flag(const command_line& f) {
    const attribution_method* m = find_attribution_method(f.get_string("method"));
    if (m == nullptr)
        throw usage_error("flag --method: '" + f.get_string("method") +
                          "' is not an attribution method; methods: " + attribution_method_names());
    return *m;
}

int run_top_k(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis attribute top-k",
                   "--model M.onnx (--input X.npy | --image P.png[,...]) --out A.npy|A.png [options]",
                   "Grad-CAM of each item's k best classes (one forward pass), (N, k, H, W), with the ranked labels");
    add_model_flag(f);
    add_input_flags(f);
    f.required("out", "A.npy", "where to save the maps: float32 .npy (N, k, H, W), or A_<item>_<rank>.png heatmaps")
        .option("k", "K", "how many classes per item", "3")
        .option("labels", "FILE", "class names, one per line, printed with the ranking")
        .toggle("overlay", "with --out *.png: blend the heatmap over the input image");
    const attribution_method& cam = *find_attribution_method("gradcam");
    add_method_flags(f, cam);
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const nn::network net = load_model(f);
    const input_batch batch = load_input(f, net);
    const std::size_t k = f.get_count("k");
    const top_k_cams r = gradcam_top_k(net, batch.x, k, detail::cam_options(method_arguments::from(f, cam.parameters)));
    const std::size_t n = batch.x.shape()[0];
    std::vector<std::string> labels;
    if (f.has("labels") || net.definition().metadata.count(io::metadata_key::labels)) {
        nn::network::trace t;
        net.forward(batch.x, t);
        labels = model_labels(f, net, class_count(net.scores(t)));
    }
    for (std::size_t i = 0; i < n; ++i) {
        out << batch.names[i] << ':';
        for (std::size_t rank = 0; rank < k; ++rank) {
            const auto c = static_cast<std::size_t>(r.classes[i][rank]);
            out << (rank ? ", " : " ") << "top" << rank + 1 << " class " << c;
            if (!labels.empty()) out << " '" << labels[c] << "'";
            out << " (score " << r.scores(i, rank) << ")";
        }
        out << '\n';
    }
    const std::filesystem::path path = f.get_string("out");
    if (path.extension() != ".png") {
        if (f.get_bool("overlay")) throw usage_error("flag --overlay needs --out *.png");
        io::save_npy(path, r.maps);
        out << "wrote " << path.string() << ' ' << shape_string(r.maps.shape()) << '\n';
        return 0;
    }
    DEEPVIS_CHECK(r.maps.dimension() == 4, shape_error, "top-k: unexpected maps " << shape_string(r.maps.shape()));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t rank = 0; rank < k; ++rank)
            write_map_png(f, batch, i, xt::view(r.maps, i, rank),
                          item_path(path, i, n, "_top" + std::to_string(rank + 1)), out);
    return 0;
}

int run_faithfulness(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis attribute faithfulness",
                   "--model M.onnx (--input X.npy | --image P.png[,...]) --class C [options]",
                   "deletion and insertion AUC (Petsiuk 2018) of a method's map, printed per item");
    add_explained_flags(f);
    f.option("method", "NAME",
             "the attribution method whose map is scored, with its default parameters (multi-channel maps: max over "
             "channels of |a|); see 'deepvis methods'",
             "saliency")
        .option("map", "A.npy", "score this (N, H, W) map instead of computing --method")
        .option("step", "F", "fraction of the pixels changed per step", "0.015625")
        .option("batch", "B", "perturbed inputs per pass", "16");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    const explained_batch e = explain(f);
    const attribution_method* m = f.given("map") ? nullptr : &method_flag(f);
    const std::string what = m ? m->name : f.get_string("map");
    const tensor map = m ? pixel_importance(*m, m->compute(e.net, e.batch.x, e.classes, {m->parameters}))
                         : detail::finite_npy(f.get_string("map"), "--map");
    const faithfulness_options options{.step_fraction = f.get_float("step"), .batch_size = f.get_count("batch")};
    const faithfulness_curve deletion = deletion_curve(e.net, e.batch.x, map, e.classes, options);
    const faithfulness_curve insertion = insertion_curve(e.net, e.batch.x, map, e.classes, options);
    double mean_deletion = 0.0, mean_insertion = 0.0;
    const auto n = static_cast<double>(e.classes.size());
    for (std::size_t i = 0; i < e.classes.size(); ++i) {
        out << e.batch.names[i] << ": class " << e.classes[i] << ", " << what << ": deletion AUC " << deletion.auc[i]
            << ", insertion AUC " << insertion.auc[i] << '\n';
        mean_deletion += deletion.auc[i] / n;
        mean_insertion += insertion.auc[i] / n;
    }
    out << "mean over " << e.classes.size() << " items: deletion AUC " << mean_deletion << " (lower is better), "
        << "insertion AUC " << mean_insertion << " (higher is better)\n";
    return 0;
}

int run_object_mask(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis attribute object-mask",
                   "--model M.onnx (--input X.npy | --image P.png[,...]) --class C --out MASK.npy|MASK.png [options]",
                   "object mask and box from saliency by GrabCut (Simonyan 2014 §3.2), (N, H, W); needs OpenCV");
    add_explained_flags(f);
    f.required("out", "MASK.npy|MASK.png", "where to save the masks: float32 .npy, or a PNG per input")
        .option("method", "NAME", "the map that seeds GrabCut (any attribution method; see 'deepvis methods')",
                "saliency")
        .option("foreground", "P", "percentile of the map above which a pixel seeds the foreground", "95")
        .option("background", "P", "percentile of the map below which a pixel seeds the background", "30");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    if constexpr (!grabcut_available)
        throw unsupported_error(
            "attribute object-mask: this deepvis was built without GrabCut (OpenCV); rebuild with OpenCV "
            "installed (libopencv-dev) and the deepvis::grabcut component linked");
    const attribution_method& m = method_flag(f);
    const explained_batch e = explain(f);
    const tensor& x = e.batch.x;
    DEEPVIS_CHECK(x.dimension() == 4 && x.shape()[1] == 3, shape_error,
                  "attribute object-mask: GrabCut needs RGB images (N, 3, H, W), got " << shape_string(x.shape()));
    const tensor map = pixel_importance(m, m.compute(e.net, x, e.classes, {m.parameters}));
    const std::size_t n = x.shape()[0], h = x.shape()[2], w = x.shape()[3];
    tensor masks = xt::zeros<float>({n, h, w});
    const object_mask_options options{.foreground_percentile = f.get_float("foreground"),
                                      .background_percentile = f.get_float("background")};
    for (std::size_t i = 0; i < n; ++i) {
        // GrabCut's colour model wants [0, 1] RGB: the (possibly normalised) input, min-max scaled.
        const tensor image = viz::normalize_min_max(tensor(xt::view(x, xt::range(i, i + 1))));
        const object_mask_result r = object_mask(image, tensor(xt::view(map, i)), options);
        std::copy(r.mask.begin(), r.mask.end(), masks.data() + i * h * w);
        out << e.batch.names[i] << ": class " << e.classes[i] << ", box x [" << r.box.x0 << ", " << r.box.x1 << "), y ["
            << r.box.y0 << ", " << r.box.y1 << ")" << (r.box.empty() ? " (empty)" : "") << '\n';
    }
    const std::filesystem::path path = f.get_string("out");
    if (path.extension() != ".png") {
        io::save_npy(path, masks);
        out << "wrote " << path.string() << ' ' << shape_string(masks.shape()) << '\n';
        return 0;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const std::filesystem::path p = item_path(path, i, n);
        viz::save_heatmap_png(p, tensor(xt::view(masks, i)), {.scaling = viz::map_scaling::none});
        out << "wrote " << p.string() << ' ' << shape_string(shape_type{h, w}) << '\n';
    }
    return 0;
}

/// The subcommands of `attribute` that are not methods but use them.
struct attribution_tool {
    const char* name;
    const char* summary;
    command_function run;
};

constexpr attribution_tool attribution_tools[] = {
    {"top-k", "Grad-CAM of each item's k best classes (one forward pass), (N, k, H, W), with the ranked labels",
     run_top_k},
    {"faithfulness", "deletion and insertion AUC (Petsiuk 2018) of a method's map, printed per item", run_faithfulness},
    {"object-mask", "object mask and box from a method's map by GrabCut (Simonyan 2014 §3.2); needs OpenCV",
     run_object_mask},
};

std::string attribute_names() {
    std::string names = attribution_method_names();
    for (const auto& t : attribution_tools) names += std::string(", ") + t.name;
    return names;
}

}  // namespace

int run_attribute(const std::vector<std::string>& args, std::ostream& out) {
    if (args.empty())
        throw usage_error("attribute: no METHOD given; methods: " + attribute_names() +
                          "; see 'deepvis attribute --help'");
    if (args.front() == "--help" || args.front() == "-h") {
        out << "usage: deepvis attribute METHOD " << attribution_synopsis << "\n\n"
            << command_summary("attribute") << "\n\nmethods (see 'deepvis methods' for their parameters):\n";
        std::size_t width = 0;
        for (const auto& m : attribution_methods()) width = std::max(width, m.name.size());
        for (const auto& m : attribution_methods())
            out << "  " << m.name << std::string(width + 2 - m.name.size(), ' ') << m.summary << ", "
                << display_kind_name(m.display) << '\n';
        out << "\nbuilt on the methods:\n";
        for (const auto& t : attribution_tools)
            out << "  " << t.name << std::string(width + 2 - std::string(t.name).size(), ' ') << t.summary << '\n';
        out << "\n--class C: a class index, or topK for each item's K-th most probable class (top1 = the prediction).\n"
            << "See 'deepvis attribute METHOD --help' for a method's flags.\n";
        return 0;
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (const attribution_method* m = find_attribution_method(args.front())) return run_method(*m, rest, out);
    for (const auto& t : attribution_tools)
        if (args.front() == t.name) return t.run(rest, out);
    throw usage_error("attribute: unknown method '" + args.front() + "'; methods: " + attribute_names());
}

}  // namespace deepvis::cli
