#pragma once
/// Machinery shared by the attribution methods: class targets, score seeds, one backward pass to
/// several tensors, and passes over many input rows in internal batches of bounded size.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deepvis/backprop/rule.hpp>
#include <deepvis/core/error.hpp>
#include <deepvis/core/scores.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/model.hpp>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace deepvis {

/// The class explained for each batch item: one index per item, or one index for every item.
using class_indices = std::vector<std::int64_t>;

}  // namespace deepvis

/// The first line of every public attribution entry point.
#define DEEPVIS_REQUIRE_MODEL(M)                                                \
    static_assert(::deepvis::Model<M>,                                          \
                  "deepvis: the model type does not satisfy the Model concept " \
                  "(see <deepvis/nn/model.hpp>)")
#define DEEPVIS_REQUIRE_RULE(R)                                               \
    static_assert(::deepvis::BackpropRule<R>,                                 \
                  "deepvis: the rule type does not satisfy the BackpropRule " \
                  "concept (see <deepvis/backprop/rule.hpp>)")

namespace deepvis::detail {

/// x must be NCHW with N ≥ 1.
inline void check_images(const tensor& x, const char* who) {
    DEEPVIS_CHECK(x.dimension() == 4, shape_error,
                  who << ": input has shape " << shape_string(x.shape()) << ", expected NCHW (4 dimensions)");
    DEEPVIS_CHECK(x.shape()[0] > 0 && x.size() > 0, shape_error, who << ": the batch is empty");
}

inline void check_batch(const tensor& x, const char* who) {
    DEEPVIS_CHECK(x.dimension() >= 1 && x.shape()[0] > 0 && x.size() > 0, shape_error,
                  who << ": input has shape " << shape_string(x.shape()) << ", expected a non-empty batch");
}

/// One class per batch item (a single class is used for every item), each in [0, k).
inline std::vector<std::int64_t> expand_classes(const class_indices& classes, std::size_t n, std::size_t k,
                                                const char* who) {
    DEEPVIS_CHECK(classes.size() == n || classes.size() == 1, config_error,
                  who << ": " << classes.size() << " classes given for a batch of " << n
                      << " (give one per batch item, or one for all)");
    std::vector<std::int64_t> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = classes.size() == 1 ? classes[0] : classes[i];
        check_class(out[i], k, who, i);
    }
    return out;
}

/// The scores as (N, K), whatever trailing singleton dimensions the model leaves.
inline std::size_t score_width(const tensor& scores, std::size_t n, const char* who) {
    DEEPVIS_CHECK(scores.dimension() >= 1 && scores.shape()[0] == n && n > 0, shape_error,
                  who << ": the model's scores have shape " << shape_string(scores.shape()) << ", expected (" << n
                      << ", classes)");
    return scores.size() / n;
}

/// A seed tensor shaped like the scores with 1 at (i, classes[i]) and `weight[i]` if given.
inline tensor one_hot_like(const tensor& scores, const std::vector<std::int64_t>& classes) {
    tensor seed = xt::zeros<float>(scores.shape());
    const std::size_t k = scores.size() / scores.shape()[0];
    for (std::size_t i = 0; i < classes.size(); ++i) seed.data()[i * k + static_cast<std::size_t>(classes[i])] = 1.0f;
    return seed;
}

/// Row i's score for class c.
inline float score_at(const tensor& scores, std::size_t i, std::int64_t c) {
    const std::size_t k = scores.size() / scores.shape()[0];
    return scores.data()[i * k + static_cast<std::size_t>(c)];
}

/// Softmax probability of class c in row i (core/scores.hpp).
inline float probability_at(const tensor& scores, std::size_t i, std::int64_t c) {
    const std::size_t k = scores.size() / scores.shape()[0];
    return static_cast<float>(softmax_at(scores.data() + i * k, k, static_cast<std::size_t>(c)));
}

/// The trace of one attribution call: borrowed from the model when it keeps spare traces
/// (nn::network::borrow_trace, so repeated calls reuse their activation memory), else a fresh one.
///   auto lease = detail::borrow_trace(model); auto& t = *lease;
template <class M>
auto borrow_trace(const M& model) {
    if constexpr (BorrowsTraces<M>)
        return model.borrow_trace();
    else
        return std::make_unique<typename M::trace_type>();
}

