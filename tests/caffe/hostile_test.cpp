// Hostile and broken Caffe files: each gives one exception of the right type whose message
// names the file and the problem. The files are generated here with the schema's C++ classes.
#include <doctest/doctest.h>

#include <deepvis/io/caffe.hpp>
#include <fstream>

namespace fs = std::filesystem;
namespace pb = deepvis_caffe;
using deepvis::tensor;

namespace {

/// A folder under the system temp directory, removed at the end of the test.
struct scratch {
    fs::path dir;
    explicit scratch(const std::string& name) : dir(fs::temp_directory_path() / ("deepvis_caffe_" + name)) {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~scratch() { fs::remove_all(dir); }
    fs::path write(const std::string& file, const std::string& bytes) const {
        std::ofstream(dir / file, std::ios::binary) << bytes;
        return dir / file;
    }
};

const char* tiny_prototxt = R"(
name: "tiny"
input: "data"
input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "xavier" } } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "fc" type: "InnerProduct" bottom: "conv1" top: "fc" inner_product_param { num_output: 5 } }
)";

void add_blob(pb::LayerParameter& l, std::vector<std::int64_t> dims, std::size_t values) {
    auto* b = l.add_blobs();
    for (auto d : dims) b->mutable_shape()->add_dim(d);
    for (std::size_t i = 0; i < values; ++i) b->add_data(0.01f * static_cast<float>(i % 17) - 0.08f);
}

/// The weights of tiny_prototxt; `conv_values` lets a test store a wrong number of values.
pb::NetParameter tiny_weights(std::size_t conv_values = 4 * 3 * 3 * 3) {
    pb::NetParameter net;
    auto* conv = net.add_layer();
    conv->set_name("conv1");
    conv->set_type("Convolution");
    add_blob(*conv, {4, 3, 3, 3}, conv_values);
    add_blob(*conv, {4}, 4);
    auto* fc = net.add_layer();
    fc->set_name("fc");
    fc->set_type("InnerProduct");
    add_blob(*fc, {5, 144}, 5 * 144);
    add_blob(*fc, {5}, 5);
    return net;
}

std::string bytes_of(const pb::NetParameter& net) {
    std::string s;
    REQUIRE(net.SerializeToString(&s));
    return s;
}

}  // namespace

TEST_CASE("caffe hostile: the well-formed tiny net loads and runs (the baseline of the cases below)") {
    scratch s("baseline");
    const auto net = deepvis::io::load_caffe_network(s.write("d.prototxt", tiny_prototxt),
                                                     s.write("m.caffemodel", bytes_of(tiny_weights())));
    tensor x = tensor::from_shape({2, 3, 8, 8});
    x.fill(0.5f);
    deepvis::nn::network::trace t;
    CHECK(net.forward(x, t).shape() == deepvis::shape_type{2, 5});
    CHECK(net.has("relu1"));
}

TEST_CASE("caffe hostile: a truncated caffemodel is an io_error") {
    scratch s("truncated");
    const std::string full = bytes_of(tiny_weights());
    const auto model = s.write("m.caffemodel", full.substr(0, full.size() / 2));
    CHECK_THROWS_WITH_AS(deepvis::io::load_caffe(s.write("d.prototxt", tiny_prototxt), model),
                         doctest::Contains("truncated or corrupt"), deepvis::io_error);
    const auto empty = s.write("empty.caffemodel", "");
    CHECK_THROWS_WITH_AS(deepvis::io::load_caffe(s.dir / "d.prototxt", empty), doctest::Contains("holds no layers"),
                         deepvis::io_error);
}

TEST_CASE("caffe hostile: a blob holding fewer values than its shape declares is an io_error naming the layer") {
    scratch s("blob_size");
    const auto model = s.write("m.caffemodel", bytes_of(tiny_weights(50)));
    CHECK_THROWS_WITH_AS(
        deepvis::io::load_caffe(s.write("d.prototxt", tiny_prototxt), model),
        doctest::Contains("layer 'conv1' (Convolution): blob 0: declares shape (4, 3, 3, 3) (108 values) but holds 50"),
        deepvis::io_error);
}

TEST_CASE("caffe hostile: weights that do not fit the layer are an io_error") {
    scratch s("blob_fit");
    pb::NetParameter w = tiny_weights();
    w.mutable_layer(0)->mutable_blobs(1)->mutable_shape()->set_dim(0, 3);  // bias of 3 for 4 outputs
    w.mutable_layer(0)->mutable_blobs(1)->mutable_data()->RemoveLast();
    CHECK_THROWS_WITH_AS(
        deepvis::io::load_caffe(s.write("d.prototxt", tiny_prototxt), s.write("m.caffemodel", bytes_of(w))),
        doctest::Contains("layer 'conv1' (Convolution): bias blob holds 3 values, expected (4) = 4"),
        deepvis::io_error);
}

TEST_CASE("caffe hostile: a layer without weights in the caffemodel is an io_error naming it") {
    scratch s("missing");
    pb::NetParameter w = tiny_weights();
    w.mutable_layer()->DeleteSubrange(1, 1);
    CHECK_THROWS_WITH_AS(
        deepvis::io::load_caffe(s.write("d.prototxt", tiny_prototxt), s.write("m.caffemodel", bytes_of(w))),
        doctest::Contains("layer 'fc' (InnerProduct): needs weights, but the caffemodel has no layer named 'fc'"),
        deepvis::io_error);
}

