#pragma once
/// gradient: the derivative of the unnormalised class score with respect to the input,
/// g = ∂score_c/∂x (Simonyan et al. 2014, §3.1), for a batch with one class per item.
/// The rule (backprop/rule.hpp) chosen as template argument turns it into guided
/// backpropagation (guided_backprop.hpp) or the deconvnet (deconvolution.hpp).
#include <deepvis/attribution/detail/common.hpp>

namespace deepvis {
inline namespace attribution {

/// ∂score_{c_i}/∂x_i for every batch item i, shaped like x (NCHW for images).
///   requires: x has a non-empty batch; classes holds one class per item (or one for all).
///   ensures:  one forward and one backward pass, Rule applied at every rectifier.
template <class Rule = backprop::standard, class M>
tensor gradient(const M& model, const tensor& x, const class_indices& classes) {
    DEEPVIS_REQUIRE_MODEL(M);
    DEEPVIS_REQUIRE_RULE(Rule);
    detail::check_batch(x, "gradient");
    auto lease = detail::borrow_trace(model);  // reuses the memory of earlier calls
    auto& t = *lease;
    model.forward(x, t);
    const tensor& scores = model.scores(t);
    const auto cls = detail::expand_classes(classes, x.shape()[0],
                                            detail::score_width(scores, x.shape()[0], "gradient"), "gradient");
    return detail::backward_to<Rule>(model, t, detail::one_hot_like(scores, cls), {std::string(model.input_name())})
        .front();
}

}  // namespace attribution
}  // namespace deepvis
