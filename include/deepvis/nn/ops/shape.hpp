#pragma once
/// Shape: the 1-D tensor of x's dimensions (held as float, like every integer tensor in deepvis),
/// optionally sliced by the `start`/`end` attributes (opset 15). Gather: picks entries of `data`
/// along `axis` by `indices` (negative indices count from the end); the output shape is
/// data.shape[:axis] + indices.shape + data.shape[axis+1:]. Both appear in PyTorch exports that
/// compute shapes (Shape → Gather → Unsqueeze → Concat → Reshape).
/// Backward: Shape gives gx = 0 (its output does not depend on x's values); Gather scatters gy
/// back into the gathered positions of data (adding where an index repeats), and gives 0 for
/// the indices.
#include <algorithm>
#include <array>
#include <cstdint>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>
#include <limits>
#include <span>
#include <tuple>

namespace deepvis::nn {

class shape_op final : public op {
public:
    explicit shape_op(const op_context& ctx)
        : m_start(ctx.attributes.get_int("start", 0)),
          m_end(ctx.attributes.get_int("end", std::numeric_limits<std::int64_t>::max())) {}
    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        const auto r = static_cast<std::int64_t>(x[0]->dimension());
        auto clamp = [r](std::int64_t v) { return std::clamp(v < 0 ? v + r : v, std::int64_t{0}, r); };
        const std::int64_t start = clamp(m_start), end = std::max(start, clamp(m_end));
        const std::array<std::size_t, 1> out{static_cast<std::size_t>(end - start)};
        ensure_shape(*y[0], out);
        for (std::int64_t d = start; d < end; ++d) y[0]->data()[d - start] = static_cast<float>(x[0]->shape()[d]);
    }
    void backward(inputs_view x, inputs_view, inputs_view, outputs_view gx, op_scratch&) const override {
        detail::zero_gradient(x[0], gx[0]);
    }

private:
    std::int64_t m_start, m_end;
};

class gather_op final : public op {
public:
    explicit gather_op(const op_context& ctx)
        : m_what(detail::describe(ctx)), m_axis(ctx.attributes.get_int("axis", 0)), m_indices(ctx, 1) {}

    void forward(inputs_view x, outputs_view y, op_scratch& s) const override {
        const tensor& data = *x[0];
        const std::size_t axis = detail::normalize_axis(m_axis, data.dimension(), m_what);
        const auto [outer, inner, count] = layout(data, axis);
        const auto idx = indices(x, data.shape()[axis], s);
        shape_type out(data.shape().begin(), data.shape().begin() + axis);
        out.insert(out.end(), x[1]->shape().begin(), x[1]->shape().end());
        out.insert(out.end(), data.shape().begin() + axis + 1, data.shape().end());
        ensure_shape(*y[0], out);
        const float* px = data.data();
        float* py = y[0]->data();
        for (std::size_t o = 0; o < outer; ++o)
            for (std::size_t k = 0; k < idx.size(); ++k) {
                const float* src = px + (o * count + static_cast<std::size_t>(idx[k])) * inner;
                std::copy(src, src + inner, py + (o * idx.size() + k) * inner);
            }
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch& s) const override {
        if (gx.size() > 1) detail::zero_gradient(x[1], gx[1]);
        if (!gx[0]) return;
        detail::zero_gradient(x[0], gx[0]);
        if (!gy[0]) return;
        const tensor& data = *x[0];
        const std::size_t axis = detail::normalize_axis(m_axis, data.dimension(), m_what);
        const auto [outer, inner, count] = layout(data, axis);
        const auto idx = indices(x, data.shape()[axis], s);
        const float* pg = gy[0]->data();
        float* pd = gx[0]->data();
        for (std::size_t o = 0; o < outer; ++o)
            for (std::size_t k = 0; k < idx.size(); ++k) {
                float* dst = pd + (o * count + static_cast<std::size_t>(idx[k])) * inner;
                const float* src = pg + (o * idx.size() + k) * inner;
                for (std::size_t i = 0; i < inner; ++i) dst[i] += src[i];
            }
    }

private:
    static std::tuple<std::size_t, std::size_t, std::size_t> layout(const tensor& data, std::size_t axis) {
        std::size_t outer = 1, inner = 1;
        for (std::size_t d = 0; d < axis; ++d) outer *= data.shape()[d];
        for (std::size_t d = axis + 1; d < data.dimension(); ++d) inner *= data.shape()[d];
        return {outer, inner, data.shape()[axis]};
    }

    std::span<const std::int64_t> indices(inputs_view x, std::size_t count, op_scratch& s) const {
        const auto v = m_indices.values(x);
        std::int64_t* idx = s.index(0, v.size());
        const auto n = static_cast<std::int64_t>(count);
        for (std::size_t k = 0; k < v.size(); ++k) {
            std::int64_t i = detail::as_int(v[k]);
            DEEPVIS_CHECK(i >= -n && i < n, shape_error,
                          m_what << ": index " << i << " out of range, expected in [" << -n << ", " << n << ")");
            idx[k] = i < 0 ? i + n : i;
        }
        return {idx, v.size()};
    }

    std::string m_what;
    std::int64_t m_axis;
    detail::config_input m_indices;
};

inline const bool shape_registered = register_op<shape_op>("Shape", {.computes_features = false});
inline const bool gather_registered =
    register_op<gather_op>("Gather", {.computes_features = false, .configuration_from = 1});

}  // namespace deepvis::nn
