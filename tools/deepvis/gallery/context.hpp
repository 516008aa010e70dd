#pragma once
/// What the gallery's stages share: the classifier and its input batch, the pixels to show, the
/// class names, the predictions, the run's settings, and display helpers (nearest-neighbour
/// zoom so that 28×28 images are visible, signed maps, heatmaps and overlays).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/io/idx.hpp>
#include <deepvis/nn/network.hpp>
#include <deepvis/viz/colormap.hpp>
#include <deepvis/viz/normalize.hpp>
#include <deepvis/viz/overlay.hpp>
#include <filesystem>
#include <iomanip>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../common.hpp"
#include "../preprocessing.hpp"

namespace deepvis::cli::gallery {

struct context {
    // The classifier and what it is shown.
    nn::network model;
    std::string model_path = {};
    tensor x = {};                           ///< (N, C, H, W) in the model's input space
    tensor pixels = {};                      ///< (N, C, H, W) in [0, 1], for display
    std::vector<std::string> names = {};     ///< one per image
    std::vector<int> truth = {};             ///< true class per image, -1 when unknown
    std::vector<std::string> labels = {};    ///< class names, one per class
    preprocessing preprocess = {};           ///< how x was made from the images (undone for display)
    std::string preprocessing_caption = {};  ///< one line for captions

    // Settings.
    std::vector<std::int64_t> chosen_classes = {};   ///< --classes: class models to draw besides the predicted
    std::vector<std::filesystem::path> styles = {};  ///< --styles: paintings for style transfer
    bool quick = false;
    std::uint64_t seed = 0;
    std::size_t zoom = 1;  ///< nearest-neighbour factor for display

    // Fashion-MNIST extras: the test split and the autoencoders (empty paths: none).
    std::optional<io::labelled_images> test = {};
    std::filesystem::path autoencoder = {}, denoiser = {}, metrics_folder = {};
    float noise = 0.5f;

    // Predictions, computed once.
    tensor scores = {};                                   ///< (N, K) class scores (before any softmax)
    std::vector<std::vector<double>> probabilities = {};  ///< softmax of the scores
    std::vector<std::int64_t> top1 = {};

    std::size_t count() const { return x.shape()[0]; }
    std::size_t classes() const { return labels.size(); }
    std::string label(std::int64_t c) const {
        return c >= 0 && static_cast<std::size_t>(c) < labels.size() ? labels[static_cast<std::size_t>(c)]
                                                                     : "class " + std::to_string(c);
    }
    bool is_large() const { return x.shape()[2] * x.shape()[3] > 64 * 64; }

    /// Maps of attribution methods, computed once per method and shared between stages.
    std::map<std::string, tensor> maps = {};
    std::map<std::string, double> map_seconds = {};
};

/// "0.973"
inline std::string fixed(double v, int digits = 3) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(digits) << v;
    return os.str();
}

/// Item i of a batch (N, ...) as its own tensor (...).
inline tensor item(const tensor& batch, std::size_t i) {
    shape_type s(batch.shape().begin() + 1, batch.shape().end());
    tensor out(s);
    const std::size_t per = out.size();
    std::copy(batch.data() + i * per, batch.data() + (i + 1) * per, out.data());
    return out;
}

/// Items `which` of a batch (N, ...) as a new batch.
inline tensor items(const tensor& batch, const std::vector<std::size_t>& which) {
    shape_type s = shape_of(batch);
    s[0] = which.size();
    tensor out(s);
    const std::size_t per = batch.size() / batch.shape()[0];
    for (std::size_t k = 0; k < which.size(); ++k)
        std::copy(batch.data() + which[k] * per, batch.data() + (which[k] + 1) * per, out.data() + k * per);
    return out;
}

/// Nearest-neighbour zoom of (C, H, W) or (H, W) by an integer factor.
inline tensor zoom(const tensor& image, std::size_t factor) {
    if (factor <= 1) return image;
    const bool planes = image.dimension() == 3;
    const std::size_t c = planes ? image.shape()[0] : 1, h = image.shape()[planes], w = image.shape()[planes + 1];
    tensor out = planes ? tensor(shape_type{c, h * factor, w * factor}) : tensor(shape_type{h * factor, w * factor});
    const std::size_t ow = w * factor, oh = h * factor;
    for (std::size_t k = 0; k < c; ++k)
        for (std::size_t y = 0; y < oh; ++y)
            for (std::size_t xx = 0; xx < ow; ++xx)
                out.data()[(k * oh + y) * ow + xx] = image.data()[(k * h + y / factor) * w + xx / factor];
    return out;
}

/// Model-input images (N, C, H, W) back to pixels in [0, 1], R, G, B.
inline tensor to_pixels(const context& ctx, const tensor& x) { return ctx.preprocess.from_model(x); }

/// A signed map shaped like one input (C, H, W): one channel through the diverging colormap,
/// three as an RGB image; zero is mid-grey/white, ±P99(|g|) the ends.
inline tensor signed_image(const tensor& g) {
    tensor flat = g;
    flat.reshape({std::size_t{1}, g.size()});
    tensor scaled = viz::normalize_signed(flat);
    scaled.reshape(shape_of(g));
    if (g.shape()[0] == 1) {
        tensor plane = item(scaled, 0);
        return viz::colorize(plane, viz::colormap::diverging);
    }
    return scaled;
}

/// A non-negative map (H, W) through a colormap, clipped at its 1st and 99th percentiles.
inline tensor heat_image(const tensor& map, viz::colormap cmap = viz::colormap::viridis) {
    return viz::colorize(viz::normalize_percentile(map), cmap);
}

/// The map (H, W) over the pixels (C, H, W) of its image, jet at α = 0.5, min-max scaled.
inline tensor overlay_image(const tensor& pixels, const tensor& map) {
    return viz::overlay(pixels, viz::normalize_min_max(map), {.alpha = 0.5f, .map = viz::colormap::jet});
}

/// The outputs of the nodes of type `op_type` whose output is 4-D (N, K, h, w), in graph order:
/// the candidate layers for feature inversion, style and per-layer views.
inline std::vector<std::string> spatial_layers(const context& ctx, const std::string& op_type) {
    nn::network::trace t;
    ctx.model.forward(items(ctx.x, {0}), t);
    std::vector<std::string> out;
    for (const auto& nd : ctx.model.definition().nodes)
        if (nd.op_type == op_type && ctx.model.activation(t, nd.outputs.front()).dimension() == 4)
            out.push_back(nd.outputs.front());
    return out;
}

/// Up to k entries of v, evenly spread, always including the first and the last.
inline std::vector<std::string> spread(const std::vector<std::string>& v, std::size_t k) {
    if (v.size() <= k) return v;
    std::vector<std::string> out;
    for (std::size_t i = 0; i < k; ++i) out.push_back(v[(i * (v.size() - 1) + (k - 1) / 2) / (k - 1)]);
    return out;
}

}  // namespace deepvis::cli::gallery
