#pragma once
/// Conversion between ONNX TensorProto and deepvis tensors: float, double, int32 and int64
/// element types, stored in the typed fields, in raw_data (little-endian) or in an external
/// file next to the model. deepvis computes in float32; integer tensors (shapes, axes, pads)
/// are exact below 2^24.
#include <onnx/onnx_pb.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deepvis/core/checked.hpp>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace deepvis::detail {

static_assert(std::endian::native == std::endian::little,
              "deepvis ONNX I/O reads raw_data, which ONNX stores little-endian, by memcpy");

/// The ONNX name of a TensorProto data type ("FLOAT", "INT64", ...), for error messages.
inline std::string onnx_type_name(int data_type) {
    if (onnx::TensorProto_DataType_IsValid(data_type))
        return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(data_type));
    return "type " + std::to_string(data_type);
}

/// True for the element types load_onnx converts to float.
inline bool onnx_type_supported(int data_type) {
    return data_type == onnx::TensorProto::FLOAT || data_type == onnx::TensorProto::DOUBLE ||
           data_type == onnx::TensorProto::INT32 || data_type == onnx::TensorProto::INT64;
}

/// True for the integer element types (recorded in graph::integer_initializers on load).
inline bool onnx_type_is_integer(int data_type) {
    return data_type == onnx::TensorProto::INT32 || data_type == onnx::TensorProto::INT64;
}

inline std::size_t onnx_element_size(int data_type) {
    switch (data_type) {
        case onnx::TensorProto::FLOAT:
        case onnx::TensorProto::INT32:
            return 4;
        default:
            return 8;
    }
}

/// Reads the bytes of a tensor stored as EXTERNAL data. `location` is relative to the model's
/// folder and must stay inside it; `offset` and `length` are optional.
inline std::string read_onnx_external_data(const onnx::TensorProto& t, const std::filesystem::path& model_dir,
                                           const std::string& context) {
    namespace fs = std::filesystem;
    std::string location;
    std::int64_t offset = 0, length = -1;
    for (const auto& entry : t.external_data()) {
        try {
            if (entry.key() == "location")
                location = entry.value();
            else if (entry.key() == "offset")
                offset = std::stoll(entry.value());
            else if (entry.key() == "length")
                length = std::stoll(entry.value());
        } catch (const std::exception&) {
            DEEPVIS_FAIL(io_error, context << ": external data key '" << entry.key() << "' has the non-numeric value '"
                                           << entry.value() << "'");
        }
    }
    DEEPVIS_CHECK(!location.empty(), io_error, context << ": stored as external data without a 'location'");
    DEEPVIS_CHECK(offset >= 0, io_error, context << ": external data offset " << offset << " is negative");
    const fs::path relative = fs::path(location).lexically_normal();
    DEEPVIS_CHECK(relative.is_relative() && !relative.empty() && *relative.begin() != "..", io_error,
                  context << ": external data location '" << location << "' is outside the model's folder");
    const fs::path file = model_dir / relative;
    // Symbolic links may still lead out of the folder: compare the resolved paths too.
    std::error_code ec_dir, ec_file, ec;
    const fs::path dir_real = fs::weakly_canonical(model_dir.empty() ? fs::path(".") : model_dir, ec_dir);
    const fs::path file_real = fs::weakly_canonical(file, ec_file);
    const auto rel_real = file_real.lexically_relative(dir_real);
    DEEPVIS_CHECK(!ec_dir && !ec_file && !rel_real.empty() && *rel_real.begin() != "..", io_error,
                  context << ": external data location '" << location << "' resolves outside the model's folder");
    DEEPVIS_CHECK(fs::is_regular_file(file, ec), io_error,
                  context << ": external data file '" << file.string() << "' not found");
    const auto size = static_cast<std::int64_t>(fs::file_size(file, ec));
    DEEPVIS_CHECK(!ec, io_error, context << ": cannot read the size of external data file '" << file.string() << "'");
    if (length < 0) length = size - offset;
    DEEPVIS_CHECK(offset <= size && length <= size - offset, io_error,
                  context << ": external data file '" << file.string() << "' has " << size
                          << " bytes, expected at least " << offset + length << " (offset " << offset << " + length "
                          << length << ")");
    std::string bytes(static_cast<std::size_t>(length), '\0');
    std::ifstream in(file, std::ios::binary);
    in.seekg(offset);
    in.read(bytes.data(), length);
    DEEPVIS_CHECK(in.good() || (length == 0 && !in.bad()), io_error,
                  context << ": cannot read external data file '" << file.string() << "'");
    return bytes;
}

