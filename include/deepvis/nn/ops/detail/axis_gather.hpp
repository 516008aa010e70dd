#pragma once
/// Separable gathers: y[o₀, …, o_{r−1}] = x[m₀(o₀), …, m_{r−1}(o_{r−1})], one index table per
/// axis, with −1 meaning "fill with a constant". Pad (every mode) and nearest-neighbour
/// Resize/Upsample are all such maps; the backward pass is the matching scatter-add.
#include <algorithm>
#include <cstdint>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/op.hpp>
#include <vector>

namespace deepvis::nn::detail {

/// Index tables for every axis, laid out in one op_scratch index slot (so repeated calls
/// allocate nothing): axis d's table starts at offset[d] and has out_shape[d] entries.
struct axis_maps {
    std::int64_t* index = nullptr;
    std::vector<std::size_t> offset;

    axis_maps(const shape_type& out_shape, op_scratch& s, std::size_t slot) : offset(out_shape.size()) {
        std::size_t total = 0;
        for (std::size_t d = 0; d < out_shape.size(); ++d) {
            offset[d] = total;
            total += out_shape[d];
        }
        index = s.index(slot, total);
    }
    std::int64_t* table(std::size_t d) { return index + offset[d]; }
    const std::int64_t* table(std::size_t d) const { return index + offset[d]; }
};

namespace gather_impl {
struct layout {
    const shape_type* xs;
    const shape_type* ys;
    std::vector<std::size_t> xstride, ystride;
};

inline layout make_layout(const shape_type& xs, const shape_type& ys) {
    layout l{&xs, &ys, std::vector<std::size_t>(xs.size(), 1), std::vector<std::size_t>(ys.size(), 1)};
    for (std::size_t d = xs.size(); d-- > 1;) l.xstride[d - 1] = l.xstride[d] * xs[d];
    for (std::size_t d = ys.size(); d-- > 1;) l.ystride[d - 1] = l.ystride[d] * ys[d];
    return l;
}

inline void gather(const layout& l, const axis_maps& m, std::size_t d, const float* x, float* y, float fill) {
    const std::size_t n = (*l.ys)[d];
    const std::int64_t* idx = m.table(d);
    if (d + 1 == l.ys->size()) {
        for (std::size_t o = 0; o < n; ++o) y[o] = idx[o] < 0 ? fill : x[idx[o]];
        return;
    }
    for (std::size_t o = 0; o < n; ++o) {
        float* yo = y + o * l.ystride[d];
        if (idx[o] < 0)
            std::fill(yo, yo + l.ystride[d], fill);
        else
            gather(l, m, d + 1, x + idx[o] * l.xstride[d], yo, fill);
    }
}

inline void scatter(const layout& l, const axis_maps& m, std::size_t d, const float* gy, float* gx) {
    const std::size_t n = (*l.ys)[d];
    const std::int64_t* idx = m.table(d);
    if (d + 1 == l.ys->size()) {
        for (std::size_t o = 0; o < n; ++o)
            if (idx[o] >= 0) gx[idx[o]] += gy[o];
        return;
    }
    for (std::size_t o = 0; o < n; ++o)
        if (idx[o] >= 0) scatter(l, m, d + 1, gy + o * l.ystride[d], gx + idx[o] * l.xstride[d]);
}
}  // namespace gather_impl

/// y = x gathered through the per-axis maps (y already has shape ys); −1 entries give `fill`.
inline void gather_axes(const tensor& x, const axis_maps& m, tensor& y, float fill) {
    const shape_type xs = shape_of(x), ys = shape_of(y);
    if (ys.empty()) {
        y.data()[0] = x.data()[0];
        return;
    }
    if (y.size() == 0) return;
    const auto l = gather_impl::make_layout(xs, ys);
    gather_impl::gather(l, m, 0, x.data(), y.data(), fill);
}

/// gx = the adjoint of gather_axes applied to gy: gx is zeroed, then each gy element is added to
/// the x element it was read from (fill positions contribute nothing).
inline void scatter_axes(const tensor& gy, const axis_maps& m, tensor& gx) {
    std::fill(gx.begin(), gx.end(), 0.0f);
    const shape_type xs = shape_of(gx), ys = shape_of(gy);
    if (ys.empty()) {
        gx.data()[0] = gy.data()[0];
        return;
    }
    if (gy.size() == 0) return;
    const auto l = gather_impl::make_layout(xs, ys);
    gather_impl::scatter(l, m, 0, gy.data(), gx.data());
}

}  // namespace deepvis::nn::detail
