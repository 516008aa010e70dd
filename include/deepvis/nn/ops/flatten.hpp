#pragma once
/// Flatten: (d₀, …, d_{r−1}) → (d₀⋯d_{axis−1}, d_axis⋯d_{r−1}); `axis` defaults to 1 and may be
/// negative (counted from the end, opset 11+). Backward: gx = gy reshaped to x's shape.
#include <array>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>

namespace deepvis::nn {

class flatten_op final : public op {
public:
    explicit flatten_op(const op_context& ctx)
        : m_what(detail::describe(ctx)), m_axis(ctx.attributes.get_int("axis", 1)) {}
    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        const auto& s = x[0]->shape();
        // axis may equal the rank: (prod of all, 1).
        const std::size_t axis =
            m_axis == static_cast<std::int64_t>(s.size()) ? s.size() : detail::normalize_axis(m_axis, s.size(), m_what);
        std::size_t outer = 1, inner = 1;
        for (std::size_t d = 0; d < s.size(); ++d) (d < axis ? outer : inner) *= s[d];
        const std::array<std::size_t, 2> out{outer, inner};
        detail::copy_reshaped(*x[0], *y[0], out);
    }
    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch&) const override {
        detail::pass_gradient(*x[0], gy[0], gx[0]);
    }

private:
    std::string m_what;
    std::int64_t m_axis;
};

inline const bool flatten_registered = register_op<flatten_op>("Flatten", {.computes_features = false});

}  // namespace deepvis::nn