TEST_CASE("caffe hostile: an unknown bottom and a cycle are io_errors naming the layer and the blob") {
    scratch s("graph");
    const auto model = s.write("m.caffemodel", bytes_of(tiny_weights()));
    const std::string unknown =
        std::string(tiny_prototxt) + R"(layer { name: "extra" type: "ReLU" bottom: "nowhere" top: "extra" })";
    CHECK_THROWS_WITH_AS(
        deepvis::io::load_caffe(s.write("u.prototxt", unknown), model),
        doctest::Contains("layer 'extra' (ReLU): bottom 'nowhere' is not produced by any earlier layer"),
        deepvis::io_error);
    const std::string cycle = R"(input: "data" input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8
layer { name: "a" type: "ReLU" bottom: "b" top: "a" }
layer { name: "b" type: "ReLU" bottom: "a" top: "b" })";
    CHECK_THROWS_WITH_AS(deepvis::io::load_caffe(s.write("c.prototxt", cycle), model),
                         doctest::Contains("layer 'a' (ReLU): bottom 'b' is not produced by any earlier layer"),
                         deepvis::io_error);
}

TEST_CASE("caffe hostile: huge declared shapes are io_errors (core/checked.hpp) before anything is allocated") {
    scratch s("huge");
    const auto model = s.write("m.caffemodel", bytes_of(tiny_weights()));
    const std::string huge_input = R"(input: "data" input_shape { dim: 1000000000 dim: 1000000000 dim: 8 dim: 8 })";
    CHECK_THROWS_WITH_AS(
        deepvis::io::load_caffe(s.write("h.prototxt", huge_input), model),
        doctest::Contains("input 'data': shape (1000000000, 1000000000, 8, 8) has more than 2^64 elements"),
        deepvis::io_error);
    const std::string negative = R"(input: "data" input_shape { dim: 1 dim: -3 dim: 8 dim: 8 })";
    CHECK_THROWS_WITH_AS(deepvis::io::load_caffe(s.write("n.prototxt", negative), model),
                         doctest::Contains("negative dimension -3"), deepvis::io_error);
    // A blob whose dimensions multiply past 2^64, with no data behind them.
    pb::NetParameter w = tiny_weights();
    auto* shape = w.mutable_layer(0)->mutable_blobs(0)->mutable_shape();
    for (int i = 0; i < 4; ++i) shape->set_dim(i, 2147483647);
    CHECK_THROWS_WITH_AS(
        deepvis::io::load_caffe(s.write("d.prototxt", tiny_prototxt), s.write("w.caffemodel", bytes_of(w))),
        doctest::Contains("layer 'conv1' (Convolution): blob 0: shape (2147483647, 2147483647, 2147483647, 2147483647) "
                          "has more than 2^64"),
        deepvis::io_error);
}

TEST_CASE("caffe hostile: an unsupported layer type names the layer, the type and the supported types") {
    scratch s("unsupported");
    const std::string proto =
        std::string(tiny_prototxt) + R"(layer { name: "prelu" type: "PReLU" bottom: "fc" top: "prelu" })";
    CHECK_THROWS_WITH_AS(
        deepvis::io::load_caffe(s.write("d.prototxt", proto), s.write("m.caffemodel", bytes_of(tiny_weights()))),
        doctest::Contains("layer 'prelu' (PReLU): unsupported layer type 'PReLU'; supported types: BatchNorm, Concat"),
        deepvis::unsupported_error);
}

TEST_CASE("caffe hostile: a prototxt that is not protobuf text is an io_error with the line") {
    scratch s("syntax");
    const auto bad = s.write("d.prototxt", "name: \"x\"\nlayer { name: \"conv1\" type: \n");
    CHECK_THROWS_WITH_AS(deepvis::io::load_caffe(bad, s.write("m.caffemodel", bytes_of(tiny_weights()))),
                         doctest::Contains("not a valid Caffe network description: line"), deepvis::io_error);
    CHECK_THROWS_WITH_AS(deepvis::io::load_caffe(s.dir / "absent.prototxt", s.dir / "m.caffemodel"),
                         doctest::Contains("file not found"), deepvis::io_error);
}

TEST_CASE("caffe: a caffemodel over 64 MB loads (protobuf's old default limit)") {
    scratch s("large");
    constexpr int inputs = 4096, outputs = 4400;  // 18 M weights, 72 MB
    const std::string proto = R"(input: "data" input_shape { dim: 1 dim: 4096 }
layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" inner_product_param { num_output: 4400 bias_term: false } })";
    pb::NetParameter w;
    auto* fc = w.add_layer();
    fc->set_name("fc");
    auto* b = fc->add_blobs();
    b->mutable_shape()->add_dim(outputs);
    b->mutable_shape()->add_dim(inputs);
    b->mutable_data()->Resize(inputs * outputs, 0.0f);
    for (int o = 0; o < outputs; ++o) b->set_data(o * inputs + o % inputs, 1.0f + static_cast<float>(o));
    const auto model = s.write("m.caffemodel", bytes_of(w));
    REQUIRE(fs::file_size(model) > (std::uintmax_t(64) << 20));
    const auto net = deepvis::io::load_caffe_network(s.write("d.prototxt", proto), model);
    tensor x = tensor::from_shape({1, 4096});
    x.fill(1.0f);
    deepvis::nn::network::trace t;
    const tensor& y = net.forward(x, t);
    CHECK(y(0, 0) == 1.0f);
    CHECK(y(0, 4399) == 4400.0f);
}

TEST_CASE("caffe: the prototxt rule — explicit, else deploy.prototxt beside the caffemodel") {
    CHECK(deepvis::io::caffe_prototxt_for("/m/net.caffemodel") == fs::path("/m/deploy.prototxt"));
    CHECK(deepvis::io::caffe_prototxt_for("/m/net.caffemodel", "/x/d.prototxt") == fs::path("/x/d.prototxt"));
}
