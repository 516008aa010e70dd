#pragma once
/// Fooling images: the smallest change to an image that makes the model predict a target class.
/// Two methods, both in [0, 1] pixels (synthesis/pixel_space.hpp, so step sizes mean the same
/// for every model's input convention), both stopping at the first iteration where
/// argmax = target, both keeping the image inside valid [0, 1] pixels (`clamp`):
///
///  - fooling_method::linf (the default): projected sign-gradient steps on the target's
///    log-probability (iterative FGSM / PGD: Kurakin et al. 2017, "Adversarial examples in the
///    physical world", eq. 3; Madry et al. 2018), per pixel
///        p ← Π_{[p₀−ε, p₀+ε] ∩ [0, 1]} ( p + α·sign(∂ log softmax(s(p))_t / ∂p) ),
///    α = linf_step (1/255), ε = linf (8/255, the customary ImageNet budget). Stopping at the
///    target makes the change as small as the search can: after k steps ‖p − p₀‖∞ ≤ min(kα, ε).
///    An image that is not fooled within max_iterations inside the ε-ball is a failure (reported,
///    never a larger change). Default because a fooling image is meant to look unchanged: on the
///    shared trained SqueezeNet the CS231n recipe below reaches random targets with L∞ up to
///    20/255 (visible), this one within the 8/255 budget (tests/synthesis/squeezenet_test.cpp).
///  - fooling_method::normalized_gradient (Szegedy et al. 2014, "Intriguing properties of neural
///    networks"; the CS231n recipe): ascent on the target's unnormalised score in the
///    standardised pixel space u, u ← u + step_size·g/‖g‖₂ with step_size = 1; linf is ignored.
///
/// Reports the iterations, the L∞ and L2 size of the change in pixels and the difference image.
/// Batches: every image has its own target; an image stops moving once it is fooled.
///
///   auto r = deepvis::fool(model, image, /*target=*/6, {.preprocessing = deepvis::input_preprocessing::caffe()});
///   if (r.success) save(r.difference) ...   // r.linf[0] <= 8/255
///   auto c = deepvis::fool(model, image, 6, {.method = deepvis::fooling_method::normalized_gradient});
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/nn/model.hpp>
#include <deepvis/objectives/class_score.hpp>
#include <deepvis/regularizers/clamp.hpp>
#include <deepvis/solvers/gradient_descent.hpp>
#include <deepvis/solvers/solve.hpp>
#include <deepvis/synthesis/common.hpp>
#include <deepvis/synthesis/pixel_space.hpp>
#include <optional>
#include <span>
#include <sstream>
#include <vector>

