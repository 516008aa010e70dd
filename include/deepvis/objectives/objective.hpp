#pragma once
/// Objective: a scalar function of a model's activations that a solver MINIMISES.
///
/// One sign convention for all of deepvis: solvers minimise; `maximize(term)` negates a term
/// (`-1 · term`). A class visualisation is therefore `maximize(class_score{.class_index = c})`.
///
/// A term reads the tensors it names ("taps") after a forward pass and returns its value and the
/// gradient it seeds at each of them. Two shapes satisfy the concept:
///
///   LayerObjective (one tap):
///     requires: tap() names a tensor or node of the model, or one of the special taps
///               `input_tap` (the image itself) and `score_tap` (the class scores);
///               loss_and_gradient(a, g) is called with a = that tensor after forward.
///     ensures:  returns the value L(a); g is OVERWRITTEN (resized to a's shape) with ∂L/∂a.
///
///   MultiLayerObjective (several taps, e.g. Gram style losses):
///     requires: taps() names k tensors; loss_and_gradient(a, g) gets k activations and k
///               gradient buffers in the same order.
///     ensures:  returns L(a₁…a_k); every g[i] is overwritten (resized) with ∂L/∂a_i.
///
/// Both are `const`: an objective holds its targets (content features, style Grams) but no
/// per-run state, so one objective can serve several runs and threads.
///
/// Composition: `a + b` is a flat sum (sum<A, B>; adding to a sum appends, never nests),
/// `w * a` scales, `maximize(a)` negates. A user-written struct satisfying either shape plugs
/// into all of them and into solve() with no library change. Evaluation (solvers/solve.hpp)
/// runs ONE forward pass over what the taps need and ONE backward pass with a seed at every
/// distinct tapped tensor (terms tapping the same tensor add their gradients first).
///
/// Shipped: class_score, target_class, neuron, channel_mean, content_loss, style_loss,
/// total_variation, feature_match, l2 and alpha_norm (image penalties). Consumed by: evaluate_objective()
/// and solve() (solvers/solve.hpp) and every synthesis recipe.
#include <concepts>
#include <cstddef>
#include <deepvis/core/tensor.hpp>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace deepvis {
inline namespace objectives {

/// The tap that means "the model's input image" (resolved to Model::input_name()).
inline const std::string input_tap = "@input";
/// The tap that means "the class scores": the logits before a trailing Softmax
/// (resolved to the model's score_name()).
inline const std::string score_tap = "@scores";

template <class O>
concept LayerObjective = requires(const O& o, const tensor& a, tensor& g) {
    { o.tap() } -> std::convertible_to<std::string>;
    { o.loss_and_gradient(a, g) } -> std::convertible_to<double>;
};

template <class O>
concept MultiLayerObjective = requires(const O& o, std::span<const tensor* const> a, std::span<tensor* const> g) {
    { o.taps() } -> std::convertible_to<std::vector<std::string>>;
    { o.loss_and_gradient(a, g) } -> std::convertible_to<double>;
};

template <class O>
concept Objective = std::copy_constructible<O> &&(LayerObjective<O> || MultiLayerObjective<O>);

/// The smallest objective: L = Σ a over the input image. Kept compiled so the specification
/// cannot drift.
struct objective_archetype {
    std::string tap() const { return input_tap; }
    double loss_and_gradient(const tensor& a, tensor& g) const {
        ensure_shape(g, a.shape());
        double s = 0.0;
        for (std::size_t e = 0; e < a.size(); ++e) {
            s += a.data()[e];
            g.data()[e] = 1.0f;
        }
        return s;
    }
};
static_assert(Objective<objective_archetype>, "objective_archetype must satisfy Objective (objectives/objective.hpp)");

}  // namespace objectives

