// viz/plot.hpp (SVG line and scatter plots), viz/pca.hpp and viz/separation.hpp.
#include <doctest/doctest.h>

#include <cmath>
#include <deepvis/train/rng.hpp>
#include <deepvis/viz/pca.hpp>
#include <deepvis/viz/plot.hpp>
#include <deepvis/viz/separation.hpp>
#include <string>
#include <vector>

using namespace deepvis;

namespace {
std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}
}  // namespace

TEST_CASE("plot: line plot has one polyline per series, a legend entry each, escaped text") {
    const std::vector<viz::series> s = {{"train <loss>", {1, 2, 3}, {0.9, 0.5, 0.4}},
                                        {"test", {1, 2, 3}, {1.0, 0.6, NAN}}};
    const std::string svg = viz::line_plot_svg(s, {.title = "loss & co", .x_label = "epoch", .y_label = "loss"});
    CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    CHECK(svg.find("</svg>") != std::string::npos);
    CHECK(count(svg, "<polyline") == 2);
    CHECK(svg.find("train &lt;loss&gt;") != std::string::npos);
    CHECK(svg.find("loss &amp; co") != std::string::npos);
    CHECK(svg.find("nan") == std::string::npos);  // the NaN point is skipped
    CHECK(count(svg, "<circle") == 3 + 2 + 2);    // markers + legend dots
}

TEST_CASE("plot: scatter plot groups dots per class; side_by_side places panels") {
    const std::vector<viz::series> s = {{"a", {0, 1}, {0, 1}}, {"b", {2}, {2}}};
    const std::string one = viz::scatter_plot_svg(s, {.width = 300, .height = 200});
    CHECK(count(one, "<g fill=") == 2);
    CHECK(count(one, "<circle") == 3 + 2);
    const std::string both = viz::side_by_side_svg({one, one}, 10);
    CHECK(both.find("width=\"610\"") != std::string::npos);
    CHECK(both.find("x=\"310\"") != std::string::npos);
    CHECK(count(both, "<svg") == 3);
    CHECK(viz::line_plot_svg({}).find("</svg>") != std::string::npos);  // empty plot still valid
}

TEST_CASE("pca: recovers the principal axis of stretched 3-D data") {
    train::rng r(1);
    tensor x(shape_type{500, 3});
    for (std::size_t i = 0; i < 500; ++i) {
        const float a = 5.0f * r.normal(), b = 1.0f * r.normal(), c = 0.1f * r.normal();
        // Axis 1 along (1, 1, 0)/√2, axis 2 along (0, 0, 1), axis 3 along (1, −1, 0)/√2.
        x(i, 0) = (a + c) / std::sqrt(2.0f) + 3.0f;
        x(i, 1) = (a - c) / std::sqrt(2.0f);
        x(i, 2) = b;
    }
    const auto p = viz::pca(x, 2);
    CHECK(p.projection.shape() == shape_type{500, 2});
    CHECK(p.components(0, 0) == doctest::Approx(1 / std::sqrt(2.0)).epsilon(0.01));
    CHECK(p.components(1, 0) == doctest::Approx(1 / std::sqrt(2.0)).epsilon(0.01));
    CHECK(std::abs(p.components(2, 1)) == doctest::Approx(1.0).epsilon(0.01));
    CHECK(p.explained_variance(0) == doctest::Approx(25.0).epsilon(0.15));
    CHECK(p.explained_variance(1) == doctest::Approx(1.0).epsilon(0.15));
    CHECK(p.mean(0) == doctest::Approx(3.0).epsilon(0.1));
    double s = 0;
    for (std::size_t i = 0; i < 500; ++i) s += p.projection(i, 0);
    CHECK(std::abs(s / 500) < 1e-3);  // centred
}

TEST_CASE("separation: k-NN accuracy and silhouette of separated and mixed clusters") {
    train::rng r(2);
    tensor far(shape_type{200, 2}), mixed(shape_type{200, 2});
    std::vector<int> labels(200);
    for (std::size_t i = 0; i < 200; ++i) {
        labels[i] = static_cast<int>(i % 4);
        far(i, 0) = 10.0f * labels[i] + 0.5f * r.normal();
        far(i, 1) = 0.5f * r.normal();
        mixed(i, 0) = r.normal();
        mixed(i, 1) = r.normal();
    }
    CHECK(viz::knn_accuracy(far, labels, 5) == 1.0);
    CHECK(viz::silhouette(far, labels) > 0.9);
    CHECK(viz::knn_accuracy(mixed, labels, 5) < 0.45);
    CHECK(std::abs(viz::silhouette(mixed, labels)) < 0.1);
    // Hand-computed silhouette: points 0, 1 (class 0) and 3 (class 1) on a line.
    tensor line(shape_type{3, 1});
    line(0, 0) = 0.0f, line(1, 0) = 1.0f, line(2, 0) = 3.0f;
    // s(0) = (3 − 1)/3, s(1) = (2 − 1)/2, s(2) = 0 (alone in its class).
    CHECK(viz::silhouette(line, {0, 0, 1}) == doctest::Approx((2.0 / 3 + 0.5) / 3));
    CHECK_THROWS_AS(viz::knn_accuracy(line, {0, 0, 1}, 3), config_error);
}
