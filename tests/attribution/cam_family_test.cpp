// LayerCAM, XGrad-CAM, HiResCAM, Eigen-CAM and EigenGrad-CAM against direct loops over the
// published formulas, from the layer's activations and a gradient obtained without deepvis'
// backward pass: after relu2 the tiny network is Flatten→Gemm, so ∂score_c/∂relu2 is the Gemm row
// W3[c, :] reshaped to (5, 4, 4); at conv2, finite differences on the tail network. Eigen-CAM's
// first component is checked against power iteration on MᵀM in double (seeds printed below).
#include <doctest/doctest.h>

#include <cmath>
#include <deepvis/attribution/eigen_cam.hpp>
#include <deepvis/attribution/gradcam.hpp>
#include <deepvis/attribution/hires_cam.hpp>
#include <deepvis/attribution/layer_cam.hpp>
#include <deepvis/attribution/xgrad_cam.hpp>
#include <vector>
#include <xtensor/xmath.hpp>

#include "attribution/tiny_net.hpp"

using namespace deepvis;
using deepvis::testing::ints;

namespace {

constexpr std::size_t relu2_channels = 5, relu2_positions = 16;  // relu2 / conv2: (N, 5, 4, 4)

// relu2's activations and ∂score_{c_i}/∂relu2 = W3[c_i, :] (the Gemm row), both (N, 5, 4, 4).
struct relu2_data {
    tensor a, g;
};

relu2_data relu2_of(const nn::network& net, const tensor& x, const ints& classes) {
    const deepvis::testing::cnn_weights weights;
    nn::network::trace t;
    net.forward(x, t);
    relu2_data d{net.activation(t, "r2"),
                 xt::zeros<float>({classes.size(), relu2_channels, std::size_t(4), std::size_t(4)})};
    for (std::size_t i = 0; i < classes.size(); ++i)
        for (std::size_t e = 0; e < relu2_channels * relu2_positions; ++e)
            d.g.data()[i * relu2_channels * relu2_positions + e] = weights.w3(classes[i], e);
    return d;
}

// One value per position from a per-(item, channel, position) formula: (N, 4, 4).
template <class F>
tensor per_position(std::size_t n, bool relu, F term) {
    tensor cam = xt::zeros<float>({n, std::size_t(4), std::size_t(4)});
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t p = 0; p < relu2_positions; ++p) {
            double s = 0;
            for (std::size_t k = 0; k < relu2_channels; ++k) s += term(i, k, p);
            cam.data()[i * relu2_positions + p] = static_cast<float>(relu ? std::max(s, 0.0) : s);
        }
    return cam;
}

double element(const tensor& t, std::size_t i, std::size_t k, std::size_t p) {
    return t.data()[(i * relu2_channels + k) * relu2_positions + p];
}

// The first right singular vector of the centred (hw × k) matrix of one item of m (N, k, h, w),
// by power iteration on MᵀM in double from a fixed start, and the projection M v1 with the sign
// that makes Σ_p proj_p Σ_c X_pc ≥ 0 (REQUIREs convergence).
std::vector<double> power_projection(const tensor& m, std::size_t item, double start_sign) {
    const std::size_t k = m.shape()[1], hw = m.shape()[2] * m.shape()[3];
    std::vector<double> c(hw * k), rows(hw, 0.0);
    for (std::size_t q = 0; q < k; ++q) {
        double mean = 0;
        for (std::size_t p = 0; p < hw; ++p) mean += m.data()[(item * k + q) * hw + p];
        mean /= double(hw);
        for (std::size_t p = 0; p < hw; ++p) {
            c[p * k + q] = m.data()[(item * k + q) * hw + p] - mean;
            rows[p] += m.data()[(item * k + q) * hw + p];
        }
    }
    std::vector<double> v(k), w(k), mv(hw);
    for (std::size_t q = 0; q < k; ++q) v[q] = start_sign * (1.0 + 0.1 * double(q));
    double change = 1.0;
    int iterations = 0;
    for (; iterations < 200000 && change > 1e-14; ++iterations) {
        for (std::size_t p = 0; p < hw; ++p) {
            mv[p] = 0;
            for (std::size_t q = 0; q < k; ++q) mv[p] += c[p * k + q] * v[q];
        }
        double norm = 0;
        for (std::size_t q = 0; q < k; ++q) {
            w[q] = 0;
            for (std::size_t p = 0; p < hw; ++p) w[q] += c[p * k + q] * mv[p];
            norm += w[q] * w[q];
        }
        norm = std::sqrt(norm);
        change = 0;
        for (std::size_t q = 0; q < k; ++q) {
            change = std::max(change, std::abs(w[q] / norm - v[q]));
            v[q] = w[q] / norm;
        }
    }
    REQUIRE_MESSAGE(change <= 1e-14, "power iteration did not converge in " << iterations << " iterations");
    std::vector<double> proj(hw, 0.0);
    double corr = 0;
    for (std::size_t p = 0; p < hw; ++p) {
        for (std::size_t q = 0; q < k; ++q) proj[p] += c[p * k + q] * v[q];
        corr += proj[p] * rows[p];
    }
    if (corr < 0)
        for (double& value : proj) value = -value;
    return proj;
}

