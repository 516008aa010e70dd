#pragma once
/// Optimizer: one update of a set of tensors from their gradients — the same concept for the
/// image of a visualisation (solve(), one tensor) and the weights of a network (train::fit, one
/// tensor per parameter). Solvers MINIMISE (see objectives/objective.hpp: `maximize(term)` negates
/// a term to ascend it).
///   requires: step(x, g, iteration) with x[i] and g[i] of the same shape, g[i] = ∂L/∂x[i] at x;
///             the i-th entry names the same tensor at every call (state such as moments is kept
///             by position); iteration is the 0-based step index.
///   ensures:  every x[i] moved in place towards lower L, shapes unchanged (a network holding
///             pointers to its weights sees the new values); reset() forgets all history
///             (moments, curvature pairs) so the optimiser can start a new run.
///   Options are public data members with defaults (aggregates: `adam{.step_size = 0.05}`);
///   the state a run builds is the member `state`, cleared by reset().
///   Shipped: gradient_descent (plain, normalised, momentum, Nesterov, weight decay), adam, lbfgs.
///   Consumed by: solve() (solvers/solve.hpp), the synthesis recipes, train::fit (train/fit.hpp).
///   A custom optimiser is any copyable struct with these two members.
#include <concepts>
#include <cstddef>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <span>
#include <vector>

namespace deepvis {
inline namespace solvers {

template <class O>
concept Optimizer = std::copy_constructible<O> &&
    requires(O& o, std::span<tensor* const> x, std::span<const tensor* const> g, std::size_t iteration) {
    o.step(x, g, iteration);
    o.reset();
};

/// The smallest optimiser: x ← x − 0.01·g. Kept compiled so the specification cannot drift.
struct optimizer_archetype {
    void step(std::span<tensor* const> x, std::span<const tensor* const> g, std::size_t) {
        for (std::size_t i = 0; i < x.size(); ++i)
            for (std::size_t e = 0; e < x[i]->size(); ++e) x[i]->data()[e] -= 0.01f * g[i]->data()[e];
    }
    void reset() {}
};
static_assert(Optimizer<optimizer_archetype>, "optimizer_archetype must satisfy Optimizer (solvers/optimizer.hpp)");

/// Optional: a step_size member (all shipped optimisers) that a schedule may set between steps
/// (train::fit's per-epoch decay).
template <class O>
concept HasStepSize = Optimizer<O> && requires(O& o) {
    o.step_size = 1.0;
};

/// One step on a single tensor (an image): the optimiser sees a set of one.
template <Optimizer O>
void step_one(O& optimizer, tensor& x, const tensor& g, std::size_t iteration) {
    tensor* xs[] = {&x};
    const tensor* gs[] = {&g};
    optimizer.step(std::span<tensor* const>(xs), std::span<const tensor* const>(gs), iteration);
}

}  // namespace solvers

namespace detail {

/// The optimisers' common argument check: as many gradients as tensors, each of its tensor's size.
inline void check_step_arguments(const char* who, std::span<tensor* const> x, std::span<const tensor* const> g) {
    DEEPVIS_CHECK(x.size() == g.size(), config_error,
                  who << ": " << x.size() << " tensors but " << g.size() << " gradients");
    for (std::size_t i = 0; i < x.size(); ++i)
        DEEPVIS_CHECK(x[i]->size() == g[i]->size(), shape_error,
                      who << ": tensor " << i << " has " << x[i]->size() << " elements, its gradient " << g[i]->size());
}

/// Per-tensor state buffers sized like x; (re)started when the set of tensors changed.
inline bool ensure_state(std::vector<std::vector<float>>& buffers, std::span<tensor* const> x) {
    bool same = buffers.size() == x.size();
    for (std::size_t i = 0; same && i < x.size(); ++i) same = buffers[i].size() == x[i]->size();
    if (same) return false;
    buffers.resize(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) buffers[i].assign(x[i]->size(), 0.0f);
    return true;
}

}  // namespace detail

}  // namespace deepvis