namespace detail {

template <Objective O>
std::vector<std::string> taps_of(const O& o) {
    if constexpr (MultiLayerObjective<O>)
        return o.taps();
    else
        return {std::string(o.tap())};
}

template <Objective O>
std::size_t tap_count(const O& o) {
    if constexpr (MultiLayerObjective<O>)
        return o.taps().size();
    else
        return 1;
}

template <Objective O>
double evaluate_term(const O& o, std::span<const tensor* const> a, std::span<tensor* const> g) {
    if constexpr (MultiLayerObjective<O>)
        return static_cast<double>(o.loss_and_gradient(a, g));
    else
        return static_cast<double>(o.loss_and_gradient(*a[0], *g[0]));
}

}  // namespace detail

inline namespace objectives {

/// w · term. `maximize(t)` is scaled{t, -1}.
template <Objective T>
struct scaled {
    T term = {};
    double weight = 1.0;

    std::vector<std::string> taps() const { return detail::taps_of(term); }
    double loss_and_gradient(std::span<const tensor* const> a, std::span<tensor* const> g) const {
        const double v = detail::evaluate_term(term, a, g);
        const auto w = static_cast<float>(weight);
        for (tensor* gi : g)
            for (auto& e : *gi) e *= w;
        return weight * v;
    }
};

/// A flat sum of terms: the value is Σ values, each term's gradients go to its own taps.
template <Objective... Ts>
struct sum {
    std::tuple<Ts...> terms = {};

    std::vector<std::string> taps() const {
        std::vector<std::string> all = {};
        std::apply([&](const auto&... t) { (append(all, detail::taps_of(t)), ...); }, terms);
        return all;
    }
    double loss_and_gradient(std::span<const tensor* const> a, std::span<tensor* const> g) const {
        double total = 0.0;
        std::size_t offset = 0;
        std::apply([&](const auto&... t) { ((total += evaluate_slice(t, a, g, offset)), ...); }, terms);
        return total;
    }

private:
    static void append(std::vector<std::string>& all, std::vector<std::string> more) {
        all.insert(all.end(), more.begin(), more.end());
    }
    template <class T>
    static double evaluate_slice(const T& t, std::span<const tensor* const> a, std::span<tensor* const> g,
                                 std::size_t& offset) {
        const std::size_t k = detail::tap_count(t);
        const double v = detail::evaluate_term(t, a.subspan(offset, k), g.subspan(offset, k));
        offset += k;
        return v;
    }
};

template <class T>
struct is_scaled : std::false_type {};
template <class T>
struct is_scaled<scaled<T>> : std::true_type {};
template <class T>
struct is_sum : std::false_type {};
template <class... Ts>
struct is_sum<sum<Ts...>> : std::true_type {};

}  // namespace objectives

namespace detail {
template <class T>
auto as_tuple(T&& t) {
    if constexpr (is_sum<std::remove_cvref_t<T>>::value)
        return std::forward<T>(t).terms;
    else
        return std::tuple<std::remove_cvref_t<T>>(std::forward<T>(t));
}
template <class... Ts>
sum<Ts...> sum_of_tuple(std::tuple<Ts...> t) {
    return sum<Ts...>{std::move(t)};
}
}  // namespace detail

inline namespace objectives {

/// a + b: a flat sum (a sum plus a term appends; a sum plus a sum concatenates).
template <Objective A, Objective B>
auto operator+(A a, B b) {
    return detail::sum_of_tuple(std::tuple_cat(detail::as_tuple(std::move(a)), detail::as_tuple(std::move(b))));
}

/// w · term (a scaled term is rescaled, not nested).
template <Objective T>
auto operator*(double w, T t) {
    if constexpr (is_scaled<T>::value) {
        t.weight *= w;
        return t;
    } else {
        return scaled<T>{std::move(t), w};
    }
}
template <Objective T>
auto operator*(T t, double w) {
    return w * std::move(t);
}

/// The negated term: solvers minimise, so maximize(t) makes them ascend t.
template <Objective T>
auto maximize(T t) {
    return -1.0 * std::move(t);
}
/// The term itself; written for symmetry with maximize().
template <Objective T>
T minimize(T t) {
    return t;
}

}  // namespace objectives
}  // namespace deepvis
