#pragma once
/// Per-layer gradient views: ∂score_c/∂A at each chosen layer (and the input, by its name), all
/// from one forward and one backward pass (Rule applied at every rectifier).
#include <deepvis/attribution/detail/common.hpp>

namespace deepvis {
inline namespace attribution {

/// One tensor per entry of `layers` (node or tensor names), each shaped like that layer's output.
template <class Rule = backprop::standard, class M>
std::vector<tensor> layer_gradients(const M& model, const tensor& x, const class_indices& classes,
                                    const std::vector<std::string>& layers) {
    DEEPVIS_REQUIRE_MODEL(M);
    DEEPVIS_REQUIRE_RULE(Rule);
    detail::check_batch(x, "layer_gradients");
    DEEPVIS_CHECK(!layers.empty(), config_error, "layer_gradients: no layer given");
    std::vector<std::string> names;
    for (const auto& l : layers) names.push_back(std::string(model.resolve(l)));
    auto lease = detail::borrow_trace(model);  // reuses the memory of earlier calls
    auto& t = *lease;
    model.forward(x, t);
    const std::size_t n = x.shape()[0];
    const auto cls = detail::expand_classes(classes, n, detail::score_width(model.scores(t), n, "layer_gradients"),
                                            "layer_gradients");
    return detail::backward_to<Rule>(model, t, detail::one_hot_like(model.scores(t), cls), names);
}

}  // namespace attribution
}  // namespace deepvis
