#pragma once
/// Add, Sub, Mul, Div, Pow and two-input Max: y = a ∘ b with numpy multidirectional
/// broadcasting (ONNX opset 7+; ONNX Max is variadic, deepvis runs it with two inputs).
/// Backward: ∂L/∂a = reduce_sum over a's broadcast dimensions of gy · ∂(a ∘ b)/∂a, likewise b:
///   Add: (gy, gy)   Sub: (gy, −gy)   Mul: (gy·b, gy·a)   Div: (gy/b, −gy·a/b²)
///   Pow: (gy·b·a^(b−1), gy·a^b·ln a)   Max: (gy·[a ≥ b], gy·[b > a]) — ties go to the first input.
#include <algorithm>
#include <deepvis/core/kernels/elementwise.hpp>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/broadcast.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>

namespace deepvis::nn {

template <class Fn, class GradA, class GradB>
class arithmetic_op final : public op {
public:
    explicit arithmetic_op(const op_context& ctx) : m_what(detail::describe(ctx)) {
        // ONNX Max is variadic; deepvis implements the two-input case only.
        if constexpr (requires { Fn::variadic; })
            DEEPVIS_CHECK(ctx.input_count == 2, unsupported_error,
                          m_what << ": has " << ctx.input_count << " inputs; deepvis supports 2");
        DEEPVIS_CHECK(ctx.input_count == 2, shape_error,
                      m_what << ": has " << ctx.input_count << " inputs, expected 2");
    }

    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        const tensor& a = *x[0];
        const tensor& b = *x[1];
        const auto plan = detail::make_broadcast_plan(shape_of(a), shape_of(b), m_what);
        ensure_shape(*y[0], plan.out_shape);
        const float* pa = a.data();
        const float* pb = b.data();
        float* py = y[0]->data();
        plan.for_each_run([&](std::size_t oa, std::size_t ob, std::size_t oy) {
            kernels::binary(pa + oa, plan.inner_a, pb + ob, plan.inner_b, py + oy, plan.inner, Fn{});
        });
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch&) const override {
        const tensor& a = *x[0];
        const tensor& b = *x[1];
        for (int k = 0; k < 2; ++k) {
            if (!gx[k]) continue;
            ensure_shape(*gx[k], x[k]->shape());
            std::fill(gx[k]->begin(), gx[k]->end(), 0.0f);
        }
        if (!gy[0] || (!gx[0] && !gx[1])) return;
        const auto plan = detail::make_broadcast_plan(shape_of(a), shape_of(b), m_what);
        const float* pa = a.data();
        const float* pb = b.data();
        const float* pg = gy[0]->data();
        float* ga = gx[0] ? gx[0]->data() : nullptr;
        float* gb = gx[1] ? gx[1]->data() : nullptr;
        plan.for_each_run([&](std::size_t oa, std::size_t ob, std::size_t oy) {
            if (ga)
                kernels::accumulate_gradient(pg + oy, pa + oa, plan.inner_a, pb + ob, plan.inner_b, ga + oa,
                                             plan.inner_a, plan.inner, GradA{});
            if (gb)
                kernels::accumulate_gradient(pg + oy, pa + oa, plan.inner_a, pb + ob, plan.inner_b, gb + ob,
                                             plan.inner_b, plan.inner, GradB{});
        });
    }

private:
    std::string m_what;
};

using add_op = arithmetic_op<kernels::add_fn, kernels::grad_pass_fn, kernels::grad_pass_fn>;
using sub_op = arithmetic_op<kernels::sub_fn, kernels::grad_pass_fn, kernels::grad_negate_fn>;
using mul_op = arithmetic_op<kernels::mul_fn, kernels::grad_mul_a_fn, kernels::grad_mul_b_fn>;
using div_op = arithmetic_op<kernels::div_fn, kernels::grad_div_a_fn, kernels::grad_div_b_fn>;
using pow_op = arithmetic_op<kernels::pow_fn, kernels::grad_pow_a_fn, kernels::grad_pow_b_fn>;
using max_op = arithmetic_op<kernels::max_fn, kernels::grad_max_a_fn, kernels::grad_max_b_fn>;

inline const bool add_registered = register_op<add_op>("Add");
inline const bool sub_registered = register_op<sub_op>("Sub");
inline const bool mul_registered = register_op<mul_op>("Mul");
inline const bool div_registered = register_op<div_op>("Div");
inline const bool pow_registered = register_op<pow_op>("Pow");
inline const bool max_registered = register_op<max_op>("Max");

}  // namespace deepvis::nn