// power_projection of every item, as (N, h, w), optionally rectified.
tensor power_projections(const tensor& m, bool relu, double start_sign = 1.0) {
    tensor out = xt::zeros<float>({m.shape()[0], m.shape()[2], m.shape()[3]});
    const std::size_t hw = m.shape()[2] * m.shape()[3];
    for (std::size_t i = 0; i < m.shape()[0]; ++i) {
        const auto proj = power_projection(m, i, start_sign);
        for (std::size_t p = 0; p < hw; ++p)
            out.data()[i * hw + p] = static_cast<float>(relu ? std::max(proj[p], 0.0) : proj[p]);
    }
    return out;
}

}  // namespace

TEST_CASE("layer_cam: ReLU(Σ_k ReLU(G_k) ⊙ A_k) at relu2 (gradient = the Gemm row) and at conv2 (finite differences)") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 301);  // seed 301
    const ints classes{2, 0};
    const auto d = relu2_of(net, x, classes);
    const auto term = [&](std::size_t i, std::size_t k, std::size_t p) {
        return std::max(element(d.g, i, k, p), 0.0) * element(d.a, i, k, p);
    };
    const tensor raw = layer_cam(net, x, classes, {.layer = "relu2", .upsample = upsample_mode::none});
    CHECK(raw.shape() == shape_type{2, 4, 4});
    CHECK(deepvis::testing::max_rel_diff(raw, per_position(2, true, term)) < 1e-5);
    CHECK(xt::amax(raw)() > 0.0f);
    const tensor up = layer_cam(net, x, classes, {.layer = "relu2"});
    CHECK(deepvis::testing::max_rel_diff(up, upsample(per_position(2, true, term), 8, 8, upsample_mode::bilinear)) <
          1e-5);

    // conv2 (pre-ReLU, signed activations), gradient by central differences on the tail network.
    nn::network::trace t;
    net.forward(x, t);
    const tensor a = net.activation(t, "c2");
    const tensor g = deepvis::testing::fd_gradient(deepvis::testing::tail(), a, classes, 1e-3f);
    const auto conv_term = [&](std::size_t i, std::size_t k, std::size_t p) {
        return std::max(element(g, i, k, p), 0.0) * element(a, i, k, p);
    };
    CHECK(deepvis::testing::max_rel_diff(
              layer_cam(net, x, classes, {.layer = "conv2", .relu = false, .upsample = upsample_mode::none}),
              per_position(2, false, conv_term)) < 2e-3);
}

