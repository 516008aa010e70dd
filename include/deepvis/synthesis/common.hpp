#pragma once
/// What the synthesis recipes share: the result type, the image shape a model expects, seeded
/// initial images, and pixel-range helpers.
#include <cmath>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/model.hpp>
#include <deepvis/solvers/solve.hpp>
#include <random>
#include <vector>

namespace deepvis {
inline namespace synthesis {

/// An optimised image (in the model's input space) and how the run ended.
struct synthesis_result {
    tensor image = {};
    solve_report report = {};
};

/// How a recipe starts: N(0, scale²) noise (seeded) or zeros.
enum class initial_image { normal, zeros };

}  // namespace synthesis

namespace detail {

/// The (N, C, H, W) input shape: `requested` when given, else the model's declared input shape
/// with batch `batch` (a free dimension is an error: then the caller must say).
template <Model M>
shape_type input_shape(const M& model, const shape_type& requested, std::size_t batch = 1) {
    if (!requested.empty()) return requested;
    if constexpr (DeclaresInputShape<M>) {
        const auto& d = model.input_info().shape;
        shape_type s;
        for (std::size_t k = 0; k < d.size(); ++k) {
            if (k == 0) {
                s.push_back(batch);
                continue;
            }
            DEEPVIS_CHECK(d[k] > 0, config_error,
                          "synthesis: input '" << model.input_name() << "' has a free dimension " << k
                                               << "; give the image shape explicitly");
            s.push_back(static_cast<std::size_t>(d[k]));
        }
        DEEPVIS_CHECK(s.size() == 4, config_error,
                      "synthesis: input '" << model.input_name() << "' is not an image (shape " << shape_string(d)
                                           << "); give the image shape explicitly");
        return s;
    } else {
        DEEPVIS_FAIL(config_error, "synthesis: this model type does not declare its input shape; give it explicitly");
    }
}

inline tensor initial(const shape_type& shape, initial_image kind, std::uint64_t seed, float scale = 1.0f) {
    tensor x(shape);
    if (kind == initial_image::zeros) {
        std::fill(x.begin(), x.end(), 0.0f);
        return x;
    }
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> d(0.0f, scale);
    for (auto& v : x) v = d(rng);
    return x;
}

/// Index of the largest score of sample n of an (N, K) score tensor.
inline std::size_t argmax_row(const tensor& scores, std::size_t n) {
    const std::size_t k = scores.size() / scores.shape()[0];
    const float* s = scores.data() + n * k;
    return static_cast<std::size_t>(std::max_element(s, s + k) - s);
}

}  // namespace detail

}  // namespace deepvis
