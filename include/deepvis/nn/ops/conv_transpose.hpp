#pragma once
/// ConvTranspose (ONNX opsets 1–17): the adjoint of Conv with the same geometry, plus a bias.
///   y = col2im(Wᵀ · x) + B,  i.e.  y[n, g·M + m, oh·sh − pt + ki·dh, ow·sw − pl + kj·dw]
///       += W[g·C + c, m, ki, kj] · x[n, g·C + c, oh, ow]
/// Inputs X (N, G·C, H, W), W (G·C, M, kh, kw), optional B (G·M); 1-D drops H, kh.
/// Output size per axis: s·(in − 1) + output_padding + (k − 1)·d + 1 − pad_begin − pad_end, or
/// output_shape when given (then total padding = s·(in − 1) + output_padding + (k − 1)·d + 1 −
/// output_shape, split as ONNX says with floor division: SAME_UPPER puts ⌊total/2⌋ at the beginning,
/// otherwise at the end; a negative total thus leaves the extra cells at the end).
/// Runs the Conv kernels with roles swapped: forward = Conv's backward_data, ∂/∂X = Conv
/// forward of gY, ∂/∂W = Conv's backward_weight with (gY, X) in place of (X, gY).
#include <deepvis/core/kernels/channel.hpp>
#include <deepvis/core/kernels/conv2d.hpp>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>
#include <deepvis/nn/ops/detail/spatial.hpp>

namespace deepvis::nn {

class conv_transpose_op final : public detail::conv_base {
public:
    explicit conv_transpose_op(const op_context& ctx)
        : conv_base("ConvTranspose", ctx),
          m_output_padding(ctx.attributes.get_ints("output_padding")),
          m_output_shape(ctx.attributes.get_ints("output_shape")) {
        for (auto v : m_output_padding) detail::check_window_attribute(m_name, "output_padding", v, 0);
        for (auto v : m_output_shape) detail::check_window_attribute(m_name, "output_shape", v, 0);
    }

    void forward(inputs_view x, outputs_view y, op_scratch& s) const override {
        const auto p = plan(x);
        ensure_shape(*y[0], p.y_shape);
        float* col = s.buffer(0, kernels::conv_column_size(p.g));
        for (std::ptrdiff_t n = 0; n < p.batch; ++n)
            kernels::conv2d_backward_data(p.g, p.groups, p.in_per_group, x[1]->data(), x[0]->data() + n * p.in_size,
                                          y[0]->data() + n * p.out_size, col);
        if (has_bias(x))
            kernels::channel_affine(y[0]->data(), nullptr, x[2]->data(), y[0]->data(), p.batch, p.groups * p.g.channels,
                                    p.g.plane());
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch& s) const override {
        const auto p = plan(x);
        if (!detail::begin_backward(x, gy, gx)) return;
        float* col = s.buffer(0, kernels::conv_column_size(p.g));
        const float* g = gy[0]->data();
        if (gx[0])
            for (std::ptrdiff_t n = 0; n < p.batch; ++n)
                kernels::conv2d_forward(p.g, p.groups, p.in_per_group, g + n * p.out_size, x[1]->data(),
                                        gx[0]->data() + n * p.in_size, col);
        if (gx.size() > 1 && gx[1])
            for (std::ptrdiff_t n = 0; n < p.batch; ++n)
                kernels::conv2d_backward_weight(p.g, p.groups, p.in_per_group, g + n * p.out_size,
                                                x[0]->data() + n * p.in_size, gx[1]->data(), col, n > 0);
        if (gx.size() > 2 && gx[2] && has_bias(x))
            kernels::channel_sums(g, p.batch, p.groups * p.g.channels, p.g.plane(), gx[2]->data());
    }

private:
    /// Geometry of the Conv whose adjoint this is: its input is our output (M channels per
    /// group) and its output positions are our input positions.
    struct transpose_plan {
        kernels::conv_geometry g;
        std::ptrdiff_t batch = 1, groups = 1, in_per_group = 1, in_size = 0, out_size = 0;
        shape_type y_shape;
    };

    transpose_plan plan(inputs_view x) const {
        const std::size_t spatial = detail::check_conv_inputs(m_name, x, m_window);
        const auto& xs = x[0]->shape();
        const auto& ws = x[1]->shape();
        const std::size_t rank = xs.size();
        DEEPVIS_CHECK(m_output_padding.empty() || m_output_padding.size() == spatial, shape_error,
                      m_name << ": output_padding has " << m_output_padding.size() << " values, expected " << spatial);
        DEEPVIS_CHECK(m_output_shape.empty() || m_output_shape.size() == spatial || m_output_shape.size() == rank,
                      shape_error,
                      m_name << ": output_shape has " << m_output_shape.size() << " values, expected " << spatial);
        const auto C = static_cast<std::ptrdiff_t>(xs[1]);
        DEEPVIS_CHECK(static_cast<std::ptrdiff_t>(ws[0]) == C && C % m_group == 0, shape_error,
                      m_name << ": input has " << C << " channels, expected weight " << shape_string(ws)
                             << " to start with it and group " << m_group << " to divide it");
        const auto Mg = static_cast<std::ptrdiff_t>(ws[1]), M = Mg * m_group;
        check_bias(x, M);
        detail::window_geometry w;
        const bool same = m_window.auto_pad == "SAME_UPPER" || m_window.auto_pad == "SAME_LOWER";
        for (std::size_t i = 0; i < spatial; ++i) {
            const std::size_t a = w.read_axis(m_window, xs, i, spatial, detail::weight_kernel(m_name, m_window, ws, i));
            const std::int64_t op = m_output_padding.empty() ? 0 : m_output_padding[i];
            const std::int64_t full = w.st[a] * (w.in[a] - 1) + op + w.extent(a);
            if (!m_output_shape.empty() || same) {
                const std::int64_t target =
                    !m_output_shape.empty() ? m_output_shape[m_output_shape.size() - spatial + i] : w.in[a] * w.st[a];
                // total < 0 when output_shape asks for more than the full extent: the extra
                // cells go at the end, which is what ONNX's floor division (Python //) gives.
                const std::int64_t total = full - target;
                const std::int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);
                w.pb[a] = m_window.auto_pad == "SAME_UPPER" ? half : total - half;
                w.out[a] = target;
            } else {
                std::int64_t begin = 0, end = 0;
                if (m_window.auto_pad != "VALID" && !m_window.pads.empty()) {
                    begin = m_window.pads[i];
                    end = m_window.pads[i + spatial];
                }
                w.pb[a] = begin;
                w.out[a] = full - begin - end;
            }
            DEEPVIS_CHECK(w.out[a] >= 1, shape_error,
                          m_name << ": output size " << w.out[a] << " on spatial axis " << i << ", expected >= 1");
        }
        transpose_plan p;
        p.g = {Mg,       w.out[0], w.out[1], w.k[0],  w.k[1],  w.st[0], w.st[1],
               w.dil[0], w.dil[1], w.pb[0],  w.pb[1], w.in[0], w.in[1]};
        set_sizes(p, w, xs, C, M, spatial);
        p.in_per_group = C / m_group;
        return p;
    }

    std::vector<std::int64_t> m_output_padding, m_output_shape;
};

inline const bool conv_transpose_registered = register_op<conv_transpose_op>("ConvTranspose");

}  // namespace deepvis::nn
