#pragma once
/// A structure-aware mutator for the ONNX harnesses (LLVMFuzzerCustomMutator): parses the input
/// as a ModelProto, changes one field — a dimension, an attribute, an op type, an input name, an
/// opset, a tensor's bytes — and serialises it again, so that most mutants still parse and get
/// past the checker into deepvis' own code. Inputs that do not parse get libFuzzer's byte
/// mutations.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace deepvis::fuzz {

inline std::int64_t interesting_int(std::mt19937_64& rng) {
    static constexpr std::int64_t values[] = {0,
                                              1,
                                              2,
                                              3,
                                              -1,
                                              -2,
                                              7,
                                              64,
                                              255,
                                              65536,
                                              std::int64_t(1) << 31,
                                              std::int64_t(1) << 32,
                                              std::int64_t(1) << 62,
                                              std::numeric_limits<std::int64_t>::max(),
                                              std::numeric_limits<std::int64_t>::min()};
    if (rng() % 4 == 0) return static_cast<std::int64_t>(rng() % 20) - 5;
    return values[rng() % std::size(values)];
}

inline float interesting_float(std::mt19937_64& rng) {
    static constexpr float values[] = {0.0f,
                                       -0.0f,
                                       1.0f,
                                       -1.0f,
                                       0.5f,
                                       2.0f,
                                       1e-30f,
                                       1e30f,
                                       3.4e38f,
                                       std::numeric_limits<float>::infinity(),
                                       -std::numeric_limits<float>::infinity(),
                                       std::numeric_limits<float>::quiet_NaN()};
    return values[rng() % std::size(values)];
}

inline void mutate_attribute(onnx::AttributeProto& a, std::mt19937_64& rng) {
    if (a.ints_size() > 0)
        a.set_ints(static_cast<int>(rng() % a.ints_size()), interesting_int(rng));
    else if (a.floats_size() > 0)
        a.set_floats(static_cast<int>(rng() % a.floats_size()), interesting_float(rng));
    else if (a.has_f())
        a.set_f(interesting_float(rng));
    else if (a.has_i())
        a.set_i(interesting_int(rng));
    else if (a.has_s())
        a.set_s(rng() % 2 ? "" : "nearest");
    if (rng() % 8 == 0) a.add_ints(interesting_int(rng));  // a longer list than the op expects
}

inline void mutate_model(onnx::ModelProto& m, std::mt19937_64& rng) {
    static const char* ops[] = {"Conv",
                                "Relu",
                                "MaxPool",
                                "AveragePool",
                                "Gemm",
                                "MatMul",
                                "Add",
                                "Mul",
                                "Concat",
                                "Reshape",
                                "Flatten",
                                "Softmax",
                                "Resize",
                                "Pad",
                                "Gather",
                                "Transpose",
                                "BatchNormalization",
                                "GlobalAveragePool",
                                "LRN",
                                "Identity",
                                "Slice",
                                "Squeeze",
                                "Unsqueeze",
                                "Sum",
                                "Dropout",
                                "Constant",
                                "Shape"};
    onnx::GraphProto& g = *m.mutable_graph();
    switch (rng() % 9) {
        case 0:  // an initialiser's dimension
            if (g.initializer_size() > 0) {
                auto& t = *g.mutable_initializer(static_cast<int>(rng() % g.initializer_size()));
                if (t.dims_size() > 0 && rng() % 4)
                    t.set_dims(static_cast<int>(rng() % t.dims_size()), interesting_int(rng));
                else
                    t.add_dims(interesting_int(rng));
            }
            break;
        case 1:  // an attribute value
        case 2:
            if (g.node_size() > 0) {
                auto& n = *g.mutable_node(static_cast<int>(rng() % g.node_size()));
                if (n.attribute_size() > 0)
                    mutate_attribute(*n.mutable_attribute(static_cast<int>(rng() % n.attribute_size())), rng);
            }
            break;
        case 3:  // an op type
            if (g.node_size() > 0)
                g.mutable_node(static_cast<int>(rng() % g.node_size()))->set_op_type(ops[rng() % std::size(ops)]);
            break;
        case 4:  // wire a node's input to another tensor
            if (g.node_size() > 1) {
                auto& n = *g.mutable_node(static_cast<int>(rng() % g.node_size()));
                const auto& other = g.node(static_cast<int>(rng() % g.node_size()));
                if (n.input_size() > 0 && other.output_size() > 0)
                    n.set_input(static_cast<int>(rng() % n.input_size()), other.output(0));
            }
            break;
        case 5:  // the declared input shape
            if (g.input_size() > 0) {
                auto* shape = g.mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
                if (shape->dim_size() > 0 && rng() % 4)
                    shape->mutable_dim(static_cast<int>(rng() % shape->dim_size()))
                        ->set_dim_value(interesting_int(rng) % 64);
                else
                    shape->add_dim()->set_dim_value(static_cast<std::int64_t>(rng() % 5));
            }
            break;
        case 6:  // the opset
            if (m.opset_import_size() > 0)
                m.mutable_opset_import(0)->set_version(static_cast<std::int64_t>(rng() % 21));
            break;
        case 7:  // a tensor's raw bytes: cut or extended
            if (g.initializer_size() > 0) {
                auto& t = *g.mutable_initializer(static_cast<int>(rng() % g.initializer_size()));
                std::string raw = t.raw_data();
                raw.resize(rng() % 2 ? raw.size() / 2 : raw.size() + 4 * (rng() % 8));
                t.set_raw_data(raw);
            }
            break;
        default:  // drop a node
            if (g.node_size() > 1) {
                auto* nodes = g.mutable_node();
                nodes->DeleteSubrange(static_cast<int>(rng() % g.node_size()), 1);
            }
            break;
    }
}

}  // namespace deepvis::fuzz

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
    std::mt19937_64 rng(seed);
    onnx::ModelProto model;
    if (rng() % 8 != 0 && model.ParseFromArray(data, static_cast<int>(size))) {
        deepvis::fuzz::mutate_model(model, rng);
        std::string bytes;
        if (model.SerializeToString(&bytes) && bytes.size() <= max_size) {
            std::memcpy(data, bytes.data(), bytes.size());
            return bytes.size();
        }
    }
    return LLVMFuzzerMutate(data, size, max_size);
}
