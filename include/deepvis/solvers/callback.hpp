#pragma once
/// Callback: sees every step of solve() and can stop the run.
///   requires: called once per step with a step_report whose `image` is the image AFTER the
///             step (optimiser and after_step regularisers applied) and whose `value` and
///             `gradient_norm` were measured at the image the step started from (the objective
///             plus explicit penalties, and ‖∂/∂x‖₂ of that sum).
///   ensures:  returns true to stop the run (solve() reports solve_status::stopped), false to go on.
///   The library never prints: progress bars, logs and snapshots (`--every K`) are callbacks.
///   Shipped: no_callback, every(k, f). Consumed by: solve() (solvers/solve.hpp).
#include <concepts>
#include <cstddef>
#include <deepvis/core/tensor.hpp>
#include <utility>

namespace deepvis {

struct step_report {
    std::size_t step = 0;        ///< 0-based
    std::size_t iterations = 0;  ///< of the run
    double value = 0.0;
    double gradient_norm = 0.0;
    const tensor& image;
};

template <class C>
concept Callback = requires(C& c, const step_report& r) {
    { c(r) } -> std::convertible_to<bool>;
};

/// Never stops; the default.
struct no_callback {
    bool operator()(const step_report&) const { return false; }
};
static_assert(Callback<no_callback>, "no_callback must satisfy Callback (solvers/callback.hpp)");

/// Calls f on steps 0, k, 2k, … and on the last step; f returns void or bool (true stops).
template <class F>
struct every_k {
    std::size_t k = 0;
    F f = {};
    bool operator()(const step_report& r) {
        if (k == 0 || (r.step % k != 0 && r.step + 1 != r.iterations)) return false;
        if constexpr (std::is_void_v<decltype(f(r))>) {
            f(r);
            return false;
        } else {
            return static_cast<bool>(f(r));
        }
    }
};
template <class F>
every_k<F> every(std::size_t k, F f) {
    return {k, std::move(f)};
}

}  // namespace deepvis
