#pragma once
/// The one finite-difference gradient checker every op, objective and regulariser test uses.
/// Loss L = Σ_j <w_j, y_j> with fixed random w_j over all outputs; the analytic gradient of
/// each checked input (op::backward) is compared with central differences of L.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/all.hpp>
#include <random>
#include <string>
#include <vector>

namespace deepvis::testing {

/// A tensor of the given shape with values from N(0, scale²), seeded.
inline tensor random_tensor(const shape_type& shape, std::uint64_t seed, float scale = 1.0f) {
    tensor t(shape);
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    for (auto& v : t) v = dist(rng);
    return t;
}

/// A tensor of shape `s` holding `v` in row-major order (for hand-written test cases).
inline tensor make_tensor(const shape_type& s, const std::vector<float>& v) {
    tensor t(s);
    REQUIRE(t.size() == v.size());
    std::copy(v.begin(), v.end(), t.begin());
    return t;
}

/// The elements of `t` in row-major order.
inline std::vector<float> values_of(const tensor& t) { return std::vector<float>(t.begin(), t.end()); }

/// A 1-D tensor holding `v` (shape, index and scale inputs of ops).
inline tensor vector_tensor(const std::vector<float>& v) { return make_tensor({v.size()}, v); }

/// Every |a[i] − b[i]| ≤ tol·(1 + |b[i]|); reports the first three elements that are not.
inline void require_close(const float* a, const float* b, std::size_t n, float tol, const std::string& what) {
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i)
        if (std::abs(a[i] - b[i]) > tol * (1.0f + std::abs(b[i])) && bad++ < 3)
            FAIL_CHECK(what << ": element " << i << " is " << a[i] << ", reference " << b[i]);
    CHECK_MESSAGE(bad == 0, what << ": " << bad << " elements differ");
}

/// The same for tensors, whose shapes must agree.
inline void require_close(const tensor& a, const tensor& b, float tol, const std::string& what) {
    REQUIRE_MESSAGE(a.shape() == b.shape(),
                    what << ": shape " << shape_string(a.shape()) << ", reference " << shape_string(b.shape()));
    require_close(a.data(), b.data(), a.size(), tol, what);
}

/// Scalar function of any callable; the FD core shared by op and objective checks.
/// grad: analytic gradient w.r.t. x. Perturbs x in place and restores it.
template <class LossFn>
void check_against_finite_differences(tensor& x, const tensor& grad, LossFn&& loss, const std::string& what,
                                      float eps = 1e-2f, float atol = 2e-3f, float rtol = 2e-2f,
                                      std::size_t max_checks = 400) {
    REQUIRE_MESSAGE(grad.shape() == x.shape(), what << ": gradient shape " << shape_string(grad.shape())
                                                    << " differs from input shape " << shape_string(x.shape()));
    const std::size_t n = x.size();
    const std::size_t step = n > max_checks ? n / max_checks : 1;
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; i += step) {
        const float keep = x.data()[i];
        x.data()[i] = keep + eps;
        const double up = loss();
        x.data()[i] = keep - eps;
        const double down = loss();
        x.data()[i] = keep;
        const double numeric = (up - down) / (2.0 * eps);
        const double analytic = grad.data()[i];
        if (std::abs(numeric - analytic) > atol + rtol * std::abs(numeric)) {
            if (bad++ < 5) FAIL_CHECK(what << ": element " << i << " analytic " << analytic << " numeric " << numeric);
        }
    }
    CHECK_MESSAGE(bad == 0, what << ": " << bad << " elements disagree with finite differences");
}

struct op_check {
    std::string op_type;
    nn::attribute_map attributes;
    std::vector<tensor> inputs;       ///< empty tensor (dimension 0) for an omitted optional input
    std::vector<int> differentiable;  ///< input indices whose gradient is checked
    std::vector<int> constant = {};   ///< input indices passed to the factory as constants
    std::uint64_t seed = 1234;
    float eps = 1e-2f, atol = 2e-3f, rtol = 2e-2f;
};

