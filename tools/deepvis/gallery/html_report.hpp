#pragma once
/// html_report (the gallery's page; application code, not the library): a self-contained HTML page of figures, image
/// tables and number tables, one section per stage of an experiment, with a table of the stages' status and timings.
/// Images are referenced by relative path (PNG or SVG files written beside the page), so the report opens from disk
/// without network access: no external script, style sheet or font.
///
///   cli::html_report r{.title = "deepvis gallery"};
///   auto& s = r.sections.emplace_back(cli::report_section{.id = "saliency", .title = "Saliency"});
///   s.blocks.push_back(cli::report_figure{.src = "saliency_0.png", .caption = "|dS/dx|, class 3"});
///   cli::save_html_report("out/index.html", r);
///
/// The page carries one inline script that, once everything has loaded, writes onto <body>
///   data-images="N"  (the number of <img> elements),
///   data-broken="K"  (how many failed to load: not complete or naturalWidth == 0), and
///   data-broken-list (their src attributes, space-separated),
/// so a headless browser run (`chromium --headless --dump-dom`) can check the report.
///
/// render_html never touches the file system; save_html_report writes atomically
/// (io/atomic_file.hpp). Text is escaped; `src` values are used as given (escape only).
#include <cmath>
#include <deepvis/io/atomic_file.hpp>
#include <deepvis/viz/detail/escape.hpp>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace deepvis::cli {

/// One image: `src` relative to the page; `label` is a short line under it; `width` in CSS
/// pixels (0: the file's own size).
struct report_image {
    std::string src;
    std::string label = {};
    int width = 0;
};

/// A figure: one image with a caption saying what it is and which parameters made it.
struct report_figure {
    std::string src;
    std::string caption;
    int width = 0;
};

/// A grid of images with column headers and one header per row (e.g. methods × inputs).
struct report_image_table {
    std::vector<std::string> columns;  ///< headers; the first is the row-header column's (may be empty)
    struct row {
        std::string header;
        std::vector<report_image> cells;
    };
    std::vector<row> rows = {};
    std::string caption = {};
};

/// A table of text cells.
struct report_table {
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows = {};
    std::string caption = {};
};

/// A paragraph of text.
struct report_text {
    std::string text;
};

using report_block = std::variant<report_figure, report_image_table, report_table, report_text>;

enum class report_status { ok, failed, skipped };

/// One stage of the report.
struct report_section {
    std::string id;  ///< HTML anchor: letters, digits, '-' and '_'
    std::string title;
    std::string description = {};  ///< what the stage shows, above its blocks
    report_status status = report_status::ok;
    std::string message = {};  ///< why it failed or was skipped
    double seconds = 0.0;
    std::vector<report_block> blocks = {};
};

struct html_report {
    std::string title;
    std::string subtitle = {};
    std::vector<report_section> sections = {};
    /// Extra lines of the timing table's caption (e.g. the machine or the total).
    std::string footer = {};
};

}  // namespace deepvis::cli

namespace deepvis::cli::html_detail {

inline std::string escape(const std::string& s) { return deepvis::detail::escape_markup(s); }

inline std::string seconds(double s) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(s < 10 ? 2 : 1) << s << " s";
    return os.str();
}

inline const char* status_name(report_status s) {
    switch (s) {
        case report_status::ok:
            return "ok";
        case report_status::failed:
            return "FAILED";
        case report_status::skipped:
            return "not available";
    }
    return "";
}

inline void image(std::ostringstream& os, const report_image& im) {
    os << "<img src=\"" << escape(im.src) << "\" alt=\"" << escape(im.label.empty() ? im.src : im.label) << "\"";
    if (im.width > 0) os << " width=\"" << im.width << "\"";
    os << ">";
}

struct block_writer {
    std::ostringstream& os;
    void operator()(const report_figure& f) const {
        os << "<figure>";
        image(os, {.src = f.src, .label = f.caption, .width = f.width});
        os << "<figcaption>" << escape(f.caption) << "</figcaption></figure>\n";
    }
    void operator()(const report_image_table& t) const {
        os << "<figure><table class=\"images\">";
        if (!t.columns.empty()) {
            os << "<tr>";
            for (const auto& c : t.columns) os << "<th>" << escape(c) << "</th>";
            os << "</tr>";
        }
        for (const auto& r : t.rows) {
            os << "<tr><th>" << escape(r.header) << "</th>";
            for (const auto& im : r.cells) {
                os << "<td>";
                if (!im.src.empty()) image(os, im);
                if (!im.label.empty()) os << "<div class=\"label\">" << escape(im.label) << "</div>";
                os << "</td>";
            }
            os << "</tr>\n";
        }
        os << "</table>";
        if (!t.caption.empty()) os << "<figcaption>" << escape(t.caption) << "</figcaption>";
        os << "</figure>\n";
    }
    void operator()(const report_table& t) const {
        os << "<figure><table class=\"numbers\"><tr>";
        for (const auto& c : t.columns) os << "<th>" << escape(c) << "</th>";
        os << "</tr>\n";
        for (const auto& r : t.rows) {
            os << "<tr>";
            for (const auto& c : r) os << "<td>" << escape(c) << "</td>";
            os << "</tr>\n";
        }
        os << "</table>";
        if (!t.caption.empty()) os << "<figcaption>" << escape(t.caption) << "</figcaption>";
        os << "</figure>\n";
    }
    void operator()(const report_text& t) const { os << "<p>" << escape(t.text) << "</p>\n"; }
};

