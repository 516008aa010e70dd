// The shipped architectures, the Keras-style summary, and the committed classifier.
#include <doctest/doctest.h>

#include <deepvis/io/idx.hpp>
#include <deepvis/io/onnx.hpp>
#include <deepvis/nn/summary.hpp>
#include <deepvis/train/cross_entropy.hpp>
#include <deepvis/train/fit.hpp>
#include <deepvis/train/models.hpp>
#include <deepvis/train/parameters.hpp>
#include <filesystem>
#include <string>

using namespace deepvis;

TEST_CASE("fashion_classifier: shapes, 421 642 parameters, Softmax input is the score") {
    nn::network net(train::fashion_classifier(1));
    nn::network::trace t;
    const tensor& p = net.forward(tensor(shape_type{3, 1, 28, 28}, 0.5f), t);
    CHECK(p.shape() == shape_type{3, 10});
    CHECK(net.score_name() == "logits");
    const std::string s = nn::summary(net);
    MESSAGE("\n" << s);
    CHECK(s.find("Model: \"fashion_cnn\"") != std::string::npos);
    CHECK(s.find("conv1 (Conv)") != std::string::npos);
    CHECK(s.find("(None, 32, 28, 28)") != std::string::npos);
    CHECK(s.find("(None, 3136)") != std::string::npos);
    CHECK(s.find("Total params: 421,642") != std::string::npos);
    CHECK(s.find("401,536") != std::string::npos);  // fc1: 3136·128 + 128
}

TEST_CASE("conv_autoencoder: 3 conv+pool encoder, 2-unit code, mirrored decoder, Sigmoid output") {
    const nn::graph g = train::conv_autoencoder({.seed = 2});
    nn::network net(g);
    nn::network::trace t;
    const tensor& y = net.forward(tensor(shape_type{2, 1, 28, 28}, 0.3f), t);
    CHECK(y.shape() == shape_type{2, 1, 28, 28});
    CHECK(net.activation(t, "latent").shape() == shape_type{2, 2});
    for (float v : y) CHECK((v > 0.0f && v < 1.0f));
    std::vector<std::string> ops;
    for (const auto& n : g.nodes) ops.push_back(n.op_type);
    const std::vector<std::string> expected = {"Conv", "Relu",    "MaxPool", "Conv", "Relu",   "MaxPool", "Conv",
                                               "Relu", "Flatten", "Gemm",    "Gemm", "Relu",   "Reshape", "Conv",
                                               "Relu", "Resize",  "Conv",    "Relu", "Resize", "Conv",    "Sigmoid"};
    CHECK(ops == expected);
    // Mirrored widths: encoder 1→16→32→64, decoder 64→32→16→1.
    CHECK(g.initializers.at("enc_conv3.weight").shape() == shape_type{64, 32, 3, 3});
    CHECK(g.initializers.at("dec_conv1.weight").shape() == shape_type{32, 64, 3, 3});
    CHECK(g.initializers.at("dec_conv3.weight").shape() == shape_type{1, 16, 3, 3});
    CHECK(g.initializers.at("enc_dense.weight").shape() == shape_type{2, 3136});
    const std::string s = nn::summary(net);
    MESSAGE("\n" << s);
    CHECK(s.find("latent") == std::string::npos);  // rows are node names, tensors are not listed
    CHECK(s.find("enc_dense (Gemm)") != std::string::npos);
    CHECK(s.find("(None, 2)") != std::string::npos);
    CHECK(s.find("dec_up2 (Resize)") != std::string::npos);
    CHECK(train::trainable_parameters(g).size() == 16);  // Resize scales and Reshape shape are not trained
}

TEST_CASE("conv_autoencoder: ONNX round trip passes the checker and computes the same") {
    const nn::graph g = train::conv_autoencoder({.seed = 3});
    const auto file = std::filesystem::temp_directory_path() / "deepvis_cae_roundtrip.onnx";
    io::save_onnx(g, file);
    const nn::network loaded = io::load_network(file);
    const nn::network original(g);
    nn::network::trace a, b;
    tensor x(shape_type{1, 1, 28, 28});
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(i % 29) / 29.0f;
    CHECK(loaded.forward(x, a) == original.forward(x, b));
    std::filesystem::remove(file);
}

TEST_CASE("committed models/fashion_cnn.onnx: passes the ONNX checker and reaches >= 90% test accuracy") {
    const std::filesystem::path model = std::filesystem::path(DEEPVIS_SOURCE_DIR) / "models" / "fashion_cnn.onnx";
    REQUIRE_MESSAGE(std::filesystem::exists(model), model.string() << " is missing");
    const nn::network net = io::load_network(model);  // runs onnx::checker::check_model
    if (!io::has_fashion_mnist()) {
        MESSAGE("skipped accuracy: Fashion-MNIST absent (apt-get install dataset-fashion-mnist)");
        return;
    }
    const auto test = io::load_fashion_mnist(io::split::test);
    const auto ev =
        train::evaluate(net, train::dataset_view<std::vector<int>>{test.images, test.labels}, train::cross_entropy{});
    MESSAGE("fashion_cnn.onnx: test accuracy " << ev.accuracy << ", test loss " << ev.loss);
    CHECK(ev.accuracy >= 0.90);
}
