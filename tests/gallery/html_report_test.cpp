#include "deepvis/gallery/html_report.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "deepvis/gallery/stage.hpp"

using namespace deepvis;
using namespace deepvis::cli;

namespace {

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
}

struct temporary_folder {
    std::filesystem::path path;
    temporary_folder() {
        path = std::filesystem::temp_directory_path() /
               ("deepvis_gallery_test_" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~temporary_folder() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

}  // namespace

TEST_CASE("html_report: figures, image tables and tables are rendered with escaped text") {
    html_report r{.title = "a <report> & \"more\""};
    r.sections.push_back({.id = "one", .title = "First", .description = "x < y"});
    r.sections.back().blocks.push_back(report_figure{.src = "one_a.png", .caption = "caption 'a'"});
    r.sections.back().blocks.push_back(report_image_table{
        .columns = {"image", "map"},
        .rows = {{.header = "row <1>",
                  .cells = {{.src = "one_b.png", .label = "p = 0.9"}, {.src = "", .label = "text only"}}}},
        .caption = "table caption"});
    r.sections.back().blocks.push_back(report_table{.columns = {"method", "AUC"}, .rows = {{"saliency", "0.123"}}});
    r.sections.back().seconds = 1.5;
    const std::string html = render_html(r);
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("a &lt;report&gt; &amp; &quot;more&quot;") != std::string::npos);
    CHECK(html.find("<report>") == std::string::npos);
    CHECK(html.find("x &lt; y") != std::string::npos);
    CHECK(html.find("caption &#39;a&#39;") != std::string::npos);
    CHECK(html.find("row &lt;1&gt;") != std::string::npos);
    CHECK(occurrences(html, "<img ") == 2);  // the text-only cell has no image
    CHECK(html.find("src=\"one_a.png\"") != std::string::npos);
    CHECK(html.find("<td>0.123</td>") != std::string::npos);
    CHECK(html.find("href=\"#one\"") != std::string::npos);
    CHECK(html.find("1.50 s") != std::string::npos);
    // Self-contained: no external resource, and the load check that the browser test reads.
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
    CHECK(html.find("data-broken") != std::string::npos);
    CHECK(html.find("naturalWidth") != std::string::npos);
}

TEST_CASE("html_report: failed and unavailable sections show their message and are counted") {
    html_report r{.title = "t"};
    r.sections.push_back({.id = "bad", .title = "Bad", .status = report_status::failed, .message = "shape <3>"});
    r.sections.push_back({.id = "na", .title = "N/A", .status = report_status::skipped, .message = "no autoencoder"});
    const std::string html = render_html(r);
    CHECK(html.find("FAILED") != std::string::npos);
    CHECK(html.find("shape &lt;3&gt;") != std::string::npos);
    CHECK(html.find("not available") != std::string::npos);
    CHECK(html.find("no autoencoder") != std::string::npos);
    CHECK(html.find("1 failed") != std::string::npos);
}

TEST_CASE("html_report: save_html_report writes the page atomically") {
    temporary_folder dir;
    html_report r{.title = "saved"};
    save_html_report(dir.path / "index.html", r);
    std::ifstream in(dir.path / "index.html");
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str() == render_html(r));
    CHECK_THROWS_AS(save_html_report(dir.path / "missing" / "index.html", r), io_error);
}

TEST_CASE("gallery run_stages: a failing stage is reported and the others still run") {
    temporary_folder dir;
    using cli::gallery::figures;
    std::vector<cli::gallery::stage> stages = {
        {"first", "First", "ok stage",
         [](figures& f) {
             f.figure(f.png("img", tensor(shape_type{1, 4, 4}, 0.5f)), "a grey square");
         }},
        {"second", "Second", "throws",
         [](figures& f) {
             f.text("written before the failure");
             throw shape_error("second: something is wrong");
         }},
        {"third", "Third", "not applicable",
         [](figures&) { throw cli::gallery::not_applicable("needs an autoencoder"); }},
        {"fourth", "Fourth", "runs after the failure", [](figures& f) { f.text("still here"); }},
    };
    html_report report{.title = "stages"};
    std::ostringstream progress;
    const auto result = cli::gallery::run_stages(stages, dir.path, report, progress);
    CHECK(result.total == 4);
    CHECK(result.failed == 1);
    CHECK(result.skipped == 1);
    REQUIRE(report.sections.size() == 4);
    CHECK(report.sections[0].status == report_status::ok);
    CHECK(report.sections[1].status == report_status::failed);
    CHECK(report.sections[1].message == "second: something is wrong");
    CHECK(report.sections[1].blocks.size() == 1);  // what it produced before failing is kept
    CHECK(report.sections[2].status == report_status::skipped);
    CHECK(report.sections[3].status == report_status::ok);
    CHECK(std::filesystem::file_size(dir.path / "first_img.png") > 0);
    const std::string lines = progress.str();
    CHECK(occurrences(lines, "\n") == 4);  // one progress line per stage
    CHECK(lines.find("[1/4] First") != std::string::npos);
    CHECK(lines.find("FAILED") != std::string::npos);
    CHECK(lines.find("second: something is wrong") != std::string::npos);
    CHECK(lines.find("n/a") != std::string::npos);
    CHECK(lines.find("[4/4] Fourth") != std::string::npos);
}
