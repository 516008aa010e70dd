// PyTorch replicas written as Caffe files by make_caffe_fixtures.py (the CTest fixture
// caffe_generate): logits and input gradients under every backprop rule against PyTorch's
// float64 values, for a CaffeNet-like net in both layer formats and a ResNet-style net.
#include <doctest/doctest.h>

#include <deepvis/backprop/rule.hpp>
#include <deepvis/io/caffe.hpp>
#include <deepvis/io/npy.hpp>
#include <deepvis/io/onnx.hpp>

#include "caffe/caffe_support.hpp"

namespace fs = std::filesystem;
using deepvis::tensor;

namespace {

constexpr double tolerance = 1e-4;  // of max |PyTorch|

bool have_fixture(const fs::path& folder) {
    if (fs::exists(folder / "grad_deconvnet.npy")) return true;
    MESSAGE("skipped: " << folder.string()
                        << " not generated (make_caffe_fixtures.py needs /usr/bin/python3 with torch)");
    return false;
}

template <class Rule>
tensor input_gradient(const deepvis::nn::network& net, const tensor& x, const tensor& classes) {
    deepvis::nn::network::trace t;
    net.forward(x, t);
    const tensor& scores = net.scores(t);
    tensor seed = deepvis::tensor::from_shape(scores.shape());
    seed.fill(0.0f);
    for (std::size_t n = 0; n < scores.shape()[0]; ++n) seed(n, static_cast<std::size_t>(classes(n))) = 1.0f;
    const deepvis::nn::gradient_seed seeds[] = {{net.score_name(), seed}};
    return net.backward<Rule>(t, seeds, net.input_name());
}

void check_against_pytorch(const deepvis::nn::network& net, const fs::path& folder, const std::string& what) {
    const tensor x = deepvis::io::load_npy(folder / "input.npy");
    const tensor classes = deepvis::io::load_npy(folder / "classes.npy");
    deepvis::nn::network::trace t;
    net.forward(x, t);
    const tensor& logits = net.scores(t);
    const tensor expected = deepvis::io::load_npy(folder / "logits.npy");
    REQUIRE(logits.shape() == expected.shape());
    const double rel = deepvis::test::relative_max_difference(logits, expected);
    MESSAGE(what << ": logits " << rel << " of max");
    CHECK(rel <= tolerance);
    const std::pair<std::string, tensor> grads[] = {
        {"standard", input_gradient<deepvis::backprop::standard>(net, x, classes)},
        {"guided", input_gradient<deepvis::backprop::guided>(net, x, classes)},
        {"deconvnet", input_gradient<deepvis::backprop::deconvnet>(net, x, classes)}};
    for (const auto& [rule, g] : grads) {
        const tensor reference = deepvis::io::load_npy(folder / ("grad_" + rule + ".npy"));
        REQUIRE(g.shape() == reference.shape());
        const double r = deepvis::test::relative_max_difference(g, reference);
        MESSAGE(what << ": " << rule << " input gradient " << r << " of max");
        CHECK(r <= tolerance);
    }
}

}  // namespace

TEST_CASE("caffe replica: a CaffeNet-like net in the V2 and V1 formats matches PyTorch") {
    const fs::path folder = fs::path(DEEPVIS_CAFFE_FIXTURES) / "caffenet";
    if (!have_fixture(folder)) return;
    const auto v2 = deepvis::io::load_caffe_network(folder / "v2.prototxt", folder / "v2.caffemodel");
    const auto v1 = deepvis::io::load_caffe_network(folder / "v1.prototxt", folder / "v1.caffemodel");
    check_against_pytorch(v2, folder, "caffenet v2");
    check_against_pytorch(v1, folder, "caffenet v1");
    // Naming rule: conv5 is the convolution, relu5 its rectified output; Dropout adds no tensor.
    CHECK(v2.has("conv5"));
    CHECK(v2.has("relu5"));
    CHECK_FALSE(v2.has("drop6"));
    CHECK(v2.score_name() == "fc8");
    CHECK(v2.output_name() == "prob");
    CHECK(v2.input_name() == "data");
    // The two formats give the same graph.
    const auto& a = v1.definition();
    const auto& b = v2.definition();
    REQUIRE(a.nodes.size() == b.nodes.size());
    for (std::size_t i = 0; i < a.nodes.size(); ++i) CHECK(a.nodes[i].outputs == b.nodes[i].outputs);
}

TEST_CASE(
    "caffe replica: a ResNet-style net (BatchNorm, Scale, Eltwise, LRN within channel, Deconvolution) matches "
    "PyTorch") {
    const fs::path folder = fs::path(DEEPVIS_CAFFE_FIXTURES) / "resnet";
    if (!have_fixture(folder)) return;
    const auto net = deepvis::io::load_caffe_network(folder / "v2.prototxt", folder / "v2.caffemodel");
    check_against_pytorch(net, folder, "resnet");
    CHECK(net.has("bn1"));
    CHECK(net.has("scale1"));
    CHECK(net.has("relu1"));
}

TEST_CASE("caffe replica: converted to ONNX, the network passes the checker and gives the same outputs") {
    const fs::path folder = fs::path(DEEPVIS_CAFFE_FIXTURES) / "resnet";
    if (!have_fixture(folder)) return;
    for (const auto& net_folder : {fs::path(DEEPVIS_CAFFE_FIXTURES) / "caffenet", folder}) {
        const auto g = deepvis::io::load_caffe(net_folder / "v2.prototxt", net_folder / "v2.caffemodel");
        const fs::path out = fs::temp_directory_path() / ("deepvis_caffe_" + net_folder.filename().string() + ".onnx");
        deepvis::io::save_onnx(g, out);
        const auto reloaded = deepvis::io::load_network(out);
        const deepvis::nn::network direct(g);
        const tensor x = deepvis::io::load_npy(net_folder / "input.npy");
        deepvis::nn::network::trace t1, t2;
        const tensor& a = direct.forward(x, t1);
        const tensor& b = reloaded.forward(x, t2);
        REQUIRE(a.shape() == b.shape());
        CHECK(deepvis::test::relative_max_difference(a, b) == 0.0);
        fs::remove(out);
    }
}
