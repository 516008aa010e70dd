#pragma once
/// TrainingCallback: observes a training run and may stop it (ensmallen's callback style).
///   requires: a class that implements any of the hooks below, and only those it wants:
///             on_step(const step_report&)   after every optimiser step;
///             on_epoch(const epoch_report&) after every epoch's evaluation.
///             Each hook returns bool: true stops training after the current step/epoch.
///   ensures:  the training loop calls each hook it finds, in order, on the training thread.
///   Shipped: no_callback. The CLI's progress bar, CSV writer and checkpointing are callbacks
///   (examples/cli/train.hpp) — the library itself never prints.
///   Consumed by: train::fit (train/fit.hpp).
#include <concepts>
#include <cstddef>
#include <limits>
#include <type_traits>

namespace deepvis::train {

/// After each optimiser step.
struct step_report {
    std::size_t epoch = 0;  ///< 1-based
    std::size_t step = 0;   ///< 1-based within the epoch
    std::size_t steps_per_epoch = 0;
    double loss = 0;                                                     ///< this mini-batch's loss
    double running_loss = 0;                                             ///< mean over the epoch's steps so far
    double running_accuracy = std::numeric_limits<double>::quiet_NaN();  ///< NaN without class targets
};

/// After each epoch. Accuracies are NaN for losses without class targets; test values are NaN
/// when no test set was given.
struct epoch_report {
    std::size_t epoch = 0;  ///< 1-based
    double train_loss = 0;  ///< mean of the epoch's mini-batch losses (weights changing during the epoch)
    double train_accuracy = std::numeric_limits<double>::quiet_NaN();
    double test_loss = std::numeric_limits<double>::quiet_NaN();
    double test_accuracy = std::numeric_limits<double>::quiet_NaN();
    double seconds = 0;  ///< wall time of the epoch, training and evaluation
};

template <class C>
concept TrainingCallback = std::is_class_v<std::remove_cvref_t<C>> &&(
                               !requires { &std::remove_cvref_t<C>::on_step; } ||
                               requires(std::remove_cvref_t<C> & c, const step_report& s) {
                                   { c.on_step(s) } -> std::convertible_to<bool>;
                               }) &&
                           (
                               !requires { &std::remove_cvref_t<C>::on_epoch; } ||
                               requires(std::remove_cvref_t<C> & c, const epoch_report& e) {
                                   { c.on_epoch(e) } -> std::convertible_to<bool>;
                               });

/// Observes nothing.
struct no_callback {};

/// The archetype: both hooks, never stops.
struct callback_archetype {
    bool on_step(const step_report&) { return false; }
    bool on_epoch(const epoch_report&) { return false; }
};

static_assert(TrainingCallback<no_callback> && TrainingCallback<callback_archetype>,
              "callbacks must satisfy TrainingCallback (train/callback.hpp)");

}  // namespace deepvis::train
