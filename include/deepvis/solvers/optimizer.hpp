#pragma once
/// Optimizer: one update of the image from its gradient. Solvers MINIMISE (see
/// objectives/objective.hpp: `maximize(term)` negates a term to ascend it).
///   requires: x is the image (any shape, treated as N images along the first axis where an
///             optimiser works per image), g = ∂L/∂x at x, step the 0-based iteration index.
///   ensures:  step(x, g, step) moves x in place towards lower L; reset() forgets all history
///             (moments, curvature pairs) so the optimiser can start a new run.
///   The optimiser keeps its state between steps; solve() copies the optimiser it is given and
///   resets the copy, so one configured optimiser can start several runs.
///   Shipped: gradient_descent (plain, normalised-gradient, momentum), adam, lbfgs.
///   Consumed by: solve() (solvers/solve.hpp) and the synthesis recipes.
///   A custom optimiser is any copyable struct with `void step(tensor&, const tensor&,
///   std::size_t)` and `void reset()`.
#include <concepts>
#include <cstddef>
#include <deepvis/core/tensor.hpp>

namespace deepvis {

template <class O>
concept Optimizer = std::copy_constructible<O> && requires(O& o, tensor& x, const tensor& g, std::size_t step) {
    o.step(x, g, step);
    o.reset();
};

/// The smallest optimiser: x ← x − 0.01·g. Kept compiled so the specification cannot drift.
struct optimizer_archetype {
    void step(tensor& x, const tensor& g, std::size_t) {
        for (std::size_t e = 0; e < x.size(); ++e) x.data()[e] -= 0.01f * g.data()[e];
    }
    void reset() {}
};
static_assert(Optimizer<optimizer_archetype>, "optimizer_archetype must satisfy Optimizer (solvers/optimizer.hpp)");

}  // namespace deepvis
