#pragma once
/// Identity and Dropout. Dropout is the identity at inference (deepvis never trains through a
/// random mask); when its optional second output is requested, the mask is all true (1.0).
/// The optional ratio and training_mode inputs of opset 12+ are accepted and ignored.
/// Backward: gx = gy.
#include <algorithm>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>

namespace deepvis::nn {

class identity_op final : public op {
public:
    explicit identity_op(const op_context&) {}
    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        detail::copy_reshaped(*x[0], *y[0], x[0]->shape());
        if (y.size() > 1 && y[1]) {
            ensure_shape(*y[1], x[0]->shape());
            std::fill(y[1]->begin(), y[1]->end(), 1.0f);
        }
    }
    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch&) const override {
        detail::pass_gradient(*x[0], gy[0], gx[0]);
        for (std::size_t i = 1; i < x.size() && i < gx.size(); ++i) detail::zero_gradient(x[i], gx[i]);
    }
};

inline const bool identity_registered = register_op<identity_op>("Identity", {.computes_features = false});
inline const bool dropout_registered = register_op<identity_op>("Dropout", {.computes_features = false});

}  // namespace deepvis::nn
