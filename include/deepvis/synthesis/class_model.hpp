#pragma once
/// Class-model visualisation (Simonyan, Vedaldi & Zisserman 2014, eq. 1: argmax_I S_c(I) − λ‖I‖²₂)
/// with the regularisers of the CS231n recipe (REFERENCE.md, Synthesis): λ = 1e-3, 100 steps of
/// I ← I + lr·g/‖g‖ with lr = 25, Gaussian blur σ = 0.5 every 10 steps (also at step 0), random
/// circular jitter of up to 16 px undone after each step, clamping to the valid pixel range,
/// initial image N(0, 1); and, by default, Lucid's transformation robustness (Olah et al. 2017):
/// a random scale in [0.95, 1.05] and rotation in ±5° before each step, pulled back exactly
/// (regularizers/random_transform.hpp). I is the standardised pixel image of
/// synthesis/pixel_space.hpp (the space the recipe was written for), mapped to the model's
/// input through options.preprocessing, so the numbers mean the same for every model. On images
/// of other sizes the jitter and the step keep their size per pixel (16·side/224 px; lr
/// 25·√(C·H·W/150528)). The same recipe visualises any objective: a channel or a neuron of any
/// layer (Erhan et al. 2009), or a user's own.
///
/// With .image_parameterisation = parameterisation::fourier the image is instead the
/// decorrelated-colour spectrum of synthesis/fourier_parameterisation.hpp (Olah et al. 2017),
/// optimised by Adam (lr 0.05, Lucid's) on the objective at a randomly jittered, scaled and
/// rotated copy of the image; the sigmoid keeps pixels valid and the 1/f weights replace the L2
/// penalty and the blur (l2_weight, blur_* and clamp are not used).
///
///   auto r = deepvis::visualize_class(model, 285, {.preprocessing = deepvis::input_preprocessing::caffe(),
///                                                 .seed = 1, .shape = {1, 3, 227, 227}});
///   // r.image: the model's input (BGR, 0..255 minus the mean pixel for a Caffe network)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deepvis/nn/model.hpp>
#include <deepvis/objectives/class_score.hpp>
#include <deepvis/objectives/neuron.hpp>
#include <deepvis/objectives/total_variation.hpp>
#include <deepvis/regularizers/blur.hpp>
#include <deepvis/regularizers/clamp.hpp>
#include <deepvis/regularizers/jitter.hpp>
#include <deepvis/regularizers/random_transform.hpp>
#include <deepvis/solvers/adam.hpp>
#include <deepvis/solvers/gradient_descent.hpp>
#include <deepvis/solvers/solve.hpp>
#include <deepvis/synthesis/common.hpp>
#include <deepvis/synthesis/fourier_parameterisation.hpp>
#include <deepvis/synthesis/pixel_space.hpp>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace deepvis {
inline namespace synthesis {

struct class_model_options {
    std::size_t iterations = 100;
    double l2_weight = 1e-3;  ///< λ
    /// lr of the normalised-gradient step; unset: the recipe's 25 at 3×224×224, scaled to keep
    /// its per-pixel step at any image size: 25·√(C·H·W / 150528) (1.8 for 1×28×28); with the
    /// Fourier parameterisation Adam's step size, unset: 0.05. The
    /// unscaled 25 on a 28×28 image moves every pixel by ~0.9 per step and the result depends on
    /// the seed (Fashion-MNIST: p ≥ 0.99 for 9 or 10 classes out of 10 instead of all 10).
    std::optional<double> step_size = std::nullopt;
    double blur_sigma = 0.5;  ///< 0 disables the blur
    std::size_t blur_every = 10;
    /// Largest jitter in pixels; unset: 16 px scaled to the image (16 at 224 px, 2 at 28 px).
    std::optional<std::ptrdiff_t> jitter_pixels = std::nullopt;
    /// How pixels become the model's input (synthesis/pixel_space.hpp).
    input_preprocessing preprocessing = {};
    bool clamp = true;  ///< keep the image inside the image of [0, 1] pixels
    initial_image init = initial_image::normal;
    std::uint64_t seed = 0;
    shape_type shape = {};  ///< (N, C, H, W); default: the model's input with N = 1
    /// Random scale in [1 − scale_jitter, 1 + scale_jitter] and rotation in ±rotation_degrees
    /// about the centre before each step (regularizers/random_transform.hpp); 0 and 0: off. Meant
    /// for images of natural size: on a few pixels (8 × 8) the sub-pixel resampling is mostly blur.
    double scale_jitter = 0.05;
    double rotation_degrees = 5.0;
    /// What the optimiser moves: the pixels (default) or a decorrelated-colour spectrum.
    parameterisation image_parameterisation = parameterisation::pixels;
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

}  // namespace synthesis

namespace detail {

/// The recipe with the Fourier parameterisation: each step draws a circular jitter J and a scale
/// and rotation T, evaluates the objective at u = T J P(s) (P: spectrum → standardised pixels),
/// pulls the gradient back through Tᵀ, J⁻¹ and P exactly, and takes one Adam step on s.
template <Model M, Objective O, Callback Cb>
synthesis_result visualize_fourier(const M& model, const O& objective, const class_model_options& o,
                                   const shape_type& shape, Cb& callback) {
    const pixel_space<M> space(model, o.preprocessing);
    const fourier_parameterisation f(shape[2], shape[3], shape[1]);
    const auto st = pixel_standardization::for_channels(shape[1]);
    const std::size_t plane = shape[2] * shape[3];
    tensor s = f.initial(shape[0], o.seed), p, u, gu, gp, gs, moved;
    adam opt{.step_size = o.step_size.value_or(0.05)};
    std::mt19937_64 rng(o.seed);
    const std::ptrdiff_t jmax = o.jitter_pixels.value_or(recipe_jitter(shape));
    std::uniform_int_distribution<std::ptrdiff_t> shift(0, std::max<std::ptrdiff_t>(jmax, 0));
    random_transform transform{
        .min_scale = 1.0 - o.scale_jitter, .max_scale = 1.0 + o.scale_jitter, .max_degrees = o.rotation_degrees};
    typename pixel_space<M>::trace_type trace;
    evaluation_workspace ws;
    std::vector<float> scratch;
    auto standardise = [&](const tensor& pixels, tensor& out) {
        ensure_shape(out, pixels.shape());
        for (std::size_t q = 0; q < pixels.size() / plane; ++q) {
            const std::size_t c = q % shape[1];
            for (std::size_t e = 0; e < plane; ++e)
                out.data()[q * plane + e] = (pixels.data()[q * plane + e] - st.mean[c]) / st.std[c];
        }
    };
    synthesis_result r;
    for (std::size_t k = 0; k < o.iterations; ++k) {
        f.pixels(s, p);
        standardise(p, u);
        const std::ptrdiff_t dy = shift(rng), dx = shift(rng);
        roll_planes(u, dy, dx, scratch);
        const bool transformed = !transform.off();
        if (transformed) {
            transform.draw(u, rng);
            ensure_shape(moved, u.shape());
            transform.apply(u, moved);
            std::swap(u, moved);
        }
        const double value = evaluate_objective(space, trace, objective, u, gu, ws);
        if (transformed) {
            transform.apply_transpose(gu, moved);
            std::swap(gu, moved);
        }
        roll_planes(gu, -dy, -dx, scratch);
        ensure_shape(gp, gu.shape());
        for (std::size_t q = 0; q < gu.size() / plane; ++q) {
            const float inv = 1.0f / st.std[q % shape[1]];
            for (std::size_t e = 0; e < plane; ++e) gp.data()[q * plane + e] = gu.data()[q * plane + e] * inv;
        }
        f.backward(p, gp, gs);
        const double gnorm = l2_norm(gs);
        r.report.value = value;
        r.report.gradient_norm = gnorm;
        if (!std::isfinite(value) || !std::isfinite(gnorm)) {
            r.report.status = solve_status::diverged;
            r.report.message = std::string(std::isfinite(value) ? "gradient" : "objective") +
                               " is not finite at step " + std::to_string(k) +
                               "; the image is left as it was before that step";
            break;
        }
        step_one(opt, s, gs, k);
        r.report.iterations = k + 1;
        if constexpr (!std::is_same_v<std::decay_t<Cb>, no_callback>) {
            standardise(f.pixels(s), u);
            const tensor x = space.to_input(u);
            if (notify(callback, step_report{k, o.iterations, value, gnorm, x})) {
                r.report.status = solve_status::stopped;
                r.report.message = "stopped by the callback after step " + std::to_string(k);
                break;
            }
        }
    }
    if (r.report.message.empty()) r.report.message = "completed " + std::to_string(o.iterations) + " steps";
    standardise(f.pixels(s), u);
    r.image = space.to_input(u);
    return r;
}

}  // namespace detail

inline namespace synthesis {

/// Runs the recipe on any objective (solvers minimise: pass maximize(term) to ascend a term).
template <class M, class O, Callback Cb = no_callback>
synthesis_result visualize(const M& model, const O& objective, const class_model_options& o = {}, Cb callback = {}) {
    static_assert(Model<M>, "visualize: the model must satisfy deepvis::Model (nn/model.hpp)");
    static_assert(Objective<O>, "visualize: the objective must satisfy deepvis::Objective (objectives/objective.hpp)");
    const shape_type shape = detail::input_shape(model, o.shape);
    DEEPVIS_CHECK(o.scale_jitter >= 0.0 && o.scale_jitter < 1.0 && o.rotation_degrees >= 0.0, config_error,
                  "visualize: scale_jitter must lie in [0, 1) and rotation_degrees be >= 0; got "
                      << o.scale_jitter << " and " << o.rotation_degrees);
    if (o.image_parameterisation == parameterisation::fourier)
        return detail::visualize_fourier(model, objective, o, shape, callback);
    const pixel_space<M> space(model, o.preprocessing);
    tensor u = detail::initial(shape, o.init, o.seed);
    clamp_pixels clamp{.low = {-INFINITY}, .high = {INFINITY}};
    if (o.clamp) clamp = space.clamp(shape[1]);
    const periodic_blur blur{.sigma = o.blur_sigma, .every = o.blur_sigma > 0.0 ? o.blur_every : 0};
    const jitter jit{.pixels = o.jitter_pixels.value_or(recipe_jitter(shape))};
    const random_transform transform{
        .min_scale = 1.0 - o.scale_jitter, .max_scale = 1.0 + o.scale_jitter, .max_degrees = o.rotation_degrees};
    // after_step hooks run in reverse: untransform, unjitter, clamp, blur — the recipe's order.
    synthesis_result r;
    r.report = solve(problem{space, objective, l2{.weight = o.l2_weight}, blur, clamp, jit, transform},
                     gradient_descent{.step_size = o.step_size.value_or(recipe_step_size(shape)), .normalize = true}, u,
                     {.iterations = o.iterations, .seed = o.seed}, detail::in_input_space(space, callback));
    r.image = space.to_input(u);
    return r;
}

/// Maximises the unnormalised score of class c (Simonyan et al. 2014).
template <class M, Callback Cb = no_callback>
synthesis_result visualize_class(const M& model, std::int64_t class_index, const class_model_options& o = {},
                                 Cb callback = {}) {
    static_assert(Model<M>, "visualize_class: the model must satisfy deepvis::Model (nn/model.hpp)");
    return visualize(model, maximize(class_score{.class_index = class_index}), o, callback);
}

/// Maximises the mean of one channel of a layer.
template <class M, Callback Cb = no_callback>
synthesis_result visualize_channel(const M& model, const std::string& layer, std::int64_t channel,
                                   const class_model_options& o = {}, Cb callback = {}) {
    static_assert(Model<M>, "visualize_channel: the model must satisfy deepvis::Model (nn/model.hpp)");
    return visualize(model, maximize(channel_mean{.layer = layer, .channel = channel}), o, callback);
}

/// Maximises one neuron (channel, y, x) of a layer.
template <class M, Callback Cb = no_callback>
synthesis_result visualize_neuron(const M& model, const std::string& layer, std::int64_t channel, std::int64_t y,
                                  std::int64_t x, const class_model_options& o = {}, Cb callback = {}) {
    static_assert(Model<M>, "visualize_neuron: the model must satisfy deepvis::Model (nn/model.hpp)");
    return visualize(model, maximize(neuron{.layer = layer, .channel = channel, .y = y, .x = x}), o, callback);
}

}  // namespace synthesis
}  // namespace deepvis
