#pragma once
/// Elementwise hot loops, vectorised with xsimd. Each has a scalar twin in
/// elementwise_reference.hpp that the tests hold it to.
///
/// Binary kernels take a stride of 0 or 1 per operand: 1 walks the operand with the output,
/// 0 repeats its first element (numpy broadcasting of the innermost run).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <xsimd/xsimd.hpp>

namespace deepvis::kernels {

using batch = xsimd::batch<float>;
inline constexpr std::size_t lanes = batch::size;

/// y = max(x, 0)
inline void relu(const float* x, float* y, std::size_t n) {
    const batch zero(0.0f);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) xsimd::max(batch::load_unaligned(x + i), zero).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = std::max(x[i], 0.0f);
}

/// gx = [x > 0] · gy
inline void relu_backward(const float* x, const float* gy, float* gx, std::size_t n) {
    const batch zero(0.0f);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        xsimd::select(batch::load_unaligned(x + i) > zero, batch::load_unaligned(gy + i), zero).store_unaligned(gx + i);
    for (; i < n; ++i) gx[i] = x[i] > 0.0f ? gy[i] : 0.0f;
}

/// y += x
inline void add_inplace(float* y, const float* x, std::size_t n) {
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        (batch::load_unaligned(y + i) + batch::load_unaligned(x + i)).store_unaligned(y + i);
    for (; i < n; ++i) y[i] += x[i];
}

/// y = x · s
inline void scale(const float* x, float* y, std::size_t n, float s) {
    const batch bs(s);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) (batch::load_unaligned(x + i) * bs).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = x[i] * s;
}

/// y = x + s
inline void add_scalar(const float* x, float* y, std::size_t n, float s) {
    const batch bs(s);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) (batch::load_unaligned(x + i) + bs).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = x[i] + s;
}

/// y = x if x > 0 else α·x
inline void leaky_relu(const float* x, float* y, std::size_t n, float alpha) {
    const batch zero(0.0f), a(alpha);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        const batch v = batch::load_unaligned(x + i);
        xsimd::select(v > zero, v, v * a).store_unaligned(y + i);
    }
    for (; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
}

/// gx = gy if x > 0 else α·gy
inline void leaky_relu_backward(const float* x, const float* gy, float* gx, std::size_t n, float alpha) {
    const batch zero(0.0f), a(alpha);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        const batch g = batch::load_unaligned(gy + i);
        xsimd::select(batch::load_unaligned(x + i) > zero, g, g * a).store_unaligned(gx + i);
    }
    for (; i < n; ++i) gx[i] = x[i] > 0.0f ? gy[i] : alpha * gy[i];
}

/// y = 1 / (1 + e^{-x})
inline void sigmoid(const float* x, float* y, std::size_t n) {
    const batch one(1.0f);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) (one / (one + xsimd::exp(-batch::load_unaligned(x + i)))).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = 1.0f / (1.0f + std::exp(-x[i]));
}

/// gx = gy · y · (1 − y), from the forward output y
inline void sigmoid_backward(const float* y, const float* gy, float* gx, std::size_t n) {
    const batch one(1.0f);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        const batch v = batch::load_unaligned(y + i);
        (batch::load_unaligned(gy + i) * v * (one - v)).store_unaligned(gx + i);
    }
    for (; i < n; ++i) gx[i] = gy[i] * y[i] * (1.0f - y[i]);
}

/// y = tanh(x)
inline void tanh(const float* x, float* y, std::size_t n) {
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) xsimd::tanh(batch::load_unaligned(x + i)).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = std::tanh(x[i]);
}

/// gx = gy · (1 − y²), from the forward output y
inline void tanh_backward(const float* y, const float* gy, float* gx, std::size_t n) {
    const batch one(1.0f);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        const batch v = batch::load_unaligned(y + i);
        (batch::load_unaligned(gy + i) * (one - v * v)).store_unaligned(gx + i);
    }
    for (; i < n; ++i) gx[i] = gy[i] * (1.0f - y[i] * y[i]);
}

