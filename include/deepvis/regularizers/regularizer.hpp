#pragma once
/// Regularizer: what a solver does to the image besides following the objective's gradient.
///
/// A regulariser implements any of three hooks (only the ones it needs):
///   penalty(x, g) const        explicit: requires x is the image about to be evaluated and g
///                              already holds the objective's gradient; ensures returns the
///                              penalty R(x) and ADDS ∂R/∂x to g. (l2, alpha_norm,
///                              total_variation — objectives/total_variation.hpp.)
///   before_step(x, ctx)        implicit: transforms the image in place before it is evaluated
///                              (random jitter, random scale/rotation).
///   after_step(x, ctx)         implicit: changes the image in place after the optimiser's step
///                              (undo a jitter, Gaussian blur every k steps, clamp to the valid
///                              pixel range).
/// ctx (step_context) carries the step index (0-based) and the run's seeded random generator:
/// draw all randomness from it so a run is reproducible from solve_options::seed.
///
/// Order inside solve(): before_step hooks run in the order the regularisers were given,
/// penalties are added, the optimiser steps, then after_step hooks run in REVERSE order (like a
/// stack of transforms: the last transform applied is the first undone). For the class-model
/// recipe `(periodic_blur, clamp_pixels, jitter)` therefore gives: jitter, step, unjitter,
/// clamp, blur — the order of the CS231n recipe.
///
/// Shipped: l2, alpha_norm, total_variation (explicit); jitter, random_transform, periodic_blur,
/// clamp_pixels (implicit). Consumed by: solve() (solvers/solve.hpp) and the synthesis recipes.
#include <concepts>
#include <cstddef>
#include <deepvis/core/tensor.hpp>
#include <random>

namespace deepvis {
inline namespace regularizers {

/// What an implicit regulariser is told at each step.
struct step_context {
    std::size_t step = 0;
    std::mt19937_64& rng;
};

template <class R>
concept ExplicitRegularizer = requires(const R& r, const tensor& x, tensor& g) {
    { r.penalty(x, g) } -> std::convertible_to<double>;
};
template <class R>
concept HasBeforeStep = requires(R& r, tensor& x, const step_context& c) {
    r.before_step(x, c);
};
template <class R>
concept HasAfterStep = requires(R& r, tensor& x, const step_context& c) {
    r.after_step(x, c);
};

template <class R>
concept Regularizer = std::copy_constructible<R> &&(ExplicitRegularizer<R> || HasBeforeStep<R> || HasAfterStep<R>);

/// The smallest regulariser: an after_step hook that leaves the image unchanged. Kept compiled
/// so the specification cannot drift.
struct regularizer_archetype {
    void after_step(tensor&, const step_context&) {}
};
static_assert(Regularizer<regularizer_archetype>,
              "regularizer_archetype must satisfy Regularizer (regularizers/regularizer.hpp)");

}  // namespace regularizers
}  // namespace deepvis
