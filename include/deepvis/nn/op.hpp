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
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/attributes.hpp>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

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
    virtual void backward(inputs_view x, inputs_view y, inputs_view gy, outputs_view gx, op_scratch& s) const = 0;
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

/// What the executor, training, the model summary and the CAM methods need to know about an op
/// type, registered with the op (register_op) instead of compared as op-type strings by each.
struct op_traits {
    /// A rectifier (Relu): the executor applies the BackpropRule policy (standard, deconvnet,
    /// guided) in its backward pass instead of op::backward.
    bool rectifier = false;
    /// Its output is a new feature map. False for ops that only select, pool, copy or rearrange
    /// their input (pooling, reshaping, padding, Identity): a class activation map is taken
    /// before them, at the last feature map (default_cam_layer).
    bool computes_features = true;
    /// A normalising activation of class scores: a trailing Softmax's input is the model's
    /// class scores (nn::network::scores); training losses read the input of any of them.
    enum class score_activation { none, softmax, log_softmax, sigmoid } activation = score_activation::none;
    /// Inputs from this index on configure the op (Reshape's shape, Resize's scales, Pad's pads):
    /// never trained, not counted as parameters. npos: none.
    std::size_t configuration_from = npos;
    /// Inputs from this index on are running statistics (BatchNormalization's mean and
    /// variance): not trained, counted as frozen parameters. npos: none.
    std::size_t statistics_from = npos;

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    /// True when input `i` holds trainable values (not configuration, not statistics).
    bool trainable_input(std::size_t i) const { return i < configuration_from && i < statistics_from; }
};

/// The table of op types the backend implements. Each op header registers itself through
/// register_op in an inline variable, so including the header is enough to make it known.
class op_registry {
public:
    static op_registry& instance() {
        static op_registry registry;
        return registry;
    }
    bool add(const std::string& op_type, op_factory factory, op_traits traits = {}) {
        m_factories[op_type] = std::move(factory);
        m_traits[op_type] = traits;
        return true;
    }
    bool supports(const std::string& op_type) const { return m_factories.count(op_type) != 0; }
    /// The traits `op_type` was registered with; defaults (a feature-computing op with only
    /// trainable inputs) for a type nobody registered.
    const op_traits& traits(const std::string& op_type) const {
        static const op_traits unknown{};
        auto it = m_traits.find(op_type);
        return it == m_traits.end() ? unknown : it->second;
    }
    std::unique_ptr<op> create(const op_context& ctx) const {
        auto it = m_factories.find(ctx.op_type);
        if (it == m_factories.end()) {
            std::ostringstream supported;
            for (const auto& [name, f] : m_factories) supported << (supported.tellp() ? ", " : "") << name;
            DEEPVIS_FAIL(unsupported_error, "node '" << ctx.node_name << "': unsupported op type '" << ctx.op_type
                                                     << "'; supported ops: " << supported.str());
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
    std::map<std::string, op_traits> m_traits;
};

/// Registers `T` (constructible from op_context) under `op_type`, with its traits.
template <class T>
bool register_op(const std::string& op_type, op_traits traits = {}) {
    return op_registry::instance().add(
        op_type, [](const op_context& ctx) { return std::make_unique<T>(ctx); }, traits);
}

/// The traits of a node's op type (op_registry::traits).
inline const op_traits& traits_of(const std::string& op_type) { return op_registry::instance().traits(op_type); }

}  // namespace deepvis::nn