/// Runs forward once and returns the outputs (for value checks in tests).
inline std::vector<tensor> run_op(const std::string& op_type, const nn::attribute_map& attributes,
                                  const std::vector<tensor>& inputs, const std::vector<int>& constant = {},
                                  std::size_t n_outputs = 1) {
    std::vector<const tensor*> constants(inputs.size(), nullptr), in(inputs.size(), nullptr);
    for (int c : constant) constants[c] = &inputs[c];
    for (std::size_t i = 0; i < inputs.size(); ++i) in[i] = inputs[i].dimension() ? &inputs[i] : nullptr;
    nn::op_context ctx{"test_" + op_type, op_type, attributes, constants, inputs.size()};
    auto impl = nn::op_registry::instance().create(ctx);
    std::vector<tensor> out(n_outputs);
    std::vector<tensor*> outp;
    for (auto& o : out) outp.push_back(&o);
    nn::op_scratch scratch;
    impl->forward(nn::inputs_view(in), nn::outputs_view(outp), scratch);
    return out;
}

/// Forward, then backward with a random output gradient (seed 99), of one op: the output, then
/// the gradients of the inputs listed in `differentiable`, in that order.
inline std::vector<tensor> run_op_with_gradients(const std::string& op_type, const nn::attribute_map& attributes,
                                                 const std::vector<tensor>& inputs,
                                                 const std::vector<int>& differentiable) {
    nn::op_context ctx{"test_" + op_type, op_type, attributes, std::vector<const tensor*>(inputs.size(), nullptr),
                       inputs.size()};
    auto impl = nn::op_registry::instance().create(ctx);
    nn::op_scratch scratch;
    std::vector<const tensor*> in;
    for (const auto& t : inputs) in.push_back(&t);
    tensor y;
    tensor* yp = &y;
    impl->forward(nn::inputs_view(in), nn::outputs_view(&yp, 1), scratch);
    const tensor gy = random_tensor(shape_of(y), 99);
    std::vector<tensor> grads(inputs.size());
    std::vector<tensor*> gx(inputs.size(), nullptr);
    for (int k : differentiable) gx[k] = &grads[k];
    const tensor* gyp = &gy;
    const tensor* yc = &y;
    impl->backward(nn::inputs_view(in), nn::inputs_view(&yc, 1), nn::inputs_view(&gyp, 1), nn::outputs_view(gx),
                   scratch);
    std::vector<tensor> result{y};
    for (int k : differentiable) result.push_back(grads[k]);
    return result;
}

/// Finite-difference check of every differentiable input of one op.
inline void check_op_gradient(op_check c, std::size_t n_outputs = 1) {
    std::vector<const tensor*> constants(c.inputs.size(), nullptr);
    for (int k : c.constant) constants[k] = &c.inputs[k];
    nn::op_context ctx{"check_" + c.op_type, c.op_type, c.attributes, constants, c.inputs.size()};
    auto impl = nn::op_registry::instance().create(ctx);
    nn::op_scratch scratch;
    std::vector<tensor> out(n_outputs), weights(n_outputs);
    std::vector<tensor*> outp;
    for (auto& o : out) outp.push_back(&o);
    auto inputs_ptrs = [&] {
        std::vector<const tensor*> in(c.inputs.size(), nullptr);
        for (std::size_t i = 0; i < c.inputs.size(); ++i) in[i] = c.inputs[i].dimension() ? &c.inputs[i] : nullptr;
        return in;
    };
    auto in = inputs_ptrs();
    impl->forward(nn::inputs_view(in), nn::outputs_view(outp), scratch);
    for (std::size_t j = 0; j < n_outputs; ++j) weights[j] = random_tensor(shape_of(out[j]), c.seed + j);
    auto loss = [&]() -> double {
        impl->forward(nn::inputs_view(in), nn::outputs_view(outp), scratch);
        double l = 0;
        for (std::size_t j = 0; j < n_outputs; ++j)
            for (std::size_t e = 0; e < out[j].size(); ++e) l += double(out[j].data()[e]) * weights[j].data()[e];
        return l;
    };
    loss();
    std::vector<tensor> grads(c.inputs.size());
    std::vector<tensor*> gx(c.inputs.size(), nullptr);
    for (int k : c.differentiable) gx[k] = &grads[k];
    std::vector<const tensor*> gy, outc;
    for (std::size_t j = 0; j < n_outputs; ++j) {
        gy.push_back(&weights[j]);
        outc.push_back(&out[j]);
    }
    impl->backward(nn::inputs_view(in), nn::inputs_view(outc), nn::inputs_view(gy), nn::outputs_view(gx), scratch);
    for (int k : c.differentiable)
        check_against_finite_differences(c.inputs[k], grads[k], loss, c.op_type + " input " + std::to_string(k), c.eps,
                                         c.atol, c.rtol);
}

}  // namespace deepvis::testing
