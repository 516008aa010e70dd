#include <doctest/doctest.h>

#include <cmath>
#include <deepvis/core/scores.hpp>
#include <vector>

// core/scores.hpp against hand-computed values: softmax of {0, ln 2, ln 3} is {1/6, 2/6, 3/6}.
TEST_CASE("scores: softmax, softmax_at and log_sum_exp agree with hand-computed values") {
    const float s[] = {0.0f, std::log(2.0f), std::log(3.0f)};
    double p[3];
    deepvis::softmax(s, 3, p);
    for (std::size_t j = 0; j < 3; ++j) {
        CHECK(p[j] == doctest::Approx(double(j + 1) / 6.0).epsilon(1e-6));
        CHECK(deepvis::softmax_at(s, 3, j) == p[j]);
    }
    CHECK(deepvis::log_sum_exp(s, 3) == doctest::Approx(std::log(6.0)).epsilon(1e-6));
    const float big[] = {1000.0f, 1000.0f};  // shifted by the maximum: no overflow
    CHECK(deepvis::log_sum_exp(big, 2) == doctest::Approx(1000.0 + std::log(2.0)));
    CHECK(deepvis::softmax_at(big, 2, 1) == doctest::Approx(0.5));
}

TEST_CASE("scores: top_k is largest first, equal values in index order, k capped") {
    const float v[] = {0.5f, 2.0f, 0.5f, 2.0f, -1.0f};
    CHECK(deepvis::top_k(v, 5, 3) == std::vector<std::size_t>{1, 3, 0});
    CHECK(deepvis::top_k(v, 5, 9) == std::vector<std::size_t>{1, 3, 0, 2, 4});
    const std::vector<double> d = {0.1, 0.7, 0.2};
    CHECK(deepvis::top_k(d.data(), d.size(), 1) == std::vector<std::size_t>{1});
}

TEST_CASE("scores: check_class accepts [0, K) and names the item otherwise") {
    CHECK(deepvis::check_class(2, 3, "who", 0) == 2);
    CHECK_THROWS_WITH_AS(deepvis::check_class(3, 3, "who", 1), "who: class 3 for batch item 1 is out of range [0, 3)",
                         deepvis::config_error);
    CHECK_THROWS_AS(deepvis::check_class(-1, 3, "who", 0), deepvis::config_error);
}
