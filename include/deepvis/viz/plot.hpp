#pragma once
/// plot: line and scatter plots as standalone SVG text, with axes, ticks, labels and a legend.
/// No dependencies; the output opens in any browser and embeds in HTML reports.
///
///   line_plot_svg(series, options):    each series a polyline with markers, in legend order.
///   scatter_plot_svg(series, options): each series a group of dots (e.g. one per class).
///   side_by_side_svg(panels, gap):     several SVG documents placed left to right in one.
///   series_by_label(points, labels, names): (N, 2) points split into one series per class.
///
/// Colours: the ten "tableau" colours, repeated. Ticks: 1, 2 or 5 × 10^k steps, about five per
/// axis. Non-finite points are skipped. An empty plot (no finite point) still has axes.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/viz/detail/escape.hpp>
#include <iomanip>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace deepvis::viz {

struct series {
    std::string name;
    std::vector<double> x, y;
};

struct plot_options {
    std::string title = {};
    std::string x_label = {};
    std::string y_label = {};
    int width = 640;
    int height = 420;
    double marker_radius = 2.5;  ///< dots of a scatter plot, markers of a line plot
    double opacity = 0.75;       ///< of scatter dots
};

/// One scatter series per class from (N, 2) points and N labels in [0, names.size()).
template <class Names>
std::vector<series> series_by_label(const tensor& points, const std::vector<int>& labels, const Names& names) {
    DEEPVIS_CHECK(points.dimension() == 2 && points.shape()[1] == 2 && points.shape()[0] == labels.size(), shape_error,
                  "series_by_label: points have shape " << shape_string(points.shape()) << " for " << labels.size()
                                                        << " labels, expected (" << labels.size() << ", 2)");
    std::vector<series> s(std::size(names));
    for (std::size_t c = 0; c < s.size(); ++c) s[c].name = names[c];
    for (std::size_t i = 0; i < labels.size(); ++i) {
        DEEPVIS_CHECK(labels[i] >= 0 && static_cast<std::size_t>(labels[i]) < s.size(), config_error,
                      "series_by_label: label " << labels[i] << " outside [0, " << s.size() << ")");
        s[static_cast<std::size_t>(labels[i])].x.push_back(points(i, 0));
        s[static_cast<std::size_t>(labels[i])].y.push_back(points(i, 1));
    }
    return s;
}

}  // namespace deepvis::viz

namespace deepvis::detail::svg_plot {

using viz::plot_options;
using viz::series;

inline const std::array<const char*, 10>& palette() {
    static const std::array<const char*, 10> colours = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    return colours;
}

inline std::string escape(const std::string& s) { return escape_markup(s); }

inline std::string number(double v) {
    std::ostringstream os;
    os << std::setprecision(6) << v;
    return os.str();
}

/// "Nice" tick positions covering [lo, hi].
inline std::vector<double> ticks(double lo, double hi, int target = 5) {
    const double span = hi - lo;
    const double raw = span / target;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * magnitude) {
            step = m * magnitude;
            break;
        }
    std::vector<double> out;
    for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
        out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    return out;
}

struct frame {
    double x0, x1, y0, y1;            // data range
    double left, right, top, bottom;  // pixel box of the plotting area
    double px(double x) const { return left + (x - x0) / (x1 - x0) * (right - left); }
    double py(double y) const { return bottom - (y - y0) / (y1 - y0) * (bottom - top); }
};

inline void range_of(const std::vector<series>& s, double& x0, double& x1, double& y0, double& y1) {
    x0 = y0 = std::numeric_limits<double>::infinity();
    x1 = y1 = -std::numeric_limits<double>::infinity();
    for (const auto& one : s)
        for (std::size_t i = 0; i < std::min(one.x.size(), one.y.size()); ++i) {
            if (!std::isfinite(one.x[i]) || !std::isfinite(one.y[i])) continue;
            x0 = std::min(x0, one.x[i]), x1 = std::max(x1, one.x[i]);
            y0 = std::min(y0, one.y[i]), y1 = std::max(y1, one.y[i]);
        }
    if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    auto widen = [](double& lo, double& hi) {
        if (hi - lo < 1e-12 * std::max(1.0, std::abs(lo))) {
            const double d = std::max(std::abs(lo) * 0.1, 0.5);
            lo -= d, hi += d;
        }
        const double pad = (hi - lo) * 0.05;
        lo -= pad, hi += pad;
    };
    widen(x0, x1);
    widen(y0, y1);
}

