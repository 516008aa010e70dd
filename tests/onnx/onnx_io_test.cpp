// ONNX import and export: PyTorch fixtures (tests/onnx/make_fixtures.py), external data,
// round trips, and files that must be rejected with a clear error.
#include <doctest/doctest.h>
#include <onnx/checker.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "onnx/onnx_support.hpp"

namespace {

using deepvis::tensor;
using deepvis::nn::graph;
using deepvis::nn::node;
using deepvis::test::bitwise_equal;
using deepvis::test::onnx_fixture;
using deepvis::test::temp_folder;

std::vector<std::string> missing_ops(const graph& g) {
    std::vector<std::string> missing;
    for (const auto& n : g.nodes)
        if (!deepvis::nn::op_registry::instance().supports(n.op_type) &&
            std::find(missing.begin(), missing.end(), n.op_type) == missing.end())
            missing.push_back(n.op_type);
    return missing;
}

std::string joined(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
    return s;
}

bool same_attribute(const deepvis::nn::attribute& a, const deepvis::nn::attribute& b) {
    if (a.index() != b.index()) return false;
    if (auto* ta = std::get_if<tensor>(&a)) return bitwise_equal(*ta, std::get<tensor>(b));
    return a == b;
}

/// Structural and bitwise equality of two graphs (node names, wiring, attributes, weights).
void check_same_graph(const graph& a, const graph& b) {
    CHECK(a.opset == b.opset);
    REQUIRE(a.nodes.size() == b.nodes.size());
    for (std::size_t k = 0; k < a.nodes.size(); ++k) {
        const auto& x = a.nodes[k];
        const auto& y = b.nodes[k];
        CAPTURE(x.name);
        CHECK(x.name == y.name);
        CHECK(x.op_type == y.op_type);
        CHECK(x.inputs == y.inputs);
        CHECK(x.outputs == y.outputs);
        REQUIRE(x.attributes.all().size() == y.attributes.all().size());
        for (const auto& [name, value] : x.attributes.all()) {
            CAPTURE(name);
            REQUIRE(y.attributes.has(name));
            CHECK(same_attribute(value, y.attributes.all().at(name)));
        }
    }
    REQUIRE(a.initializers.size() == b.initializers.size());
    for (const auto& [name, value] : a.initializers) {
        CAPTURE(name);
        REQUIRE(b.initializers.count(name));
        CHECK(bitwise_equal(value, b.initializers.at(name)));
    }
    CHECK(a.integer_initializers == b.integer_initializers);
    REQUIRE(a.inputs.size() == b.inputs.size());
    for (std::size_t i = 0; i < a.inputs.size(); ++i) {
        CHECK(a.inputs[i].name == b.inputs[i].name);
        CHECK(a.inputs[i].shape == b.inputs[i].shape);
    }
    REQUIRE(a.outputs.size() == b.outputs.size());
    for (std::size_t i = 0; i < a.outputs.size(); ++i) {
        CHECK(a.outputs[i].name == b.outputs[i].name);
        // save_onnx declares the shape ONNX shape inference derives for an output left open.
        if (!a.outputs[i].shape.empty()) CHECK(a.outputs[i].shape == b.outputs[i].shape);
    }
}

tensor seeded_tensor(const deepvis::shape_type& shape, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    tensor t(shape);
    for (auto& v : t) v = dist(rng);
    return t;
}

/// Conv-Relu-MaxPool-Flatten-Gemm-Softmax built in C++, keeping only the ops the registry has
/// (the op helpers land during development); returns the ops it left out.
std::vector<std::string> build_convnet(graph& g) {
    auto& registry = deepvis::nn::op_registry::instance();
    std::vector<std::string> left_out;
    auto use = [&](const char* op) {
        if (registry.supports(op)) return true;
        left_out.push_back(op);
        return false;
    };
    g.name = "cpp_convnet";
    g.inputs = {{"image", {-1, 3, 8, 8}}};
    std::string x = "image";
    std::size_t channels = 3, side = 8;
    bool flat = false;
    if (use("Conv")) {
        g.initializers["conv.w"] = seeded_tensor({4, 3, 3, 3}, 1);
        g.initializers["conv.b"] = seeded_tensor({4}, 2);
        x = g.add({"conv",
                   "Conv",
                   {x, "conv.w", "conv.b"},
                   {"conv_out"},
                   {{"kernel_shape", std::vector<std::int64_t>{3, 3}},
                    {"pads", std::vector<std::int64_t>{1, 1, 1, 1}},
                    {"strides", std::vector<std::int64_t>{1, 1}},
                    {"group", std::int64_t{1}}}});
        channels = 4;
    }
    x = g.add({"relu", "Relu", {x}, {"relu_out"}, {}});
    if (use("MaxPool")) {
        x = g.add({"pool",
                   "MaxPool",
                   {x},
                   {"pool_out"},
                   {{"kernel_shape", std::vector<std::int64_t>{2, 2}}, {"strides", std::vector<std::int64_t>{2, 2}}}});
        side = 4;
    }
    if (use("Flatten")) {
        x = g.add({"flatten", "Flatten", {x}, {"flat"}, {{"axis", std::int64_t{1}}}});
        flat = true;
    }
    if (flat && use("Gemm")) {
        const std::size_t features = channels * side * side;
        g.initializers["fc.w"] = seeded_tensor({5, features}, 3);
        g.initializers["fc.b"] = seeded_tensor({5}, 4);
        x = g.add({"fc", "Gemm", {x, "fc.w", "fc.b"}, {"logits"}, {{"transB", std::int64_t{1}}, {"alpha", 1.0f}}});
    }
    if (use("Softmax")) x = g.add({"softmax", "Softmax", {x}, {"probabilities"}, {{"axis", std::int64_t{1}}}});
    g.outputs = {{x, {}}};
    return left_out;
}

}  // namespace

