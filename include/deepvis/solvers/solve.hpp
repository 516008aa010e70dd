#pragma once
/// evaluate_objective() and solve(): optimise an image through a model. A problem (a Model, an Objective
/// and any number of Regularizers, regularizers/regularizer.hpp) is solved with an Optimizer
/// (solvers/optimizer.hpp) from a starting image, watched by a Callback (solvers/callback.hpp);
/// all of them compose at compile time.
///
///   auto objective = deepvis::maximize(deepvis::class_score{.class_index = 3});
///   deepvis::problem p{model, objective,                                  // model (by reference)
///       deepvis::l2{.weight = 1e-3}, deepvis::periodic_blur{.sigma = 0.5, .every = 10},
///       deepvis::clamp_pixels{}, deepvis::jitter{.pixels = 16}};          // regularisers, any number
///   deepvis::solve_report r = deepvis::solve(p,
///       deepvis::gradient_descent{.step_size = 25, .normalize = true},   // optimiser
///       image, {.iterations = 100, .seed = 7},                           // image, solve_options
///       [](const deepvis::step_report& s) { return false; });            // callback (optional)
///
/// Solvers MINIMISE. Each step: before_step hooks (in order) → one forward pass over what the
/// objective's taps need → ONE backward pass seeded at every tapped tensor → explicit penalties
/// → optimiser step → after_step hooks (reverse order) → callback.
/// A value or gradient that is NaN or infinite ends the run with solve_status::diverged and a
/// message naming the step; the image is left as it was before that step. No exception.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deepvis/backprop/rule.hpp>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/model.hpp>
#include <deepvis/objectives/objective.hpp>
#include <deepvis/regularizers/regularizer.hpp>
#include <deepvis/solvers/callback.hpp>
#include <deepvis/solvers/optimizer.hpp>
#include <limits>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace deepvis {
inline namespace solvers {

struct solve_options {
    std::size_t iterations = 100;
    std::uint64_t seed = 0;           ///< seeds the generator every random regulariser draws from
    double gradient_tolerance = 0.0;  ///< stop (converged) when max|g| ≤ this; 0 = never
};

enum class solve_status { completed, converged, stopped, diverged };

inline const char* to_string(solve_status s) {
    switch (s) {
        case solve_status::completed:
            return "completed";
        case solve_status::converged:
            return "converged";
        case solve_status::stopped:
            return "stopped";
        case solve_status::diverged:
            return "diverged";
    }
    return "unknown";
}

struct solve_report {
    solve_status status = solve_status::completed;
    std::string message = {};    ///< one line, e.g. "objective is NaN at step 12"
    std::size_t iterations = 0;  ///< optimiser steps taken
    double value = 0.0;          ///< objective + penalties at the start of the last step taken
    double gradient_norm = 0.0;
    bool ok() const { return status != solve_status::diverged; }
};

/// Buffers reused between evaluations (one per run; not shared between threads).
struct evaluation_workspace {
    std::vector<std::string> taps = {}, unique = {};
    std::vector<std::size_t> slot = {};
    std::vector<tensor> grads = {};
    std::vector<nn::gradient_seed> seeds = {};
};

}  // namespace solvers

namespace detail {

template <Model M>
std::string resolve_tap(const M& model, const std::string& tap) {
    if (tap == input_tap) return model.input_name();
    if (tap == score_tap) return model.score_name();
    return model.resolve(tap);
}

}  // namespace detail

