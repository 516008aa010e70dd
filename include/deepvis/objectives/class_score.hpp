#pragma once
/// Objectives on the class scores: the unnormalised score of a class (Simonyan et al. 2014,
/// eq. 1: S_c(I)) and the log-probability of a target class (for fooling images, Szegedy et al.
/// 2014). Values are summed over the batch. See objectives/objective.hpp for the concept and the
/// sign convention (wrap in maximize() to ascend).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/scores.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/objectives/objective.hpp>
#include <string>
#include <vector>

namespace deepvis {

namespace detail {
/// Σ_n term(s_n, g_n, K, c_n) over the N rows of K of an (N, K, ...) score tensor and its
/// gradient, c_n the class of sample n (per_sample[n], else class_index; core/scores.hpp checks it).
template <class Term>
double sum_class_rows(const char* who, const tensor& a, tensor& g, std::int64_t class_index,
                      const std::vector<std::int64_t>& per_sample, Term&& term) {
    ensure_shape(g, a.shape());
    const std::size_t rows = a.dimension() ? a.shape()[0] : 1;
    const std::size_t k = rows ? a.size() / rows : 0;
    DEEPVIS_CHECK(per_sample.empty() || per_sample.size() == rows, config_error,
                  who << ": " << per_sample.size() << " per-sample classes for a batch of " << rows);
    double v = 0.0;
    for (std::size_t n = 0; n < rows; ++n) {
        const std::size_t c = check_class(per_sample.empty() ? class_index : per_sample[n], k, who, n);
        v += term(a.data() + n * k, g.data() + n * k, k, c);
    }
    return v;
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
        return detail::sum_class_rows("class_score", a, g, class_index, per_sample,
                                      [](const float* s, float* gr, std::size_t k, std::size_t c) {
                                          std::fill(gr, gr + k, 0.0f);
                                          gr[c] = 1.0f;
                                          return double(s[c]);
                                      });
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
        return detail::sum_class_rows(
            "target_class", a, g, class_index, per_sample, [](const float* s, float* gr, std::size_t k, std::size_t c) {
                const double log_z = log_sum_exp(s, k);
                for (std::size_t j = 0; j < k; ++j)
                    gr[j] = static_cast<float>((j == c ? 1.0 : 0.0) - std::exp(double(s[j]) - log_z));
                return double(s[c]) - log_z;
            });
    }
};

}  // namespace objectives
}  // namespace deepvis
