#pragma once
/// Objectives that match a layer's features to a target: the content loss of style transfer
/// (Gatys et al. 2016, eq. 1, without the ½: w_c · Σ(F − P)²) and the normalised feature
/// reconstruction loss of inversion (Mahendran & Vedaldi 2015, eq. 2: ‖Φ(x) − Φ₀‖² / ‖Φ₀‖²).
/// A target with batch 1 is compared with every image of the batch. See objectives/objective.hpp
/// for the concept and the sign convention.
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/objectives/objective.hpp>
#include <string>

namespace deepvis {
inline namespace objectives {

/// How a sum of squares is reduced: summed (the formulas as written) or averaged over elements
/// (PyTorch's mse_loss).
enum class reduction { sum, mean };

}  // namespace objectives

namespace detail {
// Σ_n scale_n · Σ_e (a[n,e] − t[n or 0, e])², with gradient 2·scale_n·(a − t) written to g;
// scale_of(t_n, per) gives image n's scale from its target features.
template <class ScaleOf>
double squared_distance(const char* who, const std::string& layer, const tensor& a, const tensor& target, tensor& g,
                        ScaleOf scale_of) {
    const std::size_t n = a.dimension() ? a.shape()[0] : 1;
    const std::size_t per = n ? a.size() / n : 0;
    const bool broadcast = target.size() == per && a.size() != per;
    DEEPVIS_CHECK(target.size() == a.size() || broadcast, shape_error,
                  who << " '" << layer << "': target has shape " << shape_string(target.shape())
                      << ", the activation has shape " << shape_string(a.shape()));
    ensure_shape(g, a.shape());
    double total = 0.0;
    for (std::size_t b = 0; b < n; ++b) {
        const float* pa = a.data() + b * per;
        const float* pt = target.data() + (broadcast ? 0 : b * per);
        float* pg = g.data() + b * per;
        const double scale = scale_of(pt, per);
        const auto two_scale = static_cast<float>(2.0 * scale);
        double s = 0.0;
        for (std::size_t e = 0; e < per; ++e) {
            const float d = pa[e] - pt[e];
            s += double(d) * d;
            pg[e] = two_scale * d;
        }
        total += scale * s;
    }
    return total;
}
}  // namespace detail

inline namespace objectives {

/// L = weight · Σ(F − P)² (reduction::sum) or weight · mean(F − P)² (reduction::mean), where F
/// is the activation at `layer` and P the target features (same shape, or batch 1).
struct content_loss {
    std::string layer = {};
    tensor target = {};
    double weight = 1.0;
    deepvis::reduction reduction = reduction::sum;

    std::string tap() const { return layer; }
    double loss_and_gradient(const tensor& a, tensor& g) const {
        const double scale = weight * (reduction == reduction::mean ? 1.0 / static_cast<double>(a.size()) : 1.0);
        return detail::squared_distance("content_loss", layer, a, target, g,
                                        [scale](const float*, std::size_t) { return scale; });
    }
};

/// L = Σ_n ‖Φ(x_n) − Φ₀_n‖² / ‖Φ₀_n‖² (normalize = true, Mahendran & Vedaldi) or
/// Σ_n ‖Φ(x_n) − Φ₀_n‖²; Φ is the activation at `layer`, Φ₀ the target (batch 1 for every image,
/// or batch N).
struct feature_match {
    std::string layer = {};
    tensor target = {};
    bool normalize = true;

    std::string tap() const { return layer; }
    double loss_and_gradient(const tensor& a, tensor& g) const {
        return detail::squared_distance("feature_match", layer, a, target, g, [&](const float* pt, std::size_t per) {
            if (!normalize) return 1.0;
            double t2 = 0.0;
            for (std::size_t e = 0; e < per; ++e) t2 += double(pt[e]) * pt[e];
            DEEPVIS_CHECK(t2 > 0.0, config_error, "feature_match '" << layer << "': the target features are all zero");
            return 1.0 / t2;
        });
    }
};

}  // namespace objectives
}  // namespace deepvis
