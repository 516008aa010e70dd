#pragma once
/// BatchNormalization (ONNX opsets 1–17), inference mode: with running statistics mean, var,
///   y[n, c, …] = scale[c] · (x[n, c, …] − mean[c]) / sqrt(var[c] + epsilon) + B[c]
/// computed as one per-channel affine map a[c]·x + b[c] (core/kernels/channel.hpp).
/// Inputs X (N, C, …), scale, B, mean, var (each (C)). training_mode = 1 is not supported.
/// Backward, with r[c] = 1 / sqrt(var[c] + ε) and Σ over n and the spatial axes:
///   gX = scale·r·gY,  gscale = r·Σ gY·(x − mean),  gB = Σ gY,
///   gmean = −scale·r·Σ gY,  gvar = −½·scale·r³·Σ gY·(x − mean).
#include <cmath>
#include <deepvis/core/kernels/channel.hpp>
#include <deepvis/nn/op.hpp>

namespace deepvis::nn {

class batch_norm_op final : public op {
public:
    explicit batch_norm_op(const op_context& ctx)
        : m_name("BatchNormalization '" + ctx.node_name + "'"), m_epsilon(ctx.attributes.get_float("epsilon", 1e-5f)) {
        DEEPVIS_CHECK(ctx.attributes.get_int("training_mode", 0) == 0, unsupported_error,
                      m_name << ": training_mode = 1, expected 0 (deepvis runs batch norm in inference mode)");
    }

    void forward(inputs_view x, outputs_view y, op_scratch& s) const override {
        const auto p = plan(x);
        ensure_shape(*y[0], x[0]->shape());
        float* a = s.buffer(0, 2 * p.channels);
        float* b = a + p.channels;
        coefficients(x, p.channels, a, b);
        kernels::channel_affine(x[0]->data(), a, b, y[0]->data(), p.batch, p.channels, p.plane);
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch& s) const override {
        const auto p = plan(x);
        for (std::size_t i = 0; i < gx.size() && i < x.size(); ++i)
            if (gx[i]) ensure_shape(*gx[i], x[i]->shape());
        if (!gy[0]) {
            for (std::size_t i = 0; i < gx.size(); ++i)
                if (gx[i]) std::fill(gx[i]->begin(), gx[i]->end(), 0.0f);
            return;
        }
        const std::size_t C = p.channels;
        float* a = s.buffer(0, 4 * C);
        float* b = a + C;
        float* sums = a + 2 * C;
        float* dots = a + 3 * C;
        coefficients(x, C, a, b);
        const float* g = gy[0]->data();
        if (gx[0]) kernels::channel_affine(g, a, nullptr, gx[0]->data(), p.batch, C, p.plane);
        const bool want_params = std::any_of(gx.begin() + 1, gx.end(), [](tensor* t) { return t != nullptr; });
        if (!want_params) return;
        kernels::channel_sums(g, p.batch, C, p.plane, sums);
        kernels::channel_dots(g, x[0]->data(), p.batch, C, p.plane, dots);
        const float* scale = x[1]->data();
        const float* mean = x[3]->data();
        const float* var = x[4]->data();
        for (std::size_t c = 0; c < C; ++c) {
            const float r = 1.0f / std::sqrt(var[c] + m_epsilon);
            const float centred = dots[c] - mean[c] * sums[c];  // Σ gY·(x − mean)
            if (gx[1]) gx[1]->data()[c] = r * centred;
            if (gx.size() > 2 && gx[2]) gx[2]->data()[c] = sums[c];
            if (gx.size() > 3 && gx[3]) gx[3]->data()[c] = -scale[c] * r * sums[c];
            if (gx.size() > 4 && gx[4]) gx[4]->data()[c] = -0.5f * scale[c] * r * r * r * centred;
        }
    }

private:
    struct bn_plan {
        std::size_t batch = 1, channels = 1, plane = 1;
    };

    bn_plan plan(inputs_view x) const {
        DEEPVIS_CHECK(x.size() >= 5 && x[0] && x[1] && x[2] && x[3] && x[4], shape_error,
                      m_name << ": expected inputs X, scale, B, mean, var");
        const auto& xs = x[0]->shape();
        DEEPVIS_CHECK(xs.size() >= 2, shape_error,
                      m_name << ": input has shape " << shape_string(xs) << ", expected (N, C, ...)");
        bn_plan p;
        p.batch = xs[0];
        p.channels = xs[1];
        p.plane = p.batch > 0 && p.channels > 0 ? x[0]->size() / (p.batch * p.channels) : 0;
        static const char* names[] = {"X", "scale", "B", "mean", "var"};
        for (int i = 1; i < 5; ++i)
            DEEPVIS_CHECK(x[i]->size() == p.channels, shape_error,
                          m_name << ": " << names[i] << " has shape " << shape_string(x[i]->shape()) << ", expected ("
                                 << p.channels << ")");
        return p;
    }

    /// a = scale / sqrt(var + ε), b = B − mean · a
    void coefficients(inputs_view x, std::size_t C, float* a, float* b) const {
        const float* scale = x[1]->data();
        const float* bias = x[2]->data();
        const float* mean = x[3]->data();
        const float* var = x[4]->data();
        for (std::size_t c = 0; c < C; ++c) {
            a[c] = scale[c] / std::sqrt(var[c] + m_epsilon);
            b[c] = bias[c] - mean[c] * a[c];
        }
    }

    std::string m_name;
    float m_epsilon;
};

inline const bool batch_norm_registered = register_op<batch_norm_op>("BatchNormalization", {.statistics_from = 3});

}  // namespace deepvis::nn
