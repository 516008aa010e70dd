#pragma once
/// Reading the window attributes that Conv, ConvTranspose and the pooling ops share
/// (kernel_shape, strides, dilations, pads, auto_pad), with ONNX defaults.
#include <algorithm>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/attributes.hpp>
#include <deepvis/nn/op.hpp>
#include <string>
#include <vector>

namespace deepvis::nn::detail {

/// The largest value of a window attribute (kernel size, stride, dilation, pad, group, output
/// padding or shape): far beyond any real network, and small enough that the int64 window
/// arithmetic on sizes bounded by max_elements() ((k − 1)·d + 1, s·(in − 1), in + pads) cannot
/// overflow (issue 18, finding #7: a group of 2^62 overflowed Conv's channel check).
inline constexpr std::int64_t max_window_attribute = std::int64_t(1) << 31;

inline void check_window_attribute(const std::string& what, const char* attribute, std::int64_t v, std::int64_t lo) {
    DEEPVIS_CHECK(
        v >= lo && v <= max_window_attribute, config_error,
        what << ": " << attribute << " " << v << ", expected >= " << lo << " and <= " << max_window_attribute);
}

struct window_attributes {
    std::vector<std::int64_t> kernel_shape;              ///< empty: take it from the weight (Conv)
    std::vector<std::int64_t> strides, dilations, pads;  ///< empty: ONNX defaults (1, 1, 0)
    std::string auto_pad = "NOTSET";

    explicit window_attributes(const attribute_map& a)
        : kernel_shape(a.get_ints("kernel_shape")),
          strides(a.get_ints("strides")),
          dilations(a.get_ints("dilations")),
          pads(a.get_ints("pads")),
          auto_pad(a.get_string("auto_pad", "NOTSET")) {}

    /// Checks the attribute lengths against the number of spatial axes.
    void check(const std::string& what, std::size_t spatial) const {
        auto fits = [&](const std::vector<std::int64_t>& v, std::size_t n) { return v.empty() || v.size() == n; };
        DEEPVIS_CHECK(fits(kernel_shape, spatial) && fits(strides, spatial) && fits(dilations, spatial) &&
                          fits(pads, 2 * spatial),
                      shape_error,
                      what << ": attributes kernel_shape/strides/dilations/pads do not match " << spatial
                           << " spatial axes (expected " << spatial << ", " << spatial << ", " << spatial << " and "
                           << 2 * spatial << " values)");
        DEEPVIS_CHECK(
            auto_pad == "NOTSET" || auto_pad == "VALID" || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER",
            config_error, what << ": auto_pad '" << auto_pad << "', expected NOTSET, VALID, SAME_UPPER or SAME_LOWER");
        for (auto v : kernel_shape) check_window_attribute(what, "kernel size", v, 1);
        for (auto v : strides) check_window_attribute(what, "stride", v, 1);
        for (auto v : dilations) check_window_attribute(what, "dilation", v, 1);
        for (auto v : pads) check_window_attribute(what, "pad", v, 0);
    }
    std::int64_t stride(std::size_t i) const { return strides.empty() ? 1 : strides[i]; }
    std::int64_t dilation(std::size_t i) const { return dilations.empty() ? 1 : dilations[i]; }

    /// Begin and end padding of spatial axis i (of `spatial`) for an input of size `in` and an
    /// effective (dilated) kernel extent `extent`, resolving auto_pad:
    ///   SAME_*: output ceil(in / s), total = max(0, (out − 1)·s + extent − in); SAME_UPPER puts
    ///   the odd pixel at the end, SAME_LOWER at the beginning. VALID: no padding.
    void padding(std::size_t i, std::size_t spatial, std::int64_t in, std::int64_t extent, std::int64_t& begin,
                 std::int64_t& end) const {
        if (auto_pad == "VALID") {
            begin = end = 0;
        } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            const std::int64_t s = stride(i), out = (in + s - 1) / s;
            const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * s + extent - in);
            const std::int64_t small = total / 2, large = total - small;
            begin = auto_pad == "SAME_UPPER" ? small : large;
            end = total - begin;
        } else {
            begin = pads.empty() ? 0 : pads[i];
            end = pads.empty() ? 0 : pads[i + spatial];
        }
    }
};

/// Checks the inputs X and W of Conv and ConvTranspose — both present, rank 3 (N, C, L) or 4
/// (N, C, H, W), the same rank — and the window attributes; returns the number of spatial axes.
inline std::size_t check_conv_inputs(const std::string& name, inputs_view x, const window_attributes& window) {
    DEEPVIS_CHECK(x.size() >= 2 && x[0] && x[1], shape_error, name << ": expected inputs X and W");
    const auto& xs = x[0]->shape();
    const auto& ws = x[1]->shape();
    const std::size_t rank = xs.size();
    DEEPVIS_CHECK(rank == 3 || rank == 4, unsupported_error,
                  name << ": input has shape " << shape_string(xs) << ", expected (N, C, L) or (N, C, H, W)");
    DEEPVIS_CHECK(ws.size() == rank, shape_error,
                  name << ": weight has shape " << shape_string(ws) << ", expected rank " << rank);
    const std::size_t spatial = rank - 2;
    window.check(name, spatial);
    return spatial;
}

}  // namespace deepvis::nn::detail
