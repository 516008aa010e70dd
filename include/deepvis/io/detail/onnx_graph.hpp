#pragma once
/// Conversion between an ONNX ModelProto and nn::graph, in both directions. File handling and
/// validation live in io/onnx.hpp; these functions only translate.
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/io/detail/onnx_tensor.hpp>
#include <deepvis/nn/graph.hpp>
#include <deepvis/nn/op.hpp>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace deepvis::detail {

/// "a, b, c": the op types the registry knows, for unsupported-op messages.
inline std::string supported_op_list() {
    std::string list;
    for (const auto& name : nn::op_registry::instance().op_types()) list += (list.empty() ? "" : ", ") + name;
    return list;
}

/// The shape of a value_info: dim_value, or -1 for a dim_param or unknown dimension. Empty when
/// the rank is unknown (no shape given) or the value is not a tensor.
inline std::vector<std::int64_t> onnx_value_shape(const onnx::ValueInfoProto& v) {
    std::vector<std::int64_t> shape;
    if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return shape;
    for (const auto& d : v.type().tensor_type().shape().dim()) shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
    return shape;
}

/// Converts one attribute. INT, FLOAT, STRING, INTS, FLOATS and TENSOR are supported.
inline nn::attribute onnx_to_attribute(const onnx::AttributeProto& a, const std::filesystem::path& model_dir,
                                       const std::string& context) {
    auto type = a.type();
    if (type == onnx::AttributeProto::UNDEFINED) {
        // IR version 1 models leave the type out; infer it from the field that is set.
        if (a.has_f())
            type = onnx::AttributeProto::FLOAT;
        else if (a.has_i())
            type = onnx::AttributeProto::INT;
        else if (a.has_s())
            type = onnx::AttributeProto::STRING;
        else if (a.has_t())
            type = onnx::AttributeProto::TENSOR;
        else if (a.floats_size())
            type = onnx::AttributeProto::FLOATS;
        else if (a.ints_size())
            type = onnx::AttributeProto::INTS;
    }
    switch (type) {
        case onnx::AttributeProto::INT:
            return a.i();
        case onnx::AttributeProto::FLOAT:
            return a.f();
        case onnx::AttributeProto::STRING:
            return a.s();
        case onnx::AttributeProto::INTS:
            return std::vector<std::int64_t>(a.ints().begin(), a.ints().end());
        case onnx::AttributeProto::FLOATS:
            return std::vector<float>(a.floats().begin(), a.floats().end());
        case onnx::AttributeProto::TENSOR:
            return onnx_to_tensor(a.t(), model_dir, context + " tensor");
        default:
            DEEPVIS_FAIL(
                unsupported_error,
                context << " has type " << onnx::AttributeProto_AttributeType_Name(type)
                        << ", which deepvis does not support (INT, FLOAT, STRING, INTS, FLOATS and TENSOR are)");
    }
}