/// y = min(max(x, lo), hi)
inline void clip(const float* x, float* y, std::size_t n, float lo, float hi) {
    const batch l(lo), h(hi);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        xsimd::min(xsimd::max(batch::load_unaligned(x + i), l), h).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}

/// gx = [lo ≤ x ≤ hi] · gy (PyTorch's clamp convention at the bounds)
inline void clip_backward(const float* x, const float* gy, float* gx, std::size_t n, float lo, float hi) {
    const batch l(lo), h(hi), zero(0.0f);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        const batch v = batch::load_unaligned(x + i);
        xsimd::select((v >= l) && (v <= h), batch::load_unaligned(gy + i), zero).store_unaligned(gx + i);
    }
    for (; i < n; ++i) gx[i] = (x[i] >= lo && x[i] <= hi) ? gy[i] : 0.0f;
}

/// max_i x[i] (n ≥ 1)
inline float max_value(const float* x, std::size_t n) {
    std::size_t i = 0;
    float m = x[0];
    if (n >= lanes) {
        batch bm = batch::load_unaligned(x);
        for (i = lanes; i + lanes <= n; i += lanes) bm = xsimd::max(bm, batch::load_unaligned(x + i));
        alignas(64) float tmp[lanes];
        bm.store_aligned(tmp);
        m = *std::max_element(tmp, tmp + lanes);
    }
    for (; i < n; ++i) m = std::max(m, x[i]);
    return m;
}

/// Σ_i x[i]
inline float sum(const float* x, std::size_t n) {
    batch acc(0.0f);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) acc += batch::load_unaligned(x + i);
    float s = xsimd::hadd(acc);
    for (; i < n; ++i) s += x[i];
    return s;
}

/// Σ_i a[i] · b[i]
inline float dot(const float* a, const float* b, std::size_t n) {
    batch acc(0.0f);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        acc = xsimd::fma(batch::load_unaligned(a + i), batch::load_unaligned(b + i), acc);
    float s = xsimd::hadd(acc);
    for (; i < n; ++i) s += a[i] * b[i];
    return s;
}

/// y = e^{x − shift}; returns Σ y (softmax's numerator and denominator in one pass)
inline float exp_shifted(const float* x, float* y, std::size_t n, float shift) {
    const batch s(shift);
    batch acc(0.0f);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        const batch e = xsimd::exp(batch::load_unaligned(x + i) - s);
        e.store_unaligned(y + i);
        acc += e;
    }
    float total = xsimd::hadd(acc);
    for (; i < n; ++i) total += (y[i] = std::exp(x[i] - shift));
    return total;
}

/// Softmax backward for one row: gx = y · (gy − d) with d = Σ gy·y
inline void softmax_backward_row(const float* y, const float* gy, float* gx, std::size_t n, float d) {
    const batch bd(d);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        (batch::load_unaligned(y + i) * (batch::load_unaligned(gy + i) - bd)).store_unaligned(gx + i);
    for (; i < n; ++i) gx[i] = y[i] * (gy[i] - d);
}

/// LogSoftmax backward for one row: gx = gy − e^{y} · s with s = Σ gy
inline void log_softmax_backward_row(const float* y, const float* gy, float* gx, std::size_t n, float s) {
    const batch bs(s);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        (batch::load_unaligned(gy + i) - xsimd::exp(batch::load_unaligned(y + i)) * bs).store_unaligned(gx + i);
    for (; i < n; ++i) gx[i] = gy[i] - std::exp(y[i]) * s;
}

// --- binary arithmetic with innermost broadcasting --------------------------------------------

/// The four ONNX arithmetic ops, usable on floats and on xsimd batches alike.
struct add_fn {
    template <class T>
    T operator()(const T& a, const T& b) const {
        return a + b;
    }
};
struct sub_fn {
    template <class T>
    T operator()(const T& a, const T& b) const {
        return a - b;
    }
};
struct mul_fn {
    template <class T>
    T operator()(const T& a, const T& b) const {
        return a * b;
    }
};
struct div_fn {
    template <class T>
    T operator()(const T& a, const T& b) const {
        return a / b;
    }
};

