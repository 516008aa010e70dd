#pragma once
/// Concat: joins the inputs along `axis` (negative counts from the end); all other dimensions
/// must agree. Backward: gx_i = the slice of gy that input i filled.
#include <algorithm>
#include <cstdint>
#include <deepvis/core/parallel.hpp>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>
#include <tuple>
#include <utility>

namespace deepvis::nn {

class concat_op final : public op {
public:
    explicit concat_op(const op_context& ctx)
        : m_what(detail::describe(ctx)), m_axis(ctx.attributes.get_int("axis", 0)) {
        DEEPVIS_CHECK(ctx.attributes.has("axis"), config_error, m_what << ": missing the required attribute 'axis'");
    }

    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        const tensor* first = nullptr;
        for (const tensor* t : x) first = first ? first : t;
        DEEPVIS_CHECK(first, shape_error, m_what << ": no inputs");
        const shape_type ref = shape_of(*first);
        const std::size_t axis = detail::normalize_axis(m_axis, ref.size(), m_what);
        shape_type out = ref;
        out[axis] = 0;
        for (const tensor* t : x) {
            if (!t) continue;
            DEEPVIS_CHECK(t->dimension() == ref.size(), shape_error,
                          m_what << ": input " << shape_string(t->shape()) << " has rank " << t->dimension()
                                 << ", expected " << ref.size());
            for (std::size_t d = 0; d < ref.size(); ++d)
                DEEPVIS_CHECK(d == axis || t->shape()[d] == ref[d], shape_error,
                              m_what << ": input " << shape_string(t->shape()) << " differs from " << shape_string(ref)
                                     << " in dimension " << d << " (concatenating along " << axis << ")");
            out[axis] += t->shape()[axis];
        }
        ensure_shape(*y[0], out);
        // std::tie, not a structured binding: the lambda below uses `inner`, which clang < 16 rejects.
        std::size_t outer = 1, inner = 1;
        std::tie(outer, inner) = split(out, axis);
        const std::size_t row = out[axis] * inner;
        float* py = y[0]->data();
        // The outer slices (the batch, for a channel concat) are independent copies.
        for_outer(outer, row, [&](std::size_t o) {
            std::size_t start = 0;
            for (const tensor* t : x) {
                if (!t) continue;
                const std::size_t chunk = t->shape()[axis] * inner;
                const float* px = t->data() + o * chunk;
                std::copy(px, px + chunk, py + o * row + start);
                start += chunk;
            }
        });
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch&) const override {
        std::size_t start = 0;
        std::size_t axis = 0, outer = 1, inner = 1, row = 0;
        if (gy[0]) {
            axis = detail::normalize_axis(m_axis, gy[0]->dimension(), m_what);
            std::tie(outer, inner) = split(gy[0]->shape(), axis);
            row = gy[0]->shape()[axis] * inner;
        }
        for (std::size_t i = 0; i < x.size(); ++i) {
            if (!x[i]) continue;
            const std::size_t chunk = gy[0] ? x[i]->shape()[axis] * inner : 0;
            if (gx[i]) {
                if (!gy[0]) {
                    detail::zero_gradient(x[i], gx[i]);
                } else {
                    ensure_shape(*gx[i], x[i]->shape());
                    const float* pg = gy[0]->data();
                    float* pd = gx[i]->data();
                    for_outer(outer, chunk, [&](std::size_t o) {
                        std::copy(pg + o * row + start, pg + o * row + start + chunk, pd + o * chunk);
                    });
                }
            }
            start += chunk;
        }
    }

private:
    /// f(o) for every outer slice of `slice_floats` floats, split across the threads.
    template <class F>
    static void for_outer(std::size_t outer, std::size_t slice_floats, F&& f) {
        parallel_items(static_cast<std::ptrdiff_t>(outer), static_cast<std::ptrdiff_t>(slice_floats),
                       [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
                           for (std::ptrdiff_t o = b; o < e; ++o) f(static_cast<std::size_t>(o));
                       });
    }

    template <class Shape>
    static std::pair<std::size_t, std::size_t> split(const Shape& s, std::size_t axis) {
        std::size_t outer = 1, inner = 1;
        for (std::size_t d = 0; d < axis; ++d) outer *= s[d];
        for (std::size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
        return {outer, inner};
    }

    std::string m_what;
    std::int64_t m_axis;
};

inline const bool concat_registered = register_op<concat_op>("Concat");

}  // namespace deepvis::nn
