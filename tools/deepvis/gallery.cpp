/// deepvis gallery: runs every technique of the library on a classifier (by default the
/// embedded Fashion-MNIST models) and writes one self-contained HTML report, index.html, with
/// its PNG/SVG figures beside it, plus overview.png for the README.
///
/// Each stage is one function in examples/cli/gallery/ (a stage: id, title, description and a
/// lambda that produces figures); to add one, write it there and append it in gallery_stages().
/// A stage that throws is reported as failed on the page and on the terminal, and the others
/// still run. Exit code 0 when the report was written (the number of failed stages is printed),
/// 1 when every stage failed or the report cannot be written.
#include <algorithm>
#include <cstdlib>
#include <deepvis/io/idx.hpp>
#include <deepvis/io/image.hpp>
#include <deepvis/io/onnx.hpp>
#include <filesystem>
#include <iterator>
#include <ostream>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "command_line.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "gallery/attribution_stages.hpp"
#include "gallery/autoencoder_stages.hpp"
#include "gallery/context.hpp"
#include "gallery/html_report.hpp"
#include "gallery/stage.hpp"
#include "gallery/synthesis_stages.hpp"

namespace deepvis::cli {

namespace gallery {

/// The folder of the shipped models: $DEEPVIS_MODELS_DIR, else the first `models/` holding
/// fashion_cnn.onnx in the current folder, the executable's folder or one of their parents.
inline std::filesystem::path find_models_folder() {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (const char* env = std::getenv("DEEPVIS_MODELS_DIR"); env && *env) return fs::path(env);
    std::vector<fs::path> starts = {fs::current_path(ec)};
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) starts.push_back(exe.parent_path());
    for (fs::path dir : starts)
        for (int up = 0; up < 6 && !dir.empty(); ++up, dir = dir.parent_path()) {
            if (fs::is_regular_file(dir / "models" / "fashion_cnn.onnx", ec)) return dir / "models";
            if (dir == dir.parent_path()) break;
        }
    return {};
}

/// Image files (png, jpg, jpeg, bmp, gif, tga) in a folder, sorted by name.
inline std::vector<std::filesystem::path> image_files(const std::filesystem::path& folder, const std::string& flag) {
    std::error_code ec;
    DEEPVIS_CHECK(std::filesystem::is_directory(folder, ec), io_error,
                  "--" << flag << " '" << folder.string() << "': not a folder");
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(folder)) {
        std::string ext = e.path().extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (e.is_regular_file() &&
            (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".gif" || ext == ".tga"))
            out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    DEEPVIS_CHECK(!out.empty(), io_error,
                  "--" << flag << " '" << folder.string() << "': no image files (png, jpg, bmp, gif, tga)");
    return out;
}

/// The first test image of each of the first `count` classes in order of appearance: a varied
/// and reproducible choice.
inline std::vector<std::size_t> distinct_class_images(const std::vector<int>& labels, std::size_t count) {
    std::vector<std::size_t> out;
    std::set<int> seen;
    for (std::size_t i = 0; i < labels.size() && out.size() < count; ++i)
        if (seen.insert(labels[i]).second) out.push_back(i);
    return out;
}

/// Every stage, in report order. Stages that need the autoencoders or the dataset say "not
/// available" when run without them.
inline std::vector<stage> gallery_stages(context& ctx) {
    std::vector<stage> s;
    s.push_back(predictions_stage(ctx));
    s.push_back(overview_stage(ctx));
    s.push_back(attribution_stage(ctx, false));
    s.push_back(gradcam_top3_stage(ctx));
    s.push_back(attribution_stage(ctx, true));
    s.push_back(layer_gradients_stage(ctx));
    s.push_back(object_mask_stage(ctx));
    s.push_back(faithfulness_stage(ctx));
    s.push_back(class_model_stage(ctx));
    s.push_back(fooling_stage(ctx));
    s.push_back(inversion_stage(ctx));
    s.push_back(deep_dream_stage(ctx));
    s.push_back(style_transfer_stage(ctx));
    if (ctx.test) {
        s.push_back(reconstruction_stage(ctx));
        s.push_back(denoising_stage(ctx));
        s.push_back(loss_curves_stage(ctx));
        s.push_back(latent_stage(ctx));
    }
    return s;
}

}  // namespace gallery

