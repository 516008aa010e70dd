#pragma once
/// graph: the plain description of a network — named nodes over named tensors, initialisers
/// (weights) and declared inputs/outputs. It is what the ONNX importer produces, what the
/// exporter writes and what a C++ user builds by hand; network (nn/network.hpp) runs it.
#include <cstdint>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/attributes.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace deepvis::nn {

/// A declared graph input or output; -1 marks a dimension that is not fixed.
struct value_info {
    std::string name;
    std::vector<std::int64_t> shape;
};

struct node {
    std::string name;                  ///< unique node name ("" is replaced by "<op_type>_<index>" on load)
    std::string op_type;               ///< ONNX op type, e.g. "Conv"
    std::vector<std::string> inputs;   ///< tensor names in ONNX order; "" for an omitted optional input
    std::vector<std::string> outputs;  ///< tensor names
    attribute_map attributes;
};

struct graph {
    std::string name = "deepvis";
    std::vector<node> nodes;
    std::map<std::string, tensor> initializers;
    /// Initialisers that ONNX stores as int64 (shapes, pads, axes). deepvis computes with them as
    /// float, which is exact below 2^24, and writes them back as int64 on export.
    std::set<std::string> integer_initializers;
    std::vector<value_info> inputs;  ///< excludes initialisers
    std::vector<value_info> outputs;
    std::int64_t opset = 13;
    /// Key → value notes carried with the model (ONNX metadata_props): how its inputs are
    /// preprocessed and what its classes are called, under the keys of io/model_metadata.hpp.
    std::map<std::string, std::string> metadata;

    /// Appends a node and returns its first output's name, for fluent building in C++.
    const std::string& add(node n) {
        nodes.push_back(std::move(n));
        return nodes.back().outputs.front();
    }
};

}  // namespace deepvis::nn