TEST_CASE("onnx: loads a PyTorch-exported model") {
    const graph g = deepvis::io::load_onnx(onnx_fixture("tiny_convnet.onnx"));
    CHECK(g.opset == 13);
    REQUIRE(g.inputs.size() == 1);
    CHECK(g.inputs[0].name == "input");
    CHECK(g.inputs[0].shape == std::vector<std::int64_t>{-1, 3, 8, 8});
    REQUIRE(g.outputs.size() == 1);
    CHECK(g.outputs[0].name == "probabilities");
    CHECK(g.outputs[0].shape == std::vector<std::int64_t>{-1, 5});
    std::vector<std::string> ops;
    for (const auto& n : g.nodes) ops.push_back(n.op_type);
    CHECK(ops == std::vector<std::string>{"Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Softmax"});
    CHECK(g.initializers.size() == 4);
    CHECK(deepvis::shape_of(g.initializers.at("conv.weight")) == deepvis::shape_type{4, 3, 3, 3});
    CHECK(deepvis::shape_of(g.initializers.at("fc.weight")) == deepvis::shape_type{5, 64});
    CHECK(g.integer_initializers.empty());
    CHECK(g.nodes[0].attributes.get_ints("pads") == std::vector<std::int64_t>{1, 1, 1, 1});
    CHECK(g.nodes[4].attributes.get_int("transB", 0) == 1);
    CHECK(g.nodes[4].attributes.get_float("alpha", 0.0f) == 1.0f);
    for (const auto& n : g.nodes) CHECK_FALSE(n.name.empty());
}

TEST_CASE("onnx: external data gives the same weights as inline data") {
    const graph inline_graph = deepvis::io::load_onnx(onnx_fixture("tiny_convnet.onnx"));
    const graph external_graph = deepvis::io::load_onnx(onnx_fixture("tiny_convnet_external.onnx"));
    check_same_graph(inline_graph, external_graph);
}

TEST_CASE("onnx: a PyTorch model reproduces PyTorch's output") {
    const auto file = onnx_fixture("tiny_convnet.onnx");
    const auto missing = missing_ops(deepvis::io::load_onnx(file));
    REQUIRE_MESSAGE(missing.empty(), "unsupported ops: " << joined(missing));
    const auto net = deepvis::io::load_network(file);
    const tensor x = deepvis::test::read_tensor_file(onnx_fixture("tiny_convnet_input.pb"));
    const tensor expected = deepvis::test::read_tensor_file(onnx_fixture("tiny_convnet_output.pb"));
    deepvis::nn::network::trace t;
    const tensor& y = net.forward(x, t);
    REQUIRE(y.shape() == expected.shape());
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(y.data()[i] == doctest::Approx(expected.data()[i]).epsilon(1e-5));
}