inline constexpr const char* style = R"(body{font-family:sans-serif;margin:24px auto;max-width:1240px;color:#222}
h1{margin-bottom:4px}h2{border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:36px}
figure{margin:12px 0 20px 0}figcaption{font-size:13px;color:#444;max-width:1000px;margin-top:4px}
img{image-rendering:pixelated;vertical-align:top}
table.images td,table.images th{padding:3px;text-align:center;font-size:12px;vertical-align:top}
table.images th{font-weight:normal;color:#333}.label{font-size:11px;color:#555;max-width:140px;margin:auto}
table.numbers{border-collapse:collapse;font-size:13px}table.numbers td,table.numbers th{border:1px solid #ccc;padding:3px 8px;text-align:right}
table.numbers td:first-child,table.numbers th:first-child{text-align:left}
.failed{color:#b00020}.skipped{color:#8a6d00}.ok{color:#1b5e20}
.error{background:#fdecea;border:1px solid #f5c2c0;padding:8px;white-space:pre-wrap;font-family:monospace;font-size:12px}
)";

// Counts images that did not load once the page (and every image) has finished loading.
inline constexpr const char* check_script = R"(<script>
window.addEventListener('load', function () {
  var imgs = document.getElementsByTagName('img'), broken = [];
  for (var i = 0; i < imgs.length; ++i)
    if (!(imgs[i].complete && imgs[i].naturalWidth > 0)) broken.push(imgs[i].getAttribute('src'));
  document.body.setAttribute('data-images', String(imgs.length));
  document.body.setAttribute('data-broken', String(broken.length));
  document.body.setAttribute('data-broken-list', broken.join(' '));
});
</script>
)";

}  // namespace deepvis::cli::html_detail

namespace deepvis::cli {

/// The whole page as one string.
inline std::string render_html(const html_report& r) {
    namespace h = html_detail;
    std::ostringstream os;
    os << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << h::escape(r.title)
       << "</title>\n<style>" << h::style << "</style>\n"
       << h::check_script << "</head>\n<body>\n<h1>" << h::escape(r.title) << "</h1>\n";
    if (!r.subtitle.empty()) os << "<p>" << h::escape(r.subtitle) << "</p>\n";

    // Contents and timings in one table.
    double total = 0.0;
    std::size_t failed = 0;
    os << "<h2 id=\"timings\">Stages and timings</h2>\n<table "
          "class=\"numbers\"><tr><th>stage</th><th>status</th><th>time</th></tr>\n";
    for (const auto& s : r.sections) {
        total += s.seconds;
        failed += s.status == report_status::failed;
        os << "<tr><td><a href=\"#" << h::escape(s.id) << "\">" << h::escape(s.title) << "</a></td><td class=\""
           << (s.status == report_status::ok       ? "ok"
               : s.status == report_status::failed ? "failed"
                                                   : "skipped")
           << "\">" << h::status_name(s.status) << "</td><td>" << h::seconds(s.seconds) << "</td></tr>\n";
    }
    os << "<tr><th>total</th><th>" << failed << " failed</th><th>" << h::seconds(total) << "</th></tr></table>\n";
    if (!r.footer.empty()) os << "<p>" << h::escape(r.footer) << "</p>\n";

    for (const auto& s : r.sections) {
        os << "<section id=\"" << h::escape(s.id) << "\"><h2>" << h::escape(s.title) << "</h2>\n";
        if (!s.description.empty()) os << "<p>" << h::escape(s.description) << "</p>\n";
        if (s.status != report_status::ok)
            os << "<p class=\"" << (s.status == report_status::failed ? "failed" : "skipped") << "\">This stage "
               << (s.status == report_status::failed ? "failed" : "is not available") << ":</p><div class=\"error\">"
               << h::escape(s.message) << "</div>\n";
        for (const auto& b : s.blocks) std::visit(h::block_writer{os}, b);
        os << "</section>\n";
    }
    os << "</body></html>\n";
    return os.str();
}

/// Writes render_html(r) to `path` atomically.
///   throws: io_error naming the file when it cannot be written.
inline void save_html_report(const std::filesystem::path& path, const html_report& r) {
    io::write_file_atomic(path, render_html(r));
}

}  // namespace deepvis::cli
