#pragma once
/// ONNX import and export.
///
///   load_onnx(file):     parses the model through the official ONNX schema, validates it with
///                        onnx::checker::check_model and converts it to an nn::graph. Weights may
///                        be FLOAT, DOUBLE, INT32 or INT64 (integers are recorded in
///                        graph::integer_initializers), inline or in external files inside the
///                        model's folder. Constant nodes stay nodes; empty node names become
///                        "<op_type>_<index>". metadata_props become graph::metadata (and are
///                        written back by save_onnx). Every failure is an io_error naming the file, or an
///                        unsupported_error for element types and attribute kinds deepvis lacks.
///   save_onnx(g, file):  writes IR version 8 with the graph's opset, producer "deepvis"; the
///                        model is checked before it is written, through a temporary file that
///                        is renamed, so a failed save never leaves a half-written model.
///   load_network(file):  nn::network(load_onnx(file)); an op deepvis does not implement throws
///                        unsupported_error naming the op type, the node and the supported ops.
///   load_onnx_bytes(b), load_network_bytes(b): the same from bytes in memory (no external data).
///
/// Limits: one model file is at most 2 GB (protobuf's limit; larger models keep their weights
/// as external data). Every tensor is float32 in deepvis, so an exported graph declares FLOAT
/// inputs and outputs, and a Constant node that held int64 values is written back as FLOAT.
/// Link the CMake target deepvis::onnx to use this header.
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <climits>
#include <cstdio>
#include <deepvis/core/error.hpp>
#include <deepvis/io/atomic_file.hpp>
#include <deepvis/io/detail/model_label.hpp>
#include <deepvis/io/detail/onnx_graph.hpp>
#include <deepvis/io/detail/onnx_tensor.hpp>
#include <deepvis/nn/graph.hpp>
#include <deepvis/nn/network.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace deepvis::detail {

/// ValidationError messages span several lines ("...\n\n==> Context: ..."): make them one.
inline std::string one_line(const std::string& text) {
    std::string out;
    bool space = false;
    for (char c : text) {
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

inline bool has_external_data(const onnx::ModelProto& model) {
    for (const auto& t : model.graph().initializer())
        if (t.data_location() == onnx::TensorProto::EXTERNAL) return true;
    for (const auto& n : model.graph().node())
        for (const auto& a : n.attribute())
            if (a.has_t() && a.t().data_location() == onnx::TensorProto::EXTERNAL) return true;
    return false;
}

/// Parses a model's bytes; `label` is "model '<file>'".
inline onnx::ModelProto parse_onnx_bytes(std::string_view bytes, const std::string& label) {
    DEEPVIS_CHECK(!bytes.empty(), io_error, label << ": the file is empty, not an ONNX model");
    DEEPVIS_CHECK(bytes.size() <= static_cast<std::size_t>(INT_MAX), io_error,
                  label << ": the file is larger than 2 GB; store the weights as ONNX external data");
    onnx::ModelProto model;
    DEEPVIS_CHECK(model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())), io_error,
                  label << ": not a valid ONNX protobuf (truncated or corrupt?)");
    return model;
}

/// Reads and parses a model file; `label` is "model '<file>'".
inline onnx::ModelProto parse_onnx_file(const std::filesystem::path& file, const std::string& label) {
    std::error_code ec;
    DEEPVIS_CHECK(std::filesystem::exists(file, ec), io_error, label << ": file not found");
    DEEPVIS_CHECK(std::filesystem::is_regular_file(file, ec), io_error, label << ": not a regular file");
    const auto size = std::filesystem::file_size(file, ec);
    DEEPVIS_CHECK(!ec, io_error, label << ": cannot read the file's size: " << ec.message());
    DEEPVIS_CHECK(size <= static_cast<std::uintmax_t>(INT_MAX), io_error,
                  label << ": the file is larger than 2 GB; store the weights as ONNX external data");
    std::ifstream in(file, std::ios::binary);
    DEEPVIS_CHECK(in.is_open(), io_error, label << ": cannot open the file for reading");
    // One read of the whole file (a character iterator took 14 s for VGG's 530 MB).
    std::string bytes(static_cast<std::size_t>(size), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(size));
    DEEPVIS_CHECK(static_cast<std::uintmax_t>(in.gcount()) == size, io_error,
                  label << ": read " << in.gcount() << " of " << size << " bytes (the file changed or a read error)");
    return parse_onnx_bytes(bytes, label);
}