inline namespace solvers {

/// The objective's value at x, with ∂/∂x written to grad (resized). One forward pass (over the
/// part of the graph the taps need, when the model supports it) and one backward pass with a
/// seed at each distinct tapped tensor; terms tapping the input add their gradient directly.
template <BackpropRule Rule = backprop::standard, Model M, Objective O>
double evaluate_objective(const M& model, typename M::trace_type& trace, const O& objective, const tensor& x,
                          tensor& grad, evaluation_workspace& ws) {
    ws.taps = detail::taps_of(objective);
    const std::string input = model.input_name();
    ws.unique.clear();
    ws.slot.assign(ws.taps.size(), 0);
    for (std::size_t i = 0; i < ws.taps.size(); ++i) {
        const std::string name = detail::resolve_tap(model, ws.taps[i]);
        std::size_t u = 0;
        while (u < ws.unique.size() && ws.unique[u] != name) ++u;
        if (u == ws.unique.size()) ws.unique.push_back(name);
        ws.slot[i] = u;
    }
    std::vector<std::string> wanted = {};
    for (const auto& u : ws.unique)
        if (u != input) wanted.push_back(u);
    if (!wanted.empty()) {
        if constexpr (PartialForward<M>)
            model.forward(x, trace, std::span<const std::string>(wanted));
        else
            model.forward(x, trace);
    }
    std::vector<const tensor*> acts(ws.taps.size());
    for (std::size_t i = 0; i < ws.taps.size(); ++i) {
        const std::string& name = ws.unique[ws.slot[i]];
        acts[i] = name == input ? &x : &model.activation(trace, name);
    }
    ws.grads.resize(ws.taps.size());
    std::vector<tensor*> gptr(ws.taps.size());
    for (std::size_t i = 0; i < ws.taps.size(); ++i) gptr[i] = &ws.grads[i];
    const double value =
        detail::evaluate_term(objective, std::span<const tensor* const>(acts), std::span<tensor* const>(gptr));

    // Sum the gradients of terms sharing a tensor, then seed every non-input tensor once.
    ws.seeds.resize(ws.unique.size());
    std::vector<char> live(ws.unique.size(), 0);
    for (std::size_t i = 0; i < ws.taps.size(); ++i) {
        const std::size_t u = ws.slot[i];
        DEEPVIS_CHECK(ws.grads[i].shape() == acts[i]->shape(), shape_error,
                      "objective: gradient at '" << ws.unique[u] << "' has shape " << shape_string(ws.grads[i].shape())
                                                 << ", expected " << shape_string(acts[i]->shape()));
        if (!live[u]) {
            ws.seeds[u].at = ws.unique[u];
            ensure_shape(ws.seeds[u].gradient, acts[i]->shape());
            std::copy(ws.grads[i].begin(), ws.grads[i].end(), ws.seeds[u].gradient.begin());
            live[u] = 1;
        } else {
            float* d = ws.seeds[u].gradient.data();
            const float* s = ws.grads[i].data();
            for (std::size_t e = 0; e < ws.grads[i].size(); ++e) d[e] += s[e];
        }
    }
    std::vector<nn::gradient_seed> net_seeds = {};
    const tensor* input_seed = nullptr;
    for (std::size_t u = 0; u < ws.unique.size(); ++u) {
        if (ws.unique[u] == input)
            input_seed = &ws.seeds[u].gradient;
        else
            net_seeds.push_back(std::move(ws.seeds[u]));
    }
    ensure_shape(grad, x.shape());
    if (!net_seeds.empty()) {
        const tensor& g = model.template backward<Rule>(trace, std::span<const nn::gradient_seed>(net_seeds), input);
        std::copy(g.begin(), g.end(), grad.begin());
    } else {
        std::fill(grad.begin(), grad.end(), 0.0f);
    }
    if (input_seed) {
        const float* s = input_seed->data();
        for (std::size_t e = 0; e < grad.size(); ++e) grad.data()[e] += s[e];
    }
    // Give the seed buffers back to the workspace so the next evaluation reuses them.
    for (std::size_t u = 0, k = 0; u < ws.unique.size(); ++u)
        if (ws.unique[u] != input) ws.seeds[u] = std::move(net_seeds[k++]);
    return value;
}

/// Convenience: a fresh workspace.
template <BackpropRule Rule = backprop::standard, Model M, Objective O>
double evaluate_objective(const M& model, typename M::trace_type& trace, const O& objective, const tensor& x,
                          tensor& grad) {
    evaluation_workspace ws;
    return evaluate_objective<Rule>(model, trace, objective, x, grad, ws);
}

}  // namespace solvers