/// Local gradients of the arithmetic ops: g(gy, a, b) = gy · ∂(a ∘ b)/∂a or ∂b.
struct grad_pass_fn {  // ∂(a ± b)/∂a = 1
    template <class T>
    T operator()(const T& gy, const T&, const T&) const {
        return gy;
    }
};
struct grad_negate_fn {  // ∂(a − b)/∂b = −1
    template <class T>
    T operator()(const T& gy, const T&, const T&) const {
        return -gy;
    }
};
struct grad_mul_a_fn {  // ∂(a·b)/∂a = b
    template <class T>
    T operator()(const T& gy, const T&, const T& b) const {
        return gy * b;
    }
};
struct grad_mul_b_fn {  // ∂(a·b)/∂b = a
    template <class T>
    T operator()(const T& gy, const T& a, const T&) const {
        return gy * a;
    }
};
struct grad_div_a_fn {  // ∂(a/b)/∂a = 1/b
    template <class T>
    T operator()(const T& gy, const T&, const T& b) const {
        return gy / b;
    }
};
struct grad_div_b_fn {  // ∂(a/b)/∂b = −a/b²
    template <class T>
    T operator()(const T& gy, const T& a, const T& b) const {
        return -(gy * a) / (b * b);
    }
};

/// Max (two inputs) and Pow for the Caffe layers Eltwise MAX and Power. Max's gradient goes to
/// `a` on ties, as Caffe's Eltwise MAX and PyTorch's max send it to the first maximum.
struct max_fn {
    static constexpr bool variadic = true;  // ONNX Max takes 1..N inputs
    template <class T>
    T operator()(const T& a, const T& b) const {
        if constexpr (std::is_same_v<T, float>)
            return a >= b ? a : b;
        else
            return xsimd::select(a >= b, a, b);
    }
};
struct grad_max_a_fn {  // ∂max(a, b)/∂a = [a ≥ b]
    template <class T>
    T operator()(const T& gy, const T& a, const T& b) const {
        if constexpr (std::is_same_v<T, float>)
            return a >= b ? gy : 0.0f;
        else
            return xsimd::select(a >= b, gy, T(0.0f));
    }
};
struct grad_max_b_fn {  // ∂max(a, b)/∂b = [b > a]
    template <class T>
    T operator()(const T& gy, const T& a, const T& b) const {
        if constexpr (std::is_same_v<T, float>)
            return b > a ? gy : 0.0f;
        else
            return xsimd::select(b > a, gy, T(0.0f));
    }
};

namespace detail {
/// fn applied lane by lane: xsimd 8.1's pow and log do not compile for AVX-512BW (see nn/ops/lrn.hpp).
template <class T, class Fn>
T lanewise(const T& a, const T& b, const T& c, Fn fn) {
    if constexpr (std::is_same_v<T, float>) {
        return fn(a, b, c);
    } else {
        alignas(64) float va[T::size], vb[T::size], vc[T::size];
        a.store_aligned(va);
        b.store_aligned(vb);
        c.store_aligned(vc);
        for (std::size_t i = 0; i < T::size; ++i) va[i] = fn(va[i], vb[i], vc[i]);
        return T::load_aligned(va);
    }
}
}  // namespace detail

struct pow_fn {  // a^b (std::pow: a negative base with a non-integer exponent gives NaN)
    template <class T>
    T operator()(const T& a, const T& b) const {
        return detail::lanewise(a, b, b, [](float x, float y, float) { return std::pow(x, y); });
    }
};
struct grad_pow_a_fn {  // ∂a^b/∂a = b·a^(b−1)
    template <class T>
    T operator()(const T& gy, const T& a, const T& b) const {
        return detail::lanewise(
            gy, a, b, [](float g, float x, float y) { return y == 0.0f ? 0.0f : g * y * std::pow(x, y - 1.0f); });
    }
};
struct grad_pow_b_fn {  // ∂a^b/∂b = a^b·ln a (0 where a ≤ 0)
    template <class T>
    T operator()(const T& gy, const T& a, const T& b) const {
        return detail::lanewise(
            gy, a, b, [](float g, float x, float y) { return x > 0.0f ? g * std::pow(x, y) * std::log(x) : 0.0f; });
    }
};

