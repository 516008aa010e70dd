#pragma once
/// MaxPool, AveragePool (ONNX opsets 1–17) and GlobalMaxPool, GlobalAveragePool, over 1-D and
/// 2-D (N, C, [H,] W) inputs; kernels in core/kernels/pooling.hpp.
///   MaxPool:      y = max over the window (padding excluded); attributes kernel_shape,
///                 strides, pads, dilations, ceil_mode, auto_pad, storage_order. Backward sends
///                 each gradient to the FIRST maximum of its window in row-major order (as
///                 PyTorch does), found again from X and Y (forward keeps no indices). Optional
///                 second output Indices: the flat index into X (column-major within a plane
///                 when storage_order = 1), stored as float like every deepvis tensor (exact
///                 below 2^24 elements).
///   AveragePool:  y = Σ window / divisor, divisor = taps inside X, or with count_include_pad
///                 taps inside the padded X (the ceil-mode overhang never counts).
///   Output size:  floor or (ceil_mode) ceil of (in + pad_begin + pad_end − ((k − 1)·d + 1)) / s,
///                 plus 1; with ceil_mode a last window starting in the end padding is dropped.
///   Global*Pool:  one output per (n, c) plane, over every spatial axis (any rank ≥ 3).
#include <algorithm>
#include <cmath>
#include <deepvis/core/kernels/pooling.hpp>
#include <deepvis/core/parallel.hpp>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/spatial.hpp>

namespace deepvis::nn {

enum class pool_kind { max, average };

template <pool_kind Kind>
class pool_op final : public op {
public:
    explicit pool_op(const op_context& ctx)
        : m_name(std::string(Kind == pool_kind::max ? "MaxPool" : "AveragePool") + " '" + ctx.node_name + "'"),
          m_window(ctx.attributes),
          m_ceil_mode(ctx.attributes.get_int("ceil_mode", 0) != 0),
          m_count_include_pad(ctx.attributes.get_int("count_include_pad", 0) != 0),
          m_storage_order(ctx.attributes.get_int("storage_order", 0)) {
        DEEPVIS_CHECK(!m_window.kernel_shape.empty(), config_error, m_name << ": attribute kernel_shape is missing");
        for (auto k : m_window.kernel_shape)
            DEEPVIS_CHECK(k >= 1, config_error, m_name << ": kernel size " << k << ", expected >= 1");
        if (Kind == pool_kind::average)
            for (auto d : m_window.dilations)
                DEEPVIS_CHECK(d == 1, unsupported_error, m_name << ": dilation " << d << ", expected 1");
    }

    void forward(inputs_view x, outputs_view y, op_scratch& s) const override {
        const auto p = plan(x);
        ensure_shape(*y[0], p.y_shape);
        const std::ptrdiff_t in_plane = p.g.height * p.g.width, out_plane = p.g.out_h * p.g.out_w;
        const float* xd = x[0]->data();
        float* yd = y[0]->data();
        if constexpr (Kind == pool_kind::max) {
            if (y.size() > 1 && y[1]) {
                std::int64_t* arg = s.index(0, static_cast<std::size_t>(out_plane));
                ensure_shape(*y[1], p.y_shape);
                float* idx = y[1]->data();
                for (std::ptrdiff_t i = 0; i < p.planes; ++i) {
                    kernels::max_pool_plane(p.g, xd + i * in_plane, yd + i * out_plane, arg);
                    for (std::ptrdiff_t o = 0; o < out_plane; ++o) {
                        std::int64_t a = arg[o];
                        if (m_storage_order == 1 && a >= 0) a = (a % p.g.width) * p.g.height + a / p.g.width;
                        idx[i * out_plane + o] = static_cast<float>(a < 0 ? -1 : i * in_plane + a);
                    }
                }
            } else if (kernels::is_max_pool_2x2(p.g)) {
                for_plane_ranges(p, [&](std::ptrdiff_t i0, std::ptrdiff_t i1, int) {
                    kernels::max_pool_2x2_values(p.g, i1 - i0, xd + i0 * in_plane, yd + i0 * out_plane);
                });
            } else {
                const std::size_t rs = 2 * static_cast<std::size_t>(p.g.width);
                float* rows = s.buffer(0, rs * static_cast<std::size_t>(num_threads()));
                for_plane_ranges(p, [&](std::ptrdiff_t i0, std::ptrdiff_t i1, int t) {
                    for (std::ptrdiff_t i = i0; i < i1; ++i)
                        kernels::max_pool_plane_values(p.g, xd + i * in_plane, yd + i * out_plane, rows + t * rs);
                });
            }
        } else {
            for_plane_ranges(p, [&](std::ptrdiff_t i0, std::ptrdiff_t i1, int) {
                for (std::ptrdiff_t i = i0; i < i1; ++i)
                    kernels::average_pool_plane(p.g, m_count_include_pad, xd + i * in_plane, yd + i * out_plane);
            });
        }
    }

