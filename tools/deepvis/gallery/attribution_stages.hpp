#pragma once
/// The gallery's explanation stages: predictions, attribution maps side by side (gradient-based
/// and perturbation-based), Grad-CAM of the top-3 classes, per-layer gradient grids, the
/// deletion/insertion faithfulness table, and the README overview picture.
#include <chrono>
#include <deepvis/attribution/deconvolution.hpp>
#include <deepvis/attribution/faithfulness.hpp>
#include <deepvis/attribution/gradcam.hpp>
#include <deepvis/attribution/gradcam_plus_plus.hpp>
#include <deepvis/attribution/guided_backprop.hpp>
#include <deepvis/attribution/guided_gradcam.hpp>
#include <deepvis/attribution/input_x_gradient.hpp>
#include <deepvis/attribution/integrated_gradients.hpp>
#include <deepvis/attribution/layer_gradients.hpp>
#include <deepvis/attribution/object_mask.hpp>
#include <deepvis/attribution/occlusion.hpp>
#include <deepvis/attribution/saliency.hpp>
#include <deepvis/attribution/score_cam.hpp>
#include <deepvis/attribution/smoothgrad.hpp>
#include <deepvis/attribution/top_k.hpp>
#include <deepvis/core/scores.hpp>
#include <deepvis/viz/grid.hpp>
#include <deepvis/viz/plot.hpp>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "../attribution_methods.hpp"
#include "context.hpp"
#include "stage.hpp"

