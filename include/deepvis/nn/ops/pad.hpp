#pragma once
/// Pad: y = x with `pads` = [b₀, …, b_{r−1}, e₀, …, e_{r−1}] elements added before and after each
/// axis (negative values crop). Modes: constant (fill with the constant value, default 0),
/// reflect (mirror without repeating the edge: …, x₂, x₁ | x₀, x₁, …), edge (repeat the edge)
/// and wrap (periodic, opset 19). Pads and the value come from the attributes `pads`/`value`
/// (opset < 11) or the inputs 1 and 2 (opset ≥ 11, constant or computed); the optional input 3
/// (opset 18) lists the axes that `pads` refers to.
/// Backward: each gy element is added to the x element it was copied from (constant-filled
/// positions contribute nothing); pads and value get gx = 0.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <deepvis/core/checked.hpp>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/axis_gather.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>
#include <vector>

namespace deepvis::nn {

class pad_op final : public op {
public:
    enum class pad_mode { constant, reflect, edge, wrap };

    explicit pad_op(const op_context& ctx)
        : m_what(detail::describe(ctx)),
          m_from_inputs(ctx.input_count >= 2),
          m_pads_attribute(ctx.attributes.get_ints("pads")),
          m_value_attribute(ctx.attributes.get_float("value", 0.0f)),
          m_pads(ctx, 1),
          m_value(ctx, 2),
          m_axes(ctx, 3) {
        const std::string mode = ctx.attributes.get_string("mode", "constant");
        if (mode == "constant")
            m_mode = pad_mode::constant;
        else if (mode == "reflect")
            m_mode = pad_mode::reflect;
        else if (mode == "edge")
            m_mode = pad_mode::edge;
        else if (mode == "wrap")
            m_mode = pad_mode::wrap;
        else
            DEEPVIS_FAIL(unsupported_error,
                         m_what << ": mode '" << mode << "', expected constant, reflect, edge or wrap");
        DEEPVIS_CHECK(m_from_inputs || ctx.attributes.has("pads"), config_error,
                      m_what << ": no pads, expected a second input or a 'pads' attribute");
    }

    void forward(inputs_view x, outputs_view y, op_scratch& s) const override {
        const shape_type xs = shape_of(*x[0]);
        const auto [ys, maps] = plan(x, xs, s);
        ensure_shape(*y[0], ys);
        float value = m_value_attribute;
        if (m_from_inputs) {
            const auto v = m_value.values(x);
            value = v.empty() ? 0.0f : v[0];
        }
        detail::gather_axes(*x[0], maps, *y[0], value);
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch& s) const override {
        for (std::size_t i = 1; i < x.size() && i < gx.size(); ++i) detail::zero_gradient(x[i], gx[i]);
        if (!gx[0]) return;
        if (!gy[0]) return detail::zero_gradient(x[0], gx[0]);
        const shape_type xs = shape_of(*x[0]);
        const auto [ys, maps] = plan(x, xs, s);
        ensure_shape(*gx[0], xs);
        detail::scatter_axes(*gy[0], maps, *gx[0]);
    }

private:
    std::pair<shape_type, detail::axis_maps> plan(inputs_view x, const shape_type& xs, op_scratch& s) const {
        const std::size_t r = xs.size();
        std::vector<std::int64_t> begin(r, 0), end(r, 0);
        std::vector<std::int64_t> pads = m_from_inputs ? detail::as_ints(m_pads.values(x)) : m_pads_attribute;
        std::vector<std::size_t> axes;
        const auto axes_in = m_axes.values(x);
        if (axes_in.empty()) {
            for (std::size_t d = 0; d < r; ++d) axes.push_back(d);
        } else {
            for (float a : axes_in) axes.push_back(detail::normalize_axis(detail::as_int(a), r, m_what));
        }
        DEEPVIS_CHECK(pads.size() == 2 * axes.size(), shape_error,
                      m_what << ": pads has " << pads.size() << " values, expected " << 2 * axes.size() << " for input "
                             << shape_string(xs));
        // Each pad at most max_elements() in size: the sums below cannot overflow, and the output
        // shape is checked before its index tables are allocated (a pad of 2^40 asked for 16 TB).
        const auto most = static_cast<std::int64_t>(max_elements());
        for (std::int64_t p : pads)
            DEEPVIS_CHECK(
                p >= -most && p <= most, shape_error,
                m_what << ": pad " << p << ", expected at most " << most << " in size (DEEPVIS_MAX_ELEMENTS)");
        for (std::size_t k = 0; k < axes.size(); ++k) {
            begin[axes[k]] = pads[k];
            end[axes[k]] = pads[k + axes.size()];
        }
        shape_type ys(r);
        for (std::size_t d = 0; d < r; ++d) {
            const std::int64_t n = static_cast<std::int64_t>(xs[d]) + begin[d] + end[d];
            DEEPVIS_CHECK(n >= 0, shape_error,
                          m_what << ": pads crop axis " << d << " of " << shape_string(xs) << " below zero");
            DEEPVIS_CHECK(m_mode == pad_mode::constant || xs[d] > 0 || n == 0, shape_error,
                          m_what << ": cannot pad the empty axis " << d << " in a non-constant mode");
            ys[d] = static_cast<std::size_t>(n);
        }
        (void)checked_element_count(ys, m_what + ": output");
        detail::axis_maps maps(ys, s, 0);
        for (std::size_t d = 0; d < r; ++d) {
            const auto in = static_cast<std::int64_t>(xs[d]);
            std::int64_t* t = maps.table(d);
            for (std::size_t o = 0; o < ys[d]; ++o) t[o] = source(static_cast<std::int64_t>(o) - begin[d], in);
        }
        return {std::move(ys), std::move(maps)};
    }

    std::int64_t source(std::int64_t i, std::int64_t n) const {
        if (i >= 0 && i < n) return i;
        switch (m_mode) {
            case pad_mode::constant:
                return -1;
            case pad_mode::edge:
                return std::clamp(i, std::int64_t{0}, n - 1);
            case pad_mode::wrap:
                return ((i % n) + n) % n;
            case pad_mode::reflect: {
                if (n == 1) return 0;
                const std::int64_t period = 2 * (n - 1);
                const std::int64_t k = std::abs(i) % period;
                return k < n ? k : period - k;
            }
        }
        return -1;
    }

    std::string m_what;
    pad_mode m_mode = pad_mode::constant;
    bool m_from_inputs;
    std::vector<std::int64_t> m_pads_attribute;
    float m_value_attribute;
    detail::config_input m_pads, m_value, m_axes;
};

inline const bool pad_registered = register_op<pad_op>("Pad", {.computes_features = false, .configuration_from = 1});

}  // namespace deepvis::nn
