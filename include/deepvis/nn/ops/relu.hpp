#pragma once
/// Relu: y = max(x, 0). Its backward here is the true gradient; the executor replaces it by the
/// BackpropRule policy (standard, deconvnet, guided) when it backpropagates through a network.
#include <deepvis/core/kernels/elementwise.hpp>
#include <deepvis/core/parallel.hpp>
#include <deepvis/nn/op.hpp>

namespace deepvis::nn {

class relu_op final : public op {
public:
    explicit relu_op(const op_context&) {}
    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        ensure_shape(*y[0], x[0]->shape());
        const float* xd = x[0]->data();
        float* yd = y[0]->data();
        parallel_ranges(
            static_cast<std::ptrdiff_t>(x[0]->size()), parallel_elementwise_grain,
            [&](std::ptrdiff_t b, std::ptrdiff_t e, int) { kernels::relu(xd + b, yd + b, std::size_t(e - b)); });
    }
    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch&) const override {
        if (!gx[0]) return;
        ensure_shape(*gx[0], x[0]->shape());
        const float* xd = x[0]->data();
        const float* gd = gy[0]->data();
        float* od = gx[0]->data();
        parallel_ranges(static_cast<std::ptrdiff_t>(x[0]->size()), parallel_elementwise_grain,
                        [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
                            kernels::relu_backward(xd + b, gd + b, od + b, std::size_t(e - b));
                        });
    }
};

inline const bool relu_registered = register_op<relu_op>("Relu", {.rectifier = true});

}  // namespace deepvis::nn