/// Axes, grid, ticks, labels, title and legend around the data drawn by `body`.
template <class Body>
std::string render(const std::vector<series>& s, const plot_options& o, bool lines, Body&& body) {
    frame f{};
    range_of(s, f.x0, f.x1, f.y0, f.y1);
    std::size_t longest = 0;
    for (const auto& one : s) longest = std::max(longest, one.name.size());
    const double legend_width = s.empty() ? 0.0 : 30.0 + 7.0 * static_cast<double>(longest);
    f.left = 64, f.right = o.width - 16 - legend_width, f.top = o.title.empty() ? 16 : 36, f.bottom = o.height - 48;
    std::ostringstream os;
    os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << o.width << "\" height=\"" << o.height
       << "\" viewBox=\"0 0 " << o.width << ' ' << o.height << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    os << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    if (!o.title.empty())
        os << "<text x=\"" << (f.left + f.right) / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">"
           << escape(o.title) << "</text>\n";
    for (double t : ticks(f.x0, f.x1)) {
        const double x = f.px(t);
        os << "<line x1=\"" << x << "\" y1=\"" << f.top << "\" x2=\"" << x << "\" y2=\"" << f.bottom
           << "\" stroke=\"#e5e5e5\"/>\n<text x=\"" << x << "\" y=\"" << f.bottom + 16 << "\" text-anchor=\"middle\">"
           << number(t) << "</text>\n";
    }
    for (double t : ticks(f.y0, f.y1)) {
        const double y = f.py(t);
        os << "<line x1=\"" << f.left << "\" y1=\"" << y << "\" x2=\"" << f.right << "\" y2=\"" << y
           << "\" stroke=\"#e5e5e5\"/>\n<text x=\"" << f.left - 6 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">"
           << number(t) << "</text>\n";
    }
    os << "<rect x=\"" << f.left << "\" y=\"" << f.top << "\" width=\"" << f.right - f.left << "\" height=\""
       << f.bottom - f.top << "\" fill=\"none\" stroke=\"#333\"/>\n";
    if (!o.x_label.empty())
        os << "<text x=\"" << (f.left + f.right) / 2 << "\" y=\"" << o.height - 12 << "\" text-anchor=\"middle\">"
           << escape(o.x_label) << "</text>\n";
    if (!o.y_label.empty())
        os << "<text transform=\"translate(16," << (f.top + f.bottom) / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
           << escape(o.y_label) << "</text>\n";
    body(os, f);
    for (std::size_t k = 0; k < s.size(); ++k) {
        const double y = f.top + 8 + 18.0 * static_cast<double>(k), x = f.right + 12;
        const char* c = palette()[k % palette().size()];
        if (lines)
            os << "<line x1=\"" << x << "\" y1=\"" << y << "\" x2=\"" << x + 18 << "\" y2=\"" << y << "\" stroke=\""
               << c << "\" stroke-width=\"2\"/>\n";
        os << "<circle cx=\"" << x + 9 << "\" cy=\"" << y << "\" r=\"4\" fill=\"" << c << "\"/>\n<text x=\"" << x + 24
           << "\" y=\"" << y + 4 << "\">" << escape(s[k].name) << "</text>\n";
    }
    os << "</svg>\n";
    return os.str();
}

}  // namespace deepvis::detail::svg_plot

namespace deepvis::viz {

inline std::string line_plot_svg(const std::vector<series>& s, const plot_options& o = {}) {
    return detail::svg_plot::render(s, o, true, [&](std::ostringstream& os, const detail::svg_plot::frame& f) {
        for (std::size_t k = 0; k < s.size(); ++k) {
            const char* c = detail::svg_plot::palette()[k % detail::svg_plot::palette().size()];
            os << "<polyline fill=\"none\" stroke=\"" << c << "\" stroke-width=\"2\" points=\"";
            for (std::size_t i = 0; i < std::min(s[k].x.size(), s[k].y.size()); ++i)
                if (std::isfinite(s[k].x[i]) && std::isfinite(s[k].y[i]))
                    os << detail::svg_plot::number(f.px(s[k].x[i])) << ',' << detail::svg_plot::number(f.py(s[k].y[i]))
                       << ' ';
            os << "\"/>\n";
            for (std::size_t i = 0; i < std::min(s[k].x.size(), s[k].y.size()); ++i)
                if (std::isfinite(s[k].x[i]) && std::isfinite(s[k].y[i]))
                    os << "<circle cx=\"" << detail::svg_plot::number(f.px(s[k].x[i])) << "\" cy=\""
                       << detail::svg_plot::number(f.py(s[k].y[i])) << "\" r=\"" << o.marker_radius << "\" fill=\"" << c
                       << "\"/>\n";
        }
    });
}

inline std::string scatter_plot_svg(const std::vector<series>& s, const plot_options& o = {}) {
    return detail::svg_plot::render(s, o, false, [&](std::ostringstream& os, const detail::svg_plot::frame& f) {
        for (std::size_t k = 0; k < s.size(); ++k) {
            os << "<g fill=\"" << detail::svg_plot::palette()[k % detail::svg_plot::palette().size()]
               << "\" fill-opacity=\"" << o.opacity << "\">\n";
            for (std::size_t i = 0; i < std::min(s[k].x.size(), s[k].y.size()); ++i)
                if (std::isfinite(s[k].x[i]) && std::isfinite(s[k].y[i]))
                    os << "<circle cx=\"" << detail::svg_plot::number(f.px(s[k].x[i])) << "\" cy=\""
                       << detail::svg_plot::number(f.py(s[k].y[i])) << "\" r=\"" << o.marker_radius << "\"/>\n";
            os << "</g>\n";
        }
    });
}

/// Places SVG documents (as returned above) side by side, `gap` pixels apart.
inline std::string side_by_side_svg(const std::vector<std::string>& panels, int gap = 16) {
    auto attribute = [](const std::string& svg, const std::string& name) {
        const auto p = svg.find(name + "=\"");
        if (p == std::string::npos) return 0;
        return std::atoi(svg.c_str() + p + name.size() + 2);
    };
    int width = 0, height = 0;
    for (const auto& p : panels) {
        width += attribute(p, "width") + (width ? gap : 0);
        height = std::max(height, attribute(p, "height"));
    }
    std::ostringstream os;
    os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
       << "\" viewBox=\"0 0 " << width << ' ' << height
       << "\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    int x = 0;
    for (const auto& p : panels) {
        // Nested <svg> elements position each panel; drop the xmlns, keep the rest.
        std::string inner = p;
        const std::string ns = " xmlns=\"http://www.w3.org/2000/svg\"";
        if (auto k = inner.find(ns); k != std::string::npos) inner.erase(k, ns.size());
        inner.insert(4, " x=\"" + std::to_string(x) + "\" y=\"0\"");
        os << inner;
        x += attribute(p, "width") + gap;
    }
    os << "</svg>\n";
    return os.str();
}

}  // namespace deepvis::viz
