#pragma once
/// Relu: y = max(x, 0). Its backward here is the true gradient; the executor replaces it by the
/// BackpropRule policy (standard, deconvnet, guided) when it backpropagates through a network.
#include <deepvis/core/kernels/elementwise.hpp>
#include <deepvis/nn/op.hpp>

namespace deepvis::nn {

class relu_op final : public op {
public:
    explicit relu_op(const op_context&) {}
    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        ensure_shape(*y[0], x[0]->shape());
        kernels::relu(x[0]->data(), y[0]->data(), x[0]->size());
    }
    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch&) const override {
        if (!gx[0]) return;
        ensure_shape(*gx[0], x[0]->shape());
        kernels::relu_backward(x[0]->data(), gy[0]->data(), gx[0]->data(), x[0]->size());
    }
};

inline const bool relu_registered = register_op<relu_op>("Relu");

}  // namespace deepvis::nn
