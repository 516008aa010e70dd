// The optimisers, on sets of tensors as train::fit uses them and on one image as solve() does:
// steps against the update formulas of torch.optim (Adam, SGD with momentum, Nesterov and
// weight decay), written out here, and L-BFGS on a set of two tensors against the same set
// concatenated into one.
#include <doctest/doctest.h>

#include <cmath>
#include <deepvis/solvers/adam.hpp>
#include <deepvis/solvers/gradient_descent.hpp>
#include <deepvis/solvers/lbfgs.hpp>
#include <deepvis/solvers/optimizer.hpp>
#include <span>
#include <vector>

using namespace deepvis;

static_assert(Optimizer<optimizer_archetype> && Optimizer<adam> && Optimizer<gradient_descent> && Optimizer<lbfgs>);

namespace {
template <Optimizer O>
void step_set(O& o, std::vector<tensor*> x, std::vector<const tensor*> g, std::size_t k) {
    o.step(std::span<tensor* const>(x), std::span<const tensor* const>(g), k);
}
}  // namespace

TEST_CASE("adam: two steps on two tensors match Kingma & Ba's update with bias correction") {
    tensor p = {1.0f, -2.0f}, q = {0.5f};
    tensor g1 = {0.5f, -1.0f}, g2 = {0.1f, 0.3f}, h1 = {2.0f}, h2 = {-1.0f};
    adam opt{.step_size = 0.1};
    step_set(opt, {&p, &q}, {&g1, &h1}, 0);
    // First step: m̂ = g, v̂ = g², so θ moves by lr·g/(|g| + ε) = lr·sign(g).
    CHECK(p(0) == doctest::Approx(0.9).epsilon(1e-6));
    CHECK(p(1) == doctest::Approx(-1.9).epsilon(1e-6));
    CHECK(q(0) == doctest::Approx(0.4).epsilon(1e-6));
    step_set(opt, {&p, &q}, {&g2, &h2}, 1);
    auto second = [](double start, double a, double b) {
        const double m = 0.9 * (0.1 * a) + 0.1 * b, v = 0.999 * (0.001 * a * a) + 0.001 * b * b;
        const double mh = m / (1 - 0.81), vh = v / (1 - 0.999 * 0.999);
        return start - 0.1 * mh / (std::sqrt(vh) + 1e-8);
    };
    CHECK(p(0) == doctest::Approx(second(0.9, 0.5, 0.1)).epsilon(1e-5));
    CHECK(p(1) == doctest::Approx(second(-1.9, -1.0, 0.3)).epsilon(1e-5));
    CHECK(q(0) == doctest::Approx(second(0.4, 2.0, -1.0)).epsilon(1e-5));
}

TEST_CASE("adam: weight decay adds λθ to the gradient; reset() starts a new run") {
    tensor p = {2.0f}, g = {0.0f};
    adam opt{.step_size = 0.1, .weight_decay = 0.5};
    step_one(opt, p, g, 0);  // g + λθ = 1 > 0: the first step is −lr·sign
    CHECK(p(0) == doctest::Approx(1.9).epsilon(1e-6));
    opt.reset();
    CHECK(opt.state.t == 0);
    CHECK(opt.state.m.empty());
}

TEST_CASE("gradient_descent: the momentum buffer starts at the gradient, then b = μb + g (torch.optim.SGD)") {
    tensor p = {1.0f};
    tensor g = {2.0f};
    gradient_descent opt{.step_size = 0.1, .momentum = 0.9};
    step_one(opt, p, g, 0);
    CHECK(p(0) == doctest::Approx(0.8));
    step_one(opt, p, g, 1);  // b = 0.9·2 + 2 = 3.8
    CHECK(p(0) == doctest::Approx(0.8 - 0.38));
}

TEST_CASE("gradient_descent: Nesterov steps by g + μb; weight decay adds λθ") {
    tensor p = {1.0f}, g = {2.0f};
    gradient_descent opt{.step_size = 0.1, .momentum = 0.9, .nesterov = true, .weight_decay = 0.5};
    step_one(opt, p, g, 0);  // d = 2 + 0.5·1 = 2.5, b = 2.5, step 2.5 + 0.9·2.5 = 4.75
    CHECK(p(0) == doctest::Approx(1.0 - 0.475));
    const double d = 2.0 + 0.5 * (1.0 - 0.475), b = 0.9 * 2.5 + d;
    step_one(opt, p, g, 1);
    CHECK(p(0) == doctest::Approx(1.0 - 0.475 - 0.1 * (d + 0.9 * b)));
}

TEST_CASE("gradient_descent: normalize scales each image of a batch to a unit step") {
    tensor x = xt::zeros<float>({2, 2}), g = {{3.0f, 4.0f}, {0.0f, 2.0f}};
    gradient_descent opt{.step_size = 1.0, .normalize = true};
    step_one(opt, x, g, 0);
    CHECK(x(0, 0) == doctest::Approx(-0.6));
    CHECK(x(0, 1) == doctest::Approx(-0.8));
    CHECK(x(1, 1) == doctest::Approx(-1.0));
}

TEST_CASE("lbfgs: a set of two tensors takes the steps of the same values as one tensor") {
    // f(x) = ½ Σ a_e (x_e − b_e)²; the set {x[0:5], x[5:12]} must follow the single tensor exactly.
    const std::size_t n = 12, split = 5;
    tensor a(shape_type{n}), b(shape_type{n});
    for (std::size_t e = 0; e < n; ++e) a(e) = 0.5f + 0.25f * float(e % 5), b(e) = float(e % 3) - 1.0f;
    tensor whole = xt::zeros<float>({n}), gw(shape_type{n});
    tensor left = xt::zeros<float>({split}), right = xt::zeros<float>({n - split});
    tensor gl(shape_type{split}), gr(shape_type{n - split});
    lbfgs one{.history = 3}, set{.history = 3};
    for (std::size_t k = 0; k < 8; ++k) {
        for (std::size_t e = 0; e < n; ++e) {
            gw(e) = a(e) * (whole(e) - b(e));
            const float v = e < split ? left(e) : right(e - split);
            (e < split ? gl(e) : gr(e - split)) = a(e) * (v - b(e));
        }
        step_one(one, whole, gw, k);
        step_set(set, {&left, &right}, {&gl, &gr}, k);
    }
    for (std::size_t e = 0; e < n; ++e) CHECK((e < split ? left(e) : right(e - split)) == whole(e));
    CHECK(whole(0) == doctest::Approx(b(0)).epsilon(1e-3));
}

TEST_CASE("optimisers: a gradient set that does not match the tensors is a clear error") {
    tensor p = {1.0f, 2.0f}, g = {1.0f};
    adam opt;
    CHECK_THROWS_WITH_AS(step_one(opt, p, g, 0), doctest::Contains("adam: tensor 0 has 2 elements, its gradient 1"),
                         shape_error);
}
