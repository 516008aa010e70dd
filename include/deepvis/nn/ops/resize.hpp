#pragma once
/// Resize (opset 10–13) and Upsample (opset 7–9).
///
/// Output size: from `sizes` when given, else out_d = ⌊in_d · scale_d⌋; scale_d = out_d / in_d
/// when sizes are given. Each output coordinate o maps to a source coordinate
/// (coordinate_transformation_mode, ONNX Resize-11):
///   half_pixel:           (o + ½)/scale − ½
///   pytorch_half_pixel:   out > 1 ? (o + ½)/scale − ½ : 0
///   align_corners:        out > 1 ? o·(in − 1)/(in·scale − 1) : 0   (in·scale unrounded, as ONNX does)
///   asymmetric:           o/scale
///   tf_half_pixel_for_nn: (o + ½)/scale
/// mode = nearest: the source index is rounded by nearest_mode (round_prefer_floor,
///   round_prefer_ceil, floor, ceil) and clamped to [0, in − 1]; applies to every axis.
/// mode = linear: bilinear interpolation on the last two axes (PyTorch's `bilinear`), between
///   ⌊c⌋ and ⌊c⌋ + 1 clamped to the edge; the leading axes (N, C) must keep their size.
/// Resize-10 (two inputs) and Upsample use asymmetric coordinates and, for nearest, floor when
/// enlarging and ceil when shrinking (onnxruntime's behaviour for these opsets).
/// The interpolation and its adjoint are core/kernels/resample.hpp's.
/// Backward: the adjoint of the interpolation (each gy element is spread onto the inputs it was
/// read from with the same weights); roi, scales and sizes get gx = 0.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deepvis/core/kernels/resample.hpp>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/detail/axis_gather.hpp>
#include <deepvis/nn/ops/detail/op_helpers.hpp>
#include <span>
#include <string>
#include <vector>

namespace deepvis::nn {

class resize_op final : public op {
public:
    enum class coordinate_mode { half_pixel, pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn };
    enum class rounding { round_prefer_floor, round_prefer_ceil, floor, ceil, simple };

    explicit resize_op(const op_context& ctx) : m_what(detail::describe(ctx)) {
        const auto& a = ctx.attributes;
        const std::string mode = a.get_string("mode", "nearest");
        DEEPVIS_CHECK(mode == "nearest" || mode == "linear" || mode == "bilinear", unsupported_error,
                      m_what << ": mode '" << mode << "', expected nearest or linear");
        m_linear = mode != "nearest";
        const bool legacy = ctx.op_type == "Upsample" || ctx.input_count <= 2;
        if (legacy) {
            // Upsample-7 holds scales in an attribute; Upsample-9 and Resize-10 in input 1.
            m_scales_attribute = a.get_floats("scales");
            m_scales = detail::config_input(ctx, 1);
            m_coordinates = coordinate_mode::asymmetric;
            m_rounding = rounding::simple;
            DEEPVIS_CHECK(ctx.input_count >= 2 || !m_scales_attribute.empty(), config_error,
                          m_what << ": no scales, expected a second input or a 'scales' attribute");
            return;
        }
        m_scales = detail::config_input(ctx, 2);
        m_sizes = detail::config_input(ctx, 3);
        const std::string ct = a.get_string("coordinate_transformation_mode", "half_pixel");
        if (ct == "half_pixel")
            m_coordinates = coordinate_mode::half_pixel;
        else if (ct == "pytorch_half_pixel")
            m_coordinates = coordinate_mode::pytorch_half_pixel;
        else if (ct == "align_corners")
            m_coordinates = coordinate_mode::align_corners;
        else if (ct == "asymmetric")
            m_coordinates = coordinate_mode::asymmetric;
        else if (ct == "tf_half_pixel_for_nn")
            m_coordinates = coordinate_mode::tf_half_pixel_for_nn;
        else
            DEEPVIS_FAIL(unsupported_error, m_what << ": coordinate_transformation_mode '" << ct
                                                   << "', expected half_pixel, pytorch_half_pixel, align_corners, "
                                                      "asymmetric or tf_half_pixel_for_nn");
        const std::string nm = a.get_string("nearest_mode", "round_prefer_floor");
        if (nm == "round_prefer_floor")
            m_rounding = rounding::round_prefer_floor;
        else if (nm == "round_prefer_ceil")
            m_rounding = rounding::round_prefer_ceil;
        else if (nm == "floor")
            m_rounding = rounding::floor;
        else if (nm == "ceil")
            m_rounding = rounding::ceil;
        else
            DEEPVIS_FAIL(unsupported_error, m_what
                                                << ": nearest_mode '" << nm
                                                << "', expected round_prefer_floor, round_prefer_ceil, floor or ceil");
        DEEPVIS_CHECK(a.get_int("antialias", 0) == 0 && !a.has("axes") &&
                          a.get_string("keep_aspect_ratio_policy", "stretch") == "stretch",
                      unsupported_error,
                      m_what << ": antialias, axes and keep_aspect_ratio_policy (opset 18) are not supported");
    }