namespace detail {
template <bool Strided>
inline batch load_or_broadcast(const float* p, std::size_t i) {
    if constexpr (Strided)
        return batch::load_unaligned(p + i);
    else
        return batch(p[0]);
}

template <class Fn, bool SA, bool SB>
inline void binary_run(const float* a, const float* b, float* y, std::size_t n, Fn fn) {
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        fn(load_or_broadcast<SA>(a, i), load_or_broadcast<SB>(b, i)).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = fn(a[SA ? i : 0], b[SB ? i : 0]);
}

template <class Fn, bool SA, bool SB, bool SG>
inline void gradient_run(const float* gy, const float* a, const float* b, float* g, std::size_t n, Fn fn) {
    std::size_t i = 0;
    if constexpr (SG) {
        for (; i + lanes <= n; i += lanes)
            (batch::load_unaligned(g + i) +
             fn(batch::load_unaligned(gy + i), load_or_broadcast<SA>(a, i), load_or_broadcast<SB>(b, i)))
                .store_unaligned(g + i);
        for (; i < n; ++i) g[i] += fn(gy[i], a[SA ? i : 0], b[SB ? i : 0]);
    } else {
        batch acc(0.0f);
        for (; i + lanes <= n; i += lanes)
            acc += fn(batch::load_unaligned(gy + i), load_or_broadcast<SA>(a, i), load_or_broadcast<SB>(b, i));
        float s = xsimd::hadd(acc);
        for (; i < n; ++i) s += fn(gy[i], a[SA ? i : 0], b[SB ? i : 0]);
        g[0] += s;
    }
}
}  // namespace detail

/// y[i] = fn(a[i·sa], b[i·sb]) for i < n; sa, sb ∈ {0, 1}
template <class Fn>
inline void binary(const float* a, std::size_t sa, const float* b, std::size_t sb, float* y, std::size_t n, Fn fn) {
    if (sa && sb)
        detail::binary_run<Fn, true, true>(a, b, y, n, fn);
    else if (sa)
        detail::binary_run<Fn, true, false>(a, b, y, n, fn);
    else if (sb)
        detail::binary_run<Fn, false, true>(a, b, y, n, fn);
    else
        detail::binary_run<Fn, false, false>(a, b, y, n, fn);
}

/// g[i·sg] += fn(gy[i], a[i·sa], b[i·sb]) for i < n; sa, sb, sg ∈ {0, 1}. With sg = 0 the run
/// is summed into g[0]: the reduction over a broadcast dimension in the backward pass.
template <class Fn>
inline void accumulate_gradient(const float* gy, const float* a, std::size_t sa, const float* b, std::size_t sb,
                                float* g, std::size_t sg, std::size_t n, Fn fn) {
    const int code = (sa ? 4 : 0) | (sb ? 2 : 0) | (sg ? 1 : 0);
    switch (code) {
        case 0:
            detail::gradient_run<Fn, false, false, false>(gy, a, b, g, n, fn);
            break;
        case 1:
            detail::gradient_run<Fn, false, false, true>(gy, a, b, g, n, fn);
            break;
        case 2:
            detail::gradient_run<Fn, false, true, false>(gy, a, b, g, n, fn);
            break;
        case 3:
            detail::gradient_run<Fn, false, true, true>(gy, a, b, g, n, fn);
            break;
        case 4:
            detail::gradient_run<Fn, true, false, false>(gy, a, b, g, n, fn);
            break;
        case 5:
            detail::gradient_run<Fn, true, false, true>(gy, a, b, g, n, fn);
            break;
        case 6:
            detail::gradient_run<Fn, true, true, false>(gy, a, b, g, n, fn);
            break;
        default:
            detail::gradient_run<Fn, true, true, true>(gy, a, b, g, n, fn);
            break;
    }
}

}  // namespace deepvis::kernels
