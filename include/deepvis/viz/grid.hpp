#pragma once
/// vis_square: many maps or images tiled in a near-square grid with padding (the layout of the
/// Caffe "filter visualisation" notebook and the CS231n helper).
///   data: (N, H, W) maps or (N, C, H, W) images with C = 1 or 3.
///   ensures: (C, rows·(H + p) − p, cols·(W + p) − p) with cols = ⌈√N⌉ (or options.columns),
///            rows = ⌈N / cols⌉; values min-max scaled to [0, 1] over all tiles (or per tile),
///            padding and empty cells set to pad_value.
/// image_rows: several batches of images (each (N, C, H, W), same shape) as one grid, a row per
///   batch (e.g. originals above their reconstructions); values are taken as they are.
#include <algorithm>
#include <cmath>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <vector>

namespace deepvis::viz {

struct grid_options {
    std::size_t padding = 1;
    float pad_value = 1.0f;
    std::size_t columns = 0;  ///< 0: ⌈√N⌉
    bool normalize_each = false;
    bool normalize = true;  ///< false: values are already in [0, 1]
};

inline tensor vis_square(const tensor& data, const grid_options& options = {}) {
    DEEPVIS_CHECK(
        (data.dimension() == 3 || (data.dimension() == 4 && (data.shape()[1] == 1 || data.shape()[1] == 3))) &&
            data.shape()[0] > 0,
        shape_error,
        "vis_square: data has shape " << shape_string(data.shape())
                                      << ", expected (N, H, W) or (N, C, H, W) with C = 1 or 3");
    const std::size_t n = data.shape()[0], c = data.dimension() == 4 ? data.shape()[1] : 1;
    const std::size_t h = data.shape()[data.dimension() - 2], w = data.shape()[data.dimension() - 1];
    const std::size_t cols =
        options.columns ? options.columns : static_cast<std::size_t>(std::ceil(std::sqrt(double(n))));
    const std::size_t rows = (n + cols - 1) / cols, p = options.padding;
    const std::size_t gh = rows * (h + p) - p, gw = cols * (w + p) - p, tile = c * h * w;
    tensor out = xt::ones<float>({c, gh, gw}) * options.pad_value;
    float lo = 0.0f, hi = 1.0f;
    if (options.normalize && !options.normalize_each) {
        const auto [a, b] = std::minmax_element(data.data(), data.data() + data.size());
        lo = *a, hi = *b;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const float* src = data.data() + i * tile;
        if (options.normalize && options.normalize_each) {
            const auto [a, b] = std::minmax_element(src, src + tile);
            lo = *a, hi = *b;
        }
        const float range = hi - lo;
        const std::size_t y0 = (i / cols) * (h + p), x0 = (i % cols) * (w + p);
        for (std::size_t k = 0; k < c; ++k)
            for (std::size_t y = 0; y < h; ++y)
                for (std::size_t x = 0; x < w; ++x) {
                    const float v = src[(k * h + y) * w + x];
                    out(k, y0 + y, x0 + x) = !options.normalize ? v : range > 0.0f ? (v - lo) / range : 0.0f;
                }
    }
    return out;
}

inline tensor image_rows(const std::vector<tensor>& rows, const grid_options& options = {.padding = 2}) {
    DEEPVIS_CHECK(!rows.empty() && rows.front().dimension() == 4, shape_error,
                  "image_rows: expected at least one (N, C, H, W) batch");
    for (const auto& r : rows)
        DEEPVIS_CHECK(r.shape() == rows.front().shape(), shape_error,
                      "image_rows: a row has shape " << shape_string(r.shape()) << ", expected "
                                                     << shape_string(rows.front().shape()) << " like the first");
    auto s = rows.front().shape();
    const std::size_t n = s[0], per = rows.front().size();
    tensor all(shape_type{n * rows.size(), s[1], s[2], s[3]});
    for (std::size_t r = 0; r < rows.size(); ++r) std::copy(rows[r].data(), rows[r].data() + per, all.data() + r * per);
    grid_options o = options;
    o.columns = n;
    o.normalize = false;
    return vis_square(all, o);
}

}  // namespace deepvis::viz
