#pragma once
/// Small helpers shared by the shape and arithmetic ops: axis normalisation, configuration
/// inputs that may be constant initialisers or computed tensors, and plain copies.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/op.hpp>
#include <span>
#include <string>
#include <vector>

namespace deepvis::nn::detail {

/// Maps an ONNX axis in [−rank, rank) to [0, rank); throws a shape_error naming the op otherwise.
inline std::size_t normalize_axis(std::int64_t axis, std::size_t rank, const std::string& what) {
    const auto r = static_cast<std::int64_t>(rank);
    DEEPVIS_CHECK(
        axis >= -r && axis < r, shape_error,
        what << ": axis " << axis << " out of range for rank " << rank << ", expected in [" << -r << ", " << r << ")");
    return static_cast<std::size_t>(axis < 0 ? axis + r : axis);
}

/// "op 'name'", the prefix of every message an op throws.
inline std::string describe(const op_context& ctx) { return ctx.op_type + " '" + ctx.node_name + "'"; }

/// An input that configures an op rather than carrying data (Reshape's shape, Pad's pads,
/// Resize's scales, Clip's bounds). When it is a constant initialiser it is read once at load
/// time; otherwise it is read from x[index] at every call, so graphs that compute shapes
/// (Shape → Gather → Concat → Reshape) work too. An omitted or empty input reads as empty.
class config_input {
public:
    config_input() = default;
    config_input(const op_context& ctx, std::size_t index) : m_index(index) {
        if (index < ctx.constant_inputs.size() && ctx.constant_inputs[index]) {
            const tensor& t = *ctx.constant_inputs[index];
            m_values.assign(t.data(), t.data() + t.size());
            m_constant = true;
        }
    }
    std::span<const float> values(inputs_view x) const {
        if (m_constant) return m_values;
        if (m_index < x.size() && x[m_index]) return {x[m_index]->data(), x[m_index]->size()};
        return {};
    }
    bool is_constant() const { return m_constant; }

private:
    std::size_t m_index = static_cast<std::size_t>(-1);  // default-constructed: always empty
    bool m_constant = false;
    std::vector<float> m_values;
};

/// Rounds float-held integers (int64 initialisers are stored as float) back to int64.
inline std::int64_t as_int(float v) { return static_cast<std::int64_t>(std::llround(v)); }

inline std::vector<std::int64_t> as_ints(std::span<const float> v) {
    std::vector<std::int64_t> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = as_int(v[i]);
    return out;
}

/// dst = src with shape `s` (same element count); reuses dst's buffer.
template <class Shape>
inline void copy_reshaped(const tensor& src, tensor& dst, const Shape& s) {
    ensure_shape(dst, s);
    std::copy(src.data(), src.data() + src.size(), dst.data());
}

/// gx = 0 with x's shape: the gradient of an input that does not influence the output
/// differentiably (shapes, indices).
inline void zero_gradient(const tensor* x, tensor* gx) {
    if (!gx) return;
    if (x) ensure_shape(*gx, x->shape());
    std::fill(gx->begin(), gx->end(), 0.0f);
}

/// The start of a backward pass that writes every input's gradient: each gx[i] wanted is shaped
/// like x[i]; without gy they are all 0 and false is returned (nothing left to do).
inline bool begin_backward(inputs_view x, inputs_view gy, outputs_view gx) {
    for (std::size_t i = 0; i < gx.size() && i < x.size(); ++i)
        if (gx[i] && x[i]) ensure_shape(*gx[i], x[i]->shape());
    if (gy[0]) return true;
    for (std::size_t i = 0; i < gx.size(); ++i)
        if (gx[i]) std::fill(gx[i]->begin(), gx[i]->end(), 0.0f);
    return false;
}

/// gx = gy reshaped to x's shape, or 0 when gy is absent.
inline void pass_gradient(const tensor& x, const tensor* gy, tensor* gx) {
    if (!gx) return;
    ensure_shape(*gx, x.shape());
    if (gy)
        std::copy(gy->data(), gy->data() + gy->size(), gx->data());
    else
        std::fill(gx->begin(), gx->end(), 0.0f);
}

}  // namespace deepvis::nn::detail
