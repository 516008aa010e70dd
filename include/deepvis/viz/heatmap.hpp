#pragma once
/// Writing attribution maps: save_heatmap_png colours one map (H, W) and writes it as PNG;
/// save_overlay_png blends it over its image. Both write atomically through io/image.hpp
/// (stb_image_write + io/atomic_file.hpp); numbers go to .npy with io::save_npy (io/npy.hpp).
#include <deepvis/io/image.hpp>
#include <deepvis/io/npy.hpp>
#include <deepvis/viz/colormap.hpp>
#include <deepvis/viz/normalize.hpp>
#include <deepvis/viz/overlay.hpp>
#include <filesystem>

namespace deepvis::viz {

enum class map_scaling {
    percentile,  ///< clip to the 1st–99th percentiles (default for unsigned maps)
    min_max,
    signed_map,  ///< zero at the centre of the colormap (use with colormap::diverging)
    none         ///< values already in [0, 1]
};

struct heatmap_options {
    colormap map = colormap::jet;
    map_scaling scaling = map_scaling::percentile;
    float alpha = 0.5f;  ///< for overlays
};

/// The map (H, W) scaled to [0, 1] as the options say.
inline tensor scale_map(const tensor& map, map_scaling scaling) {
    switch (scaling) {
        case map_scaling::percentile:
            return normalize_percentile(map);
        case map_scaling::min_max:
            return normalize_min_max(map);
        case map_scaling::signed_map:
            return normalize_signed(map);
        case map_scaling::none:
            return map;
    }
    return map;
}

inline void save_heatmap_png(const std::filesystem::path& path, const tensor& map,
                             const heatmap_options& options = {}) {
    DEEPVIS_CHECK(map.dimension() == 2, shape_error,
                  "save_heatmap_png '" << path.string() << "': map has shape " << shape_string(map.shape())
                                       << ", expected (H, W)");
    io::save_png(path, colorize(scale_map(map, options.scaling), options.map));
}

/// image: (C, H, W) in [0, 1], C = 1 or 3; map: (H, W), resized to the image if needed.
inline void save_overlay_png(const std::filesystem::path& path, const tensor& image, const tensor& map,
                             const heatmap_options& options = {}) {
    io::save_png(path, overlay(image, scale_map(map, options.scaling), {.alpha = options.alpha, .map = options.map}));
}

}  // namespace deepvis::viz
