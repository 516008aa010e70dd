/// deepvis: the command-line front end. Each subcommand is one .cpp in tools/deepvis/ with its
/// row in the `commands` table of commands.hpp.
///
/// Every failure ends the same way: one line `deepvis: error: <message>` on stderr and exit
/// code 1, or 2 when the command line itself cannot be understood. Outputs are written
/// atomically, so a failed run never leaves a half-written file.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "commands.hpp"

namespace {

/// Runtime settings that only the environment can give, each unless the user set it:
/// - OMP_WAIT_POLICY=PASSIVE: idle OpenMP workers sleep. libgomp's default spins each idle
///   worker for ~300k iterations after every parallel region; a synthesis step runs hundreds of
///   short regions between single-threaded GEMMs, so on a machine whose cores are busy with other
///   work the spinning workers took the CPU from the thread with the work: perf showed 77% of the
///   samples in libgomp's spin loop and `visualize-class` on SqueezeNet 1.0 at 227×227 took 0.7 s
///   per step (10 steps 7.6 s; passive 2.2 s).
/// - GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (transparent huge pages for large blocks), an mmap
///   threshold of 32 MB and a trim threshold of 1 GB (freed activations stay in the heap for the
///   next layer): a process's first forward pass writes every activation into fresh memory, and
///   the page faults dominated it — SqueezeNet 1.0, batch 8, 1 thread: first forward 1.48 s of
///   CPU, second 0.22 s; with these settings the first takes 0.35 s.
/// libgomp and glibc read these once, before main(), so the only way to set them is to run the
/// program again with them: one exec, before anything else happens.
void tune_runtime(char** argv) {
    if (std::getenv("DEEPVIS_NO_REEXEC")) return;
    bool changed = false;
    if (!std::getenv("OMP_WAIT_POLICY")) changed = setenv("OMP_WAIT_POLICY", "PASSIVE", 1) == 0;
    if (!std::getenv("GLIBC_TUNABLES"))
        changed = setenv("GLIBC_TUNABLES",
                         "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:"
                         "glibc.malloc.trim_threshold=1073741824",
                         1) == 0 ||
                  changed;
    if (!changed) return;
    setenv("DEEPVIS_NO_REEXEC", "1", 1);  // never loop, whatever exec does
    execv("/proc/self/exe", argv);        // returns only on failure: then go on as we are
}

using deepvis::cli::commands;

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
    tune_runtime(argv);
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
