#pragma once
/// DeepDream (Mordvintsev, Olah & Tyka 2015, "Inceptionism"): start from a photo and ascend
/// the energy of one layer, ½·mean(a²) (objectives/layer_energy.hpp), so that the patterns the
/// layer detects grow in the image. As in the authors' notebook, the image is processed in
/// octaves: from the smallest scale (side / octave_scale^(octaves−1)) to the full one, each
/// octave runs `iterations` normalised-gradient steps with random jitter, and the detail it
/// added is carried up to the next scale. Steps are in the standardised pixel space of
/// synthesis/pixel_space.hpp (the class-model recipe's step, scaled to each octave's size), and
/// the image stays inside valid [0, 1] pixels. The model must accept every octave's size (free
/// spatial dimensions); with a fixed input size use octaves = 1.
///
///   auto r = deepvis::deep_dream(net, photo, {.layer = "fire5/concat",
///                                             .preprocessing = deepvis::input_preprocessing::caffe()});
#include <cmath>
#include <cstdint>
#include <deepvis/io/image.hpp>
#include <deepvis/nn/model.hpp>
#include <deepvis/objectives/layer_energy.hpp>
#include <deepvis/regularizers/clamp.hpp>
#include <deepvis/regularizers/jitter.hpp>
#include <deepvis/solvers/gradient_descent.hpp>
#include <deepvis/solvers/solve.hpp>
#include <deepvis/synthesis/class_model.hpp>
#include <deepvis/synthesis/common.hpp>
#include <deepvis/synthesis/pixel_space.hpp>
#include <optional>
#include <string>
#include <vector>

namespace deepvis {
inline namespace synthesis {

struct deep_dream_options {
    std::string layer = {};   ///< the layer whose energy grows (node or tensor name)
    std::size_t octaves = 4;  ///< scales, each octave_scale times the previous
    double octave_scale = 1.4;
    std::size_t iterations = 10;  ///< steps per octave
    /// Normalised step; unset: half the class-model recipe's, 12.5·√(C·H·W / 150528) at each octave's size.
    std::optional<double> step_size = std::nullopt;
    /// Largest jitter in pixels; unset: the recipe's 16 px scaled to each octave's size.
    std::optional<std::ptrdiff_t> jitter_pixels = std::nullopt;
    input_preprocessing preprocessing = {};  ///< how pixels become the model's input
    std::uint64_t seed = 0;
};

struct deep_dream_result {
    tensor image = {};                ///< the dreamed image, in the model's input space, the photo's size
    double energy_before = 0.0;       ///< ½·mean(a²) of the layer for the photo
    double energy_after = 0.0;        ///< ... and for the result
    std::vector<shape_type> octaves;  ///< the image shape of each octave, smallest first
    solve_report report = {};         ///< the last octave's run
};

/// Dreams on `image` (1, C, H, W), in the model's input space.
template <class M>
deep_dream_result deep_dream(const M& model, const tensor& image, const deep_dream_options& o) {
    static_assert(Model<M>, "deep_dream: the model must satisfy deepvis::Model (nn/model.hpp)");
    DEEPVIS_CHECK(image.dimension() == 4 && image.shape()[0] == 1, shape_error,
                  "deep_dream: the image has shape " << shape_string(image.shape()) << ", expected (1, C, H, W)");
    DEEPVIS_CHECK(!o.layer.empty(), config_error, "deep_dream: no layer given");
    DEEPVIS_CHECK(o.octaves >= 1 && o.iterations >= 1, config_error, "deep_dream: octaves and iterations must be >= 1");
    DEEPVIS_CHECK(std::isfinite(o.octave_scale) && o.octave_scale > 1.0, config_error,
                  "deep_dream: octave_scale " << o.octave_scale << " must be > 1");
    const pixel_space<M> space(model, o.preprocessing);
    const layer_energy energy{.layer = o.layer};
    typename pixel_space<M>::trace_type trace;
    tensor grad;
    const auto energy_of = [&](const tensor& u) { return evaluate_objective(space, trace, energy, u, grad); };
    const tensor photo = space.from_input(image);
    const std::size_t c = image.shape()[1], h = image.shape()[2], w = image.shape()[3];

    deep_dream_result r;
    for (std::size_t k = o.octaves; k-- > 0;) {
        const double f = std::pow(o.octave_scale, static_cast<double>(k));
        const auto side = [&](std::size_t s) {
            return std::max<std::size_t>(8, static_cast<std::size_t>(std::lround(static_cast<double>(s) / f)));
        };
        r.octaves.push_back({1, c, side(h), side(w)});
    }
    r.energy_before = energy_of(photo);
    const clamp_pixels clamp = space.clamp(c);
    tensor detail;  // what the earlier octaves added, at their scale
    tensor u;
    for (std::size_t k = 0; k < r.octaves.size(); ++k) {
        const shape_type& s = r.octaves[k];
        const tensor base = (s[2] == h && s[3] == w) ? photo : io::resize_bilinear(photo, s[2], s[3]);
        u = base;
        if (k > 0) u += io::resize_bilinear(detail, s[2], s[3], false);
        const double step = o.step_size.value_or(0.5 * recipe_step_size(s));
        const jitter jit{.pixels = o.jitter_pixels.value_or(recipe_jitter(s))};
        r.report =
            solve(problem{space, maximize(energy), clamp, jit}, gradient_descent{.step_size = step, .normalize = true},
                  u, {.iterations = o.iterations, .seed = o.seed + k});
        if (!r.report.ok()) break;
        detail = u - base;
    }
    r.energy_after = energy_of(u);
    r.image = space.to_input(u);
    return r;
}

}  // namespace synthesis
}  // namespace deepvis
