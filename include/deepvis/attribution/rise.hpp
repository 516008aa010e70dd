#pragma once
/// RISE, Randomized Input Sampling for Explanation (Petsiuk, Das & Saenko 2018): a black-box map
/// from the class probability of many randomly masked copies of the input,
///   S(λ) = 1 / (N·p) · Σ_{i=1..N} P_c(x ⊙ M_i) · M_i(λ)          (eq. 6, E[M] = p),
/// with the masks made as in §3.2 and the authors' code: an s×s grid of cells, each 1 with
/// probability p; upsampled bilinearly (half-pixel centres) to (s+1)·cell pixels a side, with
/// cell = ⌈H/s⌉ (⌈W/s⌉); then an H×W crop at a uniformly random offset in [0, cell) each way.
/// "x ⊙ M" is taken in the model's input space, as x·M + baseline·(1 − M): for a mean-subtracted
/// model, baseline 0 fades masked pixels to the mean pixel (the authors mask the raw image to black).
/// Masks are generated from (seed, mask index) alone, so a map is reproducible and independent of
/// the batch size, and never all held in memory; masked copies go through the model in batches.
#include <cmath>
#include <deepvis/attribution/detail/common.hpp>
#include <deepvis/attribution/upsample.hpp>
#include <deepvis/core/checked.hpp>
#include <deepvis/train/rng.hpp>
#include <vector>

namespace deepvis {
inline namespace attribution {

struct rise_options {
    std::size_t masks = 1000;     ///< N (the paper uses 4000 for ResNet-50; the error falls as 1/√N)
    std::size_t grid = 7;         ///< s: cells a side
    float probability = 0.5f;     ///< p: the chance that a cell is kept
    float baseline = 0.0f;        ///< value of the masked-out input
    std::uint64_t seed = 0;       ///< mask i depends only on (seed, i)
    std::size_t batch_size = 16;  ///< masked copies per forward pass
};

}  // namespace attribution

namespace detail {

struct rise_geometry {
    std::size_t height, width, cell_y, cell_x;
    kernels::linear_axis_taps taps_y, taps_x;  ///< s cells → (s+1)·cell pixels, bilinear
};

/// The geometry of s×s-cell masks on H×W inputs; config_error unless 1 ≤ s ≤ min(H, W).
inline rise_geometry rise_layout(std::size_t h, std::size_t w, std::size_t s) {
    DEEPVIS_CHECK(
        s >= 1 && s <= std::min(h, w), config_error,
        "rise: grid " << s << " must lie in [1, " << std::min(h, w) << "] for a " << h << "x" << w << " input");
    const std::size_t cy = (h + s - 1) / s, cx = (w + s - 1) / s;
    return {h,
            w,
            cy,
            cx,
            upsample_taps(s, (s + 1) * cy, upsample_mode::bilinear),
            upsample_taps(s, (s + 1) * cx, upsample_mode::bilinear)};
}

/// Mask number `index` of a RISE run on H×W inputs, written to `mask` (H·W floats in [0, 1]).
///   requires: options checked by rise(); `cells` is scratch.
inline void rise_mask(const rise_geometry& g, const rise_options& o, std::size_t index, std::vector<float>& cells,
                      float* mask) {
    // One engine per mask, seeded from (seed, index): the same mask whatever the batch or order.
    train::rng r(o.seed * 0x9e3779b97f4a7c15ull + index);
    const std::size_t s = o.grid;
    cells.resize(s * s);
    for (auto& v : cells) v = r.uniform() < o.probability ? 1.0f : 0.0f;
    const std::size_t dy = r.below(g.cell_y), dx = r.below(g.cell_x);
    // The H×W crop at (dy, dx) of the grid upsampled to (s+1)·cell: the taps from dy and dx on.
    kernels::bilinear(cells.data(), 1, s, s, g.taps_y.view().from(dy), g.taps_x.view().from(dx), mask, g.height,
                      g.width);
}

}  // namespace detail

inline namespace attribution {

/// The masks a RISE run with these options uses on H×W inputs: (count, H, W), masks first..first+count−1.
inline tensor rise_masks(std::size_t height, std::size_t width, const rise_options& options, std::size_t first,
                         std::size_t count) {
    const auto g = detail::rise_layout(height, width, options.grid);
    tensor out = xt::zeros<float>({count, height, width});
    std::vector<float> cells;
    for (std::size_t k = 0; k < count; ++k)
        detail::rise_mask(g, options, first + k, cells, out.data() + k * height * width);
    return out;
}

/// (N, H, W): the probability-weighted mean mask, ≥ 0 (≈ 1 where masking never matters).
template <class M>
tensor rise(const M& model, const tensor& x, const class_indices& classes, const rise_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    detail::check_images(x, "rise");
    const std::size_t n = x.shape()[0], c = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
    DEEPVIS_CHECK(options.masks >= 1, config_error, "rise: masks must be positive");
    DEEPVIS_CHECK(options.probability > 0.0f && options.probability <= 1.0f, config_error,
                  "rise: probability " << options.probability << " must lie in (0, 1]");
    const std::size_t rows = checked_multiply(n, options.masks, "rise: images x masks");
    const auto g = detail::rise_layout(h, w, options.grid);
    const std::size_t plane = h * w, size = c * plane;

    auto lease = detail::borrow_trace(model);  // reuses the memory of earlier calls
    auto& t = *lease;
    model.forward(x, t);
    const auto cls = detail::expand_classes(classes, n, detail::score_width(model.scores(t), n, "rise"), "rise");

    std::vector<float> cells, mask(plane);
    std::vector<double> total(n * plane, 0.0);  // sums of N terms: in double
    // Rows are (mask k, image i) with k outer, so one mask serves all images before the next.
    std::size_t current = static_cast<std::size_t>(-1);
    auto mask_for = [&](std::size_t k) {
        if (k != current) detail::rise_mask(g, options, k, cells, mask.data());
        current = k;
    };
    detail::batched_scores(
        model, t, detail::sample_shape(x), rows, options.batch_size,
        [&](std::size_t j, float* dst) {
            const std::size_t k = j / n, i = j % n;
            mask_for(k);
            const float* xi = x.data() + i * size;
            for (std::size_t ch = 0; ch < c; ++ch)
                for (std::size_t e = 0; e < plane; ++e)
                    dst[ch * plane + e] = xi[ch * plane + e] * mask[e] + options.baseline * (1.0f - mask[e]);
        },
        [&](std::size_t j, const tensor& scores, std::size_t r) {
            const std::size_t k = j / n, i = j % n;
            mask_for(k);
            const double p = detail::probability_at(scores, r, cls[i]);
            double* dst = total.data() + i * plane;
            for (std::size_t e = 0; e < plane; ++e) dst[e] += p * mask[e];
        });
    tensor out = xt::zeros<float>({n, h, w});
    const double scale = 1.0 / (double(options.masks) * double(options.probability));
    for (std::size_t e = 0; e < out.size(); ++e) out.data()[e] = static_cast<float>(total[e] * scale);
    return out;
}

}  // namespace attribution
}  // namespace deepvis
