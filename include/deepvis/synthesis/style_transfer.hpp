#pragma once
/// Neural style transfer (Gatys, Ecker & Bethge 2016, "Image style transfer using convolutional
/// neural networks"):
///   minimise  w_c · Σ(F_c(x) − F_c(content))²  +  Σ_ℓ w_ℓ · r · Σ(G_ℓ(x) − A_ℓ)²  +  w_TV · TV(x)
/// with A_ℓ = Σ_i b_i G_ℓ(style_i) / Σ_i b_i blended over one or more style images with weights
/// b_i (style images may have their own sizes: a Gram matrix is C × C). The content, all style
/// layers and the TV prior cost one forward and ONE backward pass per step. Gram normalisation
/// and reduction are options (objectives/style.hpp); the defaults are the course version of
/// REFERENCE.md (G = F Fᵀ/(C·H·W), Σ(G − A)², content 5e-2, TV 5e-2) with L-BFGS (history 100,
/// step 1) as in the Lua implementation. Optional colour preservation keeps the content's colours
/// and takes only the luminance from the result (Gatys et al. 2016, "Preserving color in neural
/// artistic style transfer", luminance transfer in YIQ). The result carries each term's value at
/// the first and the last image (style_terms), so a caller can see how far the style loss fell;
/// make_style_transfer_objective() builds the same objective for use with solve() directly.
/// The image moves in the standardised pixel space of synthesis/pixel_space.hpp: the step sizes
/// and the TV weight mean the same for every model's preprocessing (the content and style
/// weights scale with the model's features, which depend on the network, not on its input).
#include <cstdint>
#include <deepvis/nn/model.hpp>
#include <deepvis/objectives/content.hpp>
#include <deepvis/objectives/style.hpp>
#include <deepvis/objectives/total_variation.hpp>
#include <deepvis/regularizers/clamp.hpp>
#include <deepvis/solvers/adam.hpp>
#include <deepvis/solvers/lbfgs.hpp>
#include <deepvis/solvers/solve.hpp>
#include <deepvis/synthesis/common.hpp>
#include <deepvis/synthesis/pixel_space.hpp>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace deepvis {
inline namespace synthesis {

/// A style image (1, C, H, W) in the model's input space and its blend weight b_i.
struct style_image {
    tensor image = {};
    double weight = 1.0;
};

enum class style_optimizer { lbfgs, adam };
enum class style_init { content, noise };

struct style_transfer_options {
    std::string content_layer = {};
    double content_weight = 5e-2;
    /// (layer, w_ℓ) pairs.
    std::vector<std::pair<std::string, double>> style_layers = {};
    gram_normalization normalization = gram_normalization::by_size;
    style_reduction reduction = style_reduction::sum;
    double tv_weight = 5e-2;
    style_init init = style_init::content;
    float noise_scale = 1.0f;  ///< init = noise: N(0, noise_scale²)
    style_optimizer optimizer = style_optimizer::lbfgs;
    std::size_t iterations = 200;
    double step_size = 1.0;     ///< L-BFGS step, or Adam's lr (the course uses 3.0)
    std::size_t history = 100;  ///< L-BFGS
    std::size_t decay_at = 0;   ///< Adam: switch to decayed_step_size at this step (course: 180)
    double decayed_step_size = 0.1;
    /// How pixels become the model's input (synthesis/pixel_space.hpp).
    input_preprocessing preprocessing = {};
    bool clamp = true;            ///< keep the image inside the image of [0, 1] pixels …
    std::size_t clamp_until = 0;  ///< … while step < clamp_until (0: always)
    bool preserve_colour = false;
    std::uint64_t seed = 0;
};

/// Keeps the colours of `content` and the luminance of `result`, both pixels (N, 3, H, W) R, G, B
/// in [0, 1]: Y from result, I and Q from content.
inline tensor preserve_colour(const tensor& result, const tensor& content) {
    DEEPVIS_CHECK(result.dimension() == 4 && result.shape()[1] == 3 && result.shape() == content.shape(), shape_error,
                  "preserve_colour: needs two (N, 3, H, W) images of one shape, got "
                      << shape_string(result.shape()) << " and " << shape_string(content.shape()));
    tensor out = result;
    const std::size_t n = result.shape()[0], plane = result.shape()[2] * result.shape()[3];
    auto rgb = [&](const tensor& t, std::size_t b, std::size_t c, std::size_t e) {
        return t.data()[(b * 3 + c) * plane + e];
    };
    for (std::size_t b = 0; b < n; ++b)
        for (std::size_t e = 0; e < plane; ++e) {
            const float y =
                0.299f * rgb(result, b, 0, e) + 0.587f * rgb(result, b, 1, e) + 0.114f * rgb(result, b, 2, e);
            const float r = rgb(content, b, 0, e), g = rgb(content, b, 1, e), bl = rgb(content, b, 2, e);
            const float i = 0.596f * r - 0.274f * g - 0.322f * bl, q = 0.211f * r - 0.523f * g + 0.312f * bl;
            const float out_rgb[3] = {y + 0.956f * i + 0.621f * q, y - 0.272f * i - 0.647f * q,
                                      y - 1.106f * i + 1.703f * q};
            for (std::size_t c = 0; c < 3; ++c) out.data()[(b * 3 + c) * plane + e] = out_rgb[c];
        }
    return out;
}

/// The blended target Gram matrices A_ℓ of the style images at each style layer.
template <Model M>
std::vector<style_layer> style_targets(const M& model, const std::vector<style_image>& styles,
                                       const style_transfer_options& o) {
    DEEPVIS_CHECK(!styles.empty(), config_error, "style_transfer: no style image given");
    DEEPVIS_CHECK(!o.style_layers.empty(), config_error, "style_transfer: no style layer given");
    std::vector<style_layer> layers = {};
    for (const auto& [name, w] : o.style_layers) layers.push_back({model.resolve(name), w, tensor()});
    double total = 0.0;
    for (const auto& s : styles) total += s.weight;
    DEEPVIS_CHECK(total > 0.0, config_error, "style_transfer: the style weights sum to " << total);
    typename M::trace_type trace;
    std::vector<char> started(layers.size(), 0);
    for (const auto& s : styles) {
        model.forward(s.image, trace);
        for (std::size_t k = 0; k < layers.size(); ++k) {
            auto& l = layers[k];
            tensor g = gram_matrix(model.activation(trace, l.layer), o.normalization);
            // Average over the style image's own batch, then blend with weight b_i / Σ b.
            const std::size_t n = g.shape()[0], c = g.shape()[1];
            if (!started[k]) l.target = xt::zeros<float>(shape_type{c, c});
            started[k] = 1;
            const auto f = static_cast<float>(s.weight / total / double(n));
            for (std::size_t b = 0; b < n; ++b)
                for (std::size_t e = 0; e < c * c; ++e) l.target.data()[e] += f * g.data()[b * c * c + e];
        }
    }
    return layers;
}

/// The three terms of the style-transfer objective at one image (each already weighted; the TV
/// term of the image the model is given — style_transfer() gives its pixel_space):
/// content w_c·Σ(F − P)², style Σ_ℓ w_ℓ·r·Σ(G_ℓ − A_ℓ)², tv w_TV·TV(x).
struct style_terms {
    double content = 0.0, style = 0.0, tv = 0.0;
    double total() const { return content + style + tv; }
};

/// The objective style_transfer() minimises, with its targets: the content features P at the
/// content layer and the blended style Grams A_ℓ. sum() is the composed objective for solve();
/// terms() evaluates each term at an image (one forward pass) — e.g. to see how far the style
/// loss fell.
struct style_transfer_objective {
    content_loss content = {};
    style_loss style = {};
    total_variation tv = {};

    auto sum() const { return content + style + tv; }

    template <Model M>
    style_terms terms(const M& model, const tensor& x) const {
        typename M::trace_type trace;
        std::vector<std::string> wanted = style.taps();
        wanted.push_back(content.layer);
        if constexpr (PartialForward<M>)
            model.forward(x, trace, std::span<const std::string>(wanted));
        else
            model.forward(x, trace);
        tensor g;
        style_terms t;
        t.content = content.loss_and_gradient(model.activation(trace, content.layer), g);
        std::vector<const tensor*> acts;
        for (const auto& l : style.layers) acts.push_back(&model.activation(trace, l.layer));
        std::vector<tensor> grads(acts.size());
        std::vector<tensor*> gptr;
        for (auto& gi : grads) gptr.push_back(&gi);
        t.style = style.loss_and_gradient(std::span<const tensor* const>(acts), std::span<tensor* const>(gptr));
        ensure_shape(g, x.shape());
        t.tv = tv.loss_and_gradient(x, g);
        return t;
    }
};

/// Builds the style-transfer objective for `content` (N, C, H, W) and `styles` (one forward pass
/// per image).
template <Model M>
style_transfer_objective make_style_transfer_objective(const M& model, const tensor& content,
                                                       const std::vector<style_image>& styles,
                                                       const style_transfer_options& o) {
    DEEPVIS_CHECK(!o.content_layer.empty(), config_error, "style_transfer: no content layer given");
    const std::string content_layer = model.resolve(o.content_layer);
    typename M::trace_type trace;
    model.forward(content, trace);
    return {.content = {.layer = content_layer,
                        .target = model.activation(trace, content_layer),
                        .weight = o.content_weight},
            .style = {.layers = style_targets(model, styles, o),
                      .normalization = o.normalization,
                      .reduction = o.reduction},
            .tv = {.weight = o.tv_weight}};
}

/// A style-transfer result: the image and the run's report, and the objective's terms at the
/// initial and at the optimised image (before colour preservation).
struct style_transfer_result : synthesis_result {
    style_terms start = {}, end = {};
};

/// Renders `content` (N, C, H, W) in the style of `styles`.
template <class M, Callback Cb = no_callback>
style_transfer_result style_transfer(const M& model, const tensor& content, const std::vector<style_image>& styles,
                                     const style_transfer_options& o, Cb callback = {}) {
    static_assert(Model<M>, "style_transfer: the model must satisfy deepvis::Model (nn/model.hpp)");
    const style_transfer_objective parts = make_style_transfer_objective(model, content, styles, o);
    const auto objective = parts.sum();
    const pixel_space<M> space(model, o.preprocessing);
    const tensor start = space.from_input(content);
    tensor u = o.init == style_init::content
                   ? start
                   : detail::initial(shape_of(content), initial_image::normal, o.seed, o.noise_scale);
    style_transfer_result r;
    r.start = parts.terms(space, u);
    clamp_pixels clamp{.low = {-INFINITY}, .high = {INFINITY}};
    if (o.clamp) clamp = space.clamp(content.shape()[1], o.clamp_until);
    const solve_options so{.iterations = o.iterations, .seed = o.seed};
    auto cb = detail::in_input_space(space, callback);
    const problem p{space, objective, clamp};
    if (o.optimizer == style_optimizer::lbfgs)
        r.report = solve(p, lbfgs{.step_size = o.step_size, .history = o.history}, u, so, cb);
    else
        r.report =
            solve(p, adam{.step_size = o.step_size, .decay_at = o.decay_at, .decayed_step_size = o.decayed_step_size},
                  u, so, cb);
    r.end = parts.terms(space, u);
    if (o.preserve_colour)
        u = pixel_space<M>::from_pixels(
            preserve_colour(pixel_space<M>::to_pixels(u), pixel_space<M>::to_pixels(start)));
    r.image = space.to_input(u);
    return r;
}

}  // namespace synthesis
}  // namespace deepvis
