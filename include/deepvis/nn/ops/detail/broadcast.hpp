#pragma once
/// Numpy multidirectional broadcasting of two operands, reduced to runs: the output is walked as
/// an outer odometer over collapsed dimensions and an innermost run in which each operand either
/// advances with the output (stride 1) or repeats one element (stride 0). The elementwise
/// kernels then work on whole runs, e.g. (N, C, H, W) + (1, C, 1, 1) is N·C runs of H·W.
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <string>
#include <vector>

namespace deepvis::nn::detail {

struct broadcast_plan {
    shape_type out_shape;
    std::vector<std::size_t> dims;                    ///< collapsed outer dimensions (innermost run excluded)
    std::vector<std::size_t> stride_a, stride_b;      ///< element strides per outer dimension, 0 if broadcast
    std::size_t inner = 1, inner_a = 0, inner_b = 0;  ///< run length and operand strides in it (0 or 1)

    /// Calls f(offset_a, offset_b, offset_y) for the start of every run.
    template <class F>
    void for_each_run(F&& f) const {
        std::size_t total = 1;
        for (auto d : dims) total *= d;
        if (inner == 0) return;
        std::vector<std::size_t> counter(dims.size(), 0);
        std::size_t oa = 0, ob = 0;
        for (std::size_t r = 0; r < total; ++r) {
            f(oa, ob, r * inner);
            for (std::size_t d = dims.size(); d-- > 0;) {
                oa += stride_a[d];
                ob += stride_b[d];
                if (++counter[d] < dims[d]) break;
                oa -= stride_a[d] * dims[d];
                ob -= stride_b[d] * dims[d];
                counter[d] = 0;
            }
        }
    }
};

/// Plans y = a ∘ b for shapes a and b; throws a shape_error naming `what` if they do not broadcast.
inline broadcast_plan make_broadcast_plan(const shape_type& a, const shape_type& b, const std::string& what) {
    const std::size_t r = std::max(a.size(), b.size());
    shape_type pa(r, 1), pb(r, 1);
    std::copy(a.begin(), a.end(), pa.begin() + (r - a.size()));
    std::copy(b.begin(), b.end(), pb.begin() + (r - b.size()));
    broadcast_plan p;
    p.out_shape.resize(r);
    std::vector<std::size_t> sa(r, 0), sb(r, 0);
    std::size_t ca = 1, cb = 1;
    for (std::size_t d = r; d-- > 0;) {
        DEEPVIS_CHECK(pa[d] == pb[d] || pa[d] == 1 || pb[d] == 1, shape_error,
                      what << ": shapes " << shape_string(a) << " and " << shape_string(b)
                           << " do not broadcast, expected equal sizes or 1 in each dimension");
        p.out_shape[d] = pa[d] == 1 ? pb[d] : pa[d];
        sa[d] = pa[d] == 1 ? 0 : ca;
        sb[d] = pb[d] == 1 ? 0 : cb;
        ca *= pa[d];
        cb *= pb[d];
    }
    // Drop size-1 output dimensions, then merge neighbours whose strides chain for both operands
    // (both contiguous, or both broadcast).
    std::vector<std::size_t> dims, xa, xb;
    for (std::size_t d = 0; d < r; ++d) {
        if (p.out_shape[d] == 1) continue;
        if (!dims.empty() && xa.back() == sa[d] * p.out_shape[d] && xb.back() == sb[d] * p.out_shape[d]) {
            dims.back() *= p.out_shape[d];
            xa.back() = sa[d];
            xb.back() = sb[d];
            continue;
        }
        dims.push_back(p.out_shape[d]);
        xa.push_back(sa[d]);
        xb.push_back(sb[d]);
    }
    if (!dims.empty()) {
        p.inner = dims.back();
        p.inner_a = xa.back();
        p.inner_b = xb.back();
        dims.pop_back();
        xa.pop_back();
        xb.pop_back();
    }
    p.dims = std::move(dims);
    p.stride_a = std::move(xa);
    p.stride_b = std::move(xb);
    return p;
}

}  // namespace deepvis::nn::detail
