#pragma once
/// Helpers shared by the ONNX tests: fixture paths, temporary folders, TensorProto files,
/// bitwise comparisons.
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <deepvis/io/onnx.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace deepvis::test {

inline std::filesystem::path onnx_fixture(const std::string& name) {
    return std::filesystem::path(DEEPVIS_SOURCE_DIR) / "tests" / "onnx" / "data" / name;
}

/// A fresh folder under the system temp folder, removed with the object.
class temp_folder {
public:
    explicit temp_folder(const std::string& tag) {
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        m_path = std::filesystem::temp_directory_path() /
                 ("deepvis_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(stamp));
        std::filesystem::create_directories(m_path);
    }
    ~temp_folder() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    temp_folder(const temp_folder&) = delete;
    temp_folder& operator=(const temp_folder&) = delete;
    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

inline std::string read_bytes(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::filesystem::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// Reads a serialised TensorProto (the .pb files of the ONNX test data and of our fixtures).
inline bool read_tensor_proto(const std::filesystem::path& file, onnx::TensorProto& t) {
    const std::string bytes = read_bytes(file);
    return t.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

inline tensor read_tensor_file(const std::filesystem::path& file) {
    onnx::TensorProto t;
    DEEPVIS_CHECK(read_tensor_proto(file, t), io_error, "tensor file '" << file.string() << "' does not parse");
    return detail::onnx_to_tensor(t, file.parent_path(), "tensor file '" + file.string() + "'");
}

inline bool bitwise_equal(const tensor& a, const tensor& b) {
    return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace deepvis::test
