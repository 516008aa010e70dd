#pragma once
/// Model: anything deepvis can explain or optimise an image through.
///   requires: M::trace_type holds one experiment's activations and gradients (the model's own
///             weights stay immutable, so many traces can share one model).
///             forward(x, t) runs the model on NCHW input x and returns its output;
///             activation(t, name) returns a named tensor (or a node's first output) after forward;
///             scores(t) the unnormalised class scores (N, K), and score_name() the tensor it
///             reads (where attributions seed their gradient);
///             backward<Rule>(t, seeds, target) sends the seed gradients (one per named tensor,
///             all in one pass) down to `target` — the input or any named tensor — applying Rule
///             at every rectifier, and returns d(Σ <seed, tensor>)/d target.
///             resolve(name) maps a node or tensor name to a tensor name, throwing config_error
///             that lists the layers when it is unknown.
///   Shipped: nn::network (a graph from ONNX or built in C++). Consumed by: every attribution,
///   objective and solver.
#include <concepts>
#include <deepvis/backprop/rule.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/network.hpp>
#include <span>
#include <string>

namespace deepvis {

template <class M>
concept Model = requires(const M& m, typename M::trace_type& t, const tensor& x, const std::string& name,
                         std::span<const nn::seed> seeds) {
    typename M::trace_type;
    { m.forward(x, t) } -> std::convertible_to<const tensor&>;
    { m.activation(t, name) } -> std::convertible_to<const tensor&>;
    { m.scores(t) } -> std::convertible_to<const tensor&>;
    { m.input_name() } -> std::convertible_to<std::string>;
    { m.score_name() } -> std::convertible_to<std::string>;
    { m.resolve(name) } -> std::convertible_to<std::string>;
    { m.template backward<backprop::standard>(t, seeds, name) } -> std::convertible_to<const tensor&>;
    { m.template backward<backprop::guided>(t, seeds, name) } -> std::convertible_to<const tensor&>;
};

static_assert(Model<nn::network>, "nn::network must satisfy deepvis::Model (nn/model.hpp)");

}  // namespace deepvis