TEST_CASE("hires_cam: ReLU(Σ_k G_k ⊙ A_k) at relu2 and conv2; equals Grad-CAM when G is constant over positions") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 302);  // seed 302
    const ints classes{1, 2};
    const auto d = relu2_of(net, x, classes);
    const auto term = [&](std::size_t i, std::size_t k, std::size_t p) {
        return element(d.g, i, k, p) * element(d.a, i, k, p);
    };
    CHECK(
        deepvis::testing::max_rel_diff(hires_cam(net, x, classes, {.layer = "relu2", .upsample = upsample_mode::none}),
                                       per_position(2, true, term)) < 1e-5);
    CHECK(deepvis::testing::max_rel_diff(
              hires_cam(net, x, classes, {.layer = "relu2", .relu = false, .upsample = upsample_mode::none}),
              per_position(2, false, term)) < 1e-5);

    nn::network::trace t;
    net.forward(x, t);
    const tensor a = net.activation(t, "c2");
    const tensor g = deepvis::testing::fd_gradient(deepvis::testing::tail(), a, classes, 1e-3f);
    const auto conv_term = [&](std::size_t i, std::size_t k, std::size_t p) {
        return element(g, i, k, p) * element(a, i, k, p);
    };
    CHECK(deepvis::testing::max_rel_diff(
              hires_cam(net, x, classes, {.layer = "conv2", .relu = false, .upsample = upsample_mode::none}),
              per_position(2, false, conv_term)) < 2e-3);

    // Conv → Relu → GlobalAveragePool → Flatten → Gemm: at the ReLU, G_k = W[c, k] / hw at every
    // position, so α_k = G_k and HiResCAM = XGrad-CAM (w_k = Σ G A / Σ A = G_k) = Grad-CAM.
    const deepvis::testing::cnn_weights w;
    nn::graph gap;
    gap.inputs = {{"x", {-1, 2, 8, 8}}};
    gap.initializers = {
        {"w1", w.w1}, {"b1", w.b1}, {"w3", deepvis::testing::random_tensor({3, 4}, 17, 0.5f)}, {"b3", w.b3}};
    gap.add({"conv1", "Conv", {"x", "w1", "b1"}, {"c1"}, {{"kernel_shape", ints{3, 3}}, {"pads", ints{1, 1, 1, 1}}}});
    gap.add({"relu1", "Relu", {"c1"}, {"r1"}, {}});
    gap.add({"gap", "GlobalAveragePool", {"r1"}, {"p"}, {}});
    gap.add({"flatten", "Flatten", {"p"}, {"f"}, {}});
    gap.add({"fc", "Gemm", {"f", "w3", "b3"}, {"logits"}, {{"transB", std::int64_t{1}}}});
    gap.outputs = {{"logits", {}}};
    const nn::network gap_net(std::move(gap));
    for (const bool relu : {true, false}) {
        const gradcam_options o{.layer = "relu1", .relu = relu, .upsample = upsample_mode::none};
        const tensor reference = gradcam(gap_net, x, classes, o);
        CHECK(xt::amax(xt::abs(reference))() > 0.0f);
        CHECK(deepvis::testing::max_rel_diff(hires_cam(gap_net, x, classes, o), reference) < 1e-5);
        CHECK(deepvis::testing::max_rel_diff(xgrad_cam(gap_net, x, classes, o), reference) < 1e-5);
    }
}

TEST_CASE("xgrad_cam: w_k = Σ G_k A_k / (Σ A_k + 1e-7), ReLU(Σ_k w_k A_k) at relu2") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 303);  // seed 303
    const ints classes{0, 1};
    const auto d = relu2_of(net, x, classes);
    std::vector<std::vector<double>> w(2, std::vector<double>(relu2_channels, 0.0));
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t k = 0; k < relu2_channels; ++k) {
            double num = 0, den = 0;
            for (std::size_t p = 0; p < relu2_positions; ++p) {
                num += element(d.g, i, k, p) * element(d.a, i, k, p);
                den += element(d.a, i, k, p);
            }
            w[i][k] = num / (den + 1e-7);
        }
    const auto term = [&](std::size_t i, std::size_t k, std::size_t p) { return w[i][k] * element(d.a, i, k, p); };
    const tensor raw = xgrad_cam(net, x, classes, {.layer = "relu2", .upsample = upsample_mode::none});
    CHECK(deepvis::testing::max_rel_diff(raw, per_position(2, true, term)) < 1e-5);
    CHECK(xt::amax(raw)() > 0.0f);
    CHECK(deepvis::testing::max_rel_diff(
              xgrad_cam(net, x, classes, {.layer = "relu2", .relu = false, .upsample = upsample_mode::none}),
              per_position(2, false, term)) < 1e-5);
}

