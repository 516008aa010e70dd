#pragma once
/// Model: anything deepvis can explain or optimise an image through. A pure specification: it
/// includes no executor (nn::network satisfies it in nn/network.hpp).
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
///   ensures:  forward and backward leave the model unchanged (const) and write only to t;
///             references returned stay valid until the next call with the same trace.
///   Optional capabilities, used when present (named below, each a concept):
///     PartialForward     forward(x, t, wanted) runs only what the named tensors need;
///     MultiTargetBackward backward<Rule>(t, seeds, targets) + gradient(t, name): one pass to
///                        several targets;
///     BorrowsTraces      borrow_trace() lends a reusable trace (repeated calls allocate nothing);
///     ExposesGraph       definition().nodes: the graph, for defaults such as the Grad-CAM layer;
///     DeclaresInputShape input_info().shape: the declared input shape.
///   Shipped: nn::network (a graph from ONNX, Caffe or built in C++); synthesis::pixel_space
///   wraps a Model. Consumed by: every attribution, objective, solver and recipe.
///   A custom model is any type with these members; model_archetype below is the smallest.
#include <concepts>
#include <deepvis/backprop/rule.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/gradient_seed.hpp>
#include <span>
#include <string>

namespace deepvis {

template <class M>
concept Model = requires(const M& m, typename M::trace_type& t, const tensor& x, const std::string& name,
                         std::span<const nn::gradient_seed> seeds) {
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

template <class M>
concept PartialForward = Model<M> &&
    requires(const M& m, typename M::trace_type& t, const tensor& x, std::span<const std::string> wanted) {
    { m.forward(x, t, wanted) } -> std::convertible_to<const tensor&>;
};

template <class M>
concept MultiTargetBackward = Model<M> &&
    requires(const M& m, typename M::trace_type& t, std::span<const nn::gradient_seed> seeds,
             std::span<const std::string> targets, const std::string& name) {
    m.template backward<backprop::standard>(t, seeds, targets);
    { m.gradient(t, name) } -> std::convertible_to<const tensor&>;
};

template <class M>
concept BorrowsTraces = Model<M> && requires(const M& m) {
    { *m.borrow_trace() } -> std::convertible_to<typename M::trace_type&>;
};

template <class M>
concept ExposesGraph = Model<M> && requires(const M& m) {
    m.definition().nodes;
};

template <class M>
concept DeclaresInputShape = Model<M> && requires(const M& m) {
    m.input_info().shape;
};

/// The smallest Model: the identity, whose input is its class scores. Kept compiled so the
/// specification cannot drift.
struct model_archetype {
    struct trace_type {
        tensor x = {}, gradient = {};
    };
    const tensor& forward(const tensor& x, trace_type& t) const { return t.x = x; }
    const tensor& activation(const trace_type& t, const std::string&) const { return t.x; }
    const tensor& scores(const trace_type& t) const { return t.x; }
    std::string input_name() const { return "x"; }
    std::string score_name() const { return "x"; }
    std::string resolve(const std::string& name) const { return name; }
    template <BackpropRule Rule>
    const tensor& backward(trace_type& t, std::span<const nn::gradient_seed> seeds, const std::string&) const {
        t.gradient = seeds.front().gradient;
        return t.gradient;
    }
};
static_assert(Model<model_archetype> && !PartialForward<model_archetype> && !ExposesGraph<model_archetype>,
              "model_archetype must satisfy deepvis::Model and no optional capability (nn/model.hpp)");

}  // namespace deepvis
