#pragma once
/// Squeeze and Unsqueeze: remove or insert size-1 dimensions; the data is unchanged.
/// Axes come from the `axes` attribute (opset < 13) or input 1 (opset 13+); negative axes count
/// from the end (of the input for Squeeze, of the output for Unsqueeze). Squeeze without axes
/// removes every size-1 dimension. Backward: gx = gy reshaped to x's shape.
#include <algorithm>
#include <cstdint>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>
#include <vector>

namespace deepvis::nn {

namespace detail {
/// The axes of Squeeze/Unsqueeze, from the attribute or input 1, normalised against `rank`.
inline std::vector<char> axis_flags(const std::vector<std::int64_t>& attribute, const config_input& input,
                                    inputs_view x, std::size_t rank, const std::string& what) {
    std::vector<char> flags(rank, 0);
    auto mark = [&](std::int64_t a) {
        const std::size_t d = normalize_axis(a, rank, what);
        DEEPVIS_CHECK(!flags[d], shape_error, what << ": axis " << a << " given twice");
        flags[d] = 1;
    };
    for (auto a : attribute) mark(a);
    for (float a : input.values(x)) mark(as_int(a));
    return flags;
}

/// What Squeeze and Unsqueeze share: the axes (attribute or input 1) and the backward pass, gx =
/// gy reshaped to x's shape (the axes input gets 0).
class axes_reshape_op : public op {
public:
    explicit axes_reshape_op(const op_context& ctx)
        : m_what(describe(ctx)), m_axes(ctx.attributes.get_ints("axes")), m_axes_input(ctx, 1) {}
    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch&) const override {
        pass_gradient(*x[0], gy[0], gx[0]);
        if (x.size() > 1 && gx.size() > 1) zero_gradient(x[1], gx[1]);
    }

protected:
    std::string m_what;
    std::vector<std::int64_t> m_axes;
    config_input m_axes_input;
};
}  // namespace detail

class squeeze_op final : public detail::axes_reshape_op {
public:
    using axes_reshape_op::axes_reshape_op;
    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        const auto& in = x[0]->shape();
        auto flags = detail::axis_flags(m_axes, m_axes_input, x, in.size(), m_what);
        const bool all = std::none_of(flags.begin(), flags.end(), [](char f) { return f != 0; });
        shape_type out;
        for (std::size_t d = 0; d < in.size(); ++d) {
            if (all && in[d] == 1) continue;
            if (flags[d]) {
                DEEPVIS_CHECK(
                    in[d] == 1, shape_error,
                    m_what << ": cannot squeeze axis " << d << " of " << shape_string(in) << ", expected size 1");
                continue;
            }
            out.push_back(in[d]);
        }
        detail::copy_reshaped(*x[0], *y[0], out);
    }
};

class unsqueeze_op final : public detail::axes_reshape_op {
public:
    using axes_reshape_op::axes_reshape_op;
    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        const auto& in = x[0]->shape();
        const std::size_t count = m_axes.size() + m_axes_input.values(x).size();
        auto flags = detail::axis_flags(m_axes, m_axes_input, x, in.size() + count, m_what);
        shape_type out;
        std::size_t next = 0;
        for (std::size_t d = 0; d < flags.size(); ++d) out.push_back(flags[d] ? 1 : in[next++]);
        detail::copy_reshaped(*x[0], *y[0], out);
    }
};

inline const bool squeeze_registered =
    register_op<squeeze_op>("Squeeze", {.computes_features = false, .configuration_from = 1});
inline const bool unsqueeze_registered =
    register_op<unsqueeze_op>("Unsqueeze", {.computes_features = false, .configuration_from = 1});

}  // namespace deepvis::nn