    void backward(inputs_view x, inputs_view y, inputs_view gy, outputs_view gx, op_scratch& s) const override {
        if (!gx[0]) return;
        const auto p = plan(x);
        ensure_shape(*gx[0], x[0]->shape());
        if (!gy[0]) {
            std::fill(gx[0]->begin(), gx[0]->end(), 0.0f);
            return;
        }
        const std::ptrdiff_t in_plane = p.g.height * p.g.width, out_plane = p.g.out_h * p.g.out_w;
        const float* g = gy[0]->data();
        float* gd = gx[0]->data();
        if constexpr (Kind == pool_kind::max) {
            const float* xd = x[0]->data();
            const float* yd = y[0]->data();
            const bool by_2x2 = kernels::is_max_pool_2x2(p.g);
            for_plane_ranges(p, [&](std::ptrdiff_t i0, std::ptrdiff_t i1, int) {
                if (by_2x2)
                    return kernels::max_pool_2x2_backward(p.g, i1 - i0, xd + i0 * in_plane, yd + i0 * out_plane,
                                                          g + i0 * out_plane, gd + i0 * in_plane);
                for (std::ptrdiff_t i = i0; i < i1; ++i)
                    kernels::max_pool_plane_backward(p.g, xd + i * in_plane, yd + i * out_plane, g + i * out_plane,
                                                     gd + i * in_plane);
            });
        } else {
            for_plane_ranges(p, [&](std::ptrdiff_t i0, std::ptrdiff_t i1, int) {
                for (std::ptrdiff_t i = i0; i < i1; ++i)
                    kernels::average_pool_plane_backward(p.g, m_count_include_pad, g + i * out_plane,
                                                         gd + i * in_plane);
            });
        }
    }

private:
    struct pool_plan;
    /// f(i0, i1, thread) over ranges of planes, split across the threads when large enough.
    template <class F>
    static void for_plane_ranges(const pool_plan& p, F&& f) {
        parallel_items(p.planes, p.g.height * p.g.width, f);
    }

    struct pool_plan {
        kernels::pool_geometry g;
        std::ptrdiff_t planes = 1;
        shape_type y_shape;
    };

    pool_plan plan(inputs_view x) const {
        DEEPVIS_CHECK(!x.empty() && x[0], shape_error, m_name << ": expected input X");
        const auto& xs = x[0]->shape();
        const std::size_t rank = xs.size();
        DEEPVIS_CHECK(rank == 3 || rank == 4, unsupported_error,
                      m_name << ": input has shape " << shape_string(xs) << ", expected (N, C, L) or (N, C, H, W)");
        const std::size_t spatial = rank - 2;
        DEEPVIS_CHECK(m_window.kernel_shape.size() == spatial, shape_error,
                      m_name << ": kernel_shape " << shape_string(m_window.kernel_shape) << " for input "
                             << shape_string(xs) << ", expected " << spatial << " values");
        m_window.check(m_name, spatial);
        detail::window_geometry w;
        for (std::size_t i = 0; i < spatial; ++i) {
            const std::size_t a = w.read_axis(m_window, xs, i, spatial, m_window.kernel_shape[i]);
            const std::int64_t span = w.pad(m_name, m_window, xs, a, i, spatial, "window");
            w.out[a] = (m_ceil_mode ? (span + w.st[a] - 1) / w.st[a] : span / w.st[a]) + 1;
            if (m_ceil_mode && (w.out[a] - 1) * w.st[a] >= w.in[a] + w.pb[a]) --w.out[a];
        }
        pool_plan p;
        p.g = {w.in[0],  w.in[1], w.k[0],  w.k[1],  w.st[0], w.st[1],  w.dil[0],
               w.dil[1], w.pb[0], w.pb[1], w.pe[0], w.pe[1], w.out[0], w.out[1]};
        p.planes = static_cast<std::ptrdiff_t>(xs[0] * xs[1]);
        p.y_shape = w.output_shape(xs[0], xs[1], spatial);
        return p;
    }

