/// deepvis: the command-line front end. Each subcommand is one function in examples/cli/; to add
/// one, write its header and add a line to the `commands` table below.
///
/// Every failure ends the same way: one line `deepvis: error: <message>` on stderr and exit
/// code 1, or 2 when the command line itself cannot be understood. Outputs are written
/// atomically, so a failed run never leaves a half-written file.
#include <algorithm>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "cli/attribute.hpp"
#include "cli/flags.hpp"
#include "cli/gallery.hpp"
#include "cli/info.hpp"
#include "cli/predict.hpp"
#include "cli/latent.hpp"
#include "cli/reconstruct.hpp"
#include "cli/summary.hpp"
#include "cli/synthesize.hpp"
#include "cli/train.hpp"

namespace {

struct command {
    const char* name;
    const char* summary;
    deepvis::cli::command_function run;
};

constexpr command commands[] = {
    {"info", deepvis::cli::info_summary, deepvis::cli::run_info},
    {"predict", deepvis::cli::predict_summary, deepvis::cli::run_predict},
    {"attribute", deepvis::cli::attribute_summary, deepvis::cli::run_attribute},
    {"train", deepvis::cli::train_summary, deepvis::cli::run_train},
    {"summary", deepvis::cli::summary_summary, deepvis::cli::run_summary},
    {"reconstruct", deepvis::cli::reconstruct_summary, deepvis::cli::run_reconstruct},
    {"latent", deepvis::cli::latent_summary, deepvis::cli::run_latent},
    {"gallery", deepvis::cli::gallery_summary, deepvis::cli::run_gallery},
    {"visualize-class", deepvis::cli::visualize_class_summary, deepvis::cli::run_visualize_class},
    {"visualize-channel", deepvis::cli::visualize_channel_summary, deepvis::cli::run_visualize_channel},
    {"fool", deepvis::cli::fool_summary, deepvis::cli::run_fool},
    {"invert", deepvis::cli::invert_summary, deepvis::cli::run_invert},
    {"style", deepvis::cli::style_summary, deepvis::cli::run_style},
};

std::string command_names() {
    std::string names;
    for (const auto& c : commands) names += (names.empty() ? "" : ", ") + std::string(c.name);
    return names;
}

void print_help(std::ostream& out) {
    out << "usage: deepvis COMMAND [flags]\n\nVisualise and explain convolutional networks.\n\ncommands:\n";
    std::size_t width = 0;
    for (const auto& c : commands) width = std::max(width, std::string(c.name).size());
    for (const auto& c : commands)
        out << "  " << c.name << std::string(width + 2 - std::string(c.name).size(), ' ') << c.summary << '\n';
    out << "\nSee 'deepvis COMMAND --help' for a command's flags.\n";
}

int dispatch(const std::vector<std::string>& args) {
    if (args.empty())
        throw deepvis::cli::usage_error("no command given; commands: " + command_names() + "; see 'deepvis --help'");
    if (args.front() == "--help" || args.front() == "-h" || args.front() == "help") {
        print_help(std::cout);
        return 0;
    }
    for (const auto& c : commands)
        if (args.front() == c.name) return c.run(std::vector<std::string>(args.begin() + 1, args.end()), std::cout);
    throw deepvis::cli::usage_error("unknown command '" + args.front() + "'; commands: " + command_names());
}

/// Prints `deepvis: error: <message>` as one line.
void print_error(const std::string& message) {
    std::string line = message;
    for (char& ch : line)
        if (ch == '\n' || ch == '\r') ch = ' ';
    std::cout.flush();
    std::cerr << "deepvis: error: " << line << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return dispatch(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const deepvis::cli::usage_error& e) {
        print_error(e.what());
        return 2;
    } catch (const std::bad_alloc&) {
        print_error("out of memory");
        return 1;
    } catch (const std::exception& e) {
        print_error(e.what());
        return 1;
    } catch (...) {
        print_error("unknown failure");
        return 1;
    }
}
