#pragma once
/// Constant: no inputs; the output is the `value` tensor attribute, or one of value_float
/// (a scalar), value_floats (1-D), value_int (a scalar), value_ints (1-D). Integers are held
/// as float, like every int64 initialiser in deepvis. Nothing to differentiate.
#include <algorithm>
#include <cstdint>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>
#include <vector>

namespace deepvis::nn {

class constant_op final : public op {
public:
    explicit constant_op(const op_context& ctx) {
        const auto& a = ctx.attributes;
        if (a.has("value")) {
            m_value = a.get_tensor("value");
        } else if (a.has("value_float")) {
            m_value = tensor(shape_type{});
            m_value.data()[0] = a.get_float("value_float", 0.0f);
        } else if (a.has("value_floats")) {
            const auto v = a.get_floats("value_floats");
            m_value = tensor(shape_type{v.size()});
            std::copy(v.begin(), v.end(), m_value.begin());
        } else if (a.has("value_int")) {
            m_value = tensor(shape_type{});
            m_value.data()[0] = static_cast<float>(a.get_int("value_int", 0));
        } else if (a.has("value_ints")) {
            const auto v = a.get_ints("value_ints");
            m_value = tensor(shape_type{v.size()});
            std::transform(v.begin(), v.end(), m_value.begin(), [](std::int64_t i) { return static_cast<float>(i); });
        } else {
            DEEPVIS_FAIL(unsupported_error,
                         detail::describe(ctx) << ": needs one of the attributes value, value_float, value_floats, "
                                                  "value_int, value_ints (sparse_value and strings are not supported)");
        }
    }
    void forward(inputs_view, outputs_view y, op_scratch&) const override {
        detail::copy_reshaped(m_value, *y[0], m_value.shape());
    }
    void backward(inputs_view, inputs_view, inputs_view, outputs_view, op_scratch&) const override {}

private:
    tensor m_value;
};

inline const bool constant_registered = register_op<constant_op>("Constant", {.computes_features = false});

}  // namespace deepvis::nn
