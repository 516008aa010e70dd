// solve(): optimisers, regularisers and the callback on a small network; NaN handling.
#include <doctest/doctest.h>

#include <deepvis/objectives.hpp>
#include <deepvis/regularizers.hpp>
#include <deepvis/solvers.hpp>

#include "support/gradient_check.hpp"
#include "support/tiny_net.hpp"

using namespace deepvis;
using deepvis::testing::random_tensor;

namespace {
double score(const nn::network& net, const tensor& x, std::size_t c) {
    nn::network::trace t;
    net.forward(x, t);
    return net.scores(t)(0, c);
}

// An objective whose value turns NaN once the image has moved far enough.
struct nan_after {
    std::size_t steps_ok;
    std::shared_ptr<std::size_t> calls = std::make_shared<std::size_t>(0);
    std::string tap() const { return input_tap; }
    double loss_and_gradient(const tensor& x, tensor& g) const {
        ensure_shape(g, x.shape());
        std::fill(g.begin(), g.end(), 1.0f);
        return (*calls)++ < steps_ok ? 1.0 : std::nan("");
    }
};
}  // namespace

TEST_CASE("solve: every optimiser raises the class score of a small network") {
    const nn::network net = testing::synthesis_net();
    const tensor x0 = random_tensor({1, 3, 8, 8}, 60, 0.1f);
    const double before = score(net, x0, 3);
    auto objective = maximize(class_score{.class_index = 3});
    auto run = [&](auto optimizer, const char* name) {
        tensor x = x0;
        const auto r = solve(problem{net, objective, l2{.weight = 1e-3}}, optimizer, x, {.iterations = 30});
        INFO(name << ": " << r.message);
        CHECK(r.status == solve_status::completed);
        CHECK(r.iterations == 30);
        CHECK(score(net, x, 3) > before + 1.0);
    };
    run(gradient_descent{.step_size = 0.5, .normalize = true}, "normalised gradient ascent");
    run(gradient_descent{.step_size = 0.05, .momentum = 0.9}, "momentum");
    run(adam{.step_size = 0.05}, "adam");
    run(lbfgs{.step_size = 0.5, .history = 10}, "lbfgs");
}

TEST_CASE("solve: implicit regularisers keep the image in range and the run is reproducible") {
    const nn::network net = testing::synthesis_net();
    auto objective = maximize(channel_mean{.layer = "relu2", .channel = 1});
    auto run = [&](std::uint64_t seed) {
        tensor x = random_tensor({2, 3, 8, 8}, 61, 0.1f);
        std::vector<double> values;
        const problem p{net,
                        objective,
                        l2{.weight = 1e-3},
                        periodic_blur{.sigma = 0.5, .every = 3},
                        clamp_pixels{.low = {-0.5f}, .high = {0.5f}},
                        jitter{.pixels = 2},
                        random_transform{.max_degrees = 15}};
        const auto r = solve(p, gradient_descent{.step_size = 0.3, .normalize = true}, x,
                             {.iterations = 20, .seed = seed}, [&](const step_report& s) {
                                 values.push_back(s.value);
                                 return false;
                             });
        CHECK(r.ok());
        CHECK(values.size() == 20);
        return std::pair{x, values};
    };
    const auto [a, va] = run(5);
    const auto [b, vb] = run(5);
    const auto [c, vc] = run(6);
    CHECK(va == vb);
    CHECK(a == b);
    CHECK(a != c);
    CHECK(xt::amax(a)() <= 0.5f);
    CHECK(xt::amin(a)() >= -0.5f);
    CHECK(va.back() < va.front());
}

TEST_CASE("solve: the callback sees every step and can stop the run") {
    const nn::network net = testing::synthesis_net();
    tensor x = random_tensor({1, 3, 8, 8}, 62, 0.1f);
    std::vector<std::size_t> seen;
    const auto r = solve(problem{net, maximize(class_score{.class_index = 1})}, adam{.step_size = 0.01}, x,
                         {.iterations = 50}, [&](const step_report& s) {
                             seen.push_back(s.step);
                             CHECK(s.gradient_norm > 0.0);
                             CHECK(s.image.shape() == x.shape());
                             return s.step == 6;
                         });
    CHECK(r.status == solve_status::stopped);
    CHECK(r.iterations == 7);
    CHECK(seen == std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6});
    std::size_t calls = 0;
    tensor y = x;
    solve(problem{net, l2{}}, gradient_descent{}, y, {.iterations = 25},
          every(10, [&](const step_report&) { ++calls; }));
    CHECK(calls == 4);  // steps 0, 10, 20 and the last
}

TEST_CASE("solve: a NaN objective stops the run with a diverged status, not an exception") {
    const nn::network net = testing::synthesis_net();
    tensor x = random_tensor({1, 3, 8, 8}, 63);
    const tensor keep_shape = x;
    solve_report r;
    CHECK_NOTHROW(
        r = solve(problem{net, nan_after{.steps_ok = 4}}, gradient_descent{.step_size = 0.1}, x, {.iterations = 10}));
    CHECK(r.status == solve_status::diverged);
    CHECK(!r.ok());
    CHECK(r.iterations == 4);
    CHECK(r.message.find("NaN at step 4") != std::string::npos);
    CHECK(std::isfinite(xt::sum(x)()));
}

TEST_CASE("solve: L-BFGS minimises a quadratic like torch.optim.LBFGS without line search") {
    // L = Σ (x − 3)² through a model-free objective (tap = input): L-BFGS reaches the minimum.
    const nn::network net = testing::synthesis_net();
    tensor x = random_tensor({1, 3, 8, 8}, 64);
    const auto r = solve(problem{net, content_loss{.layer = input_tap, .target = xt::ones<float>(x.shape()) * 3.0f}},
                         lbfgs{}, x, {.iterations = 20, .gradient_tolerance = 1e-5});
    CHECK(r.status == solve_status::converged);
    CHECK(xt::amax(xt::abs(x - 3.0f))() < 1e-4f);
}

TEST_CASE("lbfgs: converges on a box-clamped quadratic; curvature pairs use the observed displacement") {
    // f(x) = ½ Σ a_e (x_e − b_e)², half the minimisers outside [−1, 1]; x is clamped after every
    // step as clamp_pixels does. The minimiser over the box is clamp(b). History 3 over 60 steps
    // also exercises the recycling of the oldest pair's buffers.
    const std::size_t n = 16;
    tensor a(shape_type{n}), b(shape_type{n}), x = xt::zeros<float>({n}), g(shape_type{n});
    for (std::size_t e = 0; e < n; ++e) {
        a(e) = 0.5f + 0.25f * float(e % 5);
        b(e) = (e % 2 ? 3.0f : 0.4f) * (e % 3 ? 1.0f : -1.0f);
    }
    lbfgs opt{.step_size = 1.0, .history = 3};
    for (std::size_t k = 0; k < 60; ++k) {
        for (std::size_t e = 0; e < n; ++e) g(e) = a(e) * (x(e) - b(e));
        step_one(opt, x, g, k);
        for (auto& v : x) v = std::clamp(v, -1.0f, 1.0f);
    }
    for (std::size_t e = 0; e < n; ++e) CHECK(x(e) == doctest::Approx(std::clamp(b(e), -1.0f, 1.0f)).epsilon(1e-4));
}
