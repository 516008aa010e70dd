#pragma once
/// Reshape: y has x's elements in the same row-major order and the shape from input 1 (opset 5+,
/// a constant initialiser or a computed tensor) or the `shape` attribute (opset 1–4).
/// In the target shape 0 copies the input's dimension at that position (unless `allowzero` = 1,
/// opset 14+, when it means a zero-sized dimension) and one −1 is inferred from the element
/// count. Backward: gx = gy reshaped to x's shape.
#include <cstdint>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>
#include <vector>

namespace deepvis::nn {

class reshape_op final : public op {
public:
    explicit reshape_op(const op_context& ctx)
        : m_what(detail::describe(ctx)),
          m_allow_zero(ctx.attributes.get_int("allowzero", 0) != 0),
          m_shape_attribute(ctx.attributes.get_ints("shape")),
          m_shape(ctx, 1) {
        DEEPVIS_CHECK(ctx.input_count >= 2 || ctx.attributes.has("shape"), shape_error,
                      m_what << ": no target shape, expected a second input or a 'shape' attribute");
    }

    void forward(inputs_view x, outputs_view y, op_scratch& s) const override {
        const auto target = m_shape.values(x);
        const std::size_t r = x.size() > 1 ? target.size() : m_shape_attribute.size();
        auto* out = s.index(0, r);
        for (std::size_t d = 0; d < r; ++d) out[d] = x.size() > 1 ? detail::as_int(target[d]) : m_shape_attribute[d];
        const auto& in = x[0]->shape();
        std::int64_t known = 1;
        int infer = -1;
        for (std::size_t d = 0; d < r; ++d) {
            if (out[d] == 0 && !m_allow_zero) {
                DEEPVIS_CHECK(d < in.size(), shape_error,
                              m_what << ": target " << shape_string(std::span(out, r)) << " copies dimension " << d
                                     << " of input " << shape_string(in) << ", which has no such dimension");
                out[d] = static_cast<std::int64_t>(in[d]);
            }
            if (out[d] == -1) {
                DEEPVIS_CHECK(infer < 0, shape_error, m_what << ": target shape has more than one -1");
                infer = static_cast<int>(d);
                continue;
            }
            DEEPVIS_CHECK(out[d] >= 0, shape_error, m_what << ": target dimension " << out[d] << " is negative");
            known *= out[d];
        }
        const auto total = static_cast<std::int64_t>(x[0]->size());
        if (infer >= 0) {
            DEEPVIS_CHECK(known != 0 && total % known == 0, shape_error,
                          m_what << ": cannot infer the -1 in " << shape_string(std::span(out, r)) << " from input "
                                 << shape_string(in));
            out[infer] = total / known;
            known *= out[infer];
        }
        DEEPVIS_CHECK(known == total, shape_error,
                      m_what << ": input " << shape_string(in) << " has " << total << " elements, target shape "
                             << shape_string(std::span(out, r)) << " has " << known);
        detail::copy_reshaped(*x[0], *y[0], std::span<const std::int64_t>(out, r));
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch&) const override {
        detail::pass_gradient(*x[0], gy[0], gx[0]);
        if (x.size() > 1 && gx.size() > 1) detail::zero_gradient(x[1], gx[1]);
    }

private:
    std::string m_what;
    bool m_allow_zero;
    std::vector<std::int64_t> m_shape_attribute;
    detail::config_input m_shape;
};

inline const bool reshape_registered =
    register_op<reshape_op>("Reshape", {.computes_features = false, .configuration_from = 1});

}  // namespace deepvis::nn
