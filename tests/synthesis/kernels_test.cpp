// The fast Gram and total-variation kernels held to their scalar references (core/kernels).
#include <doctest/doctest.h>

#include <deepvis/core/kernels/gram.hpp>
#include <deepvis/core/kernels/gram_reference.hpp>
#include <deepvis/core/kernels/total_variation.hpp>
#include <deepvis/core/kernels/total_variation_reference.hpp>

#include "support/gradient_check.hpp"
#include "support/tiny_net.hpp"

using namespace deepvis;
using deepvis::testing::random_tensor;
using deepvis::testing::relative_error;

TEST_CASE("gram: ssyrk kernel matches the scalar reference, batches N >= 1") {
    for (auto [n, c, hw] : {std::tuple{1, 1, 1}, {1, 3, 17}, {2, 5, 37}, {3, 16, 64}, {1, 33, 200}}) {
        const tensor f = random_tensor({std::size_t(n), std::size_t(c), std::size_t(hw)}, 7 + c);
        tensor g(shape_type{std::size_t(n), std::size_t(c), std::size_t(c)}), r = g;
        kernels::gram(f.data(), n, c, hw, g.data(), 0.25f);
        kernels::reference::gram(f.data(), n, c, hw, r.data(), 0.25f);
        CHECK(relative_error(g, r) < 1e-5);
        for (int b = 0; b < n; ++b)  // exactly symmetric
            for (int i = 0; i < c; ++i)
                for (int j = 0; j < c; ++j) CHECK(g(b, i, j) == g(b, j, i));
    }
}

TEST_CASE("gram_backward: sgemm kernel matches the scalar reference, symmetric or not") {
    for (auto [n, c, hw] : {std::tuple{1, 1, 1}, {2, 5, 37}, {3, 16, 64}}) {
        const tensor f = random_tensor({std::size_t(n), std::size_t(c), std::size_t(hw)}, 70 + c);
        tensor dg = random_tensor({std::size_t(n), std::size_t(c), std::size_t(c)}, 80 + c);
        tensor df(f.shape()), r(f.shape());
        kernels::gram_backward(f.data(), dg.data(), n, c, hw, df.data(), 0.5f, false);
        kernels::reference::gram_backward(f.data(), dg.data(), n, c, hw, r.data(), 0.5f);
        CHECK(relative_error(df, r) < 1e-5);
        tensor sym = dg + xt::transpose(dg, {0, 2, 1});
        kernels::gram_backward(f.data(), sym.data(), n, c, hw, df.data(), 0.5f, true);
        kernels::reference::gram_backward(f.data(), sym.data(), n, c, hw, r.data(), 0.5f);
        CHECK(relative_error(df, r) < 1e-5);
    }
}

TEST_CASE("total_variation: one-pass xsimd kernel matches the scalar reference on every shape") {
    for (auto [p, h, w] : {std::tuple{1, 1, 1}, {1, 1, 9}, {1, 9, 1}, {2, 2, 2}, {3, 7, 19}, {2, 5, 33}, {6, 16, 17}}) {
        const tensor x = random_tensor({std::size_t(p), std::size_t(h), std::size_t(w)}, 100 + w);
        tensor g(x.shape()), r(x.shape());
        const double l = kernels::total_variation(x.data(), p, h, w, g.data(), 0.7f);
        const double lr = kernels::reference::total_variation(x.data(), p, h, w, r.data(), 0.7f);
        CHECK(l == doctest::Approx(lr).epsilon(1e-5));
        CHECK(relative_error(g, r) < 1e-5);
        // accumulate = true adds to what is there
        tensor acc = random_tensor(shape_of(x), 5), base = acc;
        kernels::total_variation(x.data(), p, h, w, acc.data(), 0.7f, true);
        CHECK(relative_error(acc - base, r) < 1e-5);
    }
}
