#pragma once
/// Conv (ONNX opsets 1–17): grouped, strided, dilated, padded 1-D and 2-D convolution with an
/// optional bias, as im2col + sgemm (core/kernels/conv2d.hpp).
///   y[n, g·M + m, oh, ow] = B[g·M + m] + Σ_{c, ki, kj} W[g·M + m, c, ki, kj] ·
///                           x[n, g·C + c, oh·sh − pt + ki·dh, ow·sw − pl + kj·dw]   (0 in the padding)
/// Inputs X (N, G·C, H, W), W (G·M, C, kh, kw), optional B (G·M); 1-D convs drop H, kh.
/// Attributes: kernel_shape, strides, dilations, pads (begin…, end…), group, auto_pad.
/// Backward gives ∂/∂X (col2im of Wᵀ·gY), ∂/∂W (Σ_n gY·colᵀ) and ∂/∂B (Σ gY).
/// A batch is split across the threads image by image (core/parallel.hpp); a single image's
/// GEMMs are split into shape-fixed blocks by kernels/gemm.hpp instead. Wide 3×3 stride-1 layers (VGG's and
/// ResNet's early blocks) run forward and backward-to-data by Winograd F(4×4, 3×3)
/// (core/kernels/winograd.hpp) where kernels::winograd_pays says it is faster.
#include <cstring>
#include <deepvis/core/kernels/channel.hpp>
#include <deepvis/core/kernels/conv2d.hpp>
#include <deepvis/core/kernels/winograd.hpp>
#include <deepvis/core/parallel.hpp>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>
#include <deepvis/nn/ops/detail/spatial.hpp>
#include <limits>

namespace deepvis::nn {

class conv_op final : public detail::conv_base {
public:
    explicit conv_op(const op_context& ctx) : conv_base("Conv", ctx) {}

    void forward(inputs_view x, outputs_view y, op_scratch& s) const override {
        const auto p = plan(x);
        ensure_shape(*y[0], p.y_shape);
        const float* w = x[1]->data();
        // The bias is added image by image, while the convolution's output is still in cache.
        auto add_bias = [&](float* yn) {
            if (has_bias(x))
                kernels::channel_affine(yn, nullptr, x[2]->data(), yn, 1, p.groups * p.out_per_group, p.g.positions());
        };
        if (winograd(p)) {
            float* u = s.buffer(2, kernels::winograd_weight_size(p.out_per_group, p.g.channels));
            kernels::winograd_weights(w, p.out_per_group, p.g.channels, u);
            for_each_image_winograd(p.g, p.out_per_group, p.batch, s, [&](std::ptrdiff_t n, float* buffer) {
                float* yn = y[0]->data() + n * p.out_size;
                kernels::winograd_conv2d(p.g, p.out_per_group, x[0]->data() + n * p.in_size, u, yn, buffer);
                add_bias(yn);
            });
            return;
        }
        const std::size_t cs = kernels::conv_column_size(p.g);
        float* cols = s.buffer(0, cs * static_cast<std::size_t>(available_threads(p.batch)));
        // Images go to the threads, one column buffer each.
        parallel_for(p.batch, [&](std::ptrdiff_t n, int t) {
            float* yn = y[0]->data() + n * p.out_size;
            kernels::conv2d_forward(p.g, p.groups, p.out_per_group, x[0]->data() + n * p.in_size, w, yn, cols + t * cs);
            add_bias(yn);
        });
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch& s) const override {
        const auto p = plan(x);
        if (!detail::begin_backward(x, gy, gx)) return;
        const float* g = gy[0]->data();
        const int threads = available_threads(p.batch);
        const std::size_t cs = kernels::conv_column_size(p.g);
        float* cols = s.buffer(0, cs * static_cast<std::size_t>(threads));
        const auto gb = kernels::winograd_backward_geometry(p.g, p.out_per_group);
        if (gx[0] && winograd(p) && kernels::winograd_supports(gb)) {
            float* u = s.buffer(2, kernels::winograd_weight_size(p.g.channels, p.out_per_group));
            kernels::winograd_weights(x[1]->data(), p.out_per_group, p.g.channels, u, true);
            for_each_image_winograd(gb, p.g.channels, p.batch, s, [&](std::ptrdiff_t n, float* buffer) {
                kernels::winograd_conv2d(gb, p.g.channels, g + n * p.out_size, u, gx[0]->data() + n * p.in_size,
                                         buffer);
            });
        } else if (gx[0])
            parallel_for(p.batch, [&](std::ptrdiff_t n, int t) {
                kernels::conv2d_backward_data(p.g, p.groups, p.out_per_group, x[1]->data(), g + n * p.out_size,
                                              gx[0]->data() + n * p.in_size, cols + t * cs);
            });
        if (gx.size() > 1 && gx[1]) {
            // Σ over images: thread 0 sums its images into gW, thread t > 0 into a partial of its
            // own, added to gW in thread order afterwards (one thread: exactly the serial sum).
            const std::size_t ws = gx[1]->size();
            float* partials = s.buffer(1, ws * static_cast<std::size_t>(threads - 1));
            parallel_for(p.batch, [&](std::ptrdiff_t n, int t) {
                const std::ptrdiff_t first = block_begin(p.batch, t, threads);
                float* gw = t == 0 ? gx[1]->data() : partials + (t - 1) * ws;
                kernels::conv2d_backward_weight(p.g, p.groups, p.out_per_group, x[0]->data() + n * p.in_size,
                                                g + n * p.out_size, gw, cols + t * cs, n > first);
            });
            for (int t = 1; t < threads; ++t) kernels::add_inplace(gx[1]->data(), partials + (t - 1) * ws, ws);
        }
        if (gx.size() > 2 && gx[2] && has_bias(x))
            kernels::channel_sums(g, p.batch, p.groups * p.out_per_group, p.g.positions(), gx[2]->data());
    }

private:
    struct conv_plan {
        kernels::conv_geometry g;
        std::ptrdiff_t batch = 1, groups = 1, out_per_group = 1, in_size = 0, out_size = 0;
        shape_type y_shape;
    };

