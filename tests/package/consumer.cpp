// A program of another project that uses deepvis through a task header and the network executor:
// a saliency map of a small network built in C++. It links deepvis::deepvis alone, so it also
// proves that these headers do not pull in protobuf/ONNX. Its second source, umbrella.cpp,
// includes <deepvis/deepvis.hpp>.
#include <cmath>
#include <deepvis/nn/network.hpp>
#include <deepvis/saliency.hpp>
#include <iostream>

bool umbrella_works();  // umbrella.cpp

int main() {
    // score = Gemm(Relu(x) flattened): saliency is |w| where x > 0 and 0 elsewhere.
    deepvis::nn::graph g;
    g.inputs = {{"x", {-1, 1, 2, 2}}};
    g.outputs = {{"score", {}}};
    g.initializers["w"] = deepvis::tensor{{1.0f, -2.0f, 3.0f, -4.0f}};
    g.add({"relu", "Relu", {"x"}, {"r"}, {}});
    g.add({"flat", "Flatten", {"r"}, {"f"}, {}});
    g.add({"fc", "Gemm", {"f", "w"}, {"score"}, {{"transB", std::int64_t{1}}}});
    const deepvis::nn::network net(std::move(g));

    const deepvis::tensor x = {{{{1.0f, -2.0f}, {3.0f, 4.0f}}}};
    const deepvis::tensor s = deepvis::saliency(net, x, {0});  // (1, 2, 2)
    const bool ok =
        s.dimension() == 3 && s(0, 0, 0) == 1.0f && s(0, 0, 1) == 0.0f && s(0, 1, 0) == 3.0f && s(0, 1, 1) == 4.0f;
    std::cout << "consumer: deepvis saliency " << (ok ? "works" : "FAILED") << '\n';
    const bool umbrella_ok = umbrella_works();
    std::cout << "consumer: <deepvis/deepvis.hpp> " << (umbrella_ok ? "works" : "FAILED") << '\n';
    return ok && umbrella_ok ? 0 : 1;
}