TEST_CASE("onnx: a graph built in C++ survives save and load bitwise") {
    graph g;
    const auto left_out = build_convnet(g);
    REQUIRE_MESSAGE(left_out.empty(), "unsupported ops left out of the round trip: " << joined(left_out));
    temp_folder dir("onnx_roundtrip");
    deepvis::io::save_onnx(g, dir / "cpp.onnx");
    CHECK_NOTHROW(onnx::checker::check_model((dir / "cpp.onnx").string()));
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
        CHECK_MESSAGE(entry.path().filename() == "cpp.onnx", "left behind: " << entry.path());
    const graph loaded = deepvis::io::load_onnx(dir / "cpp.onnx");
    check_same_graph(g, loaded);

    const deepvis::nn::network original(g);
    const auto reloaded = deepvis::io::load_network(dir / "cpp.onnx");
    const tensor x = seeded_tensor({2, 3, 8, 8}, 7);
    deepvis::nn::network::trace t1, t2;
    CHECK(bitwise_equal(original.forward(x, t1), reloaded.forward(x, t2)));
}

TEST_CASE("onnx: a PyTorch model survives load, save and load bitwise") {
    const auto file = onnx_fixture("tiny_convnet.onnx");
    const graph first = deepvis::io::load_onnx(file);
    temp_folder dir("onnx_pytorch_roundtrip");
    deepvis::io::save_onnx(first, dir / "again.onnx");
    const graph second = deepvis::io::load_onnx(dir / "again.onnx");
    check_same_graph(first, second);
    const auto missing = missing_ops(first);
    REQUIRE_MESSAGE(missing.empty(), "unsupported ops: " << joined(missing));
    const auto a = deepvis::io::load_network(file);
    const auto b = deepvis::io::load_network(dir / "again.onnx");
    const tensor x = deepvis::test::read_tensor_file(onnx_fixture("tiny_convnet_input.pb"));
    deepvis::nn::network::trace t1, t2;
    CHECK(bitwise_equal(a.forward(x, t1), b.forward(x, t2)));
}

