#pragma once
/// Loss: a training loss over a mini-batch, with its gradient.
///   requires: L::target_type is what the loss compares against (class indices, or a tensor
///             of the prediction's shape); L::reads says which tensor of the network it reads:
///             loss_input::output (the graph's output) or loss_input::pre_activation (the input
///             of a trailing Softmax or Sigmoid — logits, for numerically stable losses).
///             loss(prediction, target) is the batch loss (a mean; see each loss);
///             loss_and_gradient(prediction, target, gradient) also OVERWRITES gradient with
///             d loss / d prediction (resized to prediction's shape).
///   ensures:  both return the same value for the same arguments.
///   Optional: correct(prediction, target) -> number of correctly classified samples, for
///             losses with class targets (the training loop then reports accuracy).
///   Shipped: cross_entropy (train/cross_entropy.hpp), binary_cross_entropy and
///            binary_cross_entropy_with_logits (train/binary_cross_entropy.hpp).
///   Consumed by: train::fit (train/fit.hpp).
#include <concepts>
#include <cstddef>
#include <deepvis/core/tensor.hpp>

namespace deepvis::train {

/// Which tensor of the network a loss reads.
enum class loss_input {
    output,          ///< the graph's output
    pre_activation,  ///< the input of the trailing Softmax/Sigmoid node (logits)
};

template <class L>
concept Loss = requires(const L& l, const tensor& prediction, const typename L::target_type& target, tensor& gradient) {
    typename L::target_type;
    { L::reads } -> std::convertible_to<loss_input>;
    { l.loss(prediction, target) } -> std::convertible_to<double>;
    { l.loss_and_gradient(prediction, target, gradient) } -> std::convertible_to<double>;
};

/// A loss with class targets that can count correct predictions.
template <class L>
concept ClassificationLoss = Loss<L> &&
    requires(const L& l, const tensor& prediction, const typename L::target_type& target) {
    { l.correct(prediction, target) } -> std::convertible_to<std::size_t>;
};

/// The smallest Loss: half the squared norm of the prediction, ignoring the target.
struct loss_archetype {
    using target_type = tensor;
    static constexpr loss_input reads = loss_input::output;
    double loss(const tensor& p, const tensor&) const {
        double s = 0;
        for (float v : p) s += 0.5 * double(v) * v;
        return s;
    }
    double loss_and_gradient(const tensor& p, const tensor& t, tensor& g) const {
        g = p;
        return loss(p, t);
    }
};

}  // namespace deepvis::train