namespace detail {

inline double l2_norm(const tensor& g) {
    double s = 0.0;
    for (float v : g) s += double(v) * v;
    return std::sqrt(s);
}

template <class R>
void before_one(R& r, tensor& x, const step_context& c) {
    if constexpr (HasBeforeStep<R>) r.before_step(x, c);
}
template <class R>
void after_one(R& r, tensor& x, const step_context& c) {
    if constexpr (HasAfterStep<R>) r.after_step(x, c);
}
template <class R>
double penalty_one(const R& r, const tensor& x, tensor& g) {
    if constexpr (ExplicitRegularizer<R>)
        return static_cast<double>(r.penalty(x, g));
    else
        return 0.0;
}
template <class Tuple, std::size_t... I>
void after_all_reversed(Tuple& t, tensor& x, const step_context& c, std::index_sequence<I...>) {
    constexpr std::size_t n = sizeof...(I);
    (after_one(std::get<n - 1 - I>(t), x, c), ...);
}

template <BackpropRule Rule, Model M, Objective O, class... Rs, Optimizer Opt, Callback Cb>
solve_report solve_impl(const M& model, const O& objective, std::tuple<Rs...> regs, Opt opt, tensor& image,
                        const solve_options& options, Cb& callback) {
    opt.reset();
    std::mt19937_64 rng(options.seed);
    typename M::trace_type trace;
    evaluation_workspace ws;
    tensor grad = {}, before = {};
    solve_report report = {};
    for (std::size_t k = 0; k < options.iterations; ++k) {
        const step_context ctx{k, rng};
        before = image;
        std::apply([&](auto&... r) { (before_one(r, image, ctx), ...); }, regs);
        double value = evaluate_objective<Rule>(model, trace, objective, image, grad, ws);
        std::apply([&](const auto&... r) { ((value += penalty_one(r, image, grad)), ...); }, regs);
        const double gnorm = l2_norm(grad);
        if (!std::isfinite(value) || !std::isfinite(gnorm)) {
            image = before;
            std::ostringstream os;
            os << (std::isfinite(value) ? "gradient" : "objective") << " is "
               << (std::isnan(std::isfinite(value) ? gnorm : value) ? "NaN" : "infinite") << " at step " << k
               << "; the image is left as it was before that step";
            report.status = solve_status::diverged;
            report.message = os.str();
            report.value = value;
            report.gradient_norm = gnorm;
            return report;
        }
        report.value = value;
        report.gradient_norm = gnorm;
        if (options.gradient_tolerance > 0.0) {
            float gmax = 0.0f;
            for (float v : grad) gmax = std::max(gmax, std::abs(v));
            if (gmax <= options.gradient_tolerance) {
                after_all_reversed(regs, image, ctx, std::index_sequence_for<Rs...>{});
                report.status = solve_status::converged;
                std::ostringstream os;
                os << "converged at step " << k << ": max |gradient| " << gmax << " <= " << options.gradient_tolerance;
                report.message = os.str();
                return report;
            }
        }
        step_one(opt, image, grad, k);
        after_all_reversed(regs, image, ctx, std::index_sequence_for<Rs...>{});
        report.iterations = k + 1;
        if (notify(callback, step_report{k, options.iterations, value, gnorm, image})) {
            report.status = solve_status::stopped;
            std::ostringstream os;
            os << "stopped by the callback after step " << k;
            report.message = os.str();
            return report;
        }
    }
    report.status = solve_status::completed;
    std::ostringstream os;
    os << "completed " << options.iterations << " steps";
    report.message = os.str();
    return report;
}

}  // namespace detail

inline namespace solvers {

/// What solve() optimises: a model (held by reference: it must outlive the problem), an objective
/// and the regularisers, in the order their hooks run (copied; solve() copies them again, so the
/// copies hold one run's state). Built with class template argument deduction:
///   deepvis::problem p{model, maximize(class_score{.class_index = 3}), l2{.weight = 1e-3}, jitter{.pixels = 8}};
template <class M, class O, class... Rs>
struct problem {
    const M& model;
    O objective;
    std::tuple<Rs...> regularizers;

    problem(const M& m, O o, Rs... rs) : model(m), objective(std::move(o)), regularizers(std::move(rs)...) {
        static_assert(Model<M>, "problem: the model must satisfy deepvis::Model (nn/model.hpp)");
        static_assert(Objective<O>,
                      "problem: the objective must satisfy deepvis::Objective (objectives/objective.hpp)");
        static_assert((Regularizer<Rs> && ...),
                      "problem: every argument after the objective must satisfy deepvis::Regularizer "
                      "(regularizers/regularizer.hpp)");
    }
};

/// solve(problem, optimizer, image, options[, callback]): optimises the image in place. The
/// optimiser and the regularisers are copied and reset, so one configured optimiser and one
/// problem can start several runs. Rule selects the backprop rule (standard by default).
template <BackpropRule Rule = backprop::standard, class M, class O, class... Rs, class Opt, class Cb = no_callback>
solve_report solve(const problem<M, O, Rs...>& p, const Opt& optimizer, tensor& image, const solve_options& options,
                   Cb&& callback = {}) {
    static_assert(Optimizer<Opt>, "solve: the optimiser must satisfy deepvis::Optimizer (solvers/optimizer.hpp)");
    static_assert(Callback<Cb>,
                  "solve: the callback must satisfy deepvis::Callback (solvers/callback.hpp): "
                  "callable with const step_report&, returning bool or void");
    return detail::solve_impl<Rule>(p.model, p.objective, p.regularizers, Opt(optimizer), image, options, callback);
}

}  // namespace solvers
}  // namespace deepvis
