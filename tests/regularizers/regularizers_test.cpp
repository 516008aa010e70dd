// The implicit regularisers' image transforms against their definitions, written out directly:
// roll_planes (jitter) and gaussian_blur_planes (periodic_blur).
#include <doctest/doctest.h>

#include <cmath>
#include <deepvis/regularizers/blur.hpp>
#include <deepvis/regularizers/jitter.hpp>

#include "support/gradient_check.hpp"

using namespace deepvis;
using deepvis::testing::random_tensor;

TEST_CASE("roll_planes: out[i, j] = in[(i - dy) mod H, (j - dx) mod W] for every plane") {
    const tensor x = random_tensor({2, 3, 5, 7}, 90);
    std::vector<float> scratch;
    for (auto [dy, dx] : {std::pair{0, 0}, {1, 0}, {0, 3}, {2, 6}, {-1, -2}, {5, 7}, {7, 16}}) {
        tensor y = x;
        roll_planes(y, dy, dx, scratch);
        for (std::size_t p = 0; p < 6; ++p)
            for (std::ptrdiff_t i = 0; i < 5; ++i)
                for (std::ptrdiff_t j = 0; j < 7; ++j) {
                    const std::ptrdiff_t si = ((i - dy) % 5 + 5) % 5, sj = ((j - dx) % 7 + 7) % 7;
                    REQUIRE(y.data()[p * 35 + i * 7 + j] == x.data()[p * 35 + si * 7 + sj]);
                }
        roll_planes(y, -dy, -dx);  // the jitter's undo
        CHECK(y == x);
    }
}

TEST_CASE("gaussian_blur_planes: separable Gaussian, radius floor(4 sigma + 0.5), mirrored borders") {
    for (double sigma : {0.5, 1.0, 3.0}) {  // sigma 3 has radius 12 > the 5-pixel height: reflects twice
        const tensor x = random_tensor({1, 2, 5, 9}, 91);
        tensor y = x;
        gaussian_blur_planes(y, sigma);
        const auto r = static_cast<std::ptrdiff_t>(4.0 * sigma + 0.5);
        auto reflect = [](std::ptrdiff_t i, std::ptrdiff_t n) {  // d c b a | a b c d | d c b a
            while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - i - 1;
            return i;
        };
        double total = 0;
        for (std::ptrdiff_t t = -r; t <= r; ++t) total += std::exp(-0.5 * double(t * t) / (sigma * sigma));
        auto k = [&](std::ptrdiff_t t) { return std::exp(-0.5 * double(t * t) / (sigma * sigma)) / total; };
        for (std::size_t p = 0; p < 2; ++p)
            for (std::ptrdiff_t i = 0; i < 5; ++i)
                for (std::ptrdiff_t j = 0; j < 9; ++j) {
                    double s = 0;
                    for (std::ptrdiff_t a = -r; a <= r; ++a)
                        for (std::ptrdiff_t b = -r; b <= r; ++b)
                            s += k(a) * k(b) * x.data()[p * 45 + reflect(i + a, 5) * 9 + reflect(j + b, 9)];
                    REQUIRE(y.data()[p * 45 + i * 9 + j] == doctest::Approx(s).epsilon(1e-5));
                }
    }
}
