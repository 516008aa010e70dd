#pragma once
/// Callbacks: how a caller watches a run and stops it — one idiom for solve() and train::fit.
///   A callback is anything callable with the run's report(s): `cb(report)` returning bool (true
///   stops the run after this step) or void (never stops). A run with several kinds of report
///   (train::fit: a step_report per optimiser step, an epoch_report per epoch) calls the callback
///   with each kind it accepts and skips the others, so a lambda watches one kind and a struct with
///   overloaded operator() watches several. no_callback watches nothing.
///   CallbackFor<C, Reports...>: C is no_callback, or callable with at least one of Reports, and
///   every such call returns void or something convertible to bool.
///   Callback<C>: a callback for solve() (solvers/solve.hpp), whose report is step_report:
///     `image` is the image AFTER the step (optimiser and after_step regularisers applied);
///     `value` and `gradient_norm` were measured at the image the step started from (the
///     objective plus explicit penalties, and ‖∂/∂x‖₂ of that sum).
///   The library never prints: progress bars, logs and snapshots (`--every K`) are callbacks.
///   Shipped: no_callback, every(k, f). Consumed by: solve(), the synthesis recipes, train::fit.
#include <concepts>
#include <cstddef>
#include <deepvis/core/tensor.hpp>
#include <type_traits>
#include <utility>

namespace deepvis {
inline namespace solvers {

struct step_report {
    std::size_t step = 0;        ///< 0-based
    std::size_t iterations = 0;  ///< of the run
    double value = 0.0;
    double gradient_norm = 0.0;
    const tensor& image;
};

/// Watches nothing; the default.
struct no_callback {};

}  // namespace solvers

namespace detail {
template <class C, class R>
concept callback_result_ok = !std::invocable<C&, const R&> || std::is_void_v<std::invoke_result_t<C&, const R&>> ||
                             std::convertible_to<std::invoke_result_t<C&, const R&>, bool>;
}  // namespace detail

inline namespace solvers {

template <class C, class... Reports>
concept CallbackFor = std::same_as<std::remove_cvref_t<C>, no_callback> ||
    ((std::invocable<std::remove_reference_t<C>&, const Reports&> || ...) &&
     (detail::callback_result_ok<std::remove_reference_t<C>, Reports> && ...));

template <class C>
concept Callback = CallbackFor<C, step_report>;

/// Calls the callback with the report if it accepts that kind; true when it asks to stop.
template <class C, class R>
bool notify(C& callback, const R& report) {
    if constexpr (!std::invocable<C&, const R&>) {
        return false;
    } else if constexpr (std::is_void_v<std::invoke_result_t<C&, const R&>>) {
        callback(report);
        return false;
    } else {
        return static_cast<bool>(callback(report));
    }
}

/// Calls f on steps 0, k, 2k, … and on the last step; f returns void or bool (true stops).
template <class F>
struct every_k {
    std::size_t k = 0;
    F f = {};
    bool operator()(const step_report& r) {
        if (k == 0 || (r.step % k != 0 && r.step + 1 != r.iterations)) return false;
        return notify(f, r);
    }
};
template <class F>
every_k<F> every(std::size_t k, F f) {
    return {k, std::move(f)};
}

static_assert(Callback<no_callback> && Callback<every_k<bool (*)(const step_report&)>>,
              "the shipped callbacks must satisfy Callback (solvers/callback.hpp)");

}  // namespace solvers
}  // namespace deepvis
