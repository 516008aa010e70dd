#pragma once
/// Objectives on the class scores: the unnormalised score of a class (Simonyan et al. 2014,
/// eq. 1: S_c(I)) and the log-probability of a target class (for fooling images, Szegedy et al.
/// 2014). Values are summed over the batch. See objectives/objective.hpp for the concept and the
/// sign convention (wrap in maximize() to ascend).
#include <cmath>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/objectives/objective.hpp>
#include <limits>
#include <string>
#include <vector>

namespace deepvis {

namespace detail {
// Reads the (N, K, ...) score tensor as N rows of K and returns the class of sample n.
inline std::size_t pick_class(const char* who, const tensor& a, std::int64_t class_index,
                              const std::vector<std::int64_t>& per_sample, std::size_t n) {
    const std::size_t rows = a.dimension() ? a.shape()[0] : 1;
    const std::size_t k = rows ? a.size() / rows : 0;
    DEEPVIS_CHECK(per_sample.empty() || per_sample.size() == rows, config_error,
                  who << ": " << per_sample.size() << " per-sample classes for a batch of " << rows);
    const std::int64_t c = per_sample.empty() ? class_index : per_sample[n];
    DEEPVIS_CHECK(c >= 0 && static_cast<std::size_t>(c) < k, config_error,
                  who << ": class " << c << " out of range; the scores have " << k << " classes");
    return static_cast<std::size_t>(c);
}
}  // namespace detail

inline namespace objectives {

/// L = Σ_n s[n, c]: the unnormalised score (logit) of class c.
///   layer: the score tensor; defaults to the model's scores (before a trailing Softmax).
///   per_sample: one class per image of the batch, overriding class_index when not empty.
struct class_score {
    std::int64_t class_index = 0;
    std::string layer = score_tap;
    std::vector<std::int64_t> per_sample = {};

    std::string tap() const { return layer; }
    double loss_and_gradient(const tensor& a, tensor& g) const {
        ensure_shape(g, a.shape());
        std::fill(g.begin(), g.end(), 0.0f);
        const std::size_t rows = a.dimension() ? a.shape()[0] : 1, k = a.size() / rows;
        double v = 0.0;
        for (std::size_t n = 0; n < rows; ++n) {
            const std::size_t c = detail::pick_class("class_score", a, class_index, per_sample, n);
            v += a.data()[n * k + c];
            g.data()[n * k + c] = 1.0f;
        }
        return v;
    }
};

/// L = Σ_n log softmax(s[n])_t: the log-probability of the target class t, computed stably
/// from the scores. Maximising it drives the prediction to t (fooling images).
struct target_class {
    std::int64_t class_index = 0;
    std::string layer = score_tap;
    std::vector<std::int64_t> per_sample = {};

    std::string tap() const { return layer; }
    double loss_and_gradient(const tensor& a, tensor& g) const {
        ensure_shape(g, a.shape());
        const std::size_t rows = a.dimension() ? a.shape()[0] : 1, k = a.size() / rows;
        double v = 0.0;
        for (std::size_t n = 0; n < rows; ++n) {
            const std::size_t c = detail::pick_class("target_class", a, class_index, per_sample, n);
            const float* s = a.data() + n * k;
            float* gr = g.data() + n * k;
            double m = -std::numeric_limits<double>::infinity();
            for (std::size_t j = 0; j < k; ++j) m = std::max(m, double(s[j]));
            double z = 0.0;
            for (std::size_t j = 0; j < k; ++j) z += std::exp(double(s[j]) - m);
            const double log_z = m + std::log(z);
            v += double(s[c]) - log_z;
            for (std::size_t j = 0; j < k; ++j)
                gr[j] = static_cast<float>((j == c ? 1.0 : 0.0) - std::exp(double(s[j]) - log_z));
        }
        return v;
    }
};

}  // namespace objectives
}  // namespace deepvis