namespace deepvis {
inline namespace synthesis {

/// How fool() searches (see the top of this header).
enum class fooling_method {
    linf,                ///< projected sign-gradient steps inside an L∞ ball (default)
    normalized_gradient  ///< the CS231n recipe: L2-normalised gradient steps, no size bound
};

/// What fool() ascends: the target's log-probability log softmax(s)_t (pushes the other classes
/// down too) or its unnormalised score s_t (the CS231n recipe's objective).
enum class fooling_loss { log_probability, score };

struct fooling_options {
    fooling_method method = fooling_method::linf;
    std::size_t max_iterations = 100;
    /// normalized_gradient only: the L2 length of each step in the standardised pixel space.
    double step_size = 1.0;
    /// linf only: the budget ε, the largest change of any pixel (units of [0, 1]; 8/255). ε ≥ 1: unbounded.
    double linf = 8.0 / 255.0;
    /// linf only: the per-pixel step α (units of [0, 1]).
    double linf_step = 1.0 / 255.0;
    /// The objective; default: log-probability for linf, the score for normalized_gradient.
    std::optional<fooling_loss> loss = {};
    /// How pixels become the model's input (synthesis/pixel_space.hpp).
    input_preprocessing preprocessing = {};
    bool clamp = true;  ///< keep the image inside the image of [0, 1] pixels after each step
};

struct fooling_result {
    tensor image = {};           ///< the fooling image(s), in the model's input space
    tensor difference = {};      ///< image − original in pixels (R, G, B, units of [0, 1])
    bool success = false;        ///< every image reached its target
    std::size_t iterations = 0;  ///< steps taken (0: already classified as the target)
    std::vector<std::int64_t> original_class = {}, final_class = {};
    std::vector<double> linf = {}, l2 = {};  ///< per image, in pixels: max |difference|, ‖difference‖₂
    std::vector<std::size_t> steps = {};     ///< per image: the steps it took to reach its target (or all)
    solve_report report = {};                ///< status (diverged on NaN) and a one-line message
};

}  // namespace synthesis

namespace detail {

template <Model M, class O>
fooling_result fool_with(const M& model, const tensor& image, const std::vector<std::int64_t>& targets,
                         const fooling_options& o, const O& objective) {
    const std::size_t n = image.shape()[0], per = image.size() / n;
    fooling_result r;
    const pixel_space<M> space(model, o.preprocessing);
    const tensor start = space.from_input(image);
    const bool bounded = o.method == fooling_method::linf;
    tensor u = start;
    // linf: the iterate is kept in pixels p, so that the projection onto [p₀ − ε, p₀ + ε] ∩ [0, 1]
    // is exact and the reported difference is p − p₀ itself (no round trip through u).
    const tensor p0 = pixel_space<M>::to_pixels(start);
    tensor p = p0, low, high;
    if (bounded) {
        const auto eps = static_cast<float>(o.linf);
        low = p0;
        high = p0;
        for (std::size_t e = 0; e < p0.size(); ++e) {
            float lo = o.linf >= 1.0 ? -INFINITY : p0.data()[e] - eps,
                  hi = o.linf >= 1.0 ? INFINITY : p0.data()[e] + eps;
            if (o.clamp) {
                lo = std::max(lo, 0.0f);
                hi = std::min(hi, 1.0f);
            }
            low.data()[e] = std::min(lo, p0.data()[e]);  // an original outside [0, 1] may stay where it is
            high.data()[e] = std::max(hi, p0.data()[e]);
        }
    }
    std::optional<clamp_pixels> clamp;
    if (o.clamp && !bounded) clamp = space.clamp(image.shape()[1]);
    typename pixel_space<M>::trace_type trace;
    evaluation_workspace ws;
    tensor grad = {};
    gradient_descent step{.step_size = o.step_size, .normalize = true};
    std::vector<char> done(n, 0);
    r.steps.assign(n, 0);
    std::string scores_name = detail::resolve_tap(model, score_tap);
    const auto alpha = static_cast<float>(o.linf_step);
    for (std::size_t k = 0;; ++k) {
        const double value = evaluate_objective(space, trace, objective, u, grad, ws);
        const tensor& scores = space.activation(trace, scores_name);
        bool all = true;
        for (std::size_t b = 0; b < n; ++b) {
            const auto c = static_cast<std::int64_t>(detail::argmax_row(scores, b));
            if (k == 0) r.original_class.push_back(c);
            done[b] = c == targets[b];
            if (!done[b]) r.steps[b] = k + 1;  // fooled at step k: k steps taken
            all = all && done[b];
        }
        r.report.value = value;
        if (all) {
            r.success = true;
            r.report.status = solve_status::converged;
            std::ostringstream os;
            os << "fooled after " << k << " steps";
            r.report.message = os.str();
            break;
        }
        if (!std::isfinite(value)) {
            r.report.status = solve_status::diverged;
            std::ostringstream os;
            os << "objective is not finite at step " << k;
            r.report.message = os.str();
            break;
        }
        if (k == o.max_iterations) {
            r.report.status = solve_status::completed;
            std::ostringstream os;
            os << "not fooled within " << o.max_iterations << " steps";
            if (bounded && o.linf < 1.0) os << " and L-inf " << o.linf * 255.0 << "/255";
            r.report.message = os.str();
            break;
        }
        for (std::size_t b = 0; b < n; ++b)  // fooled images stay where they are
            if (done[b]) std::fill(grad.data() + b * per, grad.data() + (b + 1) * per, 0.0f);
        if (bounded) {
            // grad is the gradient of the minimised −loss with respect to u; u = (p − μ)/σ with σ > 0,
            // so its sign is that of the gradient with respect to p.
            for (std::size_t e = 0; e < p.size(); ++e) {
                const float g = grad.data()[e];
                const float s = g > 0.0f ? -alpha : g < 0.0f ? alpha : 0.0f;
                p.data()[e] = std::clamp(p.data()[e] + s, low.data()[e], high.data()[e]);
            }
            u = pixel_space<M>::from_pixels(p);
        } else {
            step_one(step, u, grad, k);
            if (clamp) clamp->apply(u);
        }
        r.iterations = k + 1;
        r.report.iterations = r.iterations;
    }
    for (std::size_t b = 0; b < n; ++b)
        if (!done[b]) r.steps[b] = r.iterations;
    {
        const tensor& scores = space.activation(trace, scores_name);
        for (std::size_t b = 0; b < n; ++b)
            r.final_class.push_back(static_cast<std::int64_t>(detail::argmax_row(scores, b)));
    }
    r.image = space.to_input(u);
    r.difference = bounded ? tensor(p - p0) : tensor(pixel_space<M>::to_pixels(u) - pixel_space<M>::to_pixels(start));
    for (std::size_t b = 0; b < n; ++b) {
        double linf = 0.0, l2 = 0.0;
        for (std::size_t e = 0; e < per; ++e) {
            const double d = r.difference.data()[b * per + e];
            linf = std::max(linf, std::abs(d));
            l2 += d * d;
        }
        r.linf.push_back(linf);
        r.l2.push_back(std::sqrt(l2));
    }
    return r;
}

}  // namespace detail

inline namespace synthesis {

/// One target for every image of the batch, or one per image (targets.size() == N).
///   requires: image (N, C, H, W) in the model's input space; targets valid class indices;
///             linf method: 0 < linf_step, 0 < linf; normalized_gradient: step_size > 0.
///   ensures:  linf method: every pixel of the result within linf of the original's (and in
///             [0, 1] with clamp); success ⇔ argmax of every result = its target.
template <class M>
fooling_result fool(const M& model, const tensor& image, std::vector<std::int64_t> targets,
                    const fooling_options& o = {}) {
    static_assert(Model<M>, "fool: the model must satisfy deepvis::Model (nn/model.hpp)");
    DEEPVIS_CHECK(image.dimension() >= 1 && image.shape()[0] > 0, shape_error, "fool: the batch is empty");
    const std::size_t n = image.shape()[0];
    if (targets.size() == 1 && n > 1) targets.assign(n, targets[0]);
    DEEPVIS_CHECK(targets.size() == n, config_error, "fool: " << targets.size() << " targets for a batch of " << n);
    if (o.method == fooling_method::linf) {
        DEEPVIS_CHECK(std::isfinite(o.linf) && o.linf > 0.0, config_error,
                      "fool: the L-inf budget must be positive, got " << o.linf);
        DEEPVIS_CHECK(std::isfinite(o.linf_step) && o.linf_step > 0.0, config_error,
                      "fool: the L-inf step must be positive, got " << o.linf_step);
    } else {
        DEEPVIS_CHECK(std::isfinite(o.step_size) && o.step_size > 0.0, config_error,
                      "fool: the step size must be positive, got " << o.step_size);
    }
    const fooling_loss loss =
        o.loss.value_or(o.method == fooling_method::linf ? fooling_loss::log_probability : fooling_loss::score);
    if (loss == fooling_loss::log_probability)
        return detail::fool_with(model, image, targets, o, maximize(target_class{.per_sample = targets}));
    return detail::fool_with(model, image, targets, o, maximize(class_score{.per_sample = targets}));
}

template <class M>
fooling_result fool(const M& model, const tensor& image, std::int64_t target, const fooling_options& o = {}) {
    static_assert(Model<M>, "fool: the model must satisfy deepvis::Model (nn/model.hpp)");
    return fool(model, image, std::vector<std::int64_t>{target}, o);
}

}  // namespace synthesis
}  // namespace deepvis
