#pragma once
/// ParameterOptimizer: updates a network's weights from their gradients, in place.
///   requires: step(parameters, gradients) with parameters[i] and gradients[i] of the same
///             shape; the i-th entry names the same weight at every call (optimisers keep
///             per-parameter state, such as moments, by position).
///   ensures:  each parameter moved against its gradient (solvers minimise); shapes unchanged,
///             so a network that holds pointers to its weights sees the new values.
///   Shipped: adam (train/adam.hpp), sgd with momentum (train/sgd.hpp).
///   Consumed by: train::fit (train/fit.hpp).
/// Training parameters: every float initialiser of the graph (see train::trainable_parameters),
/// in the graph's (sorted) name order.
#include <concepts>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/graph.hpp>
#include <deepvis/nn/ops/all.hpp>  // the op traits say which inputs are trained
#include <set>
#include <span>
#include <string>
#include <vector>

namespace deepvis::train {

template <class O>
concept ParameterOptimizer = requires(O& o, std::span<tensor* const> parameters,
                                      std::span<const tensor* const> gradients) {
    {o.step(parameters, gradients)};
};

/// The smallest ParameterOptimizer: plain gradient descent with step 0.01.
struct optimizer_archetype {
    void step(std::span<tensor* const> parameters, std::span<const tensor* const> gradients) {
        for (std::size_t i = 0; i < parameters.size(); ++i)
            for (std::size_t e = 0; e < parameters[i]->size(); ++e)
                parameters[i]->data()[e] -= 0.01f * gradients[i]->data()[e];
    }
};

/// Names of the initialisers a training run updates: all but the integer ones (shapes, axes) and
/// the inputs the op traits call configuration (Resize's scales, Reshape's shape) or running
/// statistics (BatchNormalization's mean and variance).
inline std::vector<std::string> trainable_parameters(const nn::graph& g) {
    std::set<std::string> fixed(g.integer_initializers.begin(), g.integer_initializers.end());
    for (const auto& n : g.nodes) {
        const nn::op_traits& traits = nn::traits_of(n.op_type);
        for (std::size_t i = 0; i < n.inputs.size(); ++i)
            if (!traits.trainable_input(i)) fixed.insert(n.inputs[i]);
    }
    std::vector<std::string> names;
    for (const auto& [name, value] : g.initializers)
        if (!fixed.count(name) && value.size() > 0) names.push_back(name);
    return names;
}

}  // namespace deepvis::train
