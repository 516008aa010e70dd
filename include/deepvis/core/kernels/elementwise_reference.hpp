#pragma once
/// Scalar twins of the kernels in elementwise.hpp: the plainest loop that states what each
/// computes. The tests hold every fast kernel to its twin here; nothing else should call them.
#include <algorithm>
#include <cmath>
#include <cstddef>

namespace deepvis::kernels::reference {

inline void relu(const float* x, float* y, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] = std::max(x[i], 0.0f);
}
inline void relu_backward(const float* x, const float* gy, float* gx, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) gx[i] = x[i] > 0.0f ? gy[i] : 0.0f;
}
inline void add_inplace(float* y, const float* x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] += x[i];
}
inline void scale(const float* x, float* y, std::size_t n, float s) {
    for (std::size_t i = 0; i < n; ++i) y[i] = x[i] * s;
}
inline void add_scalar(const float* x, float* y, std::size_t n, float s) {
    for (std::size_t i = 0; i < n; ++i) y[i] = x[i] + s;
}
inline void leaky_relu(const float* x, float* y, std::size_t n, float alpha) {
    for (std::size_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
}
inline void leaky_relu_backward(const float* x, const float* gy, float* gx, std::size_t n, float alpha) {
    for (std::size_t i = 0; i < n; ++i) gx[i] = x[i] > 0.0f ? gy[i] : alpha * gy[i];
}
inline void sigmoid(const float* x, float* y, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + std::exp(-x[i]));
}
inline void sigmoid_backward(const float* y, const float* gy, float* gx, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) gx[i] = gy[i] * y[i] * (1.0f - y[i]);
}
inline void tanh(const float* x, float* y, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}
inline void tanh_backward(const float* y, const float* gy, float* gx, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) gx[i] = gy[i] * (1.0f - y[i] * y[i]);
}
inline void clip(const float* x, float* y, std::size_t n, float lo, float hi) {
    for (std::size_t i = 0; i < n; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}
inline void clip_backward(const float* x, const float* gy, float* gx, std::size_t n, float lo, float hi) {
    for (std::size_t i = 0; i < n; ++i) gx[i] = (x[i] >= lo && x[i] <= hi) ? gy[i] : 0.0f;
}
inline float max_value(const float* x, std::size_t n) { return *std::max_element(x, x + n); }
inline float sum(const float* x, std::size_t n) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += x[i];
    return static_cast<float>(s);
}
inline float dot(const float* a, const float* b, std::size_t n) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += double(a[i]) * b[i];
    return static_cast<float>(s);
}
inline float exp_shifted(const float* x, float* y, std::size_t n, float shift) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += (y[i] = std::exp(x[i] - shift));
    return static_cast<float>(s);
}
inline void softmax_backward_row(const float* y, const float* gy, float* gx, std::size_t n, float d) {
    for (std::size_t i = 0; i < n; ++i) gx[i] = y[i] * (gy[i] - d);
}
inline void log_softmax_backward_row(const float* y, const float* gy, float* gx, std::size_t n, float s) {
    for (std::size_t i = 0; i < n; ++i) gx[i] = gy[i] - std::exp(y[i]) * s;
}
/// y[i] = fn(a[i·sa], b[i·sb])
template <class Fn>
inline void binary(const float* a, std::size_t sa, const float* b, std::size_t sb, float* y, std::size_t n, Fn fn) {
    for (std::size_t i = 0; i < n; ++i) y[i] = fn(a[i * sa], b[i * sb]);
}
/// g[i·sg] += fn(gy[i], a[i·sa], b[i·sb])
template <class Fn>
inline void accumulate_gradient(const float* gy, const float* a, std::size_t sa, const float* b, std::size_t sb,
                                float* g, std::size_t sg, std::size_t n, Fn fn) {
    for (std::size_t i = 0; i < n; ++i) g[i * sg] += fn(gy[i], a[i * sa], b[i * sb]);
}

}  // namespace deepvis::kernels::reference
