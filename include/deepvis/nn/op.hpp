#pragma once
/// op: one node's computation, type-erased so that a model loaded from a file is a flat graph
/// of nodes (a virtual call per node costs nothing next to a convolution).
///
/// Contract of every op:
///   forward(x, y, s):      requires x[i] are the node's inputs in ONNX order (nullptr for an
///                          omitted optional input); ensures y[j] hold the outputs, resized by the
///                          op (a buffer with the right shape is reused, never reallocated).
///   backward(x, y, gy, gx, s): requires x, y as after forward; gy[j] the gradient of the loss
///                          w.r.t. y[j], nullptr meaning zero. ensures: for every gx[i] that is
///                          not nullptr, gx[i] is OVERWRITTEN with d loss / d x[i] (resized to
///                          x[i]'s shape). Gradients w.r.t. weights are just gradients w.r.t. the
///                          inputs that hold them (Conv's W and B, Gemm's B and C, BN's scale
///                          and bias): the caller asks for them by passing a non-null gx.
///   s (op_scratch):        per-trace working memory (im2col buffers, argmax indices) that lives
///                          as long as the trace, so repeated calls allocate nothing. The op
///                          itself is const: one loaded model serves many traces and threads.
/// Rectifiers (Relu) are not differentiated through op::backward by the executor: it applies
/// the BackpropRule policy instead (see backprop/rule.hpp and nn/network.hpp).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/attributes.hpp>

namespace deepvis::nn {

/// Per-trace, per-node working memory. Buffers grow to the largest size asked and stay.
struct op_scratch {
    std::vector<std::vector<float>> buffers;
    std::vector<std::vector<std::int64_t>> indices;

    float* buffer(std::size_t slot, std::size_t size) {
        if (buffers.size() <= slot) buffers.resize(slot + 1);
        if (buffers[slot].size() < size) buffers[slot].resize(size);
        return buffers[slot].data();
    }
    std::int64_t* index(std::size_t slot, std::size_t size) {
        if (indices.size() <= slot) indices.resize(slot + 1);
        if (indices[slot].size() < size) indices[slot].resize(size);
        return indices[slot].data();
    }
};

using inputs_view = std::span<const tensor* const>;
using outputs_view = std::span<tensor* const>;

class op {
public:
    virtual ~op() = default;
    virtual void forward(inputs_view x, outputs_view y, op_scratch& s) const = 0;
    virtual void backward(inputs_view x, inputs_view y, inputs_view gy, outputs_view gx,
                          op_scratch& s) const = 0;
};

/// What an op factory is told: the node's name (for error messages), its attributes, and the
/// inputs that are constant initialisers. Read constants only for configuration (Reshape's
/// target shape, Pad's pads, Resize's scales); weights must be read from x at every call,
/// because training changes them and the gradient checker perturbs them.
struct op_context {
    std::string node_name;
    std::string op_type;
    const attribute_map& attributes;
    std::vector<const tensor*> constant_inputs;  // nullptr where the input is not constant
    std::size_t input_count = 0;
};

using op_factory = std::function<std::unique_ptr<op>(const op_context&)>;

/// The table of op types the backend implements. Each op header registers itself through
/// register_op in an inline variable, so including the header is enough to make it known.
class op_registry {
public:
    static op_registry& instance() {
        static op_registry registry;
        return registry;
    }
    bool add(const std::string& op_type, op_factory factory) {
        m_factories[op_type] = std::move(factory);
        return true;
    }
    bool supports(const std::string& op_type) const { return m_factories.count(op_type) != 0; }
    std::unique_ptr<op> create(const op_context& ctx) const {
        auto it = m_factories.find(ctx.op_type);
        if (it == m_factories.end()) {
            std::ostringstream supported;
            for (const auto& [name, f] : m_factories) supported << (supported.tellp() ? ", " : "") << name;
            DEEPVIS_FAIL(unsupported_error, "node '" << ctx.node_name << "': unsupported op type '"
                                                      << ctx.op_type << "'; supported ops: " << supported.str());
        }
        return it->second(ctx);
    }
    std::vector<std::string> op_types() const {
        std::vector<std::string> names;
        for (const auto& kv : m_factories) names.push_back(kv.first);
        return names;
    }

private:
    std::map<std::string, op_factory> m_factories;
};

/// Registers `T` (constructible from op_context) under `op_type`.
template <class T>
bool register_op(const std::string& op_type) {
    return op_registry::instance().add(op_type, [](const op_context& ctx) { return std::make_unique<T>(ctx); });
}

}  // namespace deepvis::nn