/// Converts a checked ModelProto to a graph. `label` ("model 'net.onnx'") starts every error
/// message; `model_dir` resolves external data.
inline nn::graph onnx_to_graph(const onnx::ModelProto& model, const std::filesystem::path& model_dir,
                               const std::string& label) {
    const auto& g = model.graph();
    nn::graph out;
    out.name = g.name().empty() ? "deepvis" : g.name();
    out.opset = 0;
    for (const auto& imp : model.opset_import())
        if (imp.domain().empty() || imp.domain() == "ai.onnx") out.opset = imp.version();
    DEEPVIS_CHECK(out.opset > 0, io_error, label << ": imports no opset of the default ONNX domain");
    for (const auto& entry : model.metadata_props()) out.metadata[entry.key()] = entry.value();

    DEEPVIS_CHECK(g.sparse_initializer_size() == 0, unsupported_error,
                  label << ": sparse initialisers are not supported (initialiser '"
                        << g.sparse_initializer(0).values().name() << "')");
    for (const auto& init : g.initializer()) {
        const std::string context = label + ": initialiser '" + init.name() + "'";
        out.initializers[init.name()] = onnx_to_tensor(init, model_dir, context);
        if (onnx_type_is_integer(init.data_type())) out.integer_initializers.insert(init.name());
    }
    for (const auto& in : g.input()) {
        if (out.initializers.count(in.name())) continue;  // a default value for a weight, not data
        out.inputs.push_back({in.name(), onnx_value_shape(in)});
    }
    for (const auto& o : g.output()) out.outputs.push_back({o.name(), onnx_value_shape(o)});

    std::set<std::string> names;
    for (const auto& n : g.node())
        if (!n.name().empty()) names.insert(n.name());
    for (int k = 0; k < g.node_size(); ++k) {
        const auto& n = g.node(k);
        nn::node nd;
        nd.name = n.name();
        if (nd.name.empty()) {
            nd.name = n.op_type() + "_" + std::to_string(k);
            for (int suffix = 1; names.count(nd.name); ++suffix)
                nd.name = n.op_type() + "_" + std::to_string(k) + "_" + std::to_string(suffix);
            names.insert(nd.name);
        }
        nd.op_type = n.op_type();
        const bool default_domain = n.domain().empty() || n.domain() == "ai.onnx";
        DEEPVIS_CHECK(default_domain, unsupported_error,
                      label << ": node '" << nd.name << "': unsupported op type '" << n.domain() << "." << n.op_type()
                            << "' (only the default ONNX domain is supported); supported ops: " << supported_op_list());
        nd.inputs.assign(n.input().begin(), n.input().end());
        nd.outputs.assign(n.output().begin(), n.output().end());
        for (const auto& a : n.attribute()) {
            const std::string context =
                label + ": node '" + nd.name + "' (" + nd.op_type + "): attribute '" + a.name() + "'";
            try {
                nd.attributes.set(a.name(), onnx_to_attribute(a, model_dir, context));
            } catch (const unsupported_error&) {
                // An op deepvis does not run at all is the more useful message.
                DEEPVIS_CHECK(nn::op_registry::instance().supports(nd.op_type), unsupported_error,
                              label << ": node '" << nd.name << "': unsupported op type '" << nd.op_type
                                    << "'; supported ops: " << supported_op_list());
                throw;
            }
        }
        out.nodes.push_back(std::move(nd));
    }
    return out;
}

/// Fills a ValueInfoProto: a FLOAT tensor, with the shape when it is known (-1 → a dimension
/// with neither value nor name).
inline void value_info_to_onnx(const nn::value_info& v, onnx::ValueInfoProto& out) {
    out.set_name(v.name);
    auto* type = out.mutable_type()->mutable_tensor_type();
    type->set_elem_type(onnx::TensorProto::FLOAT);
    if (v.shape.empty()) return;
    auto* shape = type->mutable_shape();
    for (auto d : v.shape) {
        auto* dim = shape->add_dim();
        if (d >= 0) dim->set_dim_value(d);
    }
}

/// Fills an AttributeProto from an attribute of the bag.
inline void attribute_to_onnx(const std::string& name, const nn::attribute& value, onnx::AttributeProto& out) {
    out.set_name(name);
    if (auto* i = std::get_if<std::int64_t>(&value)) {
        out.set_type(onnx::AttributeProto::INT);
        out.set_i(*i);
    } else if (auto* f = std::get_if<float>(&value)) {
        out.set_type(onnx::AttributeProto::FLOAT);
        out.set_f(*f);
    } else if (auto* s = std::get_if<std::string>(&value)) {
        out.set_type(onnx::AttributeProto::STRING);
        out.set_s(*s);
    } else if (auto* is = std::get_if<std::vector<std::int64_t>>(&value)) {
        out.set_type(onnx::AttributeProto::INTS);
        for (auto v : *is) out.add_ints(v);
    } else if (auto* fs = std::get_if<std::vector<float>>(&value)) {
        out.set_type(onnx::AttributeProto::FLOATS);
        for (auto v : *fs) out.add_floats(v);
    } else {
        out.set_type(onnx::AttributeProto::TENSOR);
        tensor_to_onnx(std::get<tensor>(value), "", false, *out.mutable_t());
    }
}

