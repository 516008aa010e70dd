#pragma once
/// LRN (ONNX opsets 1–17), local response normalisation across channels (Krizhevsky 2012 §3.3):
///   S[n, c] = Σ_{c' = max(0, c − ⌊(size − 1)/2⌋)}^{min(C − 1, c + ⌈(size − 1)/2⌉)} x[n, c']²
///   D[n, c] = bias + alpha / size · S[n, c],   y = x · D^(−beta)
/// Attributes size (required), alpha (1e-4), beta (0.75), bias (1).
/// Backward (analytic), with t[c'] = gY[c'] · x[c'] · D[c']^(−beta − 1):
///   gX[c] = gY[c] · D[c]^(−beta) − 2·alpha·beta/size · x[c] · Σ_{c' whose window holds c} t[c']
#include <algorithm>
#include <cmath>
#include <deepvis/nn/op.hpp>
#include <xsimd/xsimd.hpp>

namespace deepvis::nn {

class lrn_op final : public op {
public:
    explicit lrn_op(const op_context& ctx)
        : m_name("LRN '" + ctx.node_name + "'"),
          m_size(ctx.attributes.get_int("size", 0)),
          m_alpha(ctx.attributes.get_float("alpha", 1e-4f)),
          m_beta(ctx.attributes.get_float("beta", 0.75f)),
          m_bias(ctx.attributes.get_float("bias", 1.0f)) {
        DEEPVIS_CHECK(m_size >= 1, config_error, m_name << ": size " << m_size << ", expected >= 1");
    }

    void forward(inputs_view x, outputs_view y, op_scratch& s) const override {
        const auto [batch, C, plane] = dims(x);
        ensure_shape(*y[0], x[0]->shape());
        float* d = s.buffer(0, C * plane);
        for (std::size_t n = 0; n < batch; ++n) {
            const float* xn = x[0]->data() + n * C * plane;
            float* yn = y[0]->data() + n * C * plane;
            denominators(xn, C, plane, d);
            apply_power(xn, d, yn, C * plane, nullptr, nullptr);
        }
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch& s) const override {
        if (!gx[0]) return;
        const auto [batch, C, plane] = dims(x);
        ensure_shape(*gx[0], x[0]->shape());
        if (!gy[0]) {
            std::fill(gx[0]->begin(), gx[0]->end(), 0.0f);
            return;
        }
        float* d = s.buffer(0, C * plane);
        float* t = s.buffer(1, C * plane);
        const std::ptrdiff_t lo = (m_size - 1) / 2, hi = m_size / 2;  // ⌊(size−1)/2⌋, ⌈(size−1)/2⌉
        const float coef = 2.0f * m_alpha * m_beta / static_cast<float>(m_size);
        for (std::size_t n = 0; n < batch; ++n) {
            const float* xn = x[0]->data() + n * C * plane;
            const float* gn = gy[0]->data() + n * C * plane;
            float* out = gx[0]->data() + n * C * plane;
            denominators(xn, C, plane, d);
            // t = gY · x · D^(−β−1); out = gY · D^(−β)
            apply_power(gn, d, out, C * plane, xn, t);
            const auto Cs = static_cast<std::ptrdiff_t>(C);
            for (std::ptrdiff_t c = 0; c < Cs; ++c) {
                float* oc = out + c * plane;
                const float* xc = xn + c * plane;
                // Channels c' whose window [c' − lo, c' + hi] holds c: c − hi ≤ c' ≤ c + lo.
                for (std::ptrdiff_t k = std::max<std::ptrdiff_t>(0, c - hi); k <= std::min(Cs - 1, c + lo); ++k) {
                    const float* tk = t + k * plane;
                    for (std::size_t i = 0; i < plane; ++i) oc[i] -= coef * xc[i] * tk[i];
                }
            }
        }
    }

private:
    struct lrn_dims {
        std::size_t batch, channels, plane;
    };

    lrn_dims dims(inputs_view x) const {
        DEEPVIS_CHECK(!x.empty() && x[0] && x[0]->dimension() >= 2, shape_error,
                      m_name << ": expected input X of shape (N, C, ...)");
        const auto& xs = x[0]->shape();
        const std::size_t nc = xs[0] * xs[1];
        return {xs[0], xs[1], nc ? x[0]->size() / nc : 0};
    }

    /// d[c] = bias + alpha/size · Σ_{window of c} x², one image.
    void denominators(const float* x, std::size_t C, std::size_t plane, float* d) const {
        const std::ptrdiff_t lo = (m_size - 1) / 2, hi = m_size / 2;
        const float k = m_alpha / static_cast<float>(m_size);
        const auto Cs = static_cast<std::ptrdiff_t>(C);
        for (std::ptrdiff_t c = 0; c < Cs; ++c) {
            float* dc = d + c * plane;
            std::fill(dc, dc + plane, 0.0f);
            for (std::ptrdiff_t j = std::max<std::ptrdiff_t>(0, c - lo); j <= std::min(Cs - 1, c + hi); ++j) {
                const float* xj = x + j * plane;
                for (std::size_t i = 0; i < plane; ++i) dc[i] += xj[i] * xj[i];
            }
            for (std::size_t i = 0; i < plane; ++i) dc[i] = m_bias + k * dc[i];
        }
    }

    /// out = a · d^(−beta), and (when t is not null) t = a · m · d^(−beta − 1). Vectorised with
    /// xsimd for the usual beta = 0.75 (d^−0.75 = 1 / (√d · ⁴√d)); std::pow otherwise (xsimd 8.1's
    /// log and pow do not compile for AVX-512BW).
    void apply_power(const float* a, const float* d, float* out, std::size_t n, const float* m, float* t) const {
        std::size_t i = 0;
        if (m_beta == 0.75f) {
            using simd = xsimd::batch<float>;
            constexpr std::size_t L = simd::size;
            const simd one(1.0f);
            for (; i + L <= n; i += L) {
                const simd dv = simd::load_unaligned(d + i), root = xsimd::sqrt(dv);
                const simd p = one / (root * xsimd::sqrt(root));
                const simd av = simd::load_unaligned(a + i);
                (av * p).store_unaligned(out + i);
                if (t) (av * simd::load_unaligned(m + i) * p / dv).store_unaligned(t + i);
            }
        }
        for (; i < n; ++i) {
            const float p = std::pow(d[i], -m_beta);
            out[i] = a[i] * p;
            if (t) t[i] = a[i] * m[i] * p / d[i];
        }
    }

    std::string m_name;
    std::int64_t m_size;
    float m_alpha, m_beta, m_bias;
};

inline const bool lrn_registered = register_op<lrn_op>("LRN");

}  // namespace deepvis::nn
