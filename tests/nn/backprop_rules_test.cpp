#include <doctest/doctest.h>

#include <deepvis/backprop/rule.hpp>
#include <deepvis/nn/network.hpp>

using namespace deepvis;

static_assert(BackpropRule<backprop::standard>);
static_assert(BackpropRule<backprop::deconvnet>);
static_assert(BackpropRule<backprop::guided>);
static_assert(BackpropRule<backprop::archetype>);

namespace {
nn::network one_relu() {
    nn::graph g;
    g.inputs = {{"x", {-1, 1, 2, 2}}};
    g.outputs = {{"y", {}}};
    g.add({"relu1", "Relu", {"x"}, {"y"}, {}});
    return nn::network(std::move(g));
}
}  // namespace

TEST_CASE("backprop rules: hand-computed 2x2 case at one Relu") {
    // x = [[1, -2], [3, -4]], gy = [[-5, 6], [7, -8]]
    const auto net = one_relu();
    nn::network::trace t;
    tensor x = {{{{1.0f, -2.0f}, {3.0f, -4.0f}}}};
    tensor gy = {{{{-5.0f, 6.0f}, {7.0f, -8.0f}}}};
    net.forward(x, t);
    const nn::gradient_seed seeds[] = {{"y", gy}};
    const tensor g_standard = net.backward<backprop::standard>(t, seeds, "x");
    const tensor g_deconv = net.backward<backprop::deconvnet>(t, seeds, "x");
    const tensor g_guided = net.backward<backprop::guided>(t, seeds, "x");
    CHECK(g_standard == tensor{{{{-5.0f, 0.0f}, {7.0f, 0.0f}}}});
    CHECK(g_deconv == tensor{{{{0.0f, 6.0f}, {7.0f, 0.0f}}}});
    CHECK(g_guided == tensor{{{{0.0f, 0.0f}, {7.0f, 0.0f}}}});
}

TEST_CASE("network: unknown layer name lists the available layers") {
    const auto net = one_relu();
    CHECK_THROWS_WITH_AS(net.resolve("conv9"), doctest::Contains("relu1 -> y"), config_error);
    CHECK(net.resolve("relu1") == "y");
}

TEST_CASE("network: wrong input shape is a shape_error naming the input") {
    const auto net = one_relu();
    nn::network::trace t;
    tensor x = xt::zeros<float>({1, 2, 2, 2});
    CHECK_THROWS_WITH_AS(net.forward(x, t), doctest::Contains("input 'x'"), shape_error);
}
