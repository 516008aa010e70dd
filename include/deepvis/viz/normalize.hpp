#pragma once
/// Normalisation of attribution maps for display, per batch item:
///   normalize_percentile: clip to the [low, high] percentiles, then scale to [0, 1] (the usual
///                         "clip the top 1 %" of saliency visualisers);
///   normalize_min_max:    (m − min)/(max − min), a constant map becomes 0;
///   normalize_signed:     m / (2·P_high(|m|)) + ½ clipped to [0, 1]: zero maps to ½, for the
///                         diverging colormap.
/// Maps are (H, W) (one item) or (N, …) (N items, each normalised on its own).
#include <algorithm>
#include <cmath>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <vector>

namespace deepvis::viz {

/// The q-th percentile (0–100) of values, by linear interpolation between order statistics
/// (NumPy's default).
inline float percentile(std::vector<float> values, double q) {
    DEEPVIS_CHECK(!values.empty(), shape_error, "percentile: no values");
    DEEPVIS_CHECK(q >= 0.0 && q <= 100.0, config_error, "percentile: " << q << " is outside [0, 100]");
    std::sort(values.begin(), values.end());
    const double pos = q / 100.0 * double(values.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, values.size() - 1);
    return static_cast<float>(values[lo] + (pos - double(lo)) * (values[hi] - values[lo]));
}

struct percentile_options {
    double low = 1.0;
    double high = 99.0;
};

}  // namespace deepvis::viz

namespace deepvis::detail::viz_normalize {
template <class F>
tensor per_item(const tensor& map, F&& f) {
    DEEPVIS_CHECK(map.dimension() >= 2 && map.size() > 0, shape_error,
                  "normalize: map has shape " << shape_string(map.shape()) << ", expected (H, W) or (N, ...)");
    tensor out = map;
    const std::size_t n = map.dimension() == 2 ? 1 : map.shape()[0], plane = map.size() / n;
    for (std::size_t i = 0; i < n; ++i) f(out.data() + i * plane, plane);
    return out;
}
}  // namespace deepvis::detail::viz_normalize

namespace deepvis::viz {

inline tensor normalize_percentile(const tensor& map, const percentile_options& options = {}) {
    DEEPVIS_CHECK(options.low < options.high, config_error,
                  "normalize_percentile: low " << options.low << " must be below high " << options.high);
    return deepvis::detail::viz_normalize::per_item(map, [&](float* p, std::size_t size) {
        const std::vector<float> v(p, p + size);
        const float lo = percentile(v, options.low), hi = percentile(v, options.high);
        const float range = hi - lo;
        for (std::size_t e = 0; e < size; ++e) p[e] = range > 0.0f ? std::clamp((p[e] - lo) / range, 0.0f, 1.0f) : 0.0f;
    });
}

inline tensor normalize_min_max(const tensor& map) {
    return deepvis::detail::viz_normalize::per_item(map, [](float* p, std::size_t size) {
        const auto [lo, hi] = std::minmax_element(p, p + size);
        const float mn = *lo, range = *hi - *lo;
        for (std::size_t e = 0; e < size; ++e) p[e] = range > 0.0f ? (p[e] - mn) / range : 0.0f;
    });
}

inline tensor normalize_signed(const tensor& map, double high = 99.0) {
    return deepvis::detail::viz_normalize::per_item(map, [&](float* p, std::size_t size) {
        std::vector<float> a(size);
        for (std::size_t e = 0; e < size; ++e) a[e] = std::abs(p[e]);
        const float scale = percentile(std::move(a), high);
        for (std::size_t e = 0; e < size; ++e)
            p[e] = scale > 0.0f ? std::clamp(p[e] / (2.0f * scale) + 0.5f, 0.0f, 1.0f) : 0.5f;
    });
}

}  // namespace deepvis::viz
