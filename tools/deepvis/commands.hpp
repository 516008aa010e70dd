#pragma once
/// The subcommands of `deepvis`, one .cpp each, and the table main() dispatches on. To add a
/// command: write its .cpp with a `run_...` function, declare it here and add a row to `commands`.
#include <ostream>
#include <string>
#include <vector>

namespace deepvis::cli {

/// The signature of every subcommand: arguments after its name, stdout; returns the exit code.
using command_function = int (*)(const std::vector<std::string>& args, std::ostream& out);

int run_info(const std::vector<std::string>& args, std::ostream& out);
int run_predict(const std::vector<std::string>& args, std::ostream& out);
int run_attribute(const std::vector<std::string>& args, std::ostream& out);
int run_methods(const std::vector<std::string>& args, std::ostream& out);
int run_train(const std::vector<std::string>& args, std::ostream& out);
int run_summary(const std::vector<std::string>& args, std::ostream& out);
int run_reconstruct(const std::vector<std::string>& args, std::ostream& out);
int run_latent(const std::vector<std::string>& args, std::ostream& out);
int run_gallery(const std::vector<std::string>& args, std::ostream& out);
int run_visualize_class(const std::vector<std::string>& args, std::ostream& out);
int run_visualize_channel(const std::vector<std::string>& args, std::ostream& out);
int run_fool(const std::vector<std::string>& args, std::ostream& out);
int run_invert(const std::vector<std::string>& args, std::ostream& out);
int run_dream(const std::vector<std::string>& args, std::ostream& out);
int run_style(const std::vector<std::string>& args, std::ostream& out);
int run_convert(const std::vector<std::string>& args, std::ostream& out);
int run_batch(const std::vector<std::string>& args, std::ostream& out);

struct command {
    const char* name;
    const char* summary;
    command_function run;
};

inline constexpr command commands[] = {
    {"info", "list a model's inputs, outputs, parameters and nodes with their shapes", run_info},
    {"predict", "run a model and print the top classes of each input", run_predict},
    {"attribute", "explain a class decision: attribution maps (METHOD: see --help)", run_attribute},
    {"batch",
     "attribution maps of a whole folder or CSV manifest, sharded (--shard K/N) and resumable (--resume); 'batch merge "
     "DIR' joins the shard tables",
     run_batch},
    {"methods", "list the attribution methods with their parameters (--markdown: the docs table)", run_methods},
    {"train", "train a Fashion-MNIST classifier, autoencoder or denoising autoencoder", run_train},
    {"summary", "print a model's layers, output shapes and parameter counts (Keras style)", run_summary},
    {"reconstruct", "show an autoencoder's reconstructions of (noisy) test images as a PNG grid", run_reconstruct},
    {"latent", "plot an autoencoder's 2-D codes of test images by class (and PCA beside it)", run_latent},
    {"gallery", "run every technique on a model and write an HTML report (index.html)", run_gallery},
    {"visualize-class", "synthesise an image that maximises a class score", run_visualize_class},
    {"visualize-channel", "synthesise an image that maximises a channel or neuron", run_visualize_channel},
    {"fool", "change an input until the model predicts a target class", run_fool},
    {"invert", "reconstruct an input from its features at a layer", run_invert},
    {"dream", "DeepDream: grow the patterns a layer detects in a photo, over several octaves", run_dream},
    {"style", "render a content image in the style of other images (Gatys)", run_style},
    {"convert",
     "write a model (a Caffe .caffemodel + .prototxt, or ONNX) as a checked ONNX file, optionally with its "
     "preprocessing and class names",
     run_convert},
};

/// The summary of a command by name, for its --help.
inline const char* command_summary(const std::string& name) {
    for (const auto& c : commands)
        if (name == c.name) return c.summary;
    return "";
}

}  // namespace deepvis::cli
