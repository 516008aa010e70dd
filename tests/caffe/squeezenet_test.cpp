// The trained SqueezeNet 1.0 of ../shared/models/squeezenet1.0: deploy.prototxt + caffemodel
// loaded by load_caffe against the independently made ONNX file of the same weights.
#include <doctest/doctest.h>

#include <chrono>
#include <deepvis/io/caffe.hpp>
#include <deepvis/io/image.hpp>
#include <deepvis/io/onnx.hpp>

#include "caffe/caffe_support.hpp"

namespace fs = std::filesystem;
using deepvis::tensor;

namespace {

fs::path squeezenet_dir() { return deepvis::test::shared_dir() / "models" / "squeezenet1.0"; }

bool have_squeezenet() {
    if (fs::exists(squeezenet_dir() / "squeezenet1.0.caffemodel")) return true;
    MESSAGE("skipped: " << squeezenet_dir().string()
                        << " not found (set DEEPVIS_SHARED_DIR to the folder that holds models/ and images/)");
    return false;
}

/// Caffe's preprocessing: 227 x 227, B, G, R, 0..255 minus the mean pixel (104, 117, 123).
tensor caffe_photo(const std::string& file) {
    return deepvis::io::load_image(deepvis::test::shared_dir() / "images" / "photos" / file,
                                   {.size = {227, 227}, .mean = {104.0f, 117.0f, 123.0f}, .scale = 1.0f, .bgr = true});
}

}  // namespace

TEST_CASE("caffe squeezenet: same scores, tensor names and top-1 as the ONNX file on four photos") {
    if (!have_squeezenet()) return;
    const auto t0 = std::chrono::steady_clock::now();
    const auto caffe = deepvis::io::load_caffe_network(squeezenet_dir() / "deploy.prototxt",
                                                       squeezenet_dir() / "squeezenet1.0.caffemodel");
    const auto t1 = std::chrono::steady_clock::now();
    const auto onnx = deepvis::io::load_network(squeezenet_dir() / "squeezenet1.0.onnx");
    const auto t2 = std::chrono::steady_clock::now();
    MESSAGE("load: caffemodel+prototxt " << std::chrono::duration<double, std::milli>(t1 - t0).count() << " ms, onnx "
                                         << std::chrono::duration<double, std::milli>(t2 - t1).count() << " ms");

    // Every node of the ONNX file exists under the same name, with the same op type and inputs.
    const auto& cg = caffe.definition();
    const auto& og = onnx.definition();
    REQUIRE(cg.nodes.size() == og.nodes.size());
    for (std::size_t i = 0; i < og.nodes.size(); ++i) {
        CHECK(cg.nodes[i].name == og.nodes[i].name);
        CHECK(cg.nodes[i].op_type == og.nodes[i].op_type);
        CHECK(cg.nodes[i].inputs == og.nodes[i].inputs);
        CHECK(cg.nodes[i].outputs == og.nodes[i].outputs);
    }
    CHECK(caffe.input_name() == "data");
    CHECK(caffe.output_name() == "pool_final");
    CHECK(caffe.has("relu_conv_final"));
    CHECK(caffe.has("fire9/concat"));

    // chelsea and coffee are confident (p 0.82, 0.98); astronaut and rocket have no fitting
    // ImageNet class, so only agreement with the ONNX file is checked for them (-1).
    const std::pair<std::string, int> photos[] = {
        {"chelsea.png", 285}, {"coffee.png", 967}, {"astronaut.png", -1}, {"rocket.jpg", -1}};
    for (const auto& [file, expected] : photos) {
        const tensor x = caffe_photo(file);
        deepvis::nn::network::trace tc, to;
        const tensor& a = caffe.forward(x, tc);
        const tensor& b = onnx.forward(x, to);
        REQUIRE(a.shape() == b.shape());
        const double rel = deepvis::test::relative_max_difference(a, b);
        MESSAGE(file << ": top-1 " << deepvis::test::argmax_row(a, 0) << ", max |caffe - onnx| / max |onnx| = " << rel);
        CHECK(rel <= 1e-5);
        CHECK(deepvis::test::argmax_row(a, 0) == deepvis::test::argmax_row(b, 0));
        if (expected >= 0) CHECK(deepvis::test::argmax_row(a, 0) == static_cast<std::size_t>(expected));
    }
}