    /// The Winograd path: ungrouped, and where kernels::winograd_pays (the weights are
    /// transformed once per call, so the batch size counts).
    static bool winograd(const conv_plan& p) {
        return p.groups == 1 && kernels::winograd_pays(p.g, p.out_per_group, p.batch);
    }

    /// f(n, buffer) for every image n: images go to the threads when there are enough of them,
    /// else the images run one after the other and each splits its tiles across the threads.
    /// Either way every call has a buffer of its own (scratch slot 3).
    template <class F>
    static void for_each_image_winograd(const kernels::conv_geometry& g, std::ptrdiff_t out_channels,
                                        std::ptrdiff_t batch, op_scratch& s, F&& f) {
        const std::size_t per_thread = kernels::winograd_buffer_size(g, out_channels);
        const int threads = available_threads(std::numeric_limits<std::ptrdiff_t>::max());
        float* buffers = s.buffer(3, per_thread * static_cast<std::size_t>(threads));
        if (batch >= threads)
            parallel_for(batch,
                         [&](std::ptrdiff_t n, int t) { f(n, buffers + static_cast<std::size_t>(t) * per_thread); });
        else
            for (std::ptrdiff_t n = 0; n < batch; ++n) f(n, buffers);
    }

    conv_plan plan(inputs_view x) const {
        const std::size_t spatial = detail::check_conv_inputs(m_name, x, m_window);
        const auto& xs = x[0]->shape();
        const auto& ws = x[1]->shape();
        const auto C = static_cast<std::ptrdiff_t>(xs[1]), M = static_cast<std::ptrdiff_t>(ws[0]);
        const auto Cg = static_cast<std::ptrdiff_t>(ws[1]);
        DEEPVIS_CHECK(C % m_group == 0 && Cg == C / m_group, shape_error,
                      m_name << ": input has " << C << " channels, expected " << Cg * m_group << " (weight "
                             << shape_string(ws) << ", group " << m_group << ")");
        DEEPVIS_CHECK(M % m_group == 0 && M > 0, shape_error,
                      m_name << ": weight has " << M << " output channels, expected a multiple of group " << m_group);
        check_bias(x, M);
        detail::window_geometry w;
        for (std::size_t i = 0; i < spatial; ++i) {
            const std::size_t a = w.read_axis(m_window, xs, i, spatial, detail::weight_kernel(m_name, m_window, ws, i));
            w.out[a] = w.pad(m_name, m_window, xs, a, i, spatial, "kernel") / w.st[a] + 1;
        }
        conv_plan p;
        p.g = {Cg,       w.in[0],  w.in[1], w.k[0],  w.k[1],   w.st[0], w.st[1],
               w.dil[0], w.dil[1], w.pb[0], w.pb[1], w.out[0], w.out[1]};
        set_sizes(p, w, xs, C, M, spatial);
        p.out_per_group = M / m_group;
        return p;
    }
};

inline const bool conv_registered = register_op<conv_op>("Conv");

}  // namespace deepvis::nn
