// Model metadata (io/model_metadata.hpp): the deepvis.* keys survive save_onnx/load_onnx, fill
// the preprocessing and the class names, and malformed values (a file is untrusted) are errors
// naming the key.
#include <doctest/doctest.h>

#include <deepvis/io/model_metadata.hpp>
#include <deepvis/io/onnx.hpp>

#include "onnx/onnx_support.hpp"

namespace io = deepvis::io;
using deepvis::test::temp_folder;

namespace {

deepvis::nn::graph relu_graph() {
    deepvis::nn::graph g;
    g.inputs = {{"x", {-1, 3, -1, -1}}};
    g.outputs = {{"y", {-1, 3, -1, -1}}};
    g.add({.name = "relu", .op_type = "Relu", .inputs = {"x"}, .outputs = {"y"}});
    return g;
}

}  // namespace

TEST_CASE("model metadata: preprocessing and class names survive save_onnx and load_onnx") {
    deepvis::nn::graph g = relu_graph();
    const io::image_options caffe{
        .size = {227, 227}, .mean = {104.0f, 117.0f, 123.0f}, .std = {1.0f}, .scale = 1.0f, .bgr = true};
    io::write_preprocessing(g.metadata, caffe);
    io::write_labels(g.metadata, {"tench, Tinca tinca", "goldfish", ""});
    g.metadata["author"] = "someone else's key, kept as it is";
    temp_folder dir("metadata");
    io::save_onnx(g, dir / "m.onnx");
    const auto loaded = io::load_onnx(dir / "m.onnx");
    CHECK(loaded.metadata == g.metadata);
    CHECK(loaded.metadata.at(io::metadata_key::mean) == "104,117,123");
    CHECK(loaded.metadata.at(io::metadata_key::bgr) == "1");
    CHECK(loaded.metadata.at(io::metadata_key::size) == "227,227");

    const io::image_options o = io::read_preprocessing(loaded.metadata, {});
    CHECK(o.size == caffe.size);
    CHECK(o.mean == caffe.mean);
    CHECK(o.std == caffe.std);
    CHECK(o.scale == 1.0f);
    CHECK(o.bgr);
    CHECK(io::read_labels(loaded.metadata) == std::vector<std::string>{"tench, Tinca tinca", "goldfish", ""});
    CHECK(io::has_preprocessing(loaded.metadata));
    CHECK_FALSE(io::has_preprocessing({{"author", "x"}}));
    // 1/255 keeps its value through the text.
    io::metadata_map m;
    io::write_preprocessing(m, {});
    CHECK(io::read_preprocessing(m, {.scale = 7.0f}).scale == 1.0f / 255.0f);
    CHECK(m.count(io::metadata_key::size) == 0);
}

TEST_CASE("model metadata: a missing key keeps the default, a malformed one names the key") {
    const io::image_options defaults{.mean = {0.5f}, .scale = 2.0f};
    const auto kept = io::read_preprocessing({{io::metadata_key::bgr, "1"}}, defaults);
    CHECK(kept.mean == defaults.mean);
    CHECK(kept.scale == 2.0f);
    CHECK(kept.bgr);
    const std::pair<const char*, const char*> bad[] = {
        {io::metadata_key::mean, "104;117;123"}, {io::metadata_key::mean, ""},
        {io::metadata_key::mean, "1,2,3,4,5"},   {io::metadata_key::mean, "nan"},
        {io::metadata_key::stddev, "1,0,1"},     {io::metadata_key::scale, "0"},
        {io::metadata_key::scale, "1,2"},        {io::metadata_key::bgr, "yes"},
        {io::metadata_key::size, "227"},         {io::metadata_key::size, "227.5,227"},
        {io::metadata_key::size, "-1,227"},      {io::metadata_key::size, "1e9,1e9"},
        {io::metadata_key::mean, "1e999"}};
    for (const auto& [key, value] : bad) {
        CAPTURE(key);
        CAPTURE(value);
        CHECK_THROWS_WITH_AS(io::read_preprocessing({{key, value}}, {}), doctest::Contains(key), deepvis::io_error);
    }
    io::metadata_map labels;
    CHECK_THROWS_AS(io::write_labels(labels, {"two\nlines"}), deepvis::config_error);
}
