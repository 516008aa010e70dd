#pragma once
/// Input × gradient (Shrikumar et al. 2016): a = x ⊙ ∂score_c/∂x.
#include <deepvis/attribution/gradient.hpp>

namespace deepvis {
inline namespace attribution {

/// Shaped like x.
template <class M>
tensor input_x_gradient(const M& model, const tensor& x, const class_indices& classes) {
    DEEPVIS_REQUIRE_MODEL(M);
    tensor g = gradient(model, x, classes);
    float* pg = g.data();
    const float* px = x.data();
    for (std::size_t e = 0; e < g.size(); ++e) pg[e] *= px[e];
    return g;
}

}  // namespace attribution
}  // namespace deepvis