TEST_CASE("onnx: every attribute kind and int64 initialisers survive a round trip") {
    graph g;
    g.name = "attributes";
    g.opset = 13;
    g.inputs = {{"x", {2, 3}}};
    g.initializers["shape"] = tensor({3.0f, 2.0f});
    g.integer_initializers.insert("shape");
    tensor value = seeded_tensor({2, 2}, 11);
    g.add({"c_tensor", "Constant", {}, {"c0"}, {{"value", value}}});
    g.add({"c_float", "Constant", {}, {"c1"}, {{"value_float", 0.25f}}});
    g.add({"c_floats", "Constant", {}, {"c2"}, {{"value_floats", std::vector<float>{1.5f, -2.0f}}}});
    g.add({"c_int", "Constant", {}, {"c3"}, {{"value_int", std::int64_t{-7}}}});
    g.add({"c_ints", "Constant", {}, {"c4"}, {{"value_ints", std::vector<std::int64_t>{4, 5, 6}}}});
    g.add({"c_string", "Constant", {}, {"c5"}, {{"value_string", std::string("hello")}}});
    g.add({"reshape", "Reshape", {"x", "shape"}, {"y"}, {}});
    g.outputs = {{"y", {3, 2}}, {"c0", {2, 2}}};
    temp_folder dir("onnx_attributes");
    deepvis::io::save_onnx(g, dir / "attributes.onnx");
    const graph loaded = deepvis::io::load_onnx(dir / "attributes.onnx");
    check_same_graph(g, loaded);
    onnx::ModelProto model;
    const std::string bytes = deepvis::test::read_bytes(dir / "attributes.onnx");
    REQUIRE(model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
    CHECK(model.ir_version() == 8);
    CHECK(model.producer_name() == "deepvis");
    bool shape_is_int64 = false;
    for (const auto& t : model.graph().initializer())
        if (t.name() == "shape") shape_is_int64 = t.data_type() == onnx::TensorProto::INT64;
    CHECK(shape_is_int64);
}

TEST_CASE("onnx: nodes without names get unique names") {
    graph g;
    g.inputs = {{"x", {1, 4}}};
    g.add({"", "Relu", {"x"}, {"a"}, {}});
    g.add({"Relu_0", "Relu", {"a"}, {"b"}, {}});
    g.add({"", "Relu", {"b"}, {"c"}, {}});
    g.outputs = {{"c", {1, 4}}};
    temp_folder dir("onnx_names");
    // Write the proto by hand: save_onnx names unnamed nodes itself.
    onnx::ModelProto model;
    deepvis::detail::graph_to_onnx(g, model);
    model.mutable_graph()->mutable_node(0)->clear_name();
    model.mutable_graph()->mutable_node(2)->clear_name();
    deepvis::test::write_bytes(dir / "names.onnx", model.SerializeAsString());
    const graph loaded = deepvis::io::load_onnx(dir / "names.onnx");
    REQUIRE(loaded.nodes.size() == 3);
    CHECK_FALSE(loaded.nodes[0].name.empty());
    CHECK(loaded.nodes[0].name != "Relu_0");
    CHECK(loaded.nodes[1].name == "Relu_0");
    CHECK(loaded.nodes[2].name == "Relu_2");
}

TEST_CASE("onnx: a graph input with an initialiser is a weight, not a data input") {
    graph g;
    g.inputs = {{"x", {1, 4}}};
    g.initializers["w"] = tensor({{1.0f, 2.0f, 3.0f, 4.0f}});
    g.add({"relu", "Relu", {"w"}, {"y"}, {}});
    g.outputs = {{"y", {1, 4}}};
    onnx::ModelProto model;
    deepvis::detail::graph_to_onnx(g, model);
    deepvis::detail::value_info_to_onnx({"w", {1, 4}}, *model.mutable_graph()->add_input());
    temp_folder dir("onnx_init_input");
    deepvis::test::write_bytes(dir / "m.onnx", model.SerializeAsString());
    const graph loaded = deepvis::io::load_onnx(dir / "m.onnx");
    REQUIRE(loaded.inputs.size() == 1);
    CHECK(loaded.inputs[0].name == "x");
}

TEST_CASE("onnx: files that are not models throw io_error naming the file") {
    temp_folder dir("onnx_bad");
    const std::string good = deepvis::test::read_bytes(onnx_fixture("tiny_convnet.onnx"));

    SUBCASE("missing file") {
        const auto file = dir / "absent.onnx";
        CHECK_THROWS_WITH_AS(deepvis::io::load_onnx(file), doctest::Contains("absent.onnx"), deepvis::io_error);
        CHECK_THROWS_WITH_AS(deepvis::io::load_onnx(file), doctest::Contains("not found"), deepvis::io_error);
    }
    SUBCASE("empty file") {
        const auto file = dir / "empty.onnx";
        deepvis::test::write_bytes(file, "");
        CHECK_THROWS_WITH_AS(deepvis::io::load_onnx(file), doctest::Contains("empty.onnx': the file is empty"),
                             deepvis::io_error);
    }
    SUBCASE("truncated file") {
        const auto file = dir / "truncated.onnx";
        deepvis::test::write_bytes(file, good.substr(0, good.size() / 2));
        CHECK_THROWS_WITH_AS(deepvis::io::load_onnx(file),
                             doctest::Contains("truncated.onnx': not a valid ONNX protobuf (truncated or corrupt?)"),
                             deepvis::io_error);
    }
    SUBCASE("every truncation of a model is rejected or loads, never crashes") {
        const auto file = dir / "cut.onnx";
        for (std::size_t size = 0; size < good.size(); size += 37) {
            deepvis::test::write_bytes(file, good.substr(0, size));
            CAPTURE(size);
            CHECK_THROWS_AS(deepvis::io::load_onnx(file), deepvis::io_error);
        }
    }
    SUBCASE("random bytes") {
        const auto file = dir / "random.onnx";
        std::mt19937 rng(2024);
        for (int trial = 0; trial < 50; ++trial) {
            std::string bytes(64 + trial * 31, '\0');
            for (auto& c : bytes) c = static_cast<char>(rng() & 0xff);
            deepvis::test::write_bytes(file, bytes);
            CAPTURE(trial);
            CHECK_THROWS_WITH_AS(deepvis::io::load_onnx(file), doctest::Contains("random.onnx"), deepvis::io_error);
        }
    }
    SUBCASE("a folder") { CHECK_THROWS_AS(deepvis::io::load_onnx(dir.path()), deepvis::io_error); }
}

TEST_CASE("onnx: an op deepvis lacks throws unsupported_error naming op, node and supported ops") {
    graph g;
    g.inputs = {{"x", {3, 3}}};
    g.add({"determinant", "Det", {"x"}, {"d"}, {}});
    g.outputs = {{"d", {}}};
    REQUIRE_FALSE(deepvis::nn::op_registry::instance().supports("Det"));
    temp_folder dir("onnx_unknown_op");
    const auto file = dir / "det.onnx";
    deepvis::io::save_onnx(g, file);
    CHECK_NOTHROW(deepvis::io::load_onnx(file));  // the graph itself loads: it can be inspected
    CHECK_THROWS_WITH_AS(deepvis::io::load_network(file), doctest::Contains("unsupported op type 'Det'"),
                         deepvis::unsupported_error);
    CHECK_THROWS_WITH_AS(deepvis::io::load_network(file), doctest::Contains("node 'determinant'"),
                         deepvis::unsupported_error);
    CHECK_THROWS_WITH_AS(deepvis::io::load_network(file), doctest::Contains("supported ops: "),
                         deepvis::unsupported_error);
    CHECK_THROWS_WITH_AS(deepvis::io::load_network(file), doctest::Contains("Relu"), deepvis::unsupported_error);
    CHECK_THROWS_WITH_AS(deepvis::io::load_network(file), doctest::Contains("det.onnx"), deepvis::unsupported_error);
}

TEST_CASE("onnx: an op from another domain throws unsupported_error") {
    graph g;
    g.inputs = {{"x", {1, 4}}};
    g.add({"fancy", "Relu", {"x"}, {"y"}, {}});
    g.outputs = {{"y", {1, 4}}};
    onnx::ModelProto model;
    deepvis::detail::graph_to_onnx(g, model);
    model.mutable_graph()->mutable_node(0)->set_domain("com.example");
    auto* imp = model.add_opset_import();
    imp->set_domain("com.example");
    imp->set_version(1);
    temp_folder dir("onnx_domain");
    deepvis::test::write_bytes(dir / "domain.onnx", model.SerializeAsString());
    CHECK_THROWS_WITH_AS(deepvis::io::load_onnx(dir / "domain.onnx"), doctest::Contains("com.example.Relu"),
                         deepvis::unsupported_error);
}

TEST_CASE("onnx: external data problems throw io_error") {
    temp_folder dir("onnx_external");
    SUBCASE("data file missing") {
        std::filesystem::copy_file(onnx_fixture("tiny_convnet_external.onnx"), dir / "net.onnx");
        CHECK_THROWS_WITH_AS(deepvis::io::load_onnx(dir / "net.onnx"), doctest::Contains("tiny_convnet_external.data"),
                             deepvis::io_error);
        CHECK_THROWS_WITH_AS(deepvis::io::load_onnx(dir / "net.onnx"), doctest::Contains("net.onnx"),
                             deepvis::io_error);
    }
    SUBCASE("data file too short") {
        std::filesystem::copy_file(onnx_fixture("tiny_convnet_external.onnx"), dir / "net.onnx");
        const std::string data = deepvis::test::read_bytes(onnx_fixture("tiny_convnet_external.data"));
        deepvis::test::write_bytes(dir / "tiny_convnet_external.data", data.substr(0, data.size() - 8));
        CHECK_THROWS_WITH_AS(deepvis::io::load_onnx(dir / "net.onnx"), doctest::Contains("external data file"),
                             deepvis::io_error);
    }
    SUBCASE("location outside the model's folder") {
        std::filesystem::create_directories(dir / "models");
        deepvis::test::write_bytes(dir / "secret.bin", std::string(16, '\1'));
        for (const std::string& location :
             std::vector<std::string>{"../secret.bin", "sub/../../secret.bin", (dir / "secret.bin").string()}) {
            CAPTURE(location);
            graph g;
            g.inputs = {{"x", {1, 4}}};
            g.initializers["w"] = tensor({{1.0f, 2.0f, 3.0f, 4.0f}});
            g.add({"relu", "Relu", {"w"}, {"y"}, {}});
            g.outputs = {{"y", {1, 4}}};
            onnx::ModelProto model;
            deepvis::detail::graph_to_onnx(g, model);
            auto* w = model.mutable_graph()->mutable_initializer(0);
            w->clear_raw_data();
            w->set_data_location(onnx::TensorProto::EXTERNAL);
            auto* entry = w->add_external_data();
            entry->set_key("location");
            entry->set_value(location);
            deepvis::test::write_bytes(dir / "models" / "escape.onnx", model.SerializeAsString());
            CHECK_THROWS_WITH_AS(deepvis::io::load_onnx(dir / "models" / "escape.onnx"),
                                 doctest::Contains("escape.onnx"), deepvis::io_error);
            // The converter rejects it on its own too, whatever the checker does.
            CHECK_THROWS_WITH_AS(deepvis::detail::onnx_to_tensor(*w, dir / "models", "initialiser 'w'"),
                                 doctest::Contains("outside the model's folder"), deepvis::io_error);
        }
    }
}

TEST_CASE("onnx: unsupported initialiser types throw unsupported_error") {
    onnx::TensorProto t;
    t.set_name("flags");
    t.set_data_type(onnx::TensorProto::BOOL);
    t.add_dims(2);
    t.add_int32_data(1);
    t.add_int32_data(0);
    CHECK_THROWS_WITH_AS(deepvis::detail::onnx_to_tensor(t, ".", "initialiser 'flags'"), doctest::Contains("BOOL"),
                         deepvis::unsupported_error);
}

TEST_CASE("onnx: initialisers in typed fields convert to float") {
    onnx::TensorProto t;
    t.add_dims(3);
    t.set_data_type(onnx::TensorProto::INT64);
    for (std::int64_t v : {-3, 0, 70000}) t.add_int64_data(v);
    CHECK(deepvis::detail::onnx_to_tensor(t, ".", "t") == tensor({-3.0f, 0.0f, 70000.0f}));
    t.Clear();
    t.add_dims(2);
    t.set_data_type(onnx::TensorProto::INT32);
    for (std::int32_t v : {5, -6}) t.add_int32_data(v);
    CHECK(deepvis::detail::onnx_to_tensor(t, ".", "t") == tensor({5.0f, -6.0f}));
    t.Clear();
    t.add_dims(2);
    t.set_data_type(onnx::TensorProto::DOUBLE);
    for (double v : {0.5, -1.25}) t.add_double_data(v);
    CHECK(deepvis::detail::onnx_to_tensor(t, ".", "t") == tensor({0.5f, -1.25f}));
    t.Clear();
    t.add_dims(2);
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_float_data(1.0f);
    CHECK_THROWS_WITH_AS(deepvis::detail::onnx_to_tensor(t, ".", "initialiser 't'"),
                         doctest::Contains("float_data holds 1 values, expected 2"), deepvis::io_error);
}

TEST_CASE("onnx: save_onnx rejects a graph the ONNX checker refuses, and unwritable paths") {
    graph g;
    g.inputs = {{"x", {1, 4}}};
    g.add({"fancy", "NotAnOnnxOp", {"x"}, {"y"}, {}});
    g.outputs = {{"y", {1, 4}}};
    temp_folder dir("onnx_save_bad");
    CHECK_THROWS_WITH_AS(deepvis::io::save_onnx(g, dir / "bad.onnx"), doctest::Contains("NotAnOnnxOp"),
                         deepvis::config_error);
    CHECK_FALSE(std::filesystem::exists(dir / "bad.onnx"));
    graph ok;
    ok.inputs = {{"x", {1, 4}}};
    ok.add({"relu", "Relu", {"x"}, {"y"}, {}});
    ok.outputs = {{"y", {1, 4}}};
    CHECK_THROWS_WITH_AS(deepvis::io::save_onnx(ok, dir / "no" / "such" / "folder.onnx"),
                         doctest::Contains("folder.onnx"), deepvis::io_error);
}

TEST_CASE("onnx: declared initialiser shapes are checked before anything is allocated (hostile input)") {
    // A 1-float tensor that claims shape (7, 7.9e18): the product wraps size_t.
    onnx::TensorProto t;
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_dims(7);
    t.add_dims(7900000000000000000LL);
    t.set_raw_data(std::string(4, '\0'));
    CHECK_THROWS_WITH_AS(deepvis::detail::onnx_to_tensor(t, ".", "initialiser 'w'"),
                         doctest::Contains("more than 2^64 elements"), deepvis::shape_error);
    // 100 G elements declared by a few bytes: refused by the size limit, not by an allocation.
    t.clear_dims();
    t.add_dims(100000);
    t.add_dims(1000000);
    CHECK_THROWS_WITH_AS(deepvis::detail::onnx_to_tensor(t, ".", "initialiser 'w'"),
                         doctest::Contains("DEEPVIS_MAX_ELEMENTS"), deepvis::shape_error);
    // Within the limit but not backed by the data present: an io_error before allocating.
    t.clear_dims();
    t.add_dims(1 << 28);
    CHECK_THROWS_WITH_AS(deepvis::detail::onnx_to_tensor(t, ".", "initialiser 'w'"),
                         doctest::Contains("holds 4 bytes of data, expected 268435456 x 4"), deepvis::io_error);
    t.clear_raw_data();
    t.add_float_data(1.0f);
    CHECK_THROWS_WITH_AS(deepvis::detail::onnx_to_tensor(t, ".", "initialiser 'w'"),
                         doctest::Contains("float_data holds 1 values"), deepvis::io_error);
}
