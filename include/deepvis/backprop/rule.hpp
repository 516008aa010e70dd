#pragma once
/// BackpropRule: how a gradient passes back through a rectifier (every Relu node of a model).
///   requires: x is the rectifier's forward input, gy the gradient arriving from above.
///   ensures:  returns the gradient passed below. Called once per element in a tight loop: keep
///             it branch-light and stateless.
///   Shipped, in namespace deepvis::backprop: standard (the true gradient), deconvnet (Zeiler &
///   Fergus 2014), guided (Springenberg et al. 2015): network.backward<backprop::guided>(…).
///   Consumed by: network::backward<Rule>() and every attribution.
///   A custom rule is any struct with `float rectify(float x, float gy) const`.
#include <algorithm>
#include <concepts>

namespace deepvis {

template <class R>
concept BackpropRule = std::default_initializable<R> && requires(const R& r, float x, float gy) {
    { r.rectify(x, gy) } -> std::same_as<float>;
};

namespace backprop {

/// The true gradient of ReLU: gx = [x > 0] · gy.
struct standard {
    float rectify(float x, float gy) const { return x > 0.0f ? gy : 0.0f; }
};

/// Deconvnet (Zeiler & Fergus 2014): gx = max(gy, 0), ignoring the sign of the forward input.
struct deconvnet {
    float rectify(float /*x*/, float gy) const { return std::max(gy, 0.0f); }
};

/// Guided backpropagation (Springenberg et al. 2015): gx = [x > 0] · max(gy, 0).
struct guided {
    float rectify(float x, float gy) const { return x > 0.0f ? std::max(gy, 0.0f) : 0.0f; }
};

/// The smallest rule that satisfies the concept; kept compiled so the specification cannot drift.
struct archetype {
    float rectify(float, float gy) const { return gy; }
};

}  // namespace backprop

static_assert(BackpropRule<backprop::standard> && BackpropRule<backprop::deconvnet> && BackpropRule<backprop::guided> &&
                  BackpropRule<backprop::archetype>,
              "the shipped rules must satisfy BackpropRule (backprop/rule.hpp)");

}  // namespace deepvis
