#pragma once
/// Bilinear resampling of the last two axes of a stack of planes: the one home of the
/// interpolation that Grad-CAM's upsampling (attribution/upsample.hpp), RISE's masks
/// (attribution/rise.hpp) and the ONNX Resize op (nn/ops/resize.hpp) share. Each axis is
/// described by its taps — for output position o, the sources i0[o], i1[o] and the weight w1[o]
/// of i1 (i0 gets 1 − w1) — so the caller chooses the coordinate mapping (half-pixel centres,
/// aligned corners, ONNX's modes, a crop) and the kernel only interpolates:
///   y(o_y, o_x) = (1 − w1_y)·((1 − w1_x)·x(i0_y, i0_x) + w1_x·x(i0_y, i1_x))
///               +       w1_y·((1 − w1_x)·x(i1_y, i0_x) + w1_x·x(i1_y, i1_x))
/// (PyTorch's upsample_bilinear2d order of operations). bilinear_adjoint() is its transpose,
/// for the backward pass. Nearest-neighbour sampling is the same kernel with i0 = i1, w1 = 0.
/// triangle_taps() and separable_filter() are the antialiased resize of images (io::resize_bilinear):
/// several taps per output position, a triangle filter widened by the shrink factor.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <vector>

namespace deepvis::kernels {

/// The taps of one axis, as three arrays indexed by the output position (structure of
/// arrays, so that an op can keep them in its scratch buffers).
struct linear_axis {
    const std::int64_t* i0;
    const std::int64_t* i1;
    const float* w1;

    /// The taps from output position `first` on: a crop of the resampled axis.
    linear_axis from(std::size_t first) const { return {i0 + first, i1 + first, w1 + first}; }
};

/// The taps for source coordinate c on an axis of in ≥ 1 samples: ⌊c⌋ and ⌊c⌋ + 1, each clamped
/// to [0, in − 1], and w1 = c − ⌊c⌋.
inline void linear_tap(double c, std::size_t in, std::int64_t& i0, std::int64_t& i1, float& w1) {
    const double f = std::floor(c);
    const auto last = static_cast<std::int64_t>(in) - 1;
    const auto lo = static_cast<std::int64_t>(f);
    i0 = std::clamp(lo, std::int64_t{0}, last);
    i1 = std::clamp(lo + 1, std::int64_t{0}, last);
    w1 = static_cast<float>(c - f);
}

/// Source coordinate of output o with half-pixel centres, clamped at 0 (PyTorch's
/// interpolate(mode="bilinear", align_corners=False)).
inline double half_pixel_source(std::size_t o, std::size_t in, std::size_t out) {
    return std::max((double(o) + 0.5) * double(in) / double(out) - 0.5, 0.0);
}

/// Source coordinate of output o with the corner pixels aligned (align_corners=True).
inline double align_corners_source(std::size_t o, std::size_t in, std::size_t out) {
    return out > 1 ? double(o) * double(in - 1) / double(out - 1) : 0.0;
}

/// The source index of output o for nearest-neighbour sampling, ⌊o·in/out⌋ (PyTorch's
/// mode="nearest"), clamped to the axis.
inline std::size_t nearest_source(std::size_t o, std::size_t in, std::size_t out) {
    const auto s = static_cast<std::size_t>(std::floor(double(o) * double(in) / double(out)));
    return std::min(s, in - 1);
}

/// Owned taps of one axis.
struct linear_axis_taps {
    std::vector<std::int64_t> i0, i1;
    std::vector<float> w1;

