#pragma once
/// The parameters a training run updates (train::fit, with any Optimizer of solvers/): every float
/// initialiser of the graph but those the op traits call configuration or running statistics,
/// in the graph's (sorted) name order.
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/graph.hpp>
#include <deepvis/nn/ops/all.hpp>  // the op traits say which inputs are trained
#include <set>
#include <span>
#include <string>
#include <vector>

namespace deepvis::train {

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
