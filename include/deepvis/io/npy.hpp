#pragma once
/// NumPy .npy files of float32 arrays: the way tensors enter and leave the CLI (inputs,
/// logits, attribution maps) and the format of the PyTorch reference fixtures.
///
/// load_npy reads format versions 1.0, 2.0 and 3.0, little- or big-endian float32, C or Fortran
/// order (a Fortran-order array is transposed into deepvis' row-major layout). Anything else —
/// another dtype, a truncated or garbage file — is an io_error naming the file; a float64 or
/// integer array is rejected rather than silently converted, so a model never sees values that
/// were rounded behind the user's back.
/// save_npy writes version 1.0 (2.0 for a header too long for 1.0), C order, through
/// atomic_file, so an interrupted run never leaves a truncated .npy.
#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deepvis/core/checked.hpp>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/io/atomic_file.hpp>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace deepvis::detail {

inline constexpr char npy_magic[] = "\x93NUMPY";
inline constexpr std::size_t npy_magic_size = 6;

/// The three fields of an .npy header dictionary.
struct npy_header {
    std::string descr;
    bool fortran_order = false;
    shape_type shape;
};

/// Parses the Python dict literal of an .npy header, e.g.
/// "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".
class npy_header_parser {
public:
    npy_header_parser(const std::string& text, const std::string& file) : m_text(text), m_file(file) {}

    npy_header parse() {
        npy_header h;
        bool has_descr = false, has_order = false, has_shape = false;
        expect('{');
        while (true) {
            skip_space();
            if (peek() == '}') break;
            const std::string key = quoted();
            expect(':');
            skip_space();
            if (key == "descr") {
                h.descr = peek() == '[' ? bracketed() : quoted();
                has_descr = true;
            } else if (key == "fortran_order") {
                h.fortran_order = boolean();
                has_order = true;
            } else if (key == "shape") {
                h.shape = tuple();
                has_shape = true;
            } else {
                fail("unknown header key '" + key + "'");
            }
            skip_space();
            if (peek() == ',') ++m_pos;
        }
        if (!has_descr || !has_order || !has_shape) fail("header lacks 'descr', 'fortran_order' or 'shape'");
        return h;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        DEEPVIS_FAIL(io_error, "npy '" << m_file << "': not a valid .npy file (" << what << ")");
    }
    char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
    void skip_space() {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\n'))
            ++m_pos;
    }
    void expect(char c) {
        skip_space();
        if (peek() != c) fail(std::string("expected '") + c + "' in the header");
        ++m_pos;
    }
    std::string quoted() {
        skip_space();
        const char q = peek();
        if (q != '\'' && q != '"') fail("expected a quoted string in the header");
        const std::size_t end = m_text.find(q, m_pos + 1);
        if (end == std::string::npos) fail("unterminated string in the header");
        std::string s = m_text.substr(m_pos + 1, end - m_pos - 1);
        m_pos = end + 1;
        return s;
    }
    // A structured dtype is a list; it is kept verbatim only to be named in the error.
    std::string bracketed() {
        const std::size_t start = m_pos;
        int depth = 0;
        do {
            if (peek() == '\0') fail("unterminated list in the header");
            if (peek() == '[') ++depth;
            if (peek() == ']') --depth;
            ++m_pos;
        } while (depth > 0);
        return m_text.substr(start, m_pos - start);
    }
    bool boolean() {
        if (m_text.compare(m_pos, 4, "True") == 0) {
            m_pos += 4;
            return true;
        }
        if (m_text.compare(m_pos, 5, "False") == 0) {
            m_pos += 5;
            return false;
        }
        fail("fortran_order is neither True nor False");
    }
    shape_type tuple() {
        expect('(');
        shape_type shape;
        while (true) {
            skip_space();
            if (peek() == ')') break;
            if (peek() < '0' || peek() > '9') fail("shape is not a tuple of non-negative integers");
            unsigned long long d = 0;
            while (peek() >= '0' && peek() <= '9') {
                const unsigned digit = static_cast<unsigned>(peek() - '0');
                if (d > (std::numeric_limits<unsigned long long>::max() - digit) / 10)
                    fail("shape dimension overflows");
                d = d * 10 + digit;
                ++m_pos;
            }
            // Python 2 era writers append L to longs.
            if (peek() == 'L') ++m_pos;
            shape.push_back(static_cast<std::size_t>(d));
            skip_space();
            if (peek() == ',')
                ++m_pos;
            else if (peek() != ')')
                fail("shape is not a tuple of non-negative integers");
        }
        ++m_pos;
        return shape;
    }

