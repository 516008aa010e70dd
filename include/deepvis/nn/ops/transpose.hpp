#pragma once
/// Transpose: y[i₀, …, i_{r−1}] with y.shape[d] = x.shape[perm[d]] holds x at the index whose
/// perm[d]-th coordinate is i_d. `perm` defaults to reversing the axes.
/// Backward: gx = gy transposed by the inverse permutation.
#include <cstdint>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>
#include <vector>

namespace deepvis::nn {

namespace detail {
/// y = x with its axes permuted (y.shape[d] = xs[perm[d]]); y must already have that shape.
/// Walks y in order with an odometer over x's strides; the innermost axis is a strided loop.
inline void permute_axes(const float* x, const shape_type& xs, const std::vector<std::size_t>& perm, float* y) {
    const std::size_t r = xs.size();
    if (r == 0) {
        y[0] = x[0];
        return;
    }
    std::vector<std::size_t> xstride(r, 1);
    for (std::size_t d = r; d-- > 1;) xstride[d - 1] = xstride[d] * xs[d];
    std::vector<std::size_t> dims(r), stride(r), counter(r, 0);
    std::size_t total = 1;
    for (std::size_t d = 0; d < r; ++d) {
        dims[d] = xs[perm[d]];
        stride[d] = xstride[perm[d]];
        total *= dims[d];
    }
    if (total == 0) return;
    const std::size_t inner = dims[r - 1], inner_stride = stride[r - 1];
    std::size_t offset = 0;
    for (std::size_t o = 0; o < total; o += inner) {
        for (std::size_t i = 0; i < inner; ++i) y[o + i] = x[offset + i * inner_stride];
        for (std::size_t d = r - 1; d-- > 0;) {
            offset += stride[d];
            if (++counter[d] < dims[d]) break;
            offset -= stride[d] * dims[d];
            counter[d] = 0;
        }
    }
}
}  // namespace detail

class transpose_op final : public op {
public:
    explicit transpose_op(const op_context& ctx)
        : m_what(detail::describe(ctx)), m_perm(ctx.attributes.get_ints("perm")) {}

    void forward(inputs_view x, outputs_view y, op_scratch&) const override {
        const shape_type xs = shape_of(*x[0]);
        const auto perm = permutation(xs.size());
        shape_type ys(xs.size());
        for (std::size_t d = 0; d < xs.size(); ++d) ys[d] = xs[perm[d]];
        ensure_shape(*y[0], ys);
        detail::permute_axes(x[0]->data(), xs, perm, y[0]->data());
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch&) const override {
        if (!gx[0]) return;
        if (!gy[0]) return detail::zero_gradient(x[0], gx[0]);
        const auto perm = permutation(x[0]->dimension());
        std::vector<std::size_t> inverse(perm.size());
        for (std::size_t d = 0; d < perm.size(); ++d) inverse[perm[d]] = d;
        ensure_shape(*gx[0], x[0]->shape());
        detail::permute_axes(gy[0]->data(), shape_of(*gy[0]), inverse, gx[0]->data());
    }

private:
    std::vector<std::size_t> permutation(std::size_t rank) const {
        std::vector<std::size_t> perm(rank);
        if (m_perm.empty()) {
            for (std::size_t d = 0; d < rank; ++d) perm[d] = rank - 1 - d;
            return perm;
        }
        DEEPVIS_CHECK(m_perm.size() == rank, shape_error,
                      m_what << ": perm has " << m_perm.size() << " entries, expected the input rank " << rank);
        std::vector<char> seen(rank, 0);
        for (std::size_t d = 0; d < rank; ++d) {
            perm[d] = detail::normalize_axis(m_perm[d], rank, m_what);
            DEEPVIS_CHECK(!seen[perm[d]], shape_error, m_what << ": perm repeats axis " << perm[d]);
            seen[perm[d]] = 1;
        }
        return perm;
    }

    std::string m_what;
    std::vector<std::int64_t> m_perm;
};

inline const bool transpose_registered = register_op<transpose_op>("Transpose", {.computes_features = false});

}  // namespace deepvis::nn
