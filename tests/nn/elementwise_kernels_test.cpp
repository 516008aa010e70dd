// Each fast kernel in core/kernels/elementwise.hpp held to its scalar twin in
// elementwise_reference.hpp, on lengths that exercise the vector body and the scalar tail.
#include <doctest/doctest.h>

#include <cmath>
#include <deepvis/core/kernels/elementwise.hpp>
#include <deepvis/core/kernels/elementwise_reference.hpp>
#include <vector>

#include "support/gradient_check.hpp"

using namespace deepvis;
namespace ref = deepvis::kernels::reference;

namespace {
constexpr std::size_t lengths[] = {0, 1, 3, 7, 8, 9, 16, 17, 31, 64, 100};

std::vector<float> random_vector(std::size_t n, std::uint64_t seed, float scale = 2.0f) {
    const tensor t = testing::random_tensor({n + 1}, seed, scale);
    return std::vector<float>(t.begin(), t.begin() + n);
}

void check_close(const std::vector<float>& fast, const std::vector<float>& slow, const char* what, float rtol = 1e-6f,
                 float atol = 1e-6f) {
    REQUIRE(fast.size() == slow.size());
    for (std::size_t i = 0; i < fast.size(); ++i)
        CHECK_MESSAGE(std::abs(fast[i] - slow[i]) <= atol + rtol * std::abs(slow[i]),
                      what << " element " << i << ": fast " << fast[i] << " reference " << slow[i]);
}
}  // namespace

TEST_CASE("elementwise kernels: unary kernels match their scalar references") {
    INFO("seeds 11, 12");
    for (std::size_t n : lengths) {
        const auto x = random_vector(n, 11), g = random_vector(n, 12);
        std::vector<float> a(n), b(n);
        kernels::relu(x.data(), a.data(), n), ref::relu(x.data(), b.data(), n);
        check_close(a, b, "relu");
        kernels::relu_backward(x.data(), g.data(), a.data(), n), ref::relu_backward(x.data(), g.data(), b.data(), n);
        check_close(a, b, "relu_backward");
        kernels::scale(x.data(), a.data(), n, -1.5f), ref::scale(x.data(), b.data(), n, -1.5f);
        check_close(a, b, "scale");
        kernels::add_scalar(x.data(), a.data(), n, 0.25f), ref::add_scalar(x.data(), b.data(), n, 0.25f);
        check_close(a, b, "add_scalar");
        a = g, b = g;
        kernels::add_inplace(a.data(), x.data(), n), ref::add_inplace(b.data(), x.data(), n);
        check_close(a, b, "add_inplace");
        kernels::leaky_relu(x.data(), a.data(), n, 0.2f), ref::leaky_relu(x.data(), b.data(), n, 0.2f);
        check_close(a, b, "leaky_relu");
        kernels::leaky_relu_backward(x.data(), g.data(), a.data(), n, 0.2f);
        ref::leaky_relu_backward(x.data(), g.data(), b.data(), n, 0.2f);
        check_close(a, b, "leaky_relu_backward");
        kernels::sigmoid(x.data(), a.data(), n), ref::sigmoid(x.data(), b.data(), n);
        check_close(a, b, "sigmoid", 1e-5f);
        kernels::sigmoid_backward(x.data(), g.data(), a.data(), n),
            ref::sigmoid_backward(x.data(), g.data(), b.data(), n);
        check_close(a, b, "sigmoid_backward");
        kernels::tanh(x.data(), a.data(), n), ref::tanh(x.data(), b.data(), n);
        check_close(a, b, "tanh", 1e-5f);
        kernels::tanh_backward(x.data(), g.data(), a.data(), n), ref::tanh_backward(x.data(), g.data(), b.data(), n);
        check_close(a, b, "tanh_backward");
        kernels::clip(x.data(), a.data(), n, -0.5f, 1.0f), ref::clip(x.data(), b.data(), n, -0.5f, 1.0f);
        check_close(a, b, "clip");
        kernels::clip_backward(x.data(), g.data(), a.data(), n, -0.5f, 1.0f);
        ref::clip_backward(x.data(), g.data(), b.data(), n, -0.5f, 1.0f);
        check_close(a, b, "clip_backward");
        kernels::softmax_backward_row(x.data(), g.data(), a.data(), n, 0.3f);
        ref::softmax_backward_row(x.data(), g.data(), b.data(), n, 0.3f);
        check_close(a, b, "softmax_backward_row");
        kernels::log_softmax_backward_row(x.data(), g.data(), a.data(), n, 0.3f);
        ref::log_softmax_backward_row(x.data(), g.data(), b.data(), n, 0.3f);
        check_close(a, b, "log_softmax_backward_row", 1e-5f, 1e-5f);
        const float sa = kernels::exp_shifted(x.data(), a.data(), n, 0.5f);
        const float sb = ref::exp_shifted(x.data(), b.data(), n, 0.5f);
        check_close(a, b, "exp_shifted", 1e-5f);
        check_close({sa}, {sb}, "exp_shifted sum", 1e-5f);
        check_close({kernels::sum(x.data(), n)}, {ref::sum(x.data(), n)}, "sum", 1e-5f, 1e-5f);
        check_close({kernels::dot(x.data(), g.data(), n)}, {ref::dot(x.data(), g.data(), n)}, "dot", 1e-5f, 1e-5f);
        if (n > 0) check_close({kernels::max_value(x.data(), n)}, {ref::max_value(x.data(), n)}, "max_value");
    }
}

namespace {
template <class Fn, class Grad>
void check_binary(Fn fn, Grad grad, const char* what) {
    for (std::size_t n : lengths) {
        auto x = random_vector(n + 1, 21), z = random_vector(n + 1, 22), g = random_vector(n + 1, 23);
        for (auto& v : z) v = v > 0 ? v + 0.5f : v - 0.5f;  // keep divisors away from zero
        for (std::size_t sa : {0, 1})
            for (std::size_t sb : {0, 1}) {
                std::vector<float> a(n), b(n);
                kernels::binary(x.data(), sa, z.data(), sb, a.data(), n, fn);
                ref::binary(x.data(), sa, z.data(), sb, b.data(), n, fn);
                check_close(a, b, what);
                for (std::size_t sg : {0, 1}) {
                    std::vector<float> ga(n + 1, 0.5f), gb(n + 1, 0.5f);
                    kernels::accumulate_gradient(g.data(), x.data(), sa, z.data(), sb, ga.data(), sg, n, grad);
                    ref::accumulate_gradient(g.data(), x.data(), sa, z.data(), sb, gb.data(), sg, n, grad);
                    check_close(ga, gb, what, 1e-5f, 1e-5f);
                }
            }
    }
}
}  // namespace

TEST_CASE("elementwise kernels: broadcasting binary kernels and their gradients match the references") {
    INFO("seeds 21, 22, 23");
    check_binary(kernels::add_fn{}, kernels::grad_pass_fn{}, "add");
    check_binary(kernels::sub_fn{}, kernels::grad_negate_fn{}, "sub");
    check_binary(kernels::mul_fn{}, kernels::grad_mul_a_fn{}, "mul (a)");
    check_binary(kernels::mul_fn{}, kernels::grad_mul_b_fn{}, "mul (b)");
    check_binary(kernels::div_fn{}, kernels::grad_div_a_fn{}, "div (a)");
    check_binary(kernels::div_fn{}, kernels::grad_div_b_fn{}, "div (b)");
}
