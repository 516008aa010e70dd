#pragma once
/// Guided backpropagation (Springenberg et al. 2015): the input gradient of the class score with
/// g_in = [x > 0]·max(g_out, 0) at every ReLU (the `guided` rule); MaxPool routes to its argmax
/// and convolutions use their ordinary transposed weights. Same as Captum's GuidedBackprop.
#include <deepvis/attribution/gradient.hpp>

namespace deepvis {
inline namespace attribution {

/// Shaped like x.
template <class M>
tensor guided_backprop(const M& model, const tensor& x, const class_indices& classes) {
    DEEPVIS_REQUIRE_MODEL(M);
    return gradient<backprop::guided>(model, x, classes);
}

}  // namespace attribution
}  // namespace deepvis