    void forward(inputs_view x, outputs_view y, op_scratch& s) const override {
        const shape_type xs = shape_of(*x[0]);
        const auto [ys, scales] = output_shape(x, xs);
        ensure_shape(*y[0], ys);
        if (y[0]->size() == 0) return;
        if (!m_linear) {
            const auto maps = nearest_maps(xs, ys, scales, s);
            detail::gather_axes(*x[0], maps, *y[0], 0.0f);
            return;
        }
        const auto p = linear_plan(xs, ys, scales, s);
        kernels::bilinear(x[0]->data(), p.outer, p.in_h, p.in_w, p.rows, p.cols, y[0]->data(), p.out_h, p.out_w);
    }

    void backward(inputs_view x, inputs_view, inputs_view gy, outputs_view gx, op_scratch& s) const override {
        for (std::size_t i = 1; i < x.size() && i < gx.size(); ++i) detail::zero_gradient(x[i], gx[i]);
        if (!gx[0]) return;
        if (!gy[0]) return detail::zero_gradient(x[0], gx[0]);
        const shape_type xs = shape_of(*x[0]);
        const auto [ys, scales] = output_shape(x, xs);
        ensure_shape(*gx[0], xs);
        if (!m_linear) {
            const auto maps = nearest_maps(xs, ys, scales, s);
            detail::scatter_axes(*gy[0], maps, *gx[0]);
            return;
        }
        std::fill(gx[0]->begin(), gx[0]->end(), 0.0f);
        const auto p = linear_plan(xs, ys, scales, s);
        kernels::bilinear_adjoint(gy[0]->data(), p.outer, p.out_h, p.out_w, p.rows, p.cols, gx[0]->data(), p.in_h,
                                  p.in_w);
    }

private:
    struct linear_tables {
        std::size_t outer, in_h, in_w, out_h, out_w;
        kernels::linear_axis rows, cols;
    };

    /// The output shape and the per-axis scale (out/in when sizes are given).
    std::pair<shape_type, std::vector<double>> output_shape(inputs_view x, const shape_type& xs) const {
        const std::size_t r = xs.size();
        shape_type ys(r);
        std::vector<double> scales(r, 1.0);
        const auto sizes = m_sizes.values(x);
        if (!sizes.empty()) {
            DEEPVIS_CHECK(sizes.size() == r, shape_error,
                          m_what << ": sizes has " << sizes.size() << " values, expected the input rank " << r);
            for (std::size_t d = 0; d < r; ++d) {
                const std::int64_t v = detail::as_int(sizes[d]);
                DEEPVIS_CHECK(v >= 0, shape_error, m_what << ": negative size " << v);
                ys[d] = checked_size(double(v), m_what + ": sizes");
                scales[d] = xs[d] ? double(ys[d]) / double(xs[d]) : 1.0;
            }
            checked_element_count(ys, m_what + ": output");
            return {ys, scales};
        }
        auto from_input = m_scales.values(x);
        const std::span<const float> given =
            from_input.empty() ? std::span<const float>(m_scales_attribute) : from_input;
        DEEPVIS_CHECK(given.size() == r, shape_error,
                      m_what << ": scales has " << given.size() << " values, expected the input rank " << r
                             << " (or give sizes)");
        for (std::size_t d = 0; d < r; ++d) {
            DEEPVIS_CHECK(given[d] > 0.0f && std::isfinite(given[d]), shape_error,
                          m_what << ": scale " << given[d] << " is not a finite positive number");
            scales[d] = given[d];
            ys[d] = checked_size(std::floor(double(xs[d]) * double(given[d])), m_what + ": output size");
        }
        checked_element_count(ys, m_what + ": output");
        return {ys, scales};
    }