    const std::string& m_text;
    const std::string& m_file;
    std::size_t m_pos = 0;
};

inline void npy_byteswap_floats(float* data, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        std::uint32_t u;
        std::memcpy(&u, data + i, 4);
        u = (u >> 24) | ((u >> 8) & 0xff00u) | ((u << 8) & 0xff0000u) | (u << 24);
        std::memcpy(data + i, &u, 4);
    }
}

/// The row-major tensor of `shape` whose elements `stored` holds in Fortran (column-major) order.
inline tensor npy_from_fortran_order(const tensor& stored, const shape_type& shape) {
    tensor out(shape);
    const std::size_t rank = shape.size();
    shape_type index(rank, 0), stride(rank, 1);
    for (std::size_t d = 1; d < rank; ++d) stride[d] = stride[d - 1] * shape[d - 1];
    const float* src = stored.data();
    float* dst = out.data();
    std::size_t offset = 0;  // column-major offset of `index`
    for (std::size_t e = 0; e < out.size(); ++e) {
        dst[e] = src[offset];
        // Advance the row-major multi-index (last dimension fastest), keeping `offset` in step.
        for (std::size_t d = rank; d-- > 0;) {
            if (++index[d] < shape[d]) {
                offset += stride[d];
                break;
            }
            offset -= (shape[d] - 1) * stride[d];
            index[d] = 0;
        }
    }
    return out;
}

/// "(2, 3)", "(3,)" or "()": a shape as a Python tuple literal.
inline std::string npy_shape_tuple(const shape_type& shape) {
    std::ostringstream os;
    os << '(';
    for (std::size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
    if (shape.size() == 1) os << ',';
    os << ')';
    return os.str();
}

}  // namespace deepvis::detail