/// Converts a TensorProto to a float tensor. `context` starts every error message
/// ("model 'net.onnx': initialiser 'fc.weight'"); `model_dir` resolves external data.
inline tensor onnx_to_tensor(const onnx::TensorProto& t, const std::filesystem::path& model_dir,
                             const std::string& context) {
    const int type = t.data_type();
    DEEPVIS_CHECK(onnx_type_supported(type), unsupported_error,
                  context << ": element type " << onnx_type_name(type)
                          << " is not supported (deepvis reads FLOAT, DOUBLE, INT32 and INT64 tensors)");
    DEEPVIS_CHECK(!t.has_segment(), unsupported_error, context << ": segmented tensors are not supported");
    shape_type shape;
    for (auto d : t.dims()) {
        DEEPVIS_CHECK(d >= 0, io_error, context << ": has the negative dimension " << d);
        shape.push_back(static_cast<std::size_t>(d));
    }
    // The declared shape is checked (overflow, size limit) and held to the data present before
    // anything is allocated: a small file cannot ask for a huge tensor.
    const std::size_t count = checked_element_count(shape, context);

    const bool external = t.data_location() == onnx::TensorProto::EXTERNAL;
    if (external || t.has_raw_data()) {
        std::string external_bytes;
        if (external) external_bytes = read_onnx_external_data(t, model_dir, context);
        const std::string& bytes = external ? external_bytes : t.raw_data();
        const std::size_t element = onnx_element_size(type);
        DEEPVIS_CHECK(bytes.size() / element == count && bytes.size() % element == 0, io_error,
                      context << ": holds " << bytes.size() << " bytes of data, expected " << count << " x " << element
                              << " for " << onnx_type_name(type) << " shape " << shape_string(shape));
        tensor out(shape);
        float* dst = out.data();
        const char* src = bytes.data();
        if (type == onnx::TensorProto::FLOAT) {  // the common case: one copy (VGG's 530 MB in 0.1 s)
            if (count) std::memcpy(dst, src, count * 4);
            return out;
        }
        for (std::size_t i = 0; i < count; ++i, src += element) {
            switch (type) {
                case onnx::TensorProto::INT32: {
                    std::int32_t v;
                    std::memcpy(&v, src, 4);
                    dst[i] = static_cast<float>(v);
                    break;
                }
                case onnx::TensorProto::INT64: {
                    std::int64_t v;
                    std::memcpy(&v, src, 8);
                    dst[i] = static_cast<float>(v);
                    break;
                }
                default: {
                    double v;
                    std::memcpy(&v, src, 8);
                    dst[i] = static_cast<float>(v);
                }
            }
        }
        return out;
    }

    tensor out;
    auto copy = [&](const auto& field, const char* field_name) {
        DEEPVIS_CHECK(static_cast<std::size_t>(field.size()) == count, io_error,
                      context << ": " << field_name << " holds " << field.size() << " values, expected " << count
                              << " for shape " << shape_string(shape));
        out.resize(shape);
        float* dst = out.data();
        for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(field[static_cast<int>(i)]);
    };
    switch (type) {
        case onnx::TensorProto::FLOAT:
            copy(t.float_data(), "float_data");
            break;
        case onnx::TensorProto::INT32:
            copy(t.int32_data(), "int32_data");
            break;
        case onnx::TensorProto::INT64:
            copy(t.int64_data(), "int64_data");
            break;
        default:
            copy(t.double_data(), "double_data");
    }
    return out;
}

/// Fills `out` from a float tensor: FLOAT in raw_data, or INT64 (values rounded) when
/// `as_int64` is set.
inline void tensor_to_onnx(const tensor& t, const std::string& name, bool as_int64, onnx::TensorProto& out) {
    out.Clear();
    out.set_name(name);
    for (auto d : t.shape()) out.add_dims(static_cast<std::int64_t>(d));
    const std::size_t count = t.size();
    std::string bytes;
    if (as_int64) {
        out.set_data_type(onnx::TensorProto::INT64);
        bytes.resize(count * 8);
        for (std::size_t i = 0; i < count; ++i) {
            const auto v = static_cast<std::int64_t>(std::llround(t.data()[i]));
            std::memcpy(bytes.data() + i * 8, &v, 8);
        }
    } else {
        out.set_data_type(onnx::TensorProto::FLOAT);
        bytes.resize(count * 4);
        if (count) std::memcpy(bytes.data(), t.data(), count * 4);
    }
    out.set_raw_data(std::move(bytes));
}

}  // namespace deepvis::detail
