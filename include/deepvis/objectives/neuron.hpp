#pragma once
/// Objectives on one unit of a hidden layer (Erhan et al. 2009; Olah et al. 2017, "Feature
/// Visualization"): a single neuron, or the mean of a whole channel. Values are summed over the
/// batch. See objectives/objective.hpp for the concept and the sign convention.
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/objectives/objective.hpp>
#include <string>

namespace deepvis {

namespace detail {
// (N, C, rest...) viewed as N × C × plane.
struct channel_view {
    std::size_t n, c, plane;
};
inline channel_view view_channels(const char* who, const std::string& layer, const tensor& a, std::int64_t channel) {
    DEEPVIS_CHECK(a.dimension() >= 2, shape_error,
                  who << " '" << layer << "': activation " << shape_string(a.shape()) << " has no channel axis");
    channel_view v{a.shape()[0], a.shape()[1], 0};
    v.plane = a.size() / (v.n * v.c);
    DEEPVIS_CHECK(
        channel >= 0 && static_cast<std::size_t>(channel) < v.c, config_error,
        who << " '" << layer << "': channel " << channel << " out of range; the layer has " << v.c << " channels");
    return v;
}
}  // namespace detail

inline namespace objectives {

/// L = Σ_n a[n, channel, y, x]: one neuron. For a 2-D activation (N, K) y and x must be 0.
struct neuron {
    std::string layer = {};
    std::int64_t channel = 0;
    std::int64_t y = 0, x = 0;

    std::string tap() const { return layer; }
    double loss_and_gradient(const tensor& a, tensor& g) const {
        const auto v = detail::view_channels("neuron", layer, a, channel);
        const std::size_t h = a.dimension() >= 3 ? a.shape()[2] : 1, w = a.dimension() >= 4 ? a.shape()[3] : 1;
        DEEPVIS_CHECK(
            y >= 0 && x >= 0 && static_cast<std::size_t>(y) < h && static_cast<std::size_t>(x) < w, config_error,
            "neuron '" << layer << "': position (" << y << ", " << x << ") outside the " << h << "×" << w << " map");
        ensure_shape(g, a.shape());
        std::fill(g.begin(), g.end(), 0.0f);
        double s = 0.0;
        for (std::size_t n = 0; n < v.n; ++n) {
            const std::size_t e = (n * v.c + static_cast<std::size_t>(channel)) * v.plane + y * w + x;
            s += a.data()[e];
            g.data()[e] = 1.0f;
        }
        return s;
    }
};

/// L = Σ_n mean_{y,x} a[n, channel, y, x]: a whole channel ("conv4_3", 17).
struct channel_mean {
    std::string layer = {};
    std::int64_t channel = 0;

    std::string tap() const { return layer; }
    double loss_and_gradient(const tensor& a, tensor& g) const {
        const auto v = detail::view_channels("channel_mean", layer, a, channel);
        ensure_shape(g, a.shape());
        std::fill(g.begin(), g.end(), 0.0f);
        const float inv = 1.0f / static_cast<float>(v.plane);
        double s = 0.0;
        for (std::size_t n = 0; n < v.n; ++n) {
            const std::size_t base = (n * v.c + static_cast<std::size_t>(channel)) * v.plane;
            double c = 0.0;
            for (std::size_t p = 0; p < v.plane; ++p) {
                c += a.data()[base + p];
                g.data()[base + p] = inv;
            }
            s += c / static_cast<double>(v.plane);
        }
        return s;
    }
};

}  // namespace objectives
}  // namespace deepvis
