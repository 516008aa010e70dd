#pragma once
/// What train::fit tells its callback (solvers/callback.hpp's idiom: the callback is called with
/// each kind of report it accepts) and returns: a step_report after every optimiser step, an
/// epoch_report after every epoch.
#include <cstddef>
#include <limits>

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

}  // namespace deepvis::train
