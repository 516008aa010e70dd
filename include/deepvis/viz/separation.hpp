#pragma once
/// How well labelled points (a 2-D embedding, or any dimension) separate by class.
///
/// knn_accuracy(points, labels, k): leave-one-out k-nearest-neighbour accuracy — each point is
///   classified by the majority label of its k nearest other points (Euclidean; a tie in votes
///   goes to the class whose nearest member is closest). 1 is perfect, 1/classes is chance.
/// silhouette(points, labels): the mean silhouette coefficient s = (b − a) / max(a, b), with a
///   the mean distance to the point's own class and b the smallest mean distance to another
///   class — P. J. Rousseeuw, J. Comput. Appl. Math. 20 (1987) 53–65. In [−1, 1]; points
///   alone in their class count 0. O(N²), fine for the few thousand points of a latent map.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <limits>
#include <map>
#include <utility>
#include <vector>

namespace deepvis::detail::separation {
inline void check_points(const tensor& p, const std::vector<int>& labels, const char* what) {
    DEEPVIS_CHECK(p.dimension() == 2 && p.shape()[0] == labels.size() && labels.size() >= 2, shape_error,
                  what << ": points have shape " << shape_string(p.shape()) << " for " << labels.size()
                       << " labels, expected (N, D) with N = labels and N >= 2");
}
inline double distance(const tensor& p, std::size_t i, std::size_t j) {
    const std::size_t d = p.shape()[1];
    double s = 0;
    for (std::size_t c = 0; c < d; ++c) {
        const double v = double(p.data()[i * d + c]) - p.data()[j * d + c];
        s += v * v;
    }
    return std::sqrt(s);
}
}  // namespace deepvis::detail::separation

namespace deepvis::viz {

inline double knn_accuracy(const tensor& points, const std::vector<int>& labels, std::size_t k = 5) {
    detail::separation::check_points(points, labels, "knn_accuracy");
    const std::size_t n = labels.size();
    DEEPVIS_CHECK(k >= 1 && k < n, config_error, "knn_accuracy: k = " << k << " with " << n << " points");
    std::size_t hits = 0;
    std::vector<std::pair<double, std::size_t>> d;
    for (std::size_t i = 0; i < n; ++i) {
        d.clear();
        for (std::size_t j = 0; j < n; ++j)
            if (j != i) d.emplace_back(detail::separation::distance(points, i, j), j);
        std::partial_sort(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(k), d.end());
        std::map<int, std::pair<std::size_t, double>> votes;  // label -> (count, nearest distance)
        for (std::size_t m = 0; m < k; ++m) {
            auto& v = votes.try_emplace(labels[d[m].second], 0, d[m].first).first->second;
            ++v.first;
        }
        int best = -1;
        std::pair<std::size_t, double> best_vote{0, 0.0};
        for (const auto& [label, vote] : votes)
            if (best < 0 || vote.first > best_vote.first ||
                (vote.first == best_vote.first && vote.second < best_vote.second))
                best = label, best_vote = vote;
        hits += best == labels[i];
    }
    return static_cast<double>(hits) / static_cast<double>(n);
}

inline double silhouette(const tensor& points, const std::vector<int>& labels) {
    detail::separation::check_points(points, labels, "silhouette");
    const std::size_t n = labels.size();
    std::map<int, std::size_t> sizes;
    for (int l : labels) ++sizes[l];
    DEEPVIS_CHECK(sizes.size() >= 2, config_error, "silhouette: needs at least two classes");
    double total = 0;
    std::map<int, double> sum;
    for (std::size_t i = 0; i < n; ++i) {
        if (sizes[labels[i]] < 2) continue;
        sum.clear();
        for (std::size_t j = 0; j < n; ++j)
            if (j != i) sum[labels[j]] += detail::separation::distance(points, i, j);
        const double a = sum[labels[i]] / static_cast<double>(sizes[labels[i]] - 1);
        double b = std::numeric_limits<double>::infinity();
        for (const auto& [label, s] : sum)
            if (label != labels[i]) b = std::min(b, s / static_cast<double>(sizes[label]));
        const double m = std::max(a, b);
        total += m > 0 ? (b - a) / m : 0.0;
    }
    return total / static_cast<double>(n);
}

}  // namespace deepvis::viz
