#pragma once
/// Fooling images (Szegedy et al. 2014, "Intriguing properties of neural networks"; the CS231n
/// recipe): normalised-gradient ascent on the target class's unnormalised score,
/// x ← x + lr·g/‖g‖ with lr = 1, stopping at the first iteration where argmax = target.
/// The image moves in the standardised pixel space of synthesis/pixel_space.hpp (so lr means
/// the same for every model's input convention) and stays inside valid [0, 1] pixels.
/// Reports the iterations, the L∞ and L2 size of the change in pixels and the difference image.
/// Batches: every image has its own target; an image stops moving once it is fooled.
///
///   auto r = deepvis::fool(model, image, /*target=*/6);
///   if (r.success) save(r.difference) ...
#include <cmath>
#include <cstdint>
#include <span>
#include <sstream>
#include <optional>
#include <vector>

#include <deepvis/nn/model.hpp>
#include <deepvis/objectives/class_score.hpp>
#include <deepvis/regularizers/clamp.hpp>
#include <deepvis/solvers/gradient_descent.hpp>
#include <deepvis/solvers/solve.hpp>
#include <deepvis/synthesis/common.hpp>
#include <deepvis/synthesis/pixel_space.hpp>

namespace deepvis {

struct fooling_options {
    std::size_t max_iterations = 100;
    double step_size = 1.0;
    /// How pixels become the model's input (synthesis/pixel_space.hpp).
    input_preprocessing preprocessing = {};
    bool clamp = true;  ///< keep the image inside the image of [0, 1] pixels after each step
};

struct fooling_result {
    tensor image = {};       ///< the fooling image(s), in the model's input space
    tensor difference = {};  ///< image − original in pixels (R, G, B, units of [0, 1])
    bool success = false;          ///< every image reached its target
    std::size_t iterations = 0;    ///< steps taken (0: already classified as the target)
    std::vector<std::int64_t> original_class = {}, final_class = {};
    std::vector<double> linf = {}, l2 = {};  ///< per image, in pixels: max |difference|, ‖difference‖₂
    solve_report report = {};           ///< status (diverged on NaN) and a one-line message
};

/// One target for every image of the batch, or one per image (targets.size() == N).
template <Model M>
fooling_result fool(const M& model, const tensor& image, std::vector<std::int64_t> targets,
                    const fooling_options& o = {}) {
    static_assert(Model<M>, "fool: the model must satisfy deepvis::Model (nn/model.hpp)");
    DEEPVIS_CHECK(image.dimension() >= 1 && image.shape()[0] > 0, shape_error, "fool: the batch is empty");
    const std::size_t n = image.shape()[0], per = image.size() / n;
    if (targets.size() == 1 && n > 1) targets.assign(n, targets[0]);
    DEEPVIS_CHECK(targets.size() == n, config_error, "fool: " << targets.size() << " targets for a batch of " << n);
    fooling_result r;
    const pixel_space<M> space(model, o.preprocessing);
    const tensor start = space.from_input(image);
    tensor u = start;
    const auto objective = maximize(class_score{.per_sample = targets});
    std::optional<clamp_pixels> clamp;
    if (o.clamp) clamp = space.clamp(image.shape()[1]);
    typename pixel_space<M>::trace_type trace;
    evaluation_workspace ws;
    tensor grad = {};
    gradient_descent step{.step_size = o.step_size, .normalize = true};
    std::vector<char> done(n, 0);
    std::string scores_name = detail::resolve_tap(model, score_tap);
    for (std::size_t k = 0;; ++k) {
        const double value = evaluate(space, trace, objective, u, grad, ws);
        const tensor& scores = space.activation(trace, scores_name);
        bool all = true;
        for (std::size_t b = 0; b < n; ++b) {
            const auto c = static_cast<std::int64_t>(detail::argmax_row(scores, b));
            if (k == 0) r.original_class.push_back(c);
            done[b] = c == targets[b];
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
            r.report.message = os.str();
            break;
        }
        for (std::size_t b = 0; b < n; ++b)  // fooled images stay where they are
            if (done[b]) std::fill(grad.data() + b * per, grad.data() + (b + 1) * per, 0.0f);
        step.step(u, grad, k);
        if (clamp) clamp->apply(u);
        r.iterations = k + 1;
        r.report.iterations = r.iterations;
    }
    {
        const tensor& scores = space.activation(trace, scores_name);
        for (std::size_t b = 0; b < n; ++b) r.final_class.push_back(static_cast<std::int64_t>(detail::argmax_row(scores, b)));
    }
    r.image = space.to_input(u);
    r.difference = pixel_space<M>::to_pixels(u) - pixel_space<M>::to_pixels(start);
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

template <Model M>
fooling_result fool(const M& model, const tensor& image, std::int64_t target, const fooling_options& o = {}) {
    return fool(model, image, std::vector<std::int64_t>{target}, o);
}

}  // namespace deepvis
