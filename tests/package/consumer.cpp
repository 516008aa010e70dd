// A program of another project that uses deepvis through its public headers only.
#include <deepvis/nn/model.hpp>
#include <deepvis/nn/network.hpp>

#include <iostream>

int main() {
    deepvis::nn::graph g;
    g.inputs = {{"x", {-1, 1, 2, 2}}};
    g.outputs = {{"y", {}}};
    g.add({"relu", "Relu", {"x"}, {"y"}, {}});
    const deepvis::nn::network net(std::move(g));
    deepvis::nn::network::trace t;
    deepvis::tensor x = {{{{1.0f, -2.0f}, {3.0f, -4.0f}}}};
    const auto& y = net.forward(x, t);
    const deepvis::nn::seed seeds[] = {{"y", deepvis::tensor(x.shape(), 1.0f)}};
    const auto& g_guided = net.backward<deepvis::guided>(t, seeds, "x");
    const bool ok = y(0, 0, 1, 0) == 3.0f && g_guided(0, 0, 0, 1) == 0.0f && g_guided(0, 0, 1, 0) == 1.0f;
    std::cout << "consumer: deepvis " << (ok ? "works" : "FAILED") << '\n';
    return ok ? 0 : 1;
}
