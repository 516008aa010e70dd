#pragma once
/// Feature inversion (Mahendran & Vedaldi 2015, "Understanding deep image representations by
/// inverting them", eq. 1): find x with Φ(x) ≈ Φ₀ = Φ(x₀) under image priors,
///   minimise  w_f · ‖Φ(x) − Φ₀‖² [/ ‖Φ₀‖² when normalize]  +  w_TV · TV(x)  +  w_α · Σ|x|^α
/// TV is the β = 2 total variation (objectives/total_variation.hpp). Defaults follow the course
/// version (REFERENCE.md): feature weight 6e-2 (not normalised), TV 2e-2, α-norm off, random
/// start, Adam lr 3 decayed to 0.1 at step 180, 200 steps — in the standardised pixel space of
/// synthesis/pixel_space.hpp (what the course's numbers assume), for any model's preprocessing. Several random starts show how much
/// of the image the layer determines; the result keeps every start and points at the best.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <deepvis/nn/model.hpp>
#include <deepvis/objectives/content.hpp>
#include <deepvis/objectives/total_variation.hpp>
#include <deepvis/regularizers/clamp.hpp>
#include <deepvis/solvers/adam.hpp>
#include <deepvis/solvers/solve.hpp>
#include <deepvis/synthesis/common.hpp>
#include <deepvis/synthesis/pixel_space.hpp>

namespace deepvis {

struct inversion_options {
    std::string layer = {};             ///< the representation Φ to invert
    double feature_weight = 6e-2;  ///< w_f
    bool normalize = false;        ///< divide by ‖Φ₀‖² (Mahendran & Vedaldi's normalisation)
    double tv_weight = 2e-2;       ///< w_TV
    double alpha = 6.0;
    double alpha_weight = 0.0;     ///< w_α (0: off)
    std::size_t iterations = 200;
    double step_size = 3.0;        ///< Adam
    std::size_t decay_at = 180;    ///< 0: no decay
    double decayed_step_size = 0.1;
    std::size_t starts = 1;        ///< random starts, seeds seed, seed + 1, …
    std::uint64_t seed = 0;
    float init_scale = 1.0f;       ///< starts are N(0, init_scale²) in pixel space
    /// How pixels become the model's input (synthesis/pixel_space.hpp).
    input_preprocessing preprocessing = {};
    bool clamp = true;  ///< keep the image inside the image of [0, 1] pixels
};

struct inversion_result {
    std::vector<tensor> images = {};        ///< one per start, in the model's input space
    std::vector<double> feature_error = {}; ///< per start: ‖Φ(x) − Φ₀‖² / ‖Φ₀‖² at the end
    std::vector<double> initial_feature_error = {};  ///< the same at the start's random image
    std::vector<solve_report> reports = {};
    std::size_t best = 0;              ///< the start with the smallest feature_error
};

/// Inverts the representation of `reference` (N, C, H, W) at options.layer.
template <Model M, Callback Cb = no_callback>
inversion_result invert(const M& model, const tensor& reference, const inversion_options& o, Cb callback = {}) {
    static_assert(Model<M>, "invert: the model must satisfy deepvis::Model (nn/model.hpp)");
    DEEPVIS_CHECK(!o.layer.empty(), config_error, "invert: no layer given");
    DEEPVIS_CHECK(o.starts >= 1, config_error, "invert: starts must be at least 1");
    const std::string layer = model.resolve(o.layer);
    typename M::trace_type trace;
    model.forward(reference, trace);
    const tensor target = model.activation(trace, layer);
    const feature_match measure{.layer = layer, .target = target, .normalize = true};
    const auto objective = o.feature_weight * feature_match{.layer = layer, .target = target, .normalize = o.normalize} +
                           total_variation{.weight = o.tv_weight};
    const pixel_space<M> space(model, o.preprocessing);
    clamp_pixels clamp{.low = {-INFINITY}, .high = {INFINITY}};
    if (o.clamp) clamp = space.clamp(reference.shape()[1]);
    auto cb = detail::in_input_space(space, callback);
    typename pixel_space<M>::trace_type space_trace;
    const adam opt{.step_size = o.step_size, .decay_at = o.decay_at, .decayed_step_size = o.decayed_step_size};
    inversion_result r;
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t s = 0; s < o.starts; ++s) {
        tensor x = detail::initial(shape_of(reference), initial_image::normal, o.seed + s, o.init_scale);
        solve_report rep = {};
        tensor g = {};
        r.initial_feature_error.push_back(evaluate(space, space_trace, measure, x, g) /
                                          static_cast<double>(reference.shape()[0]));
        if (o.alpha_weight > 0.0)
            rep = solve(space, objective, alpha_norm{.alpha = o.alpha, .weight = o.alpha_weight}, clamp, opt, x,
                        solve_options{.iterations = o.iterations, .seed = o.seed + s}, cb);
        else
            rep = solve(space, objective, clamp, opt, x, solve_options{.iterations = o.iterations, .seed = o.seed + s},
                        cb);
        const double err = evaluate(space, space_trace, measure, x, g) / static_cast<double>(reference.shape()[0]);
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

}  // namespace deepvis
