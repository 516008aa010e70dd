#pragma once
/// Deconvnet visualisation (Zeiler & Fergus 2014) as an attribution: the input "gradient" of the
/// class score with g_in = max(g_out, 0) at every ReLU, ignoring the forward sign (the
/// `deconvnet` rule). Same as Captum's Deconvolution.
#include <deepvis/attribution/gradient.hpp>

namespace deepvis {
inline namespace attribution {

/// Shaped like x.
template <class M>
tensor deconvolution(const M& model, const tensor& x, const class_indices& classes) {
    DEEPVIS_REQUIRE_MODEL(M);
    return gradient<backprop::deconvnet>(model, x, classes);
}

}  // namespace attribution
}  // namespace deepvis