TEST_CASE("eigen_cam: principal_projection matches power iteration on MᵀM, both Gram sides, and its sign rule") {
    // k ≤ hw (MᵀM, k × k) and k > hw (M Mᵀ, hw × hw); seeds 311, 312.
    for (const auto& [shape, seed] : {std::pair<shape_type, std::uint64_t>{{2, 3, 4, 5}, 311}, {{2, 9, 2, 3}, 312}}) {
        CAPTURE(seed);
        const tensor m = deepvis::testing::random_tensor(shape, seed);
        const tensor signed_projection = detail::principal_projection(m, false);
        CHECK(deepvis::testing::max_rel_diff(signed_projection, power_projections(m, false)) < 1e-5);
        // The power iteration's own sign does not matter: from −start it gives the same map.
        CHECK(deepvis::testing::max_rel_diff(signed_projection, power_projections(m, false, -1.0)) < 1e-5);
        CHECK(deepvis::testing::max_rel_diff(detail::principal_projection(m, true), power_projections(m, true)) < 1e-5);
        // The sign rule is anchored to the data, not to the solver: negating m negates the signed
        // projection (an SVD-sign convention would not), and reordering the channels changes nothing.
        const tensor negated = -m;
        CHECK(deepvis::testing::max_rel_diff(detail::principal_projection(negated, false), -signed_projection) < 1e-5);
        tensor reversed = m;
        const std::size_t k = shape[1], hw = shape[2] * shape[3];
        for (std::size_t i = 0; i < shape[0]; ++i)
            for (std::size_t c = 0; c < k; ++c)
                for (std::size_t p = 0; p < hw; ++p)
                    reversed.data()[(i * k + c) * hw + p] = m.data()[(i * k + (k - 1 - c)) * hw + p];
        CHECK(deepvis::testing::max_rel_diff(detail::principal_projection(reversed, false), signed_projection) < 1e-5);
        // Σ_p proj_p Σ_c X_pc ≥ 0, checked directly.
        for (std::size_t i = 0; i < shape[0]; ++i) {
            double corr = 0;
            for (std::size_t p = 0; p < hw; ++p) {
                double rows = 0;
                for (std::size_t c = 0; c < k; ++c) rows += m.data()[(i * k + c) * hw + p];
                corr += signed_projection.data()[i * hw + p] * rows;
            }
            CHECK(corr > 0.0);
        }
    }
    // M = 0 (every channel constant over positions): no component, the map is 0.
    tensor flat = xt::ones<float>({1, 3, 2, 2});
    CHECK(xt::amax(xt::abs(detail::principal_projection(flat, false)))() == 0.0f);
}

TEST_CASE("eigen_cam and eigen_grad_cam: the first principal component of A and of G ⊙ A at relu2") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({2, 2, 8, 8}, 304);  // seed 304
    const ints classes{2, 1};
    const auto d = relu2_of(net, x, classes);
    const tensor eigen = eigen_cam(net, x, classes, {.layer = "relu2", .upsample = upsample_mode::none});
    CHECK(eigen.shape() == shape_type{2, 4, 4});
    CHECK(deepvis::testing::max_rel_diff(eigen, power_projections(d.a, true)) < 1e-4);
    CHECK(xt::amax(eigen)() > 0.0f);
    // Class-agnostic.
    CHECK(deepvis::testing::max_rel_diff(
              eigen_cam(net, x, ints{0, 0}, {.layer = "relu2", .upsample = upsample_mode::none}), eigen) == 0.0);
    CHECK(deepvis::testing::max_rel_diff(
              eigen_cam(net, x, classes, {.layer = "relu2", .relu = false, .upsample = upsample_mode::none}),
              power_projections(d.a, false)) < 1e-4);

    tensor ga = d.a;
    for (std::size_t e = 0; e < ga.size(); ++e) ga.data()[e] *= d.g.data()[e];
    const tensor eigen_grad = eigen_grad_cam(net, x, classes, {.layer = "relu2", .upsample = upsample_mode::none});
    CHECK(deepvis::testing::max_rel_diff(eigen_grad, power_projections(ga, true)) < 1e-4);
    CHECK(deepvis::testing::max_rel_diff(
              eigen_grad_cam(net, x, classes, {.layer = "relu2", .relu = false, .upsample = upsample_mode::none}),
              power_projections(ga, false)) < 1e-4);
    const tensor up = eigen_grad_cam(net, x, classes, {.layer = "relu2"});
    CHECK(up.shape() == shape_type{2, 8, 8});
    CHECK(deepvis::testing::max_rel_diff(up, upsample(power_projections(ga, true), 8, 8, upsample_mode::bilinear)) <
          1e-4);
}

TEST_CASE("cam family: a layer that is not 4-D is a config_error naming the method") {
    const auto net = deepvis::testing::cnn();
    const tensor x = deepvis::testing::random_tensor({1, 2, 8, 8}, 305);
    CHECK_THROWS_WITH_AS(layer_cam(net, x, {0}, {.layer = "fc"}), doctest::Contains("layer_cam"), config_error);
    CHECK_THROWS_WITH_AS(xgrad_cam(net, x, {0}, {.layer = "fc"}), doctest::Contains("xgrad_cam"), config_error);
    CHECK_THROWS_WITH_AS(hires_cam(net, x, {0}, {.layer = "fc"}), doctest::Contains("hires_cam"), config_error);
    CHECK_THROWS_WITH_AS(eigen_cam(net, x, {0}, {.layer = "fc"}), doctest::Contains("eigen_cam"), config_error);
    CHECK_THROWS_WITH_AS(eigen_grad_cam(net, x, {0}, {.layer = "fc"}), doctest::Contains("eigen_grad_cam"),
                         config_error);
    CHECK_THROWS_AS(layer_cam(net, x, {7}), std::exception);  // class out of range
}
