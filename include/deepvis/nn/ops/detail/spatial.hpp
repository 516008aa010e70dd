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

/// A window op's geometry on the kernels' two spatial axes, height (0) and width (1): a 1-D op
/// fills the width axis and leaves the height axis at 1 (kernels::conv_geometry, pool_geometry).
///   in, k, st, dil: input size, kernel size, stride and dilation; pb, pe: padding at the
///   beginning and the end; out: output size (the caller's arithmetic: Conv, ConvTranspose, pooling).
struct window_geometry {
    std::ptrdiff_t in[2] = {1, 1}, k[2] = {1, 1}, st[2] = {1, 1}, dil[2] = {1, 1};
    std::ptrdiff_t pb[2] = {0, 0}, pe[2] = {0, 0}, out[2] = {1, 1};

    /// Reads spatial axis i (of `spatial`) of the input shape xs — its size, the kernel size
    /// `kernel`, the stride and the dilation — into its kernel axis, which it returns.
    template <class Shape>
    std::size_t read_axis(const window_attributes& w, const Shape& xs, std::size_t i, std::size_t spatial,
                          std::int64_t kernel) {
        const std::size_t a = 2 - spatial + i;
        in[a] = static_cast<std::ptrdiff_t>(xs[2 + i]);
        k[a] = kernel;
        st[a] = w.stride(i);
        dil[a] = w.dilation(i);
        return a;
    }
    /// The dilated kernel extent (k − 1)·d + 1 of kernel axis a.
    std::int64_t extent(std::size_t a) const { return (k[a] - 1) * dil[a] + 1; }

    /// Pads kernel axis a (spatial axis i) as the attributes say (window_attributes::padding) and
    /// returns the room the window has to slide, in + pads − extent.
    ///   throws: shape_error when the padded input is smaller than the `what` ("kernel") extent.
    template <class Shape>
    std::int64_t pad(const std::string& name, const window_attributes& w, const Shape& xs, std::size_t a, std::size_t i,
                     std::size_t spatial, const char* what) {
        std::int64_t begin = 0, end = 0;
        w.padding(i, spatial, in[a], extent(a), begin, end);
        pb[a] = begin;
        pe[a] = end;
        const std::int64_t span = in[a] + begin + end - extent(a);
        DEEPVIS_CHECK(span >= 0, shape_error,
                      name << ": input " << shape_string(xs) << " is smaller than the " << what << " extent "
                           << extent(a) << " on spatial axis " << i);
        return span;
    }

    /// (n, channels, out…) over the `spatial` axes.
    shape_type output_shape(std::size_t n, std::size_t channels, std::size_t spatial) const {
        shape_type s = {n, channels};
        for (std::size_t i = 0; i < spatial; ++i) s.push_back(static_cast<std::size_t>(out[2 - spatial + i]));
        return s;
    }
};

/// The kernel size of spatial axis i from the weight shape ws (…, kernel…) of Conv or
/// ConvTranspose; shape_error when kernel_shape is given and disagrees.
template <class Shape>
std::int64_t weight_kernel(const std::string& name, const window_attributes& w, const Shape& ws, std::size_t i) {
    const auto k = static_cast<std::int64_t>(ws[2 + i]);
    if (!w.kernel_shape.empty())
        DEEPVIS_CHECK(
            w.kernel_shape[i] == k, shape_error,
            name << ": kernel_shape " << shape_string(w.kernel_shape) << " disagrees with weight " << shape_string(ws));
    return k;
}

/// What Conv and ConvTranspose share: the message prefix ("Conv 'name'"), the window attributes,
/// the group count (checked) and the optional bias input.
class conv_base : public op {
protected:
    conv_base(const char* op_type, const op_context& ctx)
        : m_name(std::string(op_type) + " '" + ctx.node_name + "'"),
          m_window(ctx.attributes),
          m_group(ctx.attributes.get_int("group", 1)) {
        check_window_attribute(m_name, "group", m_group, 1);
    }

    static bool has_bias(inputs_view x) { return x.size() > 2 && x[2] != nullptr; }

    /// The optional bias must be (M), M the output channels.
    void check_bias(inputs_view x, std::ptrdiff_t M) const {
        if (has_bias(x))
            DEEPVIS_CHECK(x[2]->size() == static_cast<std::size_t>(M) && x[2]->dimension() == 1, shape_error,
                          m_name << ": bias has shape " << shape_string(x[2]->shape()) << ", expected (" << M << ")");
    }

    /// The sizes every plan holds: batch, groups, the per-image sizes of X (C channels of w.in)
    /// and Y (M channels of w.out), and Y's shape.
    template <class Plan, class Shape>
    void set_sizes(Plan& p, const window_geometry& w, const Shape& xs, std::ptrdiff_t C, std::ptrdiff_t M,
                   std::size_t spatial) const {
        p.batch = static_cast<std::ptrdiff_t>(xs[0]);
        p.groups = m_group;
        p.in_size = C * w.in[0] * w.in[1];
        p.out_size = M * w.out[0] * w.out[1];
        p.y_shape = w.output_shape(xs[0], static_cast<std::size_t>(M), spatial);
    }

    std::string m_name;
    window_attributes m_window;
    std::int64_t m_group;
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
