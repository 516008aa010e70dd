#pragma once
/// The gallery's synthesis stages: class-model visualisation, fooling images, feature
/// inversion and style transfer, each through the library's recipe (include/deepvis/synthesis/).
#include <deepvis/synthesis/class_model.hpp>
#include <deepvis/synthesis/deep_dream.hpp>
#include <deepvis/synthesis/fooling.hpp>
#include <deepvis/synthesis/inversion.hpp>
#include <deepvis/synthesis/style_transfer.hpp>
#include <set>
#include <string>
#include <vector>

#include "context.hpp"
#include "stage.hpp"

namespace deepvis::cli::gallery {

inline std::string status_text(const solve_report& r) {
    return r.message.empty() ? std::to_string(r.iterations) + " steps" : r.message;
}

/// The probability the model gives class c for an image (1, C, H, W).
inline double probability_of(const context& ctx, const tensor& image, std::size_t c) {
    nn::network::trace t;
    ctx.model.forward(image, t);
    return softmax_rows(ctx.model.scores(t))[0][c];
}

/// One image per class that maximises the class score (Simonyan et al. 2014).
inline stage class_model_stage(context& ctx) {
    return {
        "class_model", "Class-model visualisation",
        "Images optimised to maximise one class's unnormalised score (Simonyan, Vedaldi & Zisserman 2014, eq. 1), "
        "robust to small random shifts, scalings and rotations: with the CS231n regularisers (L2 penalty, "
        "Gaussian blur, clamping to valid pixels) on small images, through a Fourier parameterisation on photos. "
        "What the network considers the prototype of each class.",
        [&ctx](figures& f) {
            // Every class of a small model; else the --classes ones, then the predicted ones.
            std::vector<std::size_t> classes;
            std::string which = "every class";
            if (ctx.classes() <= 20 && ctx.chosen_classes.empty()) {
                for (std::size_t c = 0; c < ctx.classes(); ++c) classes.push_back(c);
            } else {
                std::set<std::size_t> seen;
                for (auto c : ctx.chosen_classes)
                    if (seen.insert(static_cast<std::size_t>(c)).second) classes.push_back(static_cast<std::size_t>(c));
                for (auto c : ctx.top1)
                    if (seen.insert(static_cast<std::size_t>(c)).second) classes.push_back(static_cast<std::size_t>(c));
                which = std::string(ctx.chosen_classes.empty() ? "" : "the classes chosen with --classes and ") +
                        "the predicted classes of the images (the model has " + std::to_string(ctx.classes()) + ")";
            }
            // Photos' size: the decorrelated-colour Fourier parameterisation (Olah et al. 2017), whose
            // ImageNet class models are whole recognisable objects (README: the comparison with pixels);
            // small grey images: the CS231n pixel recipe, which the Fashion-MNIST tests hold to p ≥ 0.99.
            const bool fourier = ctx.is_large() && ctx.x.shape()[1] == 3;
            const class_model_options o{
                .iterations = ctx.quick ? 30u : 100u,
                .preprocessing = ctx.preprocess.model_input(),
                .seed = ctx.seed,
                // The images' shape: a model with free spatial dimensions does not give one.
                .shape = {1, ctx.x.shape()[1], ctx.x.shape()[2], ctx.x.shape()[3]},
                .image_parameterisation = fourier ? parameterisation::fourier : parameterisation::pixels};
            report_image_table t{.columns = {""}};
            report_image_table::row row{.header = "", .cells = {}};
            const int width = ctx.is_large() ? 180 : 0;
            for (std::size_t c : classes) {
                const synthesis_result r = visualize_class(ctx.model, static_cast<std::int64_t>(c), o);
                t.columns.push_back(ctx.label(static_cast<std::int64_t>(c)));
                row.cells.push_back(
                    {.src = f.png("class_" + std::to_string(c), zoom(item(to_pixels(ctx, r.image), 0), ctx.zoom)),
                     .label = "p = " + fixed(probability_of(ctx, r.image, c)),
                     .width = width});
            }
            t.rows.push_back(std::move(row));
            const shape_type shape = shape_of(ctx.x);
            const std::string transforms =
                "jitter ±" + std::to_string(recipe_jitter({1, shape[1], shape[2], shape[3]})) + " px, scale ×[" +
                fixed(1.0 - o.scale_jitter, 2) + ", " + fixed(1.0 + o.scale_jitter, 2) + "], rotation ±" +
                fixed(o.rotation_degrees, 0) + "° at every step";
            t.caption =
                "For " + which + ": " +
                (fourier ? std::to_string(o.iterations) +
                               " Adam steps (lr 0.05) on a decorrelated-colour Fourier parameterisation of the image "
                               "(Olah et al. 2017: 1/f-scaled spectrum, sigmoid to [0, 1] pixels), " +
                               transforms + ", seed " + std::to_string(ctx.seed)
                         : std::to_string(o.iterations) + " steps of normalised gradient ascent, step " +
                               fixed(recipe_step_size({1, shape[1], shape[2], shape[3]}), 2) +
                               ", λ = " + fixed(o.l2_weight, 4) + ", blur σ = " + fixed(o.blur_sigma, 1) + " every " +
                               std::to_string(o.blur_every) + " steps, " + transforms + ", start N(0, 1) seed " +
                               std::to_string(ctx.seed)) +
                "; p = the model's probability of the class for the result. Zoom ×" + std::to_string(ctx.zoom) + ".";
            f.add(std::move(t));
        }};
}

/// Fooling images: the smallest push (projected sign-gradient steps inside an L∞ ball) that
/// makes the model predict another class, and the difference.
inline stage fooling_stage(context& ctx) {
    return {
        "fooling", "Fooling images",
        "Each image is pushed towards another class until the model predicts it (Szegedy et al. 2014): "
        "sign-gradient steps on the target's log-probability, every pixel kept within a small budget ε of the "
        "original (Kurakin et al. 2017; Madry et al. 2018). The difference image, amplified, shows how little "
        "had to change.",
        [&ctx](figures& f) {
            const std::size_t n = std::min<std::size_t>(ctx.quick ? 2 : 3, ctx.count());
            std::vector<std::size_t> which(n);
            std::iota(which.begin(), which.end(), std::size_t{0});
            std::vector<std::int64_t> targets;
            for (std::size_t i = 0; i < n; ++i)
                targets.push_back((ctx.top1[i] + static_cast<std::int64_t>(ctx.classes() / 2)) %
                                  static_cast<std::int64_t>(ctx.classes()));
            // The customary budgets: 8/255 with steps of 1/255 on photos (ImageNet), 0.3 with steps of
            // 0.01 on small grey images (Madry et al.'s MNIST setting).
            const fooling_options o{.method = fooling_method::linf,
                                    .max_iterations = ctx.quick ? 50u : 100u,
                                    .linf = ctx.is_large() ? 8.0 / 255.0 : 0.3,
                                    .linf_step = ctx.is_large() ? 1.0 / 255.0 : 0.01,
                                    .preprocessing = ctx.preprocess.model_input()};
            const fooling_result r = fool(ctx.model, items(ctx.x, which), targets, o);
            const tensor fooled = to_pixels(ctx, r.image), originals = items(ctx.pixels, which);
            report_image_table t{.columns = {"image", "original", "fooling image", "difference (amplified)"}};
            const int width = ctx.is_large() ? 200 : 0;
            for (std::size_t i = 0; i < n; ++i) {
                const tensor diff = item(fooled, i) - item(originals, i);
                double linf = 0;
                for (float v : diff) linf = std::max(linf, double(std::abs(v)));
                report_image_table::row row{.header = ctx.names[i], .cells = {}};
                const std::string s = std::to_string(i);
                row.cells.push_back({.src = f.png("original_" + s, zoom(item(originals, i), ctx.zoom)),
                                     .label = "predicted: " + ctx.label(r.original_class[i]),
                                     .width = width});
                row.cells.push_back(
                    {.src = f.png("fooled_" + s, zoom(item(fooled, i), ctx.zoom)),
                     .label =
                         "target " + ctx.label(targets[i]) + ", now: " + ctx.label(r.final_class[i]) + " (p = " +
                         fixed(probability_of(ctx, items(r.image, {i}), static_cast<std::size_t>(r.final_class[i]))) +
                         ")",
                     .width = width});
                row.cells.push_back({.src = f.png("difference_" + s, zoom(signed_image(diff), ctx.zoom)),
                                     .label = "max |Δpixel| = " + fixed(linf * 255.0, 1) + "/255, " +
                                              std::to_string(r.steps[i]) + " steps, ‖Δx‖₂ = " + fixed(r.l2[i]),
                                     .width = width});
                t.rows.push_back(std::move(row));
            }
            t.caption = "Target = (predicted + " + std::to_string(ctx.classes() / 2) + ") mod " +
                        std::to_string(ctx.classes()) + "; steps of " + fixed(o.linf_step * 255.0, 2) +
                        "/255 per pixel along sign(∂ log p_target/∂pixel), projected onto |Δpixel| ≤ " +
                        fixed(o.linf * 255.0, 1) + "/255 and [0, 1], stopping when the target is predicted, at most " +
                        std::to_string(o.max_iterations) + " steps; " + status_text(r.report) +
                        ". Difference in pixels: red brighter, blue darker, scaled to its own 99th percentile.";
            f.add(std::move(t));
            if (!r.success)
                f.text("Not every image reached its target within the step budget: " + r.report.message + ".");
        }};
}

/// Feature inversion at a shallow, a middle and a deep layer.
inline stage inversion_stage(context& ctx) {
    return {"inversion", "Feature inversion",
            "Images reconstructed from a layer's activations alone (Mahendran & Vedaldi 2015): start from noise and "
            "minimise the distance to the original's features plus a total-variation prior. Shallow layers keep the "
            "image; deep layers keep only what the class needs.",
            [&ctx](figures& f) {
                std::vector<std::string> relus;
                for (const auto& nd : ctx.model.definition().nodes)
                    if (nd.op_type == "Relu") relus.push_back(nd.outputs.front());
                if (relus.empty()) throw not_applicable("the model has no ReLU layer to invert");
                const std::vector<std::string> layers = spread(relus, 3);
                const std::size_t iterations = ctx.quick ? 60 : 200;
                const tensor reference = items(ctx.x, {0});
                report_image_table t{.columns = {"image", "original"}};
                report_image_table::row row{.header = ctx.names[0], .cells = {}};
                const int width = ctx.is_large() ? 200 : 0;
                row.cells.push_back(
                    {.src = f.png("original", zoom(item(ctx.pixels, 0), ctx.zoom)), .label = {}, .width = width});
                inversion_options o{.layer = {},
                                    .iterations = iterations,
                                    .decay_at = iterations * 9 / 10,
                                    .seed = ctx.seed,
                                    .preprocessing = ctx.preprocess.model_input()};
                if (ctx.is_large()) {
                    // The library's defaults: normalised feature loss (its weight does not depend on the scale of
                    // the network's features), TV 1e-4, Adam 0.3 decayed linearly to 0 (synthesis/inversion.hpp).
                    o.normalize = true;
                    o.feature_weight = 1.0;
                    o.tv_weight = 1e-4;
                    o.step_size = 0.3;
                    o.decay_at = 0;
                } else {
                    // Pixels in [0, 1] on a 28×28 image: the course's Adam step of 3 (for ImageNet-normalised
                    // 224×224 inputs) would jump across the whole range every step.
                    o.step_size = 0.1;
                    o.decayed_step_size = 0.01;
                    o.init_scale = 0.1f;
                }
                for (const auto& layer : layers) {
                    o.layer = layer;
                    const inversion_result r = invert(ctx.model, reference, o);
                    t.columns.push_back("from " + layer);
                    row.cells.push_back({.src = f.png(layer, zoom(item(to_pixels(ctx, r.images[r.best]), 0), ctx.zoom)),
                                         .label = "relative feature error " + fixed(r.feature_error[r.best]),
                                         .width = width});
                }
                t.rows.push_back(std::move(row));
                t.caption = "minimise " + fixed(o.feature_weight, 3) + "·‖Φ(x) − Φ(x₀)‖²" +
                            (o.normalize ? std::string(" / ‖Φ(x₀)‖²") : std::string()) + " + " + fixed(o.tv_weight, 4) +
                            "·TV(x); Adam, " + std::to_string(iterations) + " steps, step " + fixed(o.step_size, 2) +
                            (o.decay_at == 0
                                 ? std::string(" decayed linearly to 0")
                                 : " → " + fixed(o.decayed_step_size, 2) + " at step " + std::to_string(o.decay_at)) +
                            ", start N(0, " + fixed(o.init_scale, 2) + "²) seed " + std::to_string(ctx.seed) +
                            ", pixels clamped to [0, 1]. Relative feature error = ‖Φ(x) − Φ(x₀)‖² / ‖Φ(x₀)‖². Zoom ×" +
                            std::to_string(ctx.zoom) + ".";
                f.add(std::move(t));
            }};
}

/// DeepDream on the first image at a shallow, a middle and a deep layer.
inline stage deep_dream_stage(context& ctx) {
    return {
        "deep_dream", "DeepDream",
        "The first image, changed to excite a whole layer (Mordvintsev, Olah & Tyka 2015): gradient ascent on "
        "the layer's energy ½·mean(a²), from the photo, over several octaves. Shallow layers grow strokes and "
        "textures; deep layers grow parts of objects the network knows.",
        [&ctx](figures& f) {
            const std::vector<std::string> layers = spread(
                spatial_layers(ctx, "Concat").empty() ? spatial_layers(ctx, "Relu") : spatial_layers(ctx, "Concat"), 3);
            if (layers.empty()) throw not_applicable("the model has no 4-D layer to dream with");
            // Octaves need a model that takes every size.
            const auto& declared = ctx.model.input_info().shape;
            const bool free_size = declared.size() == 4 && declared[2] <= 0 && declared[3] <= 0;
            deep_dream_options o{.layer = {},
                                 .octaves = free_size ? (ctx.quick ? 2u : 4u) : 1u,
                                 .iterations = ctx.quick ? 5u : 10u,
                                 .preprocessing = ctx.preprocess.model_input(),
                                 .seed = ctx.seed};
            const int width = ctx.is_large() ? 200 : 0;
            report_image_table t{.columns = {"image", "original"}};
            report_image_table::row row{.header = ctx.names[0], .cells = {}};
            row.cells.push_back(
                {.src = f.png("original", zoom(item(ctx.pixels, 0), ctx.zoom)), .label = {}, .width = width});
            for (const auto& layer : layers) {
                o.layer = layer;
                const deep_dream_result r = deep_dream(ctx.model, items(ctx.x, {0}), o);
                t.columns.push_back(layer);
                row.cells.push_back({.src = f.png(layer, zoom(item(to_pixels(ctx, r.image), 0), ctx.zoom)),
                                     .label = "energy " + fixed(r.energy_before, 2) + " → " + fixed(r.energy_after, 2),
                                     .width = width});
            }
            t.rows.push_back(std::move(row));
            std::string sizes;
            for (std::size_t k = o.octaves; k-- > 0;) {
                const double scale = std::pow(o.octave_scale, double(k));
                sizes += (sizes.empty() ? "" : ", ") + std::to_string(std::lround(double(ctx.x.shape()[2]) / scale)) +
                         "×" + std::to_string(std::lround(double(ctx.x.shape()[3]) / scale));
            }
            t.caption = std::to_string(o.octaves) + " octave" + (o.octaves > 1 ? "s" : "") + " (" + sizes + ", ratio " +
                        fixed(o.octave_scale, 1) + ") of " + std::to_string(o.iterations) +
                        " normalised-gradient steps, step 12.5·√(C·H·W/150528) and jitter 16·side/224 px at each "
                        "octave's size, pixels clamped to [0, 1]; energy = ½·mean(a²) of the layer before → after. "
                        "Zoom ×" +
                        std::to_string(ctx.zoom) + ".";
            f.add(std::move(t));
        }};
}

/// Style transfer: the first image in the style of each painting of --styles, else of the last image.
inline stage style_transfer_stage(context& ctx) {
    return {"style_transfer", "Style transfer",
            "The first image redrawn with the textures of another (Gatys, Ecker & Bethge 2016): match the content "
            "image's features at a deep layer and the style image's Gram matrices at several layers, with a "
            "total-variation prior. One forward and one backward pass per step for all layers.",
            [&ctx](figures& f) {
                const std::vector<std::string> relus = spatial_layers(ctx, "Relu");
                if (relus.empty()) throw not_applicable("the model has no 4-D ReLU layer to take the style from");
                // The styles: the --styles paintings, prepared like the images; else the last image.
                tensor styles;
                std::vector<std::string> style_names;
                if (!ctx.styles.empty()) {
                    styles = ctx.preprocess.to_model(ctx.styles);
                    for (const auto& p : ctx.styles) style_names.push_back(p.filename().string());
                } else {
                    if (ctx.count() < 2)
                        throw not_applicable("style transfer needs two images (content and style), or --styles DIR");
                    styles = items(ctx.x, {ctx.count() - 1});
                    style_names.push_back(ctx.names.back());
                }
                const tensor style_pixels = to_pixels(ctx, styles);
                // Adam rather than the recipe's L-BFGS: with pixels clamped after every step, L-BFGS's
                // curvature pairs no longer describe the steps taken and the image turns to noise.
                // The step is 0.05 in pixel units: the pixel space's σ apart (synthesis/pixel_space.hpp).
                double mean_std = 0;
                const std::vector<float> unit_std = pixel_standardization::for_channels(ctx.x.shape()[1]).std;
                for (float v : unit_std) mean_std += v / double(unit_std.size());
                style_transfer_options o{.content_layer = relus.back(),
                                         .content_weight = 5e-2,
                                         .style_layers = {},
                                         .tv_weight = ctx.is_large() ? 5e-2 : 1e-3,
                                         .optimizer = style_optimizer::adam,
                                         .iterations = ctx.quick ? 50u : 200u,
                                         .step_size = 0.05 / mean_std,
                                         .preprocessing = ctx.preprocess.model_input(),
                                         .seed = ctx.seed};
                for (const auto& l : spread(relus, 5)) o.style_layers.emplace_back(l, ctx.is_large() ? 1e3 : 1e5);
                const int width = ctx.is_large() ? 224 : 0;
                report_image_table t{.columns = {"style", "content", "style image", "result"}};
                const tensor content = items(ctx.x, {0});
                for (std::size_t s = 0; s < style_names.size(); ++s) {
                    const synthesis_result r = style_transfer(ctx.model, content, {{items(styles, {s}), 1.0}}, o);
                    const std::string k = std::to_string(s);
                    t.rows.push_back(
                        {.header = style_names[s],
                         .cells = {{.src = f.png("content", zoom(item(ctx.pixels, 0), ctx.zoom)),
                                    .label = ctx.names[0],
                                    .width = width},
                                   {.src = f.png("style_" + k, zoom(item(style_pixels, s), ctx.zoom)),
                                    .label = style_names[s],
                                    .width = width},
                                   {.src = f.png("result_" + k, zoom(item(to_pixels(ctx, r.image), 0), ctx.zoom)),
                                    .label = status_text(r.report),
                                    .width = width}}});
                }
                std::string style_layers;
                for (const auto& [l, w] : o.style_layers)
                    style_layers += (style_layers.empty() ? "" : ", ") + l + " (" + fixed(w, 0) + ")";
                t.caption =
                    "Content layer " + o.content_layer + " (weight " + fixed(o.content_weight, 3) + "), style layers " +
                    style_layers + ", Gram G = FFᵀ/(C·H·W), TV weight " + fixed(o.tv_weight, 4) + "; Adam, step " +
                    fixed(o.step_size, 3) + ", " + std::to_string(o.iterations) +
                    " steps from the content image, pixels clamped to [0, 1]; style images prepared like the images (" +
                    ctx.preprocess.describe() + "). Zoom ×" + std::to_string(ctx.zoom) + ".";
                f.add(std::move(t));
            }};
}

}  // namespace deepvis::cli::gallery