namespace deepvis::cli::gallery {

/// The gallery's arguments of a registry method: fewer samples with --quick, a seed from
/// --seed, occlusion windows of 1/7 of the side — overlapping by half on small images, side by
/// side on large ones (49 instead of 169 forward passes per image at 224×224).
inline method_arguments gallery_arguments(const context& ctx, const attribution_method& m) {
    std::map<std::string, std::string> values;
    if (m.name == "integrated-gradients") values["steps"] = ctx.quick ? "16" : "50";
    if (m.name == "smoothgrad") {
        values["samples"] = ctx.quick ? "10" : "50";
        values["seed"] = std::to_string(ctx.seed);
    }
    // Faster Score-CAM on a large model: its last layer may have a map per class (SqueezeNet: 1000 maps,
    // 4 000 forward passes for 4 images); the 128 most varied maps per image carry the picture.
    if (m.name == "score-cam" && ctx.is_large()) values["max-channels"] = ctx.quick ? "64" : "128";
    // RISE: its error falls as 1/sqrt(masks); at 400 the maps of SqueezeNet 1.0 were still blotchy.
    if (m.name == "rise") {
        values["masks"] = ctx.quick ? "200" : ctx.is_large() ? "800" : "1000";
        values["seed"] = std::to_string(ctx.seed);
    }
    if (m.name == "occlusion") {
        const std::size_t window = std::max<std::size_t>(2, ctx.x.shape()[2] / 7);
        values["window"] = std::to_string(window);
        values["stride"] = std::to_string(ctx.is_large() ? window : std::max<std::size_t>(1, window / 2));
    }
    return {m.parameters, std::move(values)};
}

/// The registry's methods shown in one of the two attribution sections: `perturbation` selects
/// those that run the model once per perturbed copy (occlusion, Score-CAM).
inline std::vector<const attribution_method*> gallery_methods(bool perturbation) {
    std::vector<const attribution_method*> out;
    for (const auto& m : attribution_methods())
        if (m.perturbation == perturbation) out.push_back(&m);
    return out;
}

/// "max over channels of |gradient| (Simonyan 2014); steps 16": the summary and the gallery's arguments.
inline std::string method_parameters(const context& ctx, const attribution_method& m) {
    const std::string overrides = gallery_arguments(ctx, m).overrides();
    return m.summary + (overrides.empty() ? "" : "; " + overrides);
}

/// The method's map for the predicted classes, computed on first use and kept in the context.
inline const tensor& method_map(context& ctx, const attribution_method& m) {
    if (auto it = ctx.maps.find(m.name); it != ctx.maps.end()) return it->second;
    const auto start = std::chrono::steady_clock::now();
    tensor map =
        m.compute(ctx.model, ctx.x, class_indices(ctx.top1.begin(), ctx.top1.end()), gallery_arguments(ctx, m));
    ctx.map_seconds[m.name] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return ctx.maps.emplace(m.name, std::move(map)).first->second;
}

/// The picture of item i of a method's map.
inline tensor method_image(const context& ctx, const attribution_method& m, const tensor& map, std::size_t i) {
    switch (m.display) {
        case display_kind::heatmap:
            return heat_image(item(map, i));
        case display_kind::cam:
            return overlay_image(item(ctx.pixels, i), item(map, i));
        case display_kind::signed_input:
            return signed_image(item(map, i));
        case display_kind::signed_map: {
            tensor plane = item(map, i);
            plane.reshape({std::size_t{1}, plane.shape()[0], plane.shape()[1]});
            return signed_image(plane);
        }
    }
    return {};
}

inline std::string image_row_header(const context& ctx, std::size_t i) {
    std::string h = ctx.names[i];
    if (ctx.truth[i] >= 0) h += " (true: " + ctx.label(ctx.truth[i]) + ")";
    return h;
}

/// Predictions with the top-3 classes.
inline stage predictions_stage(context& ctx) {
    return {"predictions", "Predictions",
            "The classifier's three most probable classes for each image (softmax of the class scores).",
            [&ctx](figures& f) {
                report_image_table t{.columns = {"image", "input", "1st", "2nd", "3rd"}};
                std::size_t correct = 0, known = 0;
                for (std::size_t i = 0; i < ctx.count(); ++i) {
                    report_image_table::row r{.header = image_row_header(ctx, i), .cells = {}};
                    r.cells.push_back({.src = f.png("input_" + std::to_string(i), zoom(item(ctx.pixels, i), ctx.zoom)),
                                       .label = ctx.names[i]});
                    for (std::size_t c : top_classes(ctx.probabilities[i], 3))
                        r.cells.push_back({.src = "",
                                           .label = ctx.label(static_cast<std::int64_t>(c)) +
                                                    "  p = " + fixed(ctx.probabilities[i][c])});
                    t.rows.push_back(std::move(r));
                    if (ctx.truth[i] >= 0) ++known, correct += ctx.truth[i] == ctx.top1[i];
                }
                t.caption = "Model " + ctx.model_path + "; " + ctx.preprocessing_caption + ".";
                if (known)
                    t.caption +=
                        " Top-1 correct on " + std::to_string(correct) + " of " + std::to_string(known) + " images.";
                f.add(std::move(t));
            }};
}

/// Attribution maps of every method side by side, one row per image.
inline stage attribution_stage(context& ctx, bool perturbation) {
    const std::string id = perturbation ? "perturbation" : "attribution";
    const std::string title = perturbation ? "Perturbation methods" : "Attribution maps side by side";
    std::string listed;  // from the registry: the section's methods, as it summarises them
    for (const auto* m : gallery_methods(perturbation)) listed += (listed.empty() ? "" : "; ") + m->summary;
    const std::string description =
        perturbation
            ? "Methods that explain by changing the input and running the model again (no gradient), for "
              "the predicted class: " +
                  listed + "."
            : "Every gradient-based explanation of the library for the predicted class of each image: " + listed +
                  ". Signed maps: red positive, blue negative (one channel) or an RGB image around grey "
                  "(three channels), clipped at the 99th percentile of |value|; CAMs are overlaid on the "
                  "image (jet, α = 0.5).";
    return {id, title, description, [&ctx, perturbation](figures& f) {
                const auto methods = gallery_methods(perturbation);
                report_image_table t{.columns = {"image", "input"}};
                for (const auto* m : methods) t.columns.push_back(m->title);
                std::vector<const tensor*> maps;
                for (const auto* m : methods) maps.push_back(&method_map(ctx, *m));
                const int width = ctx.is_large() ? 128 : 0;
                for (std::size_t i = 0; i < ctx.count(); ++i) {
                    report_image_table::row r{.header = image_row_header(ctx, i), .cells = {}};
                    r.cells.push_back({.src = f.png("input_" + std::to_string(i), zoom(item(ctx.pixels, i), ctx.zoom)),
                                       .label = "predicted: " + ctx.label(ctx.top1[i]),
                                       .width = width});
                    for (std::size_t k = 0; k < methods.size(); ++k)
                        r.cells.push_back({.src = f.png(methods[k]->name + "_" + std::to_string(i),
                                                        zoom(method_image(ctx, *methods[k], *maps[k], i), ctx.zoom)),
                                           .label = {},
                                           .width = width});
                    t.rows.push_back(std::move(r));
                }
                std::string caption = "Parameters: ";
                for (std::size_t k = 0; k < methods.size(); ++k)
                    caption += (k ? "; " : "") + methods[k]->title + ": " + method_parameters(ctx, *methods[k]) + " (" +
                               fixed(ctx.map_seconds[methods[k]->name], 2) + " s for the batch)";
                t.caption = caption + ". Images zoomed ×" + std::to_string(ctx.zoom) + " (nearest neighbour).";
                f.add(std::move(t));
                // A map that is zero everywhere is a finding about the model, not a drawing error: say so.
                for (std::size_t k = 0; k < methods.size(); ++k)
                    if (std::all_of(maps[k]->begin(), maps[k]->end(), [](float v) { return v == 0.0f; }))
                        f.text(methods[k]->title + ": the map is exactly zero for every image" +
                               (methods[k]->name == "deconvnet"
                                    ? std::string(
                                          ": it keeps max(g, 0) at every ReLU, and at some ReLU of this model every "
                                          "back-projected value is negative, so nothing reaches the input.")
                                    : std::string(".")));
            }};
}

/// Grad-CAM for the three highest-scoring classes.
inline stage gradcam_top3_stage(context& ctx) {
    return {
        "gradcam_top3", "Grad-CAM for the top-3 classes",
        "Where the last convolutional layer finds evidence for each of the three most probable classes "
        "(Grad-CAM, Selvaraju et al. 2017): the same image explains different classes with different regions.",
        [&ctx](figures& f) {
            const std::size_t k = std::min<std::size_t>(3, ctx.classes());
            const top_k_cams cams = gradcam_top_k(ctx.model, ctx.x, k);
            report_image_table t{.columns = {"image", "input"}};
            for (std::size_t r = 0; r < k; ++r) t.columns.push_back("rank " + std::to_string(r + 1));
            const int width = ctx.is_large() ? 180 : 0;
            for (std::size_t i = 0; i < ctx.count(); ++i) {
                report_image_table::row row{.header = image_row_header(ctx, i), .cells = {}};
                row.cells.push_back({.src = f.png("input_" + std::to_string(i), zoom(item(ctx.pixels, i), ctx.zoom)),
                                     .label = {},
                                     .width = width});
                const tensor per_image = item(cams.maps, i);  // (k, H, W)
                for (std::size_t r = 0; r < k; ++r) {
                    const std::int64_t c = cams.classes[i][r];
                    row.cells.push_back(
                        {.src = f.png(std::to_string(i) + "_" + std::to_string(r),
                                      zoom(overlay_image(item(ctx.pixels, i), item(per_image, r)), ctx.zoom)),
                         .label =
                             ctx.label(c) + " (p = " + fixed(ctx.probabilities[i][static_cast<std::size_t>(c)]) + ")",
                         .width = width});
                }
                t.rows.push_back(std::move(row));
            }
            t.caption =
                "Grad-CAM at the default layer (the last 4-D layer before pooling/flatten), ReLU, bilinear "
                "upsampling; each map min-max scaled and overlaid (jet, α = 0.5). Zoom ×" +
                std::to_string(ctx.zoom) + ".";
            f.add(std::move(t));
        }};
}

/// ∂S_c/∂A for every channel of several convolutional layers, as tiled grids.
inline stage layer_gradients_stage(context& ctx) {
    return {
        "layer_gradients", "Per-layer gradients",
        "The gradient of the predicted class score with respect to every channel of each convolutional layer, "
        "from one forward and one backward pass: which feature maps, and where, would raise the score.",
        [&ctx](figures& f) {
            std::vector<std::string> layers = spread(spatial_layers(ctx, "Conv"), 4);
            if (layers.empty()) throw not_applicable("the model has no convolutional layer with a 4-D output");
            const std::size_t images = ctx.quick ? 1 : std::min<std::size_t>(2, ctx.count());
            for (std::size_t i = 0; i < images; ++i) {
                const tensor x = items(ctx.x, {i});
                const auto grads = layer_gradients(ctx.model, x, {ctx.top1[i]}, layers);
                for (std::size_t l = 0; l < layers.size(); ++l) {
                    const tensor& g = grads[l];  // (1, K, h, w)
                    const std::size_t k = std::min<std::size_t>(64, g.shape()[1]), h = g.shape()[2], w = g.shape()[3];
                    // The k channels of largest gradient energy Σ g², in channel order: where the score is
                    // sensitive (a class score reads few of a deep layer's channels).
                    std::vector<double> energy(g.shape()[1]);
                    for (std::size_t ch = 0; ch < energy.size(); ++ch) {
                        double e = 0;
                        for (std::size_t p = 0; p < h * w; ++p)
                            e += double(g.data()[ch * h * w + p]) * g.data()[ch * h * w + p];
                        energy[ch] = e;
                    }
                    std::vector<std::size_t> shown = top_k(energy.data(), energy.size(), k);
                    std::sort(shown.begin(), shown.end());
                    tensor maps(shape_type{k, h, w});
                    for (std::size_t r = 0; r < k; ++r)
                        std::copy(g.data() + shown[r] * h * w, g.data() + (shown[r] + 1) * h * w,
                                  maps.data() + r * h * w);
                    tensor flat = maps;
                    flat.reshape({std::size_t{1}, maps.size()});
                    tensor scaled = viz::normalize_signed(flat);
                    scaled.reshape({k, h, w});
                    const tensor grid = viz::vis_square(viz::colorize(scaled, viz::colormap::diverging),
                                                        {.padding = 1, .pad_value = 1.0f, .normalize = false});
                    const std::size_t factor = std::max<std::size_t>(1, 360 / grid.shape()[2]);
                    f.figure(f.png(std::to_string(i) + "_" + std::to_string(l), zoom(grid, factor)),
                             ctx.names[i] + ", class " + ctx.label(ctx.top1[i]) + ": ∂S/∂" + layers[l] + ", " +
                                 std::to_string(k) +
                                 (k < g.shape()[1] ? " of " + std::to_string(g.shape()[1]) + " (those of largest Σg²)"
                                                   : "") +
                                 " channels of " + std::to_string(h) + "×" + std::to_string(w) +
                                 ", one colour scale for the layer (red +, blue −, clipped at P99 |g|), zoom ×" +
                                 std::to_string(factor) + ".");
                }
            }
        }};
}

/// Deletion and insertion AUC of every method that has a map.
inline stage faithfulness_stage(context& ctx) {
    return {
        "faithfulness", "Faithfulness: deletion and insertion",
        "How well each map ranks the pixels that matter (Petsiuk et al. 2018, RISE §4.2). Deletion removes "
        "pixels (sets them to 0) in decreasing order of the map and records the probability of the predicted "
        "class: lower area is better. Insertion starts from a blurred image and puts the pixels back: higher "
        "area is better. A random ordering is the reference.",
        [&ctx](figures& f) {
            const class_indices cls(ctx.top1.begin(), ctx.top1.end());
            const faithfulness_options options{.step_fraction = ctx.is_large() || ctx.quick ? 1.0 / 16.0 : 1.0 / 64.0};
            report_table t{.columns = {"method", "deletion AUC ↓", "insertion AUC ↑", "insertion − deletion"}};
            std::vector<viz::series> deletion, insertion;
            auto add = [&](const std::string& title, const tensor& map) {
                const auto d = deletion_curve(ctx.model, ctx.x, map, cls, options);
                const auto in = insertion_curve(ctx.model, ctx.x, map, cls, options);
                double da = 0, ia = 0;
                for (double v : d.auc) da += v / double(d.auc.size());
                for (double v : in.auc) ia += v / double(in.auc.size());
                t.rows.push_back({title, fixed(da), fixed(ia), fixed(ia - da)});
                auto mean_curve = [](const faithfulness_curve& c, const std::string& name) {
                    viz::series s{.name = name, .x = c.fractions, .y = {}};
                    const std::size_t n = c.probabilities.shape()[0], p = c.probabilities.shape()[1];
                    for (std::size_t j = 0; j < p; ++j) {
                        double v = 0;
                        for (std::size_t i = 0; i < n; ++i) v += c.probabilities(i, j) / double(n);
                        s.y.push_back(v);
                    }
                    return s;
                };
                deletion.push_back(mean_curve(d, title));
                insertion.push_back(mean_curve(in, title));
            };
            std::vector<std::string> failed;
            for (const auto& m : attribution_methods()) {
                try {
                    add(m.title, pixel_importance(m, method_map(ctx, m), true));
                } catch (const std::exception& e) {
                    failed.push_back(m.title + ": " + e.what());
                }
            }
            // The reference: a seeded random ordering.
            tensor random(shape_type{ctx.count(), ctx.x.shape()[2], ctx.x.shape()[3]});
            std::mt19937_64 rng(ctx.seed);
            std::uniform_real_distribution<float> u(0.0f, 1.0f);
            for (auto& v : random) v = u(rng);
            add("random (seed " + std::to_string(ctx.seed) + ")", random);
            t.caption = "Mean over the " + std::to_string(ctx.count()) + " images, class = the predicted one, " +
                        fixed(options.step_fraction * 100.0, 2) + " % of the pixels per step (" +
                        std::to_string(static_cast<int>(std::lround(1.0 / options.step_fraction))) +
                        " steps), trapezoid rule. Maps shaped like the input are summed over channels.";
            f.add(std::move(t));
            const std::string svg =
                viz::side_by_side_svg({viz::line_plot_svg(deletion, {.title = "deletion (mean p of the class)",
                                                                     .x_label = "fraction of pixels removed",
                                                                     .y_label = "p",
                                                                     .width = 600,
                                                                     .height = 400,
                                                                     .marker_radius = 1.5}),
                                       viz::line_plot_svg(insertion, {.title = "insertion",
                                                                      .x_label = "fraction of pixels inserted",
                                                                      .y_label = "p",
                                                                      .width = 600,
                                                                      .height = 400,
                                                                      .marker_radius = 1.5})});
            f.figure(f.svg("curves", svg), "Mean deletion and insertion curves of each method.");
            if (!failed.empty()) {
                std::string msg = "Left out of the table (the method failed):";
                for (const auto& s : failed) msg += " " + s + ";";
                f.text(msg);
                throw std::runtime_error(msg);
            }
        }};
}

/// GrabCut object masks seeded by the saliency map (Simonyan et al. 2014, §3.2).
inline stage object_mask_stage(context& ctx) {
    return {
        "object_masks", "Object masks from saliency (GrabCut)",
        "Weakly supervised localisation (Simonyan et al. 2014, §3.2): the pixels of highest saliency seed "
        "GrabCut's foreground colour model, the lowest its background; GrabCut (Rother et al. 2004) segments "
        "the image and the largest foreground component, with its bounding box, localises the object.",
        [&ctx](figures& f) {
            if constexpr (!grabcut_available)
                throw not_applicable("this deepvis was built without GrabCut (OpenCV, libopencv-dev)");
            if (ctx.x.shape()[1] != 3) throw not_applicable("GrabCut needs colour images");
            const attribution_method* m = find_attribution_method("saliency");
            DEEPVIS_ASSERT(m != nullptr);
            const tensor map = pixel_importance(*m, method_map(ctx, *m));
            const object_mask_options options{};
            report_image_table t{.columns = {"image", "input", "saliency", "seeds", "object mask and box"}};
            const int width = ctx.is_large() ? 180 : 0;
            const std::size_t h = ctx.x.shape()[2], w = ctx.x.shape()[3];
            for (std::size_t i = 0; i < ctx.count(); ++i) {
                const tensor px = item(ctx.pixels, i), sal = item(map, i);
                const object_mask_result r = object_mask(px, sal, options);
                // Seeds: foreground white, background black, undecided grey.
                tensor seeds(shape_type{h, w});
                const auto labels = grabcut_seeds(sal, options);
                for (std::size_t p = 0; p < labels.size(); ++p)
                    seeds.data()[p] = labels[p] == grabcut_label::foreground   ? 1.0f
                                      : labels[p] == grabcut_label::background ? 0.0f
                                                                               : 0.5f;
                // The image dimmed outside the mask, the box in red.
                tensor shown = px;
                for (std::size_t c = 0; c < 3; ++c)
                    for (std::size_t p = 0; p < h * w; ++p)
                        if (r.mask.data()[p] == 0.0f) shown.data()[c * h * w + p] *= 0.3f;
                if (!r.box.empty()) {
                    const std::size_t thick = std::max<std::size_t>(1, std::max(h, w) / 100);
                    auto paint = [&](std::size_t y, std::size_t x) {
                        shown(0, y, x) = 1.0f, shown(1, y, x) = 0.0f, shown(2, y, x) = 0.0f;
                    };
                    for (std::size_t y = r.box.y0; y < r.box.y1; ++y)
                        for (std::size_t x = r.box.x0; x < r.box.x1; ++x)
                            if (y < r.box.y0 + thick || y + thick >= r.box.y1 || x < r.box.x0 + thick ||
                                x + thick >= r.box.x1)
                                paint(y, x);
                }
                double area = 0;
                for (float v : r.mask) area += v;
                const std::string k = std::to_string(i);
                t.rows.push_back(
                    {.header = image_row_header(ctx, i),
                     .cells = {
                         {.src = f.png("input_" + k, zoom(px, ctx.zoom)),
                          .label = "predicted: " + ctx.label(ctx.top1[i]),
                          .width = width},
                         {.src = f.png("saliency_" + k, zoom(heat_image(sal), ctx.zoom)), .label = {}, .width = width},
                         {.src = f.png("seeds_" + k, zoom(seeds, ctx.zoom)), .label = {}, .width = width},
                         {.src = f.png("mask_" + k, zoom(shown, ctx.zoom)),
                          .label = r.box.empty()
                                       ? std::string("no object found")
                                       : "box x [" + std::to_string(r.box.x0) + ", " + std::to_string(r.box.x1) +
                                             "), y [" + std::to_string(r.box.y0) + ", " + std::to_string(r.box.y1) +
                                             "), mask " + fixed(100.0 * area / double(h * w), 1) + " % of the image",
                          .width = width}}});
            }
            t.caption =
                "Saliency (max |∂S_c/∂x| over channels) of the predicted class; seeds: foreground (white) above "
                "its P" +
                fixed(options.foreground_percentile, 0) + ", background (black) below its P" +
                fixed(options.background_percentile, 0) + ", the rest " +
                (options.unknown == grabcut_label::probable_background ? "probable background"
                                                                       : "probable foreground") +
                " (grey); OpenCV's GrabCut, " + std::to_string(options.iterations) + " iterations; the largest " +
                (options.eight_connected ? "8" : "4") + "-connected foreground component is kept. Zoom ×" +
                std::to_string(ctx.zoom) + ".";
            f.add(std::move(t));
        }};
}

/// overview.png: a few images with their saliency and Grad-CAM overlays, for the README.
inline stage overview_stage(context& ctx) {
    return {"overview", "Overview picture",
            "A compact picture for the README, written as overview.png beside this page: each row an image, its "
            "saliency map over it and its Grad-CAM over it, for the predicted class.",
            [&ctx](figures& f) {
                const std::size_t n = std::min<std::size_t>(ctx.quick ? 3 : 4, ctx.count());
                std::vector<std::size_t> which(n);
                std::iota(which.begin(), which.end(), std::size_t{0});
                const tensor x = items(ctx.x, which);
                const class_indices cls(ctx.top1.begin(), ctx.top1.begin() + static_cast<std::ptrdiff_t>(n));
                const tensor s = saliency(ctx.model, x, cls), g = gradcam(ctx.model, x, cls);
                const std::size_t h = x.shape()[2], w = x.shape()[3];
                tensor tiles(shape_type{3 * n, 3, h, w});
                auto put = [&](std::size_t slot, const tensor& rgb) {
                    const tensor full =
                        rgb.shape()[0] == 3 ? rgb : viz::overlay(rgb, tensor(shape_type{h, w}, 0.0f), {.alpha = 0.0f});
                    std::copy(full.data(), full.data() + full.size(), tiles.data() + slot * 3 * h * w);
                };
                for (std::size_t i = 0; i < n; ++i) {
                    const tensor px = item(ctx.pixels, i);
                    put(3 * i, px);
                    put(3 * i + 1, viz::overlay(px, viz::normalize_percentile(item(s, i)),
                                                {.alpha = 0.6f, .map = viz::colormap::jet}));
                    put(3 * i + 2, overlay_image(px, item(g, i)));
                }
                const std::size_t factor = std::max<std::size_t>(1, 128 / std::max(h, w));
                tensor big(shape_type{3 * n, 3, h * factor, w * factor});
                for (std::size_t t = 0; t < 3 * n; ++t) {
                    const tensor z = zoom(item(tiles, t), factor);
                    std::copy(z.data(), z.data() + z.size(), big.data() + t * z.size());
                }
                const tensor grid =
                    viz::vis_square(big, {.padding = 4, .pad_value = 1.0f, .columns = 3, .normalize = false});
                io::save_png(f.folder() / "overview.png", grid);
                std::string rows;
                for (std::size_t i = 0; i < n; ++i)
                    rows += (i ? ", " : "") + ctx.names[i] + " → " + ctx.label(ctx.top1[i]);
                f.figure("overview.png",
                         "Columns: input, saliency (max |∂S_c/∂x| over channels, clipped at P1–P99, jet "
                         "α = 0.6), Grad-CAM (jet α = 0.5); rows: " +
                             rows + ". Zoom ×" + std::to_string(factor) + ".");
            }};
}

}  // namespace deepvis::cli::gallery