    /// Linear taps of `out` positions, source(o, in, out) giving each one's source coordinate.
    template <class Source>
    static linear_axis_taps linear(std::size_t in, std::size_t out, Source&& source) {
        linear_axis_taps t{std::vector<std::int64_t>(out), std::vector<std::int64_t>(out), std::vector<float>(out)};
        for (std::size_t o = 0; o < out; ++o) linear_tap(source(o, in, out), in, t.i0[o], t.i1[o], t.w1[o]);
        return t;
    }
    /// Nearest-neighbour taps: one source each (i0 = i1, w1 = 0).
    static linear_axis_taps nearest(std::size_t in, std::size_t out) {
        linear_axis_taps t{std::vector<std::int64_t>(out), std::vector<std::int64_t>(out), std::vector<float>(out)};
        for (std::size_t o = 0; o < out; ++o) t.i0[o] = t.i1[o] = static_cast<std::int64_t>(nearest_source(o, in, out));
        return t;
    }
    linear_axis view() const { return {i0.data(), i1.data(), w1.data()}; }
};

/// y = the bilinear resampling of each of `planes` planes x (in_h × in_w) to out_h × out_w.
inline void bilinear(const float* x, std::size_t planes, std::size_t in_h, std::size_t in_w, linear_axis rows,
                     linear_axis cols, float* y, std::size_t out_h, std::size_t out_w) {
    for (std::size_t b = 0; b < planes; ++b) {
        const float* xb = x + b * in_h * in_w;
        float* yb = y + b * out_h * out_w;
        for (std::size_t oy = 0; oy < out_h; ++oy) {
            const float* r0 = xb + rows.i0[oy] * in_w;
            const float* r1 = xb + rows.i1[oy] * in_w;
            const float h1 = rows.w1[oy], h0 = 1.0f - h1;
            float* yr = yb + oy * out_w;
            for (std::size_t ox = 0; ox < out_w; ++ox) {
                const float w1 = cols.w1[ox], w0 = 1.0f - w1;
                const auto i0 = cols.i0[ox], i1 = cols.i1[ox];
                yr[ox] = h0 * (w0 * r0[i0] + w1 * r0[i1]) + h1 * (w0 * r1[i0] + w1 * r1[i1]);
            }
        }
    }
}

/// gx += the transpose of bilinear() applied to gy: each gy element spread onto the four inputs
/// it was read from, with the same weights.
inline void bilinear_adjoint(const float* gy, std::size_t planes, std::size_t out_h, std::size_t out_w,
                             linear_axis rows, linear_axis cols, float* gx, std::size_t in_h, std::size_t in_w) {
    for (std::size_t b = 0; b < planes; ++b) {
        float* db = gx + b * in_h * in_w;
        const float* gb = gy + b * out_h * out_w;
        for (std::size_t oy = 0; oy < out_h; ++oy) {
            float* r0 = db + rows.i0[oy] * in_w;
            float* r1 = db + rows.i1[oy] * in_w;
            const float h1 = rows.w1[oy], h0 = 1.0f - h1;
            const float* gr = gb + oy * out_w;
            for (std::size_t ox = 0; ox < out_w; ++ox) {
                const float w1 = cols.w1[ox], w0 = 1.0f - w1;
                const auto i0 = cols.i0[ox], i1 = cols.i1[ox];
                const float g = gr[ox];
                r0[i0] += h0 * w0 * g;
                r0[i1] += h0 * w1 * g;
                r1[i0] += h1 * w0 * g;
                r1[i1] += h1 * w1 * g;
            }
        }
    }
}

/// The taps of one output row or column of a bilinear resize, as PyTorch's interpolate(mode=
/// "bilinear", align_corners=False) computes them: the triangle filter centred at the source
/// coordinate (o + ½)·in/out, widened by the shrink factor in/out when antialiasing (support
/// max(1, in/out)), normalised to sum 1. Without antialiasing, or when enlarging, this is the
/// usual two-tap interpolation with the source clamped to the image.
struct filter_taps {
    std::vector<std::size_t> first;  ///< first source index of each output position
    std::vector<std::size_t> count;  ///< number of taps of each output position
    std::size_t width = 0;           ///< taps stored per output position
    std::vector<float> weights;      ///< width per output position; unused entries are 0
};
inline filter_taps triangle_taps(std::size_t in, std::size_t out, bool antialias) {
    const double scale = static_cast<double>(in) / static_cast<double>(out);
    const double support = antialias && scale > 1.0 ? scale : 1.0;
    const double inverse = 1.0 / support;
    filter_taps t;
    t.width = static_cast<std::size_t>(std::ceil(support)) * 2 + 1;
    t.first.resize(out);
    t.count.resize(out);
    t.weights.assign(out * t.width, 0.0f);
    std::vector<double> w(t.width);
    for (std::size_t o = 0; o < out; ++o) {
        double center = scale * (static_cast<double>(o) + 0.5);
        if (support == 1.0) center = std::max(center, 0.5);  // the clamped source of align_corners=False
        const auto lo = static_cast<std::size_t>(std::max(0.0, std::floor(center - support + 0.5)));
        const auto hi = std::min(in, static_cast<std::size_t>(std::max(0.0, std::floor(center + support + 0.5))));
        double total = 0.0;
        std::size_t n = 0;
        for (std::size_t j = lo; j < hi && n < t.width; ++j, ++n) {
            w[n] = std::max(0.0, 1.0 - std::abs((static_cast<double>(j) - center + 0.5) * inverse));
            total += w[n];
        }
        if (total == 0.0) {  // the source lies beyond the last pixel: take that pixel
            t.first[o] = in - 1;
            t.count[o] = 1;
            t.weights[o * t.width] = 1.0f;
            continue;
        }
        t.first[o] = lo;
        t.count[o] = n;
        for (std::size_t k = 0; k < n; ++k) t.weights[o * t.width + k] = static_cast<float>(w[k] / total);
    }
    return t;
}

/// y = each of `planes` planes x (in_h × in_w) filtered to out_h × out_w with the taps of rows
/// and cols: along W first (into a scratch plane), then along H.
inline void separable_filter(const float* x, std::size_t planes, std::size_t in_h, std::size_t in_w,
                             const filter_taps& rows, const filter_taps& cols, float* y, std::size_t out_h,
                             std::size_t out_w) {
    std::vector<float> across(in_h * out_w);  // one plane resized along W only
    for (std::size_t p = 0; p < planes; ++p) {
        const float* src = x + p * in_h * in_w;
        for (std::size_t r = 0; r < in_h; ++r)
            for (std::size_t c = 0; c < out_w; ++c) {
                const float* w = cols.weights.data() + c * cols.width;
                const float* s = src + r * in_w + cols.first[c];
                float v = 0.0f;
                for (std::size_t k = 0; k < cols.count[c]; ++k) v += w[k] * s[k];
                across[r * out_w + c] = v;
            }
        float* dst = y + p * out_h * out_w;
        for (std::size_t r = 0; r < out_h; ++r) {
            const float* w = rows.weights.data() + r * rows.width;
            float* d = dst + r * out_w;
            std::fill(d, d + out_w, 0.0f);
            for (std::size_t k = 0; k < rows.count[r]; ++k) {
                const float* s = across.data() + (rows.first[r] + k) * out_w;
                for (std::size_t c = 0; c < out_w; ++c) d[c] += w[k] * s[c];
            }
        }
    }
}
}  // namespace deepvis::kernels

namespace deepvis::detail {

/// The shape of t (rank ≥ 2) with its last two dimensions resized to height × width: the checks
/// every resize of planes makes, `who` naming it in the messages.
///   throws: shape_error for rank < 2 or empty planes; config_error for an empty target size.
inline shape_type resized_shape(const tensor& t, std::size_t height, std::size_t width, const char* who) {
    DEEPVIS_CHECK(t.dimension() >= 2, shape_error,
                  who << ": input has shape " << shape_string(t.shape()) << ", expected at least 2 dimensions");
    DEEPVIS_CHECK(height > 0 && width > 0, config_error,
                  who << ": target size " << height << "x" << width << " is empty");
    const std::size_t rank = t.dimension();
    DEEPVIS_CHECK(t.shape()[rank - 2] > 0 && t.shape()[rank - 1] > 0, shape_error,
                  who << ": input " << shape_string(t.shape()) << " is empty");
    shape_type s = shape_of(t);
    s[rank - 2] = height;
    s[rank - 1] = width;
    return s;
}

}  // namespace deepvis::detail
