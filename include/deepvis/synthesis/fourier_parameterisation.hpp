#pragma once
/// The decorrelated-colour Fourier image parameterisation of Olah, Mordvintsev & Schubert 2017,
/// "Feature Visualization" (Distill; section "Preconditioning and Parameterization") and of
/// Lucid's `image(w, h, fft=True, decorrelate=True)`. The optimiser moves spectrum coefficients
/// S (real and imaginary parts); the pixels p ∈ (0, 1) of an (N, C, H, W) image are
///   z_c = irfft2(w ⊙ S_c) / 4                     one H × W plane per channel
///   q   = D z                                     per pixel, D the 3 × 3 colour matrix
///   p   = sigmoid(q)
/// with the 1/f scaling w(ky, kx) = √(H·W) / max(f, 1/max(H, W))^decay_power,
/// f = √(fy² + fx²) in cycles per pixel (fy = numpy's fftfreq(H)[ky], fx = kx/W), and
/// D = Lucid's square root of ImageNet's colour covariance (`color_correlation_svd_sqrt`)
/// divided by its largest column norm (D = identity for C ≠ 3). irfft2 is numpy's:
///   irfft2(A)[y, x] = 1/(H·W) Σ_{ky<H} Σ_{kx<Wf} c_kx · Re(A[ky, kx] · e^{2πi(ky·y/H + kx·x/W)}),
///   Wf = ⌊W/2⌋ + 1, c_0 = 1, c_{W/2} = 1 for even W, c_kx = 2 otherwise
/// (only the real parts of the kx = 0 and kx = W/2 columns matter there, as in numpy). Every map
/// before the sigmoid is linear; backward() applies their transposes exactly, written as the
/// separable DFT's matrix products on OpenBLAS (H = W = 227: 3 products of at most
/// 454 × 454 × 114 per plane, a few ms). The division by 4 and the 1/f weights are Lucid's.
///
/// The spectrum is an (N, C, 2, H, Wf) tensor: real parts then imaginary parts of each plane.
///
///   const deepvis::fourier_parameterisation f(227, 227, 3);
///   tensor s = f.initial(1, seed), p, gs;
///   f.pixels(s, p);                  // p ∈ (0, 1), (1, 3, 227, 227)
///   f.backward(p, dloss_dp, gs);     // ∂loss/∂S
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/kernels/gemm.hpp>
#include <deepvis/core/tensor.hpp>
#include <numbers>
#include <random>
#include <vector>