/// d(Σ_i score_{i, c_i}) / d target for each target. Uses the model's one-pass multi-target
/// backward when it has one (nn::network does), else one pass per target.
template <class Rule, class M>
std::vector<tensor> backward_to(const M& model, typename M::trace_type& t, const tensor& score_seed,
                                const std::vector<std::string>& targets) {
    const nn::gradient_seed seeds[] = {{std::string(model.score_name()), score_seed}};
    const std::span<const nn::gradient_seed> seed_span(seeds);
    std::vector<tensor> out;
    out.reserve(targets.size());
    if constexpr (MultiTargetBackward<M>) {
        model.template backward<Rule>(t, seed_span, std::span<const std::string>(targets));
        for (const auto& name : targets) out.push_back(model.gradient(t, name));
    } else {
        for (const auto& name : targets) out.push_back(model.template backward<Rule>(t, seed_span, name));
    }
    return out;
}

/// Forward on x, then d score_{c_i} / d x under Rule. Returns the gradient; scores stay in t.
template <class Rule, class M>
tensor input_gradient(const M& model, typename M::trace_type& t, const tensor& x,
                      const std::vector<std::int64_t>& classes) {
    model.forward(x, t);
    const tensor seed = one_hot_like(model.scores(t), classes);
    const nn::gradient_seed seeds[] = {{std::string(model.score_name()), seed}};
    return model.template backward<Rule>(t, std::span<const nn::gradient_seed>(seeds), std::string(model.input_name()));
}

/// Runs `rows` inputs of shape `sample` through the model, at most `batch_size` at a time.
///   fill(j, float* dst) writes row j; consume(j, scores, r) reads row r of the chunk's scores for
///   row j. With a gradient class `class_of(j)`, also backward under Rule and
///   consume_grad(j, const float* gradient_row).
template <class M, class Fill, class Consume>
void batched_scores(const M& model, typename M::trace_type& t, const shape_type& sample, std::size_t rows,
                    std::size_t batch_size, Fill&& fill, Consume&& consume) {
    DEEPVIS_CHECK(batch_size > 0, config_error, "batch_size must be positive");
    const std::size_t row_size = element_count(sample);
    tensor chunk;
    for (std::size_t start = 0; start < rows; start += batch_size) {
        const std::size_t b = std::min(batch_size, rows - start);
        shape_type s{b};
        s.insert(s.end(), sample.begin(), sample.end());
        ensure_shape(chunk, s);
        for (std::size_t r = 0; r < b; ++r) fill(start + r, chunk.data() + r * row_size);
        model.forward(chunk, t);
        const tensor& scores = model.scores(t);
        for (std::size_t r = 0; r < b; ++r) consume(start + r, scores, r);
    }
}

template <class Rule, class M, class Fill, class ClassOf, class Consume>
void batched_gradients(const M& model, typename M::trace_type& t, const shape_type& sample, std::size_t rows,
                       std::size_t batch_size, Fill&& fill, ClassOf&& class_of, Consume&& consume_grad) {
    DEEPVIS_CHECK(batch_size > 0, config_error, "batch_size must be positive");
    const std::size_t row_size = element_count(sample);
    tensor chunk;
    std::vector<std::int64_t> classes;
    for (std::size_t start = 0; start < rows; start += batch_size) {
        const std::size_t b = std::min(batch_size, rows - start);
        shape_type s{b};
        s.insert(s.end(), sample.begin(), sample.end());
        ensure_shape(chunk, s);
        classes.resize(b);
        for (std::size_t r = 0; r < b; ++r) {
            fill(start + r, chunk.data() + r * row_size);
            classes[r] = class_of(start + r);
        }
        const tensor& g = input_gradient<Rule>(model, t, chunk, classes);
        for (std::size_t r = 0; r < b; ++r) consume_grad(start + r, g.data() + r * row_size);
    }
}

/// The shape of one batch item.
inline shape_type sample_shape(const tensor& x) { return shape_type(x.shape().begin() + 1, x.shape().end()); }

}  // namespace deepvis::detail