namespace deepvis::io {

/// Reads a float32 .npy file.
///   ensures: the tensor has the file's shape (row-major whatever the file's order).
///   throws:  io_error naming the file when it is missing, not an .npy file, truncated, or holds
///            another dtype than float32 (the message says how to convert it).
inline tensor load_npy(const std::filesystem::path& path) {
    const std::string file = path.string();
    std::error_code ec;
    DEEPVIS_CHECK(std::filesystem::exists(path, ec), io_error, "npy '" << file << "': no such file");
    DEEPVIS_CHECK(!std::filesystem::is_directory(path, ec), io_error, "npy '" << file << "': is a directory");
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    DEEPVIS_CHECK(in.is_open(), io_error, "npy '" << file << "': cannot open: " << detail::io_system_reason(errno));
    const auto file_size = static_cast<std::uint64_t>(std::filesystem::file_size(path, ec));
    DEEPVIS_CHECK(!ec, io_error, "npy '" << file << "': cannot read its size: " << ec.message());

    char preamble[8] = {};
    in.read(preamble, 8);
    DEEPVIS_CHECK(in && std::memcmp(preamble, detail::npy_magic, detail::npy_magic_size) == 0, io_error,
                  "npy '" << file << "': not an .npy file (no \\x93NUMPY magic)");
    const auto major = static_cast<unsigned char>(preamble[6]);
    DEEPVIS_CHECK(major >= 1 && major <= 3, io_error,
                  "npy '" << file << "': unsupported .npy format version " << int(major) << ", expected 1, 2 or 3");
    std::uint64_t header_len = 0;
    std::uint64_t prefix = 0;
    if (major == 1) {
        unsigned char b[2];
        in.read(reinterpret_cast<char*>(b), 2);
        header_len = b[0] | (std::uint64_t(b[1]) << 8);
        prefix = 10;
    } else {
        unsigned char b[4];
        in.read(reinterpret_cast<char*>(b), 4);
        header_len = b[0] | (std::uint64_t(b[1]) << 8) | (std::uint64_t(b[2]) << 16) | (std::uint64_t(b[3]) << 24);
        prefix = 12;
    }
    DEEPVIS_CHECK(in && prefix + header_len <= file_size, io_error,
                  "npy '" << file << "': truncated (the header ends past the end of the file)");
    std::string header(static_cast<std::size_t>(header_len), '\0');
    in.read(header.data(), static_cast<std::streamsize>(header_len));
    DEEPVIS_CHECK(in, io_error, "npy '" << file << "': truncated header");
    const detail::npy_header h = detail::npy_header_parser(header, file).parse();

    const bool little = h.descr == "<f4" || (h.descr == "=f4" && std::endian::native == std::endian::little);
    const bool big = h.descr == ">f4" || (h.descr == "=f4" && std::endian::native == std::endian::big);
    DEEPVIS_CHECK(little || big, io_error,
                  "npy '" << file << "': dtype " << h.descr
                          << ", expected float32 (<f4); convert it with numpy: np.save(path, x.astype(np.float32))");

    std::uint64_t count = 0;
    try {
        count = checked_element_count(h.shape, "npy '" + file + "'");
    } catch (const shape_error& e) {
        throw io_error(e.what());  // a file's impossible header is an io_error, as documented above
    }
    const std::uint64_t data_bytes = file_size - prefix - header_len;
    DEEPVIS_CHECK(data_bytes == count * 4, io_error,
                  "npy '" << file << "': " << (data_bytes < count * 4 ? "truncated: " : "corrupt: ") << "shape "
                          << shape_string(h.shape) << " needs " << count * 4 << " data bytes, the file has "
                          << data_bytes);

    // A Fortran-order array is the row-major array of the reversed shape, transposed.
    shape_type stored = h.shape;
    if (h.fortran_order) std::reverse(stored.begin(), stored.end());
    tensor t(stored);
    in.read(reinterpret_cast<char*>(t.data()), static_cast<std::streamsize>(count * 4));
    DEEPVIS_CHECK(in || count == 0, io_error, "npy '" << file << "': truncated data");
    if (big != (std::endian::native == std::endian::big)) detail::npy_byteswap_floats(t.data(), t.size());
    if (h.fortran_order && h.shape.size() > 1) return detail::npy_from_fortran_order(t, h.shape);
    return t;
}

/// Writes a float32 .npy file (format 1.0, C order, native byte order) atomically.
///   throws: io_error naming the file when it cannot be written.
inline void save_npy(const std::filesystem::path& path, const tensor& t) {
    const shape_type shape = shape_of(t);
    std::string dict = std::string("{'descr': '") + (std::endian::native == std::endian::big ? '>' : '<') +
                       "f4', 'fortran_order': False, 'shape': " + detail::npy_shape_tuple(shape) + ", }";
    // Pad with spaces so that the data starts on a 64-byte boundary, as numpy does.
    std::size_t prefix = 10;
    std::size_t total = prefix + dict.size() + 1;
    if ((total + 63) / 64 * 64 - prefix > 65535) prefix = 12;
    total = prefix + dict.size() + 1;
    const std::size_t padded = (total + 63) / 64 * 64;
    const std::size_t header_len = padded - prefix;
    dict.append(header_len - dict.size() - 1, ' ');
    dict.push_back('\n');

    atomic_file out(path);
    std::ostream& os = out.stream();
    os.write(detail::npy_magic, detail::npy_magic_size);
    if (prefix == 10) {
        const char version[2] = {1, 0};
        const unsigned char len[2] = {static_cast<unsigned char>(header_len & 0xff),
                                      static_cast<unsigned char>(header_len >> 8)};
        os.write(version, 2);
        os.write(reinterpret_cast<const char*>(len), 2);
    } else {
        const char version[2] = {2, 0};
        unsigned char len[4];
        for (int i = 0; i < 4; ++i) len[i] = static_cast<unsigned char>((header_len >> (8 * i)) & 0xff);
        os.write(version, 2);
        os.write(reinterpret_cast<const char*>(len), 4);
    }
    os.write(dict.data(), static_cast<std::streamsize>(dict.size()));
    // xt::xarray with row_major layout is contiguous.
    os.write(reinterpret_cast<const char*>(t.data()), static_cast<std::streamsize>(t.size() * sizeof(float)));
    out.commit();
}

}  // namespace deepvis::io
