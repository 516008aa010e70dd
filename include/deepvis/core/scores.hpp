#pragma once
/// Class scores: the one home of softmax and log-softmax over a row of unnormalised scores,
/// of top-k selection and of the check that a class index is valid. The objectives (class
/// score, target class), the training loss (cross-entropy), the attribution methods and the CLI
/// all read their scores through these, so they agree on every rounding and every message.
///
///   log_sum_exp(s, K)       m + log Σ_j exp(s_j − m), m = max_j s_j (log-softmax: s_j − it)
///   softmax(s, K, p)        p_j = exp(s_j − m) / Σ_i exp(s_i − m)
///   softmax_at(s, K, c)     p_c alone
///   top_k(v, n, k)          the indices of the k largest values, largest first
///   check_class(c, K, ...)  config_error unless 0 ≤ c < K
/// Sums and exponentials are taken in double from the float scores.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <numeric>
#include <vector>

namespace deepvis {

/// log Σ_j exp(s_j) for one row of K ≥ 1 scores, shifted by the row's maximum for stability.
inline double log_sum_exp(const float* s, std::size_t k) {
    const double m = *std::max_element(s, s + k);
    double z = 0.0;
    for (std::size_t j = 0; j < k; ++j) z += std::exp(double(s[j]) - m);
    return m + std::log(z);
}

/// p_j = softmax(s)_j for one row of K ≥ 1 scores, shifted by the row's maximum for stability.
inline void softmax(const float* s, std::size_t k, double* p) {
    const double m = *std::max_element(s, s + k);
    double z = 0.0;
    for (std::size_t j = 0; j < k; ++j) z += p[j] = std::exp(double(s[j]) - m);
    for (std::size_t j = 0; j < k; ++j) p[j] /= z;
}

/// softmax(s)_c alone: the same value as softmax()'s p_c.
inline double softmax_at(const float* s, std::size_t k, std::size_t c) {
    const double m = *std::max_element(s, s + k);
    double z = 0.0;
    for (std::size_t j = 0; j < k; ++j) z += std::exp(double(s[j]) - m);
    return std::exp(double(s[c]) - m) / z;
}

/// The indices of the k largest of values[0, n), largest first; equal values in index order
/// (so k = n is a stable ranking). k is capped at n.
template <class T>
std::vector<std::size_t> top_k(const T* values, std::size_t n, std::size_t k) {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    k = std::min(k, n);
    std::partial_sort(
        order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
        [&](std::size_t a, std::size_t b) { return values[a] > values[b] || (values[a] == values[b] && a < b); });
    order.resize(k);
    return order;
}

/// The one check of a class index: "<who>: class <c> for batch item <item> is out of range [0, <k>)".
///   throws: config_error unless 0 ≤ c < k.
inline std::size_t check_class(std::int64_t c, std::size_t k, const char* who, std::size_t item) {
    DEEPVIS_CHECK(c >= 0 && static_cast<std::size_t>(c) < k, config_error,
                  who << ": class " << c << " for batch item " << item << " is out of range [0, " << k << ")");
    return static_cast<std::size_t>(c);
}

}  // namespace deepvis