/// Runs the ONNX checker; external data needs the model's path, which only the path overload
/// of check_model passes on to the checker (it parses the file again, which is cheap because
/// the weights are elsewhere).
inline void check_onnx_model(const onnx::ModelProto& model, const std::filesystem::path& file,
                             const std::string& label) {
    try {
        if (has_external_data(model))
            onnx::checker::check_model(file.string());
        else
            onnx::checker::check_model(model);
    } catch (const onnx::checker::ValidationError& e) {
        DEEPVIS_FAIL(io_error, label << ": not a valid ONNX model: " << one_line(e.what()));
    } catch (const std::exception& e) {
        DEEPVIS_FAIL(io_error, label << ": the ONNX checker failed: " << one_line(e.what()));
    }
}

}  // namespace deepvis::detail

namespace deepvis::io {

/// Loads and validates an ONNX model and converts it to a graph (see the header comment).
inline nn::graph load_onnx(const std::filesystem::path& file) {
    const std::string label = "model '" + file.string() + "'";
    const onnx::ModelProto model = detail::parse_onnx_file(file, label);
    detail::check_onnx_model(model, file, label);
    return detail::onnx_to_graph(model, file.parent_path(), label);
}

/// Loads a model held in memory (`name` names it in errors), as load_onnx; a model whose weights
/// are external data needs its folder and is refused (io_error).
inline nn::graph load_onnx_bytes(std::string_view bytes, const std::string& name = "(memory)") {
    const std::string label = "model '" + name + "'";
    const onnx::ModelProto model = detail::parse_onnx_bytes(bytes, label);
    DEEPVIS_CHECK(!detail::has_external_data(model), io_error,
                  label << ": has external data, which only a model loaded from its file can read");
    detail::check_onnx_model(model, {}, label);
    return detail::onnx_to_graph(model, {}, label);
}

/// Writes `g` as an ONNX model that the ONNX checker accepts; throws config_error when the
/// graph is not valid ONNX and io_error when the file cannot be written.
inline void save_onnx(const nn::graph& g, const std::filesystem::path& file) {
    const std::string label = "save_onnx '" + file.string() + "'";
    onnx::ModelProto model;
    detail::graph_to_onnx(g, model);
    try {
        onnx::checker::check_model(model);
    } catch (const std::exception& e) {
        DEEPVIS_FAIL(config_error,
                     label << ": graph '" << g.name << "' is not a valid ONNX model: " << detail::one_line(e.what()));
    }
    DEEPVIS_CHECK(model.ByteSizeLong() <= static_cast<std::size_t>(INT_MAX), io_error,
                  label << ": the model is larger than protobuf's 2 GB limit");
    std::string bytes;
    DEEPVIS_CHECK(model.SerializeToString(&bytes), io_error, label << ": protobuf could not serialise the model");
    write_file_atomic(file, bytes);
}

/// Loads a model and builds its executor: nn::network(load_onnx(file)).
inline nn::network load_network(const std::filesystem::path& file) {
    nn::graph g = load_onnx(file);
    return detail::with_model_label("model '" + file.string() + "'", [&] { return nn::network(std::move(g)); });
}

/// Builds the executor of a model held in memory: nn::network(load_onnx_bytes(bytes, name)).
inline nn::network load_network_bytes(std::string_view bytes, const std::string& name = "(memory)") {
    nn::graph g = load_onnx_bytes(bytes, name);
    return detail::with_model_label("model '" + name + "'", [&] { return nn::network(std::move(g)); });
}

}  // namespace deepvis::io