int run_gallery(const std::vector<std::string>& args, std::ostream& out) {
    namespace fs = std::filesystem;
    command_line f("deepvis gallery", "[--model M.onnx] [--images DIR | --dataset fashion-mnist] [--out DIR] [options]",
                   command_summary("gallery"));
    add_prototxt_flag(f);
    f.option("model", "M.onnx|M.caffemodel", "the classifier (default: the embedded models/fashion_cnn.onnx)")
        .option("images", "DIR", "explain the image files in DIR (png, jpg, bmp, gif, tga), sorted by name")
        .option("dataset", "NAME", "explain test images of a dataset: fashion-mnist (the default without --images)")
        .option("labels", "FILE",
                "class names, one per line (default: the model's own, or Fashion-MNIST's with the dataset)")
        .option("out", "DIR", "the report's folder (index.html, overview.png and the figures)", "gallery")
        .option("count", "N", "images to explain (default: 6, 3 with --quick)")
        .option("autoencoder", "M.onnx", "the autoencoder with a 2-D code (default: models/fashion_cae.onnx)")
        .option("denoiser", "M.onnx", "the denoising autoencoder (default: models/fashion_dae.onnx)")
        .option("noise", "SIGMA", "std of the noise in the denoising stage", "0.5")
        .option("only", "ID[,ID...]", "run only these stages (ids as in the report's anchors)")
        .option("classes", "C[,C...]", "class indices whose class models are drawn besides the predicted classes")
        .option("styles", "DIR", "paintings (image files) to redraw the first image in; default: the last image")
        .option("seed", "S", "seed of every random choice", "0")
        .toggle("quick", "fewer images, steps and samples (a smoke test in well under two minutes)")
        .example("deepvis gallery --quick --out gallery")
        .example(
            "deepvis gallery --model squeezenet1.0.onnx --images photos --labels imagenet_classes.txt "
            "--preprocess caffe --classes 130,285,417,945,980 --styles paintings --out gallery-imagenet");
    // With --images: how they become the model's input (default: torchvision's ImageNet normalisation).
    add_preprocessing_flags(f, "imagenet");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    if (f.given("images") && f.given("dataset"))
        throw usage_error("give at most one of --images DIR and --dataset fashion-mnist" + f.see_help());
    if (f.given("dataset") && f.get_string("dataset") != "fashion-mnist")
        throw usage_error("flag --dataset: '" + f.get_string("dataset") + "' is not a known dataset (fashion-mnist)");
    if (!f.given("images"))
        for (const char* name : preprocessing_flag_names)
            if (f.given(name)) throw usage_error(std::string("flag --") + name + " applies to --images only");

    const fs::path models = gallery::find_models_folder();
    std::string model_path = f.given("model") ? f.get_string("model") : std::string();
    if (model_path.empty()) {
        DEEPVIS_CHECK(!models.empty(), io_error,
                      "gallery: the embedded models were not found (no models/fashion_cnn.onnx in the current folder, "
                      "beside the executable or above them); set DEEPVIS_MODELS_DIR or give --model");
        model_path = (models / "fashion_cnn.onnx").string();
    }
    gallery::context ctx{
        .model = load_model(model_path, f.given("prototxt") ? f.get_string("prototxt") : std::string()),
        .model_path = model_path};
    ctx.quick = f.get_bool("quick");
    ctx.seed = static_cast<std::uint64_t>(f.get_int("seed"));
    ctx.noise = f.get_float("noise");
    if (ctx.noise < 0) throw usage_error("flag --noise: must be >= 0");
    const std::size_t count = f.given("count") ? f.get_count("count") : (ctx.quick ? 3 : 6);

    const auto& declared = ctx.model.input_info().shape;
    DEEPVIS_CHECK(declared.size() == 4, config_error,
                  "gallery: the model's " << describe_input(ctx.model) << " is not an image batch (N, C, H, W)");

    const bool dataset = !f.given("images");
    if (dataset) {
        ctx.test = io::load_fashion_mnist(io::split::test);
        const auto which = gallery::distinct_class_images(ctx.test->labels, static_cast<std::size_t>(count));
        ctx.x = gallery::items(ctx.test->images, which);
        for (std::size_t i : which) {
            ctx.names.push_back("test #" + std::to_string(i));
            ctx.truth.push_back(ctx.test->labels[i]);
        }
        ctx.pixels = ctx.x;
        ctx.preprocess.channels = static_cast<int>(ctx.x.shape()[1]);  // the synthesis bounds are per channel
        ctx.preprocessing_caption = "Fashion-MNIST test images, pixels / 255";
        const auto set_default = [&](const char* flag, const char* file, fs::path& target) {
            if (f.given(flag))
                target = f.get_string(flag);
            else if (!models.empty() && fs::exists(models / file))
                target = models / file;
        };
        set_default("autoencoder", "fashion_cae.onnx", ctx.autoencoder);
        set_default("denoiser", "fashion_dae.onnx", ctx.denoiser);
        ctx.metrics_folder = models;
    } else {
        const auto files = gallery::image_files(f.get_string("images"), "images");
        std::vector<fs::path> chosen(files.begin(),
                                     files.begin() + std::min(static_cast<std::ptrdiff_t>(count), std::ssize(files)));
        const int channels = declared[1] > 0 ? static_cast<int>(declared[1]) : 3;
        DEEPVIS_CHECK(channels == 1 || channels == 3, config_error,
                      "gallery: the model's " << describe_input(ctx.model) << " has " << declared[1]
                                              << " channels; images give 1 or 3");
        ctx.preprocess = read_preprocessing(f, channels, model_image_size(ctx.model), ctx.model.definition().metadata);
        if (ctx.preprocess.size[0] == 0) ctx.preprocess.size = {224, 224};  // one batch needs one size
        ctx.x = ctx.preprocess.to_model(chosen);
        for (const auto& p : chosen) {
            ctx.names.push_back(p.filename().string());
            ctx.truth.push_back(-1);
        }
        ctx.pixels = ctx.preprocess.from_model(ctx.x);
        ctx.preprocessing_caption = "images " + ctx.preprocess.describe();
    }
    ctx.zoom = std::max<std::size_t>(1, 112 / std::max(ctx.x.shape()[2], ctx.x.shape()[3]));
    if (f.given("styles")) {
        ctx.styles = gallery::image_files(f.get_string("styles"), "styles");
        ctx.preprocess.size = {ctx.x.shape()[2], ctx.x.shape()[3]};  // the paintings take the images' size
    }

    {
        nn::network::trace t;
        ctx.model.forward(ctx.x, t);
        ctx.scores = ctx.model.scores(t);
    }
    const std::size_t classes = class_count(ctx.scores);
    ctx.labels = model_labels(f, ctx.model, classes);
    if (ctx.labels.empty() && dataset && classes == 10)
        ctx.labels.assign(io::fashion_mnist_classes().begin(), io::fashion_mnist_classes().end());
    else if (ctx.labels.empty())
        for (std::size_t c = 0; c < classes; ++c) ctx.labels.push_back("class " + std::to_string(c));
    if (f.given("classes"))
        for (const auto& item : f.get_list("classes")) {
            const long long c = command_line::parse_int("classes", item);
            if (c < 0 || static_cast<std::size_t>(c) >= classes)
                throw usage_error("flag --classes: " + item + " is not a class index from 0 to " +
                                  std::to_string(classes - 1));
            ctx.chosen_classes.push_back(c);
        }
    ctx.probabilities = softmax_rows(ctx.scores);
    for (const auto& p : ctx.probabilities) ctx.top1.push_back(static_cast<std::int64_t>(top_classes(p, 1).front()));

    std::vector<gallery::stage> stages = gallery::gallery_stages(ctx);
    if (f.given("only")) {
        const auto wanted = f.get_list("only");
        for (const auto& id : wanted)
            if (std::none_of(stages.begin(), stages.end(), [&](const gallery::stage& s) { return s.id == id; })) {
                std::string ids;
                for (const auto& s : stages) ids += (ids.empty() ? "" : ", ") + s.id;
                throw usage_error("flag --only: no stage '" + id + "'; stages: " + ids);
            }
        std::erase_if(stages, [&](const gallery::stage& s) {
            return std::find(wanted.begin(), wanted.end(), s.id) == wanted.end();
        });
    }

    const fs::path folder = f.get_string("out");
    std::error_code ec;
    fs::create_directories(folder, ec);
    DEEPVIS_CHECK(fs::is_directory(folder, ec), io_error,
                  "gallery: cannot create the folder '" << folder.string() << "'");
    out << "deepvis gallery: " << ctx.count() << " images, model " << model_path << (ctx.quick ? " (quick)" : "")
        << " → " << folder.string() << '\n';

    html_report report{.title = "deepvis gallery",
                       .subtitle = "Model " + ctx.model_path + " (" + describe_input(ctx.model) + ", " +
                                   std::to_string(classes) + " classes); " + std::to_string(ctx.count()) +
                                   " images: " + ctx.preprocessing_caption + "; seed " + std::to_string(ctx.seed) +
                                   (ctx.quick ? "; --quick: fewer images, steps and samples" : "") + "."};
    const gallery::run_result result = gallery::run_stages(stages, folder, report, out);
    report.footer = "Times are wall-clock on this machine, single process; OpenBLAS threads: " +
                    std::string(std::getenv("OPENBLAS_NUM_THREADS") ? std::getenv("OPENBLAS_NUM_THREADS") : "default") +
                    ".";
    const fs::path index = folder / "index.html";
    save_html_report(index, report);
    out << "wrote " << index.string() << ": " << result.total << " stages, " << result.failed << " failed";
    if (result.skipped) out << ", " << result.skipped << " not available";
    out << '\n';
    DEEPVIS_CHECK(result.total == 0 || result.failed + result.skipped < result.total, config_error,
                  "gallery: every stage failed; see " << index.string());
    return 0;
}

}  // namespace deepvis::cli