    std::string m_name;
    detail::window_attributes m_window;
    bool m_ceil_mode, m_count_include_pad;
    std::int64_t m_storage_order;
};

/// GlobalMaxPool / GlobalAveragePool: y[n, c, 1, …, 1] = max or mean of the plane x[n, c, …].
template <pool_kind Kind>
class global_pool_op final : public op {
public:
    explicit global_pool_op(const op_context& ctx)
        : m_name(std::string(Kind == pool_kind::max ? "GlobalMaxPool" : "GlobalAveragePool") + " '" + ctx.node_name +
                 "'") {}

    void forward(inputs_view x, outputs_view y, op_scratch& s) const override {
        const auto& xs = x[0]->shape();
        DEEPVIS_CHECK(xs.size() >= 3, shape_error,
                      m_name << ": input has shape " << shape_string(xs) << ", expected (N, C, spatial...)");
        shape_type ys(xs.size(), 1);
        ys[0] = xs[0];
        ys[1] = xs[1];
        ensure_shape(*y[0], ys);
        const auto planes = static_cast<std::ptrdiff_t>(xs[0] * xs[1]);
        const auto plane = static_cast<std::ptrdiff_t>(x[0]->size()) / std::max<std::ptrdiff_t>(planes, 1);
        const float* xd = x[0]->data();
        float* yd = y[0]->data();
        if constexpr (Kind == pool_kind::max) {
            std::int64_t* arg = s.index(0, static_cast<std::size_t>(planes));
            for (std::ptrdiff_t i = 0; i < planes; ++i) {
                arg[i] = kernels::first_argmax(xd + i * plane, plane);
                yd[i] = xd[i * plane + arg[i]];
            }
        } else {
            const float inv = 1.0f / static_cast<float>(plane);
            for (std::ptrdiff_t i = 0; i < planes; ++i) yd[i] = kernels::plane_sum(xd + i * plane, plane) * inv;
        }
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch& s) const override {
        if (!gx[0]) return;
        ensure_shape(*gx[0], x[0]->shape());
        float* gd = gx[0]->data();
        const auto& xs = x[0]->shape();
        const auto planes = static_cast<std::ptrdiff_t>(xs[0] * xs[1]);
        const auto plane = static_cast<std::ptrdiff_t>(x[0]->size()) / std::max<std::ptrdiff_t>(planes, 1);
        if (!gy[0]) {
            std::fill(gx[0]->begin(), gx[0]->end(), 0.0f);
            return;
        }
        const float* g = gy[0]->data();
        if constexpr (Kind == pool_kind::max) {
            DEEPVIS_ASSERT(!s.indices.empty() && s.indices[0].size() >= static_cast<std::size_t>(planes));
            std::fill(gx[0]->begin(), gx[0]->end(), 0.0f);
            const std::int64_t* arg = s.indices[0].data();
            for (std::ptrdiff_t i = 0; i < planes; ++i) gd[i * plane + arg[i]] = g[i];
        } else {
            const float inv = 1.0f / static_cast<float>(plane);
            for (std::ptrdiff_t i = 0; i < planes; ++i) std::fill(gd + i * plane, gd + (i + 1) * plane, g[i] * inv);
        }
    }

private:
    std::string m_name;
};

inline const bool max_pool_registered = register_op<pool_op<pool_kind::max>>("MaxPool", {.computes_features = false});
inline const bool average_pool_registered =
    register_op<pool_op<pool_kind::average>>("AveragePool", {.computes_features = false});
inline const bool global_max_pool_registered =
    register_op<global_pool_op<pool_kind::max>>("GlobalMaxPool", {.computes_features = false});
inline const bool global_average_pool_registered =
    register_op<global_pool_op<pool_kind::average>>("GlobalAveragePool", {.computes_features = false});

}  // namespace deepvis::nn
