#pragma once
/// Class-model visualisation (Simonyan, Vedaldi & Zisserman 2014, eq. 1: argmax_I S_c(I) − λ‖I‖²₂)
/// with the regularisers of the CS231n recipe (REFERENCE.md, Synthesis): λ = 1e-3, 100 steps of
/// I ← I + lr·g/‖g‖ with lr = 25, Gaussian blur σ = 0.5 every 10 steps (also at step 0), random
/// circular jitter of up to 16 px undone after each step, clamping to the valid pixel range,
/// initial image N(0, 1). I is the standardised pixel image of synthesis/pixel_space.hpp (the
/// space the recipe was written for), mapped to the model's input through
/// options.preprocessing, so the numbers mean the same for every model. On images of other
/// sizes the jitter and the step keep their size per pixel (16·side/224 px; lr
/// 25·√(C·H·W/150528)). The same recipe visualises any objective: a channel or a neuron of any
/// layer (Erhan et al. 2009), or a user's own.
///
///   auto r = deepvis::visualize_class(model, 285, {.preprocessing = deepvis::input_preprocessing::caffe(),
///                                                 .seed = 1, .shape = {1, 3, 227, 227}});
///   // r.image: the model's input (BGR, 0..255 minus the mean for a Caffe network)
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <deepvis/nn/model.hpp>
#include <deepvis/objectives/class_score.hpp>
#include <deepvis/objectives/neuron.hpp>
#include <deepvis/objectives/total_variation.hpp>
#include <deepvis/regularizers/blur.hpp>
#include <deepvis/regularizers/clamp.hpp>
#include <deepvis/regularizers/jitter.hpp>
#include <deepvis/solvers/gradient_descent.hpp>
#include <deepvis/solvers/solve.hpp>
#include <deepvis/synthesis/common.hpp>
#include <deepvis/synthesis/pixel_space.hpp>

namespace deepvis {

struct class_model_options {
    std::size_t iterations = 100;
    double l2_weight = 1e-3;    ///< λ
    /// lr of the normalised-gradient step; unset: the recipe's 25 at 3×224×224, scaled to keep
    /// its per-pixel step at any image size: 25·√(C·H·W / 150528) (1.8 for 1×28×28). The
    /// unscaled 25 on a 28×28 image moves every pixel by ~0.9 per step and the result depends on
    /// the seed (Fashion-MNIST: p ≥ 0.99 for 9 or 10 classes out of 10 instead of all 10).
    std::optional<double> step_size = std::nullopt;
    double blur_sigma = 0.5;    ///< 0 disables the blur
    std::size_t blur_every = 10;
    /// Largest jitter in pixels; unset: 16 px scaled to the image (16 at 224 px, 2 at 28 px).
    std::optional<std::ptrdiff_t> jitter_pixels = std::nullopt;
    /// How pixels become the model's input (synthesis/pixel_space.hpp).
    input_preprocessing preprocessing = {};
    bool clamp = true;  ///< keep the image inside the image of [0, 1] pixels
    initial_image init = initial_image::normal;
    std::uint64_t seed = 0;
    shape_type shape = {};  ///< (N, C, H, W); default: the model's input with N = 1
};

/// The jitter the recipe uses for an H × W image: 16·min(H, W)/224 rounded, at least 1.
inline std::ptrdiff_t recipe_jitter(const shape_type& shape) {
    const double side = static_cast<double>(std::min(shape[2], shape[3]));
    return std::max<std::ptrdiff_t>(1, static_cast<std::ptrdiff_t>(std::lround(16.0 * side / 224.0)));
}

/// The recipe's step for an (N, C, H, W) image: 25·√(C·H·W / (3·224·224)).
inline double recipe_step_size(const shape_type& shape) {
    return 25.0 * std::sqrt(static_cast<double>(shape[1] * shape[2] * shape[3]) / (3.0 * 224.0 * 224.0));
}

/// Runs the recipe on any objective (solvers minimise: pass maximize(term) to ascend a term).
template <Model M, Objective O, Callback Cb = no_callback>
synthesis_result visualize(const M& model, const O& objective, const class_model_options& o = {}, Cb callback = {}) {
    static_assert(Model<M>, "visualize: the model must satisfy deepvis::Model (nn/model.hpp)");
    static_assert(Objective<O>, "visualize: the objective must satisfy deepvis::Objective (objectives/objective.hpp)");
    const shape_type shape = detail::input_shape(model, o.shape);
    const pixel_space<M> space(model, o.preprocessing);
    tensor u = detail::initial(shape, o.init, o.seed);
    clamp_pixels clamp{.low = {-INFINITY}, .high = {INFINITY}};
    if (o.clamp) clamp = space.clamp(shape[1]);
    const periodic_blur blur{.sigma = o.blur_sigma, .every = o.blur_sigma > 0.0 ? o.blur_every : 0};
    const jitter jit{.pixels = o.jitter_pixels.value_or(recipe_jitter(shape))};
    // after_step hooks run in reverse: unjitter, clamp, blur — the recipe's order.
    synthesis_result r;
    r.report = solve(space, objective, l2{.weight = o.l2_weight}, blur, clamp, jit,
                     gradient_descent{.step_size = o.step_size.value_or(recipe_step_size(shape)), .normalize = true}, u,
                     solve_options{.iterations = o.iterations, .seed = o.seed}, detail::in_input_space(space, callback));
    r.image = space.to_input(u);
    return r;
}

/// Maximises the unnormalised score of class c (Simonyan et al. 2014).
template <Model M, Callback Cb = no_callback>
synthesis_result visualize_class(const M& model, std::int64_t class_index, const class_model_options& o = {},
                                 Cb callback = {}) {
    return visualize(model, maximize(class_score{.class_index = class_index}), o, callback);
}

/// Maximises the mean of one channel of a layer.
template <Model M, Callback Cb = no_callback>
synthesis_result visualize_channel(const M& model, const std::string& layer, std::int64_t channel,
                                   const class_model_options& o = {}, Cb callback = {}) {
    return visualize(model, maximize(channel_mean{.layer = layer, .channel = channel}), o, callback);
}

/// Maximises one neuron (channel, y, x) of a layer.
template <Model M, Callback Cb = no_callback>
synthesis_result visualize_neuron(const M& model, const std::string& layer, std::int64_t channel, std::int64_t y,
                                  std::int64_t x, const class_model_options& o = {}, Cb callback = {}) {
    return visualize(model, maximize(neuron{.layer = layer, .channel = channel, .y = y, .x = x}), o, callback);
}

}  // namespace deepvis
