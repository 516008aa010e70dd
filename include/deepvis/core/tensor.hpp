#pragma once
/// Tensor aliases: every activation, gradient and weight in deepvis is a row-major
/// float32 xtensor array; images and feature maps are NCHW.
#include <cstddef>
#include <cstdint>
#include <deepvis/core/checked.hpp>
#include <sstream>
#include <string>
#include <vector>
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

namespace deepvis {

/// A dense float32 tensor of any rank, row-major (NCHW for images and feature maps).
using tensor = xt::xarray<float, xt::layout_type::row_major>;
/// A shape as deepvis passes it around.
using shape_type = std::vector<std::size_t>;

inline shape_type shape_of(const tensor& t) { return shape_type(t.shape().begin(), t.shape().end()); }

/// "(1, 3, 224, 224)": for error messages and `deepvis info`.
template <class Shape>
std::string shape_string(const Shape& s) {
    std::ostringstream os;
    os << '(';
    bool first = true;
    for (auto d : s) {
        if (!first) os << ", ";
        os << static_cast<long long>(d);
        first = false;
    }
    os << ')';
    return os.str();
}

/// Resizes `t` to `s` only when the shape differs, so a reused buffer never reallocates. Every
/// op output and gradient is sized here: a shape whose element count overflows or exceeds
/// max_elements() (core/checked.hpp) is a shape_error, never a wrapped allocation.
template <class Shape>
void ensure_shape(tensor& t, const Shape& s) {
    bool same = t.dimension() == s.size();
    for (std::size_t i = 0; same && i < s.size(); ++i) same = t.shape()[i] == static_cast<std::size_t>(s[i]);
    if (same) return;
    checked_element_count(s, "tensor");
    t.resize(shape_type(s.begin(), s.end()));
}

/// Π s, checked against overflow and max_elements().
inline std::size_t element_count(const shape_type& s) { return checked_element_count(s, "tensor"); }

}  // namespace deepvis
