#pragma once
/// Pointwise activations other than Relu (nn/ops/relu.hpp):
///   LeakyRelu: y = x if x > 0 else α·x (α = `alpha`, default 0.01); gx = gy or α·gy.
///   Sigmoid:   y = 1/(1 + e^{−x});        gx = gy · y · (1 − y).
///   Tanh:      y = tanh x;                gx = gy · (1 − y²).
///   Clip:      y = min(max(x, lo), hi);   gx = [lo ≤ x ≤ hi] · gy (PyTorch's clamp convention).
///              Bounds come from the `min`/`max` attributes (opset < 11) or the optional inputs 1
///              and 2 (opset ≥ 11); absent bounds are ∓∞. Clip(0, 6) is ReLU6 (MobileNet).
#include <deepvis/core/kernels/elementwise.hpp>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>
#include <limits>

namespace deepvis::nn {

class leaky_relu_op final : public op {
public:
    explicit leaky_relu_op(const op_context& ctx) : m_alpha(ctx.attributes.get_float("alpha", 0.01f)) {}
    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        ensure_shape(*y[0], x[0]->shape());
        kernels::leaky_relu(x[0]->data(), y[0]->data(), x[0]->size(), m_alpha);
    }
    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch&) const override {
        if (!gx[0]) return;
        if (!gy[0]) return detail::zero_gradient(x[0], gx[0]);
        ensure_shape(*gx[0], x[0]->shape());
        kernels::leaky_relu_backward(x[0]->data(), gy[0]->data(), gx[0]->data(), x[0]->size(), m_alpha);
    }

private:
    float m_alpha;
};

class sigmoid_op final : public op {
public:
    explicit sigmoid_op(const op_context&) {}
    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        ensure_shape(*y[0], x[0]->shape());
        kernels::sigmoid(x[0]->data(), y[0]->data(), x[0]->size());
    }
    void backward(inputs_view x, inputs_view y, inputs_view gy, outputs_view gx, op_scratch&) const override {
        if (!gx[0]) return;
        if (!gy[0]) return detail::zero_gradient(x[0], gx[0]);
        ensure_shape(*gx[0], x[0]->shape());
        kernels::sigmoid_backward(y[0]->data(), gy[0]->data(), gx[0]->data(), x[0]->size());
    }
};

class tanh_op final : public op {
public:
    explicit tanh_op(const op_context&) {}
    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        ensure_shape(*y[0], x[0]->shape());
        kernels::tanh(x[0]->data(), y[0]->data(), x[0]->size());
    }
    void backward(inputs_view x, inputs_view y, inputs_view gy, outputs_view gx, op_scratch&) const override {
        if (!gx[0]) return;
        if (!gy[0]) return detail::zero_gradient(x[0], gx[0]);
        ensure_shape(*gx[0], x[0]->shape());
        kernels::tanh_backward(y[0]->data(), gy[0]->data(), gx[0]->data(), x[0]->size());
    }
};

class clip_op final : public op {
public:
    explicit clip_op(const op_context& ctx)
        : m_what(detail::describe(ctx)),
          m_min_attribute(ctx.attributes.get_float("min", -std::numeric_limits<float>::infinity())),
          m_max_attribute(ctx.attributes.get_float("max", std::numeric_limits<float>::infinity())),
          m_min(ctx, 1),
          m_max(ctx, 2) {}

    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        const auto [lo, hi] = bounds(x);
        ensure_shape(*y[0], x[0]->shape());
        kernels::clip(x[0]->data(), y[0]->data(), x[0]->size(), lo, hi);
    }
    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch&) const override {
        for (std::size_t i = 1; i < x.size() && i < gx.size(); ++i) detail::zero_gradient(x[i], gx[i]);
        if (!gx[0]) return;
        if (!gy[0]) return detail::zero_gradient(x[0], gx[0]);
        const auto [lo, hi] = bounds(x);
        ensure_shape(*gx[0], x[0]->shape());
        kernels::clip_backward(x[0]->data(), gy[0]->data(), gx[0]->data(), x[0]->size(), lo, hi);
    }

private:
    std::pair<float, float> bounds(inputs_view x) const {
        const auto lo = m_min.values(x);
        const auto hi = m_max.values(x);
        DEEPVIS_CHECK(
            lo.size() <= 1 && hi.size() <= 1, shape_error,
            m_what << ": min and max must be scalars, got " << lo.size() << " and " << hi.size() << " values");
        return {lo.empty() ? m_min_attribute : lo[0], hi.empty() ? m_max_attribute : hi[0]};
    }

    std::string m_what;
    float m_min_attribute, m_max_attribute;
    detail::config_input m_min, m_max;
};

inline const bool leaky_relu_registered = register_op<leaky_relu_op>("LeakyRelu");
inline const bool sigmoid_registered =
    register_op<sigmoid_op>("Sigmoid", {.activation = op_traits::score_activation::sigmoid});
inline const bool tanh_registered = register_op<tanh_op>("Tanh");
inline const bool clip_registered = register_op<clip_op>("Clip");

}  // namespace deepvis::nn