namespace deepvis {
inline namespace synthesis {

/// How a synthesis recipe parameterises its image: the pixels themselves (the CS231n recipe), or
/// the decorrelated-colour spectrum of fourier_parameterisation.
enum class parameterisation { pixels, fourier };

class fourier_parameterisation {
public:
    /// An H × W image of C channels; decay_power 1 is Lucid's 1/f.
    fourier_parameterisation(std::size_t height, std::size_t width, std::size_t channels, double decay_power = 1.0)
        : m_h(height), m_w(width), m_c(channels), m_wf(width / 2 + 1) {
        DEEPVIS_CHECK(height > 0 && width > 0 && channels > 0, shape_error,
                      "fourier_parameterisation: image " << channels << " x " << height << " x " << width
                                                         << " has an empty dimension");
        const std::size_t h = m_h, w = m_w, wf = m_wf;
        // [[C, −S], [S, C]] (2H × 2H): one product turns [Re; Im] into the column DFT's [Re; Im].
        m_rows.assign(4 * h * h, 0.0f);
        for (std::size_t y = 0; y < h; ++y)
            for (std::size_t k = 0; k < h; ++k) {
                const double a = 2.0 * std::numbers::pi * double((y * k) % h) / double(h);
                const auto c = static_cast<float>(std::cos(a)), s = static_cast<float>(std::sin(a));
                m_rows[y * 2 * h + k] = c;
                m_rows[y * 2 * h + h + k] = -s;
                m_rows[(h + y) * 2 * h + k] = s;
                m_rows[(h + y) * 2 * h + h + k] = c;
            }
        // [c_k cos; −c_k sin] (2Wf × W), with the 1/(4·H·W) folded in.
        m_cols.assign(2 * wf * w, 0.0f);
        const double norm = 1.0 / (4.0 * double(h) * double(w));
        for (std::size_t k = 0; k < wf; ++k) {
            const double ck = (k == 0 || (w % 2 == 0 && k == w / 2)) ? 1.0 : 2.0;
            for (std::size_t x = 0; x < w; ++x) {
                const double a = 2.0 * std::numbers::pi * double((k * x) % w) / double(w);
                m_cols[k * w + x] = static_cast<float>(norm * ck * std::cos(a));
                m_cols[(wf + k) * w + x] = static_cast<float>(-norm * ck * std::sin(a));
            }
        }
        m_scale.assign(h * wf, 0.0f);
        const double floor_f = 1.0 / double(std::max(h, w));
        for (std::size_t ky = 0; ky < h; ++ky) {
            // numpy's fftfreq: 0, 1, …, ⌈H/2⌉ − 1, then −⌊H/2⌋, …, −1 (over H)
            const double fy = (ky < (h + 1) / 2 ? double(ky) : double(ky) - double(h)) / double(h);
            for (std::size_t kx = 0; kx < wf; ++kx) {
                const double fx = double(kx) / double(w), f = std::sqrt(fy * fy + fx * fx);
                m_scale[ky * wf + kx] =
                    static_cast<float>(std::sqrt(double(h) * double(w)) / std::pow(std::max(f, floor_f), decay_power));
            }
        }
        m_colour = {1, 0, 0, 0, 1, 0, 0, 0, 1};
        if (m_c == 3) {
            // Lucid's color_correlation_svd_sqrt, normalised by its largest column norm.
            const std::array<double, 9> d = {0.26, 0.09, 0.02, 0.27, 0.00, -0.05, 0.27, -0.09, 0.03};
            double largest = 0.0;
            for (int j = 0; j < 3; ++j)
                largest = std::max(largest, std::sqrt(d[j] * d[j] + d[3 + j] * d[3 + j] + d[6 + j] * d[6 + j]));
            for (int e = 0; e < 9; ++e) m_colour[e] = static_cast<float>(d[e] / largest);
        }
    }

    std::size_t height() const { return m_h; }
    std::size_t width() const { return m_w; }
    std::size_t channels() const { return m_c; }
    /// Shape of the spectrum of n images: (N, C, 2, H, ⌊W/2⌋ + 1).
    shape_type spectrum_shape(std::size_t n) const { return {n, m_c, 2, m_h, m_wf}; }

    /// A random start: every coefficient N(0, sd²) (Lucid: sd = 0.01, a nearly grey image).
    tensor initial(std::size_t n, std::uint64_t seed, float sd = 0.01f) const {
        tensor s(spectrum_shape(n));
        std::mt19937_64 rng(seed);
        std::normal_distribution<float> d(0.0f, sd);
        for (auto& v : s) v = d(rng);
        return s;
    }

    /// The pixels p ∈ (0, 1) (N, C, H, W) of spectra s.
    void pixels(const tensor& s, tensor& p) const {
        const std::size_t n = check(s);
        ensure_shape(p, shape_type{n, m_c, m_h, m_w});
        linear(s, p);
        colour(p, false);
        for (auto& v : p) v = 1.0f / (1.0f + std::exp(-v));
    }
    tensor pixels(const tensor& s) const {
        tensor p;
        pixels(s, p);
        return p;
    }

    /// ∂loss/∂s (written to gs, resized) from the pixels p = pixels(s) and gp = ∂loss/∂p.
    void backward(const tensor& p, const tensor& gp, tensor& gs) const {
        DEEPVIS_CHECK(p.shape() == gp.shape() && p.dimension() == 4 && p.shape()[1] == m_c && p.shape()[2] == m_h &&
                          p.shape()[3] == m_w,
                      shape_error,
                      "fourier_parameterisation::backward: pixels " << shape_string(p.shape()) << " and gradient "
                                                                    << shape_string(gp.shape()) << ", expected (N, "
                                                                    << m_c << ", " << m_h << ", " << m_w << ")");
        tensor gq(gp.shape());
        for (std::size_t e = 0; e < gp.size(); ++e) gq.data()[e] = gp.data()[e] * p.data()[e] * (1.0f - p.data()[e]);
        colour(gq, true);
        ensure_shape(gs, spectrum_shape(p.shape()[0]));
        linear_transpose(gq, gs);
    }

    /// z = irfft2(w ⊙ S)/4 for every plane (the linear part before the colour map).
    void linear(const tensor& s, tensor& z) const {
        const std::size_t planes = check(s) * m_c, h = m_h, w = m_w, wf = m_wf;
        ensure_shape(z, shape_type{planes / m_c, m_c, h, w});
        std::vector<float> a(2 * h * wf), y(2 * h * wf);
        for (std::size_t q = 0; q < planes; ++q) {
            const float* sp = s.data() + q * 2 * h * wf;
            for (std::size_t e = 0; e < h * wf; ++e) {
                a[e] = sp[e] * m_scale[e];
                a[h * wf + e] = sp[h * wf + e] * m_scale[e];
            }
            // [Yr; Yi] = [[C, −S], [S, C]] [Ar; Ai];  z = [Yr Yi] [c cos; −c sin]
            kernels::sgemm(false, false, 2 * h, wf, 2 * h, 1.0f, m_rows.data(), 2 * h, a.data(), wf, 0.0f, y.data(),
                           wf);
            float* zp = z.data() + q * h * w;
            kernels::sgemm(false, false, h, w, wf, 1.0f, y.data(), wf, m_cols.data(), w, 0.0f, zp, w);
            kernels::sgemm(false, false, h, w, wf, 1.0f, y.data() + h * wf, wf, m_cols.data() + wf * w, w, 1.0f, zp, w);
        }
    }
    /// The transpose of linear(): gs = w ⊙ (irfft2/4)ᵀ gz.
    void linear_transpose(const tensor& gz, tensor& gs) const {
        const std::size_t planes = gz.shape()[0] * m_c, h = m_h, w = m_w, wf = m_wf;
        ensure_shape(gs, spectrum_shape(gz.shape()[0]));
        std::vector<float> gy(2 * h * wf);
        for (std::size_t q = 0; q < planes; ++q) {
            const float* gp = gz.data() + q * h * w;
            kernels::sgemm(false, true, h, wf, w, 1.0f, gp, w, m_cols.data(), w, 0.0f, gy.data(), wf);
            kernels::sgemm(false, true, h, wf, w, 1.0f, gp, w, m_cols.data() + wf * w, w, 0.0f, gy.data() + h * wf, wf);
            float* sp = gs.data() + q * 2 * h * wf;
            kernels::sgemm(true, false, 2 * h, wf, 2 * h, 1.0f, m_rows.data(), 2 * h, gy.data(), wf, 0.0f, sp, wf);
            for (std::size_t e = 0; e < h * wf; ++e) {
                sp[e] *= m_scale[e];
                sp[h * wf + e] *= m_scale[e];
            }
        }
    }

private:
    std::size_t check(const tensor& s) const {
        DEEPVIS_CHECK(s.dimension() == 5 && s.shape()[1] == m_c && s.shape()[2] == 2 && s.shape()[3] == m_h &&
                          s.shape()[4] == m_wf,
                      shape_error,
                      "fourier_parameterisation: spectrum " << shape_string(s.shape()) << ", expected (N, " << m_c
                                                            << ", 2, " << m_h << ", " << m_wf << ")");
        return s.shape()[0];
    }
    /// q = D z per pixel (or Dᵀ with transpose), in place.
    void colour(tensor& z, bool transpose) const {
        if (m_c != 3) return;
        const std::size_t n = z.shape()[0], plane = m_h * m_w;
        for (std::size_t i = 0; i < n; ++i) {
            float* r = z.data() + i * 3 * plane;
            float* g = r + plane;
            float* b = g + plane;
            for (std::size_t e = 0; e < plane; ++e) {
                const float v[3] = {r[e], g[e], b[e]};
                float o[3];
                for (int k = 0; k < 3; ++k)
                    o[k] = transpose ? m_colour[k] * v[0] + m_colour[3 + k] * v[1] + m_colour[6 + k] * v[2]
                                     : m_colour[3 * k] * v[0] + m_colour[3 * k + 1] * v[1] + m_colour[3 * k + 2] * v[2];
                r[e] = o[0];
                g[e] = o[1];
                b[e] = o[2];
            }
        }
    }

    std::size_t m_h, m_w, m_c, m_wf;
    std::vector<float> m_rows, m_cols, m_scale;
    std::array<float, 9> m_colour{};
};

}  // namespace synthesis
}  // namespace deepvis