/// The node order ONNX requires: each node after the producers of its inputs. A C++ user may
/// build nodes in any order; nodes that can never run keep their place at the end (the checker
/// then reports them).
inline std::vector<std::size_t> topological_order(const nn::graph& g) {
    std::set<std::string> available;
    for (const auto& [name, value] : g.initializers) available.insert(name);
    for (const auto& in : g.inputs) available.insert(in.name);
    std::vector<std::size_t> order;
    std::vector<char> done(g.nodes.size(), 0);
    for (bool progress = true; progress && order.size() < g.nodes.size();) {
        progress = false;
        for (std::size_t n = 0; n < g.nodes.size(); ++n) {
            if (done[n]) continue;
            bool ready = true;
            for (const auto& i : g.nodes[n].inputs) ready = ready && (i.empty() || available.count(i));
            if (!ready) continue;
            for (const auto& o : g.nodes[n].outputs) available.insert(o);
            order.push_back(n);
            done[n] = 1;
            progress = true;
        }
    }
    for (std::size_t n = 0; n < g.nodes.size(); ++n)
        if (!done[n]) order.push_back(n);
    return order;
}

/// The ONNX checker requires a shape on every graph output, and an output need not be float
/// (ArgMax gives int64). ONNX shape inference fills in the element type and whatever shape it
/// can derive; an output it cannot derive is declared with an empty shape.
inline void complete_output_types(onnx::ModelProto& model) {
    onnx::ModelProto inferred = model;
    inferred.mutable_graph()->clear_output();
    try {
        onnx::ShapeInferenceOptions options{};
        options.check_type = false;
        options.error_mode = 0;
        onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception&) {
        // Inference is a convenience for the declaration; the checker still judges the model.
    }
    auto find_inferred = [&](const std::string& name) -> const onnx::TypeProto* {
        for (const auto& v : inferred.graph().value_info())
            if (v.name() == name && v.type().has_tensor_type()) return &v.type();
        return nullptr;
    };
    for (auto& out : *model.mutable_graph()->mutable_output()) {
        auto* type = out.mutable_type()->mutable_tensor_type();
        const onnx::TypeProto* found = find_inferred(out.name());
        if (found && found->tensor_type().elem_type() != onnx::TensorProto::UNDEFINED)
            type->set_elem_type(found->tensor_type().elem_type());
        if (type->has_shape()) continue;
        if (found && found->tensor_type().has_shape())
            *type->mutable_shape() = found->tensor_type().shape();
        else
            type->mutable_shape();
    }
}

/// Converts a graph to a ModelProto (IR version 8, the graph's opset, producer "deepvis").
inline void graph_to_onnx(const nn::graph& g, onnx::ModelProto& model) {
    model.Clear();
    model.set_ir_version(8);
    model.set_producer_name("deepvis");
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(g.opset > 0 ? g.opset : 13);
    auto* graph = model.mutable_graph();
    graph->set_name(g.name.empty() ? "deepvis" : g.name);
    for (std::size_t k : topological_order(g)) {
        const auto& nd = g.nodes[k];
        auto* n = graph->add_node();
        n->set_name(nd.name.empty() ? nd.op_type + "_" + std::to_string(k) : nd.name);
        n->set_op_type(nd.op_type);
        for (const auto& i : nd.inputs) n->add_input(i);
        for (const auto& o : nd.outputs) n->add_output(o);
        for (const auto& [name, value] : nd.attributes.all()) attribute_to_onnx(name, value, *n->add_attribute());
    }
    for (const auto& [name, value] : g.initializers)
        tensor_to_onnx(value, name, g.integer_initializers.count(name) != 0, *graph->add_initializer());
    for (const auto& in : g.inputs) value_info_to_onnx(in, *graph->add_input());
    for (const auto& out : g.outputs) value_info_to_onnx(out, *graph->add_output());
    for (const auto& [key, value] : g.metadata) {
        auto* entry = model.add_metadata_props();
        entry->set_key(key);
        entry->set_value(value);
    }
    complete_output_types(model);
}

}  // namespace deepvis::detail
