#pragma once
/// Feature inversion (Mahendran & Vedaldi 2015, "Understanding deep image representations by
/// inverting them", eq. 1): find x with Φ(x) ≈ Φ₀ = Φ(x₀) under image priors,
///   minimise  w_f · ‖Φ(x) − Φ₀‖² [/ ‖Φ₀‖² when normalize]  +  w_TV · TV(x)  +  w_α · Σ|x|^α
/// TV is the β = 2 total variation (objectives/total_variation.hpp), all in the standardised pixel
/// space of synthesis/pixel_space.hpp, for any model's preprocessing.
///
/// Defaults: the normalised feature loss (weight 1: independent of the scale of the network's
/// features, which for a Caffe network are ~100× a torchvision one's), TV 1e-4, α-norm off, an
/// N(0, 1) random start, Adam lr 0.3 decayed linearly to 0 over 200 steps. Measured on the shared
/// trained SqueezeNet 1.0 (chelsea.png, 227×227, tests/synthesis/squeezenet_test.cpp): the relative
/// feature error of fire9/concat falls 1.13 → 0.068 (17×; the same run through `deepvis invert`
/// gave 0.080, 14×, in 29 s on a loaded 2-core machine), relu_conv_final 1.02 → 0.14 (7×); both
/// images show the cat's eyes, nose and ears. With the earlier lr 0.3 decayed to 0.1 at step 180,
/// fire9/concat stopped at 0.17 (6.5×). From a grey start, 100 steps reach 7.8× (cosine decay) and
/// 150 linearly decayed steps 9.8×; TV helps the fit, not just the looks: after 100 steps the error
/// is 0.44 without TV, 0.13 with 1e-4, 0.24 with 1e-3.
/// The course version (REFERENCE.md; torchvision-scale features): {.feature_weight = 6e-2,
/// .normalize = false, .tv_weight = 2e-2, .step_size = 3, .decay_at = 180, .decayed_step_size = 0.1}.
/// Several random starts show how much of the image the layer determines; the result keeps every
/// start and points at the best.
#include <cstdint>
#include <deepvis/nn/model.hpp>
#include <deepvis/objectives/content.hpp>
#include <deepvis/objectives/total_variation.hpp>
#include <deepvis/regularizers/clamp.hpp>
#include <deepvis/solvers/adam.hpp>
#include <deepvis/solvers/solve.hpp>
#include <deepvis/synthesis/common.hpp>
#include <deepvis/synthesis/pixel_space.hpp>
#include <limits>
#include <string>
#include <vector>

namespace deepvis {
inline namespace synthesis {

struct inversion_options {
    std::string layer = {};       ///< the representation Φ to invert
    double feature_weight = 1.0;  ///< w_f
    bool normalize = true;        ///< divide by ‖Φ₀‖² (Mahendran & Vedaldi's normalisation)
    double tv_weight = 1e-4;      ///< w_TV
    double alpha = 6.0;
    double alpha_weight = 0.0;  ///< w_α (0: off)
    std::size_t iterations = 200;
    double step_size = 0.3;  ///< Adam, in the standardised pixel space
    /// The course's step decay: from step decay_at on, decayed_step_size. 0: the linear decay
    /// below instead (when linear_decay), else a constant step.
    std::size_t decay_at = 0;
    double decayed_step_size = 0.1;
    bool linear_decay = true;  ///< without decay_at: step_size · (1 − k/iterations) at step k
    std::size_t starts = 1;    ///< random starts, seeds seed, seed + 1, …
    std::uint64_t seed = 0;
    float init_scale = 1.0f;  ///< starts are N(0, init_scale²) in pixel space
    /// How pixels become the model's input (synthesis/pixel_space.hpp).
    input_preprocessing preprocessing = {};
    bool clamp = true;  ///< keep the image inside the image of [0, 1] pixels
};

struct inversion_result {
    std::vector<tensor> images = {};                 ///< one per start, in the model's input space
    std::vector<double> feature_error = {};          ///< per start: ‖Φ(x) − Φ₀‖² / ‖Φ₀‖² at the end
    std::vector<double> initial_feature_error = {};  ///< the same at the start's random image
    std::vector<solve_report> reports = {};
    std::size_t best = 0;  ///< the start with the smallest feature_error
};

/// Inverts the representation of `reference` (N, C, H, W) at options.layer.
template <class M, Callback Cb = no_callback>
inversion_result invert(const M& model, const tensor& reference, const inversion_options& o, Cb callback = {}) {
    static_assert(Model<M>, "invert: the model must satisfy deepvis::Model (nn/model.hpp)");
    DEEPVIS_CHECK(!o.layer.empty(), config_error, "invert: no layer given");
    DEEPVIS_CHECK(o.starts >= 1, config_error, "invert: starts must be at least 1");
    const std::string layer = model.resolve(o.layer);
    typename M::trace_type trace;
    model.forward(reference, trace);
    const tensor target = model.activation(trace, layer);
    const feature_match measure{.layer = layer, .target = target, .normalize = true};
    const auto objective =
        o.feature_weight * feature_match{.layer = layer, .target = target, .normalize = o.normalize} +
        total_variation{.weight = o.tv_weight};
    const pixel_space<M> space(model, o.preprocessing);
    clamp_pixels clamp{.low = {-INFINITY}, .high = {INFINITY}};
    if (o.clamp) clamp = space.clamp(reference.shape()[1]);
    auto cb = detail::in_input_space(space, callback);
    typename pixel_space<M>::trace_type space_trace;
    const adam opt{.step_size = o.step_size,
                   .decay_at = o.decay_at,
                   .decayed_step_size = o.decayed_step_size,
                   .linear_decay_steps = o.decay_at == 0 && o.linear_decay ? o.iterations : 0};
    inversion_result r;
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t s = 0; s < o.starts; ++s) {
        tensor x = detail::initial(shape_of(reference), initial_image::normal, o.seed + s, o.init_scale);
        solve_report rep = {};
        tensor g = {};
        r.initial_feature_error.push_back(evaluate_objective(space, space_trace, measure, x, g) /
                                          static_cast<double>(reference.shape()[0]));
        if (o.alpha_weight > 0.0)
            rep = solve(problem{space, objective, alpha_norm{.alpha = o.alpha, .weight = o.alpha_weight}, clamp}, opt,
                        x, {.iterations = o.iterations, .seed = o.seed + s}, cb);
        else
            rep = solve(problem{space, objective, clamp}, opt, x, {.iterations = o.iterations, .seed = o.seed + s}, cb);
        const double err =
            evaluate_objective(space, space_trace, measure, x, g) / static_cast<double>(reference.shape()[0]);
        if (err < best) {
            best = err;
            r.best = s;
        }
        r.images.push_back(space.to_input(x));
        r.feature_error.push_back(err);
        r.reports.push_back(std::move(rep));
    }
    return r;
}

}  // namespace synthesis
}  // namespace deepvis
