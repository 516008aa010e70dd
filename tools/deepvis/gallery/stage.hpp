#pragma once
/// The gallery's plumbing: a stage is one function (id, title, description, a lambda that
/// produces figures); run_stages() runs them in order, times each, prints one progress line per
/// stage, and turns a stage that throws into a "failed" section of the report while the others
/// still run.
///
///   stages.push_back({"saliency", "Saliency", "what it shows", [&](figures& f) {
///       f.figure(f.png("map", image), "caption with the parameters");
///   }});
///
/// `figures` writes the stage's files into the output folder as "<stage id>_<name>.png|svg" and
/// collects the report blocks that reference them.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/io/atomic_file.hpp>
#include <deepvis/io/image.hpp>
#include <exception>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "html_report.hpp"

namespace deepvis::cli::gallery {

/// Writes a stage's files and collects its report blocks.
class figures {
public:
    figures(std::filesystem::path folder, std::string stage_id)
        : m_folder(std::move(folder)), m_prefix(std::move(stage_id) + "_") {}

    /// Writes an image (C, H, W) with values in [0, 1] as "<stage>_<name>.png"; returns its
    /// path relative to the report.
    std::string png(const std::string& name, const tensor& image) {
        const std::string file = m_prefix + file_safe(name) + ".png";
        io::save_png(m_folder / file, image);
        return file;
    }
    /// Writes an SVG document as "<stage>_<name>.svg"; returns its relative path.
    std::string svg(const std::string& name, const std::string& text) {
        const std::string file = m_prefix + file_safe(name) + ".svg";
        io::write_file_atomic(m_folder / file, text);
        return file;
    }

    void figure(const std::string& src, const std::string& caption, int width = 0) {
        m_blocks.push_back(report_figure{.src = src, .caption = caption, .width = width});
    }
    void add(report_block block) { m_blocks.push_back(std::move(block)); }
    void text(const std::string& t) { m_blocks.push_back(report_text{t}); }

    const std::filesystem::path& folder() const { return m_folder; }
    std::vector<report_block>& blocks() { return m_blocks; }

    /// Letters, digits, '-' and '_' kept; anything else (e.g. the '/' of ONNX tensor names) becomes '_'.
    static std::string file_safe(std::string name) {
        for (char& c : name)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
        return name;
    }

private:
    std::filesystem::path m_folder;
    std::string m_prefix;
    std::vector<report_block> m_blocks;
};

/// One stage of the gallery.
struct stage {
    std::string id;  ///< file prefix and HTML anchor
    std::string title;
    std::string description;  ///< what the stage shows (the figures' captions give the parameters)
    std::function<void(figures&)> run;
};

/// A stage left out because it does not apply (e.g. no autoencoder for this model); shown on
/// the page as "not available" with the reason, and not counted as a failure.
struct not_applicable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct run_result {
    std::size_t failed = 0, skipped = 0, total = 0;
};

/// Runs every stage into `report.sections`, one progress line per stage on `out`.
inline run_result run_stages(const std::vector<stage>& stages, const std::filesystem::path& folder, html_report& report,
                             std::ostream& out) {
    run_result result;
    result.total = stages.size();
    const int width = static_cast<int>(std::to_string(stages.size()).size());
    std::size_t title_width = 0;
    for (const auto& s : stages) title_width = std::max(title_width, s.title.size());
    for (std::size_t i = 0; i < stages.size(); ++i) {
        const stage& s = stages[i];
        out << '[' << std::setw(width) << i + 1 << '/' << stages.size() << "] " << s.title
            << std::string(title_width + 1 - s.title.size(), ' ') << std::flush;
        figures f(folder, s.id);
        report_section section{.id = s.id, .title = s.title, .description = s.description};
        const auto start = std::chrono::steady_clock::now();
        try {
            s.run(f);
        } catch (const not_applicable& e) {
            section.status = report_status::skipped;
            section.message = e.what();
        } catch (const std::exception& e) {
            section.status = report_status::failed;
            section.message = e.what();
        } catch (...) {
            section.status = report_status::failed;
            section.message = "unknown failure";
        }
        section.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        section.blocks = std::move(f.blocks());
        std::ostringstream line;
        line << std::fixed << std::setprecision(2) << section.seconds << " s";
        if (section.status == report_status::ok) {
            out << "ok      " << line.str() << '\n';
        } else {
            std::string message = section.message;
            std::replace(message.begin(), message.end(), '\n', ' ');
            if (section.status == report_status::failed) {
                ++result.failed;
                out << "FAILED  " << line.str() << ": " << message << '\n';
            } else {
                ++result.skipped;
                out << "n/a     " << message << '\n';
            }
        }
        out.flush();
        report.sections.push_back(std::move(section));
    }
    return result;
}

}  // namespace deepvis::cli::gallery
