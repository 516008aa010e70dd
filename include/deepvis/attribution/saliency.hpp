#pragma once
/// Image-specific class saliency (Simonyan et al. 2014, §3.1): M_ij = max_c |w_{h(i,j,c)}| with
/// w = ∂score_c/∂x, one map per batch item.
/// Where tools differ: Captum's Saliency returns |w| per channel (reduce = none); Captum's
/// visualiser and other repositories sum |w| over channels (reduce = sum).
#include <cmath>
#include <deepvis/attribution/gradient.hpp>

namespace deepvis {
inline namespace attribution {

/// How |∂score/∂x| is combined over the colour channels.
enum class channel_reduce { max, sum, none };

struct saliency_options {
    channel_reduce reduce = channel_reduce::max;
};

/// Reduces |g| (N,C,H,W) over channels: (N,H,W) for max and sum, (N,C,H,W) for none.
inline tensor reduce_channels_abs(const tensor& g, channel_reduce reduce) {
    detail::check_images(g, "saliency");
    if (reduce == channel_reduce::none) return xt::abs(g);
    const std::size_t n = g.shape()[0], c = g.shape()[1], hw = g.shape()[2] * g.shape()[3];
    tensor out = xt::zeros<float>({n, g.shape()[2], g.shape()[3]});
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < c; ++k) {
            const float* src = g.data() + (i * c + k) * hw;
            float* dst = out.data() + i * hw;
            for (std::size_t p = 0; p < hw; ++p)
                dst[p] = reduce == channel_reduce::max ? std::max(dst[p], std::abs(src[p])) : dst[p] + std::abs(src[p]);
        }
    return out;
}

/// (N,H,W) by default; (N,C,H,W) with reduce = none.
template <class M>
tensor saliency(const M& model, const tensor& x, const class_indices& classes, const saliency_options& options = {}) {
    DEEPVIS_REQUIRE_MODEL(M);
    detail::check_images(x, "saliency");
    return reduce_channels_abs(gradient(model, x, classes), options.reduce);
}

}  // namespace attribution
}  // namespace deepvis