    double source(std::size_t o, double scale, std::size_t in, std::size_t out) const {
        const double c = static_cast<double>(o);
        switch (m_coordinates) {
            case coordinate_mode::half_pixel:
                return (c + 0.5) / scale - 0.5;
            case coordinate_mode::pytorch_half_pixel:
                return out > 1 ? (c + 0.5) / scale - 0.5 : 0.0;
            case coordinate_mode::align_corners: {
                // ONNX divides by the unrounded resized length in·scale, not by the output
                // size ⌊in·scale⌋ (they differ when downsampling by a scale like 0.6). When
                // in·scale is the output size up to rounding (always so for `sizes`, where
                // scale = out/in), the exact size is used so that c lands exactly on ties.
                double resized = double(in) * scale;
                if (std::abs(resized - double(out)) <= 1e-9 * double(out)) resized = double(out);
                return out > 1 && resized > 1.0 ? c * double(in - 1) / (resized - 1.0) : 0.0;
            }
            case coordinate_mode::asymmetric:
                return c / scale;
            case coordinate_mode::tf_half_pixel_for_nn:
                return (c + 0.5) / scale;
        }
        return c;
    }

    std::int64_t round(double c, double scale) const {
        switch (m_rounding) {
            case rounding::round_prefer_floor:
                return static_cast<std::int64_t>(std::ceil(c - 0.5));
            case rounding::round_prefer_ceil:
                return static_cast<std::int64_t>(std::floor(c + 0.5));
            case rounding::floor:
                return static_cast<std::int64_t>(std::floor(c));
            case rounding::ceil:
                return static_cast<std::int64_t>(std::ceil(c));
            case rounding::simple:
                return static_cast<std::int64_t>(scale < 1.0 ? std::ceil(c) : std::floor(c));
        }
        return 0;
    }

    detail::axis_maps nearest_maps(const shape_type& xs, const shape_type& ys, const std::vector<double>& scales,
                                   op_scratch& s) const {
        detail::axis_maps maps(ys, s, 0);
        for (std::size_t d = 0; d < ys.size(); ++d) {
            DEEPVIS_CHECK(xs[d] > 0, shape_error, m_what << ": cannot resize the empty axis " << d);
            const auto last = static_cast<std::int64_t>(xs[d]) - 1;
            std::int64_t* t = maps.table(d);
            for (std::size_t o = 0; o < ys[d]; ++o)
                t[o] = std::clamp(round(source(o, scales[d], xs[d], ys[d]), scales[d]), std::int64_t{0}, last);
        }
        return maps;
    }

    linear_tables linear_plan(const shape_type& xs, const shape_type& ys, const std::vector<double>& scales,
                              op_scratch& s) const {
        const std::size_t r = xs.size();
        DEEPVIS_CHECK(r >= 1, shape_error, m_what << ": linear mode needs an input of rank at least 1");
        for (std::size_t d = 0; d + 2 < r; ++d)
            DEEPVIS_CHECK(xs[d] == ys[d], unsupported_error,
                          m_what << ": linear mode resizes only the last two axes, but axis " << d << " goes from "
                                 << xs[d] << " to " << ys[d]);
        linear_tables p{};
        p.outer = 1;
        for (std::size_t d = 0; d + 2 < r; ++d) p.outer *= xs[d];
        p.in_h = r >= 2 ? xs[r - 2] : 1;
        p.out_h = r >= 2 ? ys[r - 2] : 1;
        p.in_w = xs[r - 1];
        p.out_w = ys[r - 1];
        DEEPVIS_CHECK(p.in_h > 0 && p.in_w > 0, shape_error,
                      m_what << ": cannot resize the empty input " << shape_string(xs));
        const double sh = r >= 2 ? scales[r - 2] : 1.0, sw = scales[r - 1];
        std::int64_t* idx = s.index(0, 2 * (p.out_h + p.out_w));
        float* w = s.buffer(0, p.out_h + p.out_w);
        auto fill = [&](std::int64_t* i0, std::int64_t* i1, float* w1, std::size_t in, std::size_t out, double scale) {
            for (std::size_t o = 0; o < out; ++o)
                kernels::linear_tap(source(o, scale, in, out), in, i0[o], i1[o], w1[o]);
            return kernels::linear_axis{i0, i1, w1};
        };
        p.rows = fill(idx, idx + p.out_h, w, p.in_h, p.out_h, sh);
        p.cols = fill(idx + 2 * p.out_h, idx + 2 * p.out_h + p.out_w, w + p.out_h, p.in_w, p.out_w, sw);
        return p;
    }

    std::string m_what;
    bool m_linear = false;
    coordinate_mode m_coordinates = coordinate_mode::half_pixel;
    rounding m_rounding = rounding::round_prefer_floor;
    std::vector<float> m_scales_attribute;
    detail::config_input m_scales, m_sizes;
};

inline const bool resize_registered = register_op<resize_op>("Resize", {.configuration_from = 1});
inline const bool upsample_registered = register_op<resize_op>("Upsample", {.configuration_from = 1});

}  // namespace deepvis::nn
