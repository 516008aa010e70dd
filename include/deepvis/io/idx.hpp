#pragma once
/// IDX datasets (the MNIST family's format), gzip-compressed or not, and Fashion-MNIST.
///
///   read_idx(file):            any IDX file of unsigned bytes; returns the dimensions and the
///                              raw bytes. The file may be gzip-compressed (read through zlib;
///                              an uncompressed file reads the same way).
///   load_idx_images(file):     an idx3 file as float32 (N, 1, H, W) scaled to [0, 1] (byte / 255).
///   load_idx_labels(file):     an idx1 file as class indices.
///   load_fashion_mnist(split): the Fashion-MNIST train (60 000) or test (10 000) split from
///                              fashion_mnist_directory(): $DEEPVIS_FASHION_MNIST if set, else the
///                              folder the Debian package dataset-fashion-mnist installs.
///   fashion_mnist_classes:     the ten class names in label order.
///
///   throws: io_error naming the file (and, when the dataset is missing, the Debian package that
///           provides it); shape_error when images and labels disagree in count.
/// Format: Y. LeCun et al., "The MNIST database", http://yann.lecun.com/exdb/mnist/ — a big-endian
/// magic (0x00 0x00 type ndims), ndims big-endian uint32 sizes, then the data row-major.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deepvis/core/checked.hpp>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <filesystem>
#include <string>
#include <vector>

namespace deepvis::detail {

/// A gzip-compressed (or plain: gzopen reads those transparently) file read piece by piece, so
/// that the header can be checked before the data are inflated: a small file that declares or
/// holds gigabytes is refused without reading them.
class idx_gzip_reader {
public:
    explicit idx_gzip_reader(const std::filesystem::path& file) : m_label("IDX file '" + file.string() + "'") {
        std::error_code ec;
        DEEPVIS_CHECK(std::filesystem::is_regular_file(file, ec), io_error, m_label << ": not found");
        m_file = gzopen(file.string().c_str(), "rb");
        DEEPVIS_CHECK(m_file != nullptr, io_error, m_label << ": cannot open for reading");
    }
    ~idx_gzip_reader() { gzclose(m_file); }
    idx_gzip_reader(const idx_gzip_reader&) = delete;
    idx_gzip_reader& operator=(const idx_gzip_reader&) = delete;

    /// Up to n bytes into out; returns how many were read (fewer only at the end of the data).
    std::size_t read(std::uint8_t* out, std::size_t n) {
        std::size_t done = 0;
        while (done < n) {
            const auto want = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
            const int got = gzread(m_file, out + done, want);
            if (got < 0) {
                int code = 0;
                DEEPVIS_FAIL(io_error, m_label << ": decompression failed: " << gzerror(m_file, &code));
            }
            if (got == 0) break;
            done += static_cast<std::size_t>(got);
        }
        return done;
    }
    const std::string& label() const { return m_label; }

private:
    std::string m_label;
    gzFile m_file = nullptr;
};

inline std::uint32_t idx_big_endian_u32(const std::uint8_t* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}

}  // namespace deepvis::detail

namespace deepvis::io {

/// The contents of one IDX file of unsigned bytes.
struct idx_data {
    std::vector<std::size_t> dims;
    std::vector<std::uint8_t> bytes;
};

/// Reads an IDX file whose element type is unsigned byte (0x08), gzip-compressed or not.
inline idx_data read_idx(const std::filesystem::path& file) {
    detail::idx_gzip_reader in(file);
    const std::string& label = in.label();
    std::array<std::uint8_t, 4> magic{};
    DEEPVIS_CHECK(in.read(magic.data(), 4) == 4 && magic[0] == 0 && magic[1] == 0, io_error,
                  label << ": not an IDX file (bad magic number)");
    DEEPVIS_CHECK(magic[2] == 0x08, io_error,
                  label << ": element type 0x" << std::hex << int(magic[2])
                        << " is not supported, expected 0x08 (unsigned byte)");
    const std::size_t ndims = magic[3];
    std::array<std::uint8_t, 4 * 255> sizes{};
    DEEPVIS_CHECK(ndims >= 1 && in.read(sizes.data(), 4 * ndims) == 4 * ndims, io_error, label << ": truncated header");
    idx_data out;
    for (std::size_t d = 0; d < ndims; ++d) out.dims.push_back(detail::idx_big_endian_u32(sizes.data() + 4 * d));
    const std::size_t count = checked_element_count(out.dims, label);
    // Grown by what the file actually holds, not by what its header declares.
    constexpr std::size_t piece = std::size_t(1) << 24;
    std::size_t got = 0;
    while (got < count) {
        const std::size_t want = std::min(piece, count - got);
        out.bytes.resize(got + want);
        const std::size_t n = in.read(out.bytes.data() + got, want);
        got += n;
        if (n < want) break;
    }
    out.bytes.resize(got);
    std::uint8_t extra = 0;
    DEEPVIS_CHECK(got == count && in.read(&extra, 1) == 0, io_error,
                  label << ": holds " << (got == count ? "more than " + std::to_string(count) : std::to_string(got))
                        << " data bytes, expected " << count << " for dimensions " << shape_string(out.dims));
    return out;
}

/// An idx3 image file as (N, 1, H, W) float32 in [0, 1].
inline tensor load_idx_images(const std::filesystem::path& file) {
    idx_data d = read_idx(file);
    DEEPVIS_CHECK(d.dims.size() == 3, io_error,
                  "IDX file '" << file.string() << "': has " << d.dims.size() << " dimensions, expected 3 (N, H, W)");
    tensor images(shape_type{d.dims[0], 1, d.dims[1], d.dims[2]});
    float* out = images.data();
    for (std::size_t i = 0; i < d.bytes.size(); ++i) out[i] = static_cast<float>(d.bytes[i]) / 255.0f;
    return images;
}

/// An idx1 label file as class indices.
inline std::vector<int> load_idx_labels(const std::filesystem::path& file) {
    idx_data d = read_idx(file);
    DEEPVIS_CHECK(d.dims.size() == 1, io_error,
                  "IDX file '" << file.string() << "': has " << d.dims.size() << " dimensions, expected 1 (N)");
    return std::vector<int>(d.bytes.begin(), d.bytes.end());
}

/// Images with their labels.
struct labelled_images {
    tensor images;            ///< (N, 1, H, W) in [0, 1]
    std::vector<int> labels;  ///< N class indices
    std::size_t size() const { return labels.size(); }
};

/// The Fashion-MNIST class names, in label order.
inline const std::array<std::string, 10>& fashion_mnist_classes() {
    static const std::array<std::string, 10> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
}

/// $DEEPVIS_FASHION_MNIST when set, else /usr/share/datasets/fashion-mnist (Debian's
/// dataset-fashion-mnist package).
inline std::filesystem::path fashion_mnist_directory() {
    if (const char* env = std::getenv("DEEPVIS_FASHION_MNIST"); env && *env) return env;
    return "/usr/share/datasets/fashion-mnist";
}

enum class split { train, test };

/// True when both files of the split are present in `directory`.
inline bool has_fashion_mnist(const std::filesystem::path& directory = fashion_mnist_directory()) {
    std::error_code ec;
    return std::filesystem::is_regular_file(directory / "train-images-idx3-ubyte.gz", ec) &&
           std::filesystem::is_regular_file(directory / "t10k-images-idx3-ubyte.gz", ec) &&
           std::filesystem::is_regular_file(directory / "train-labels-idx1-ubyte.gz", ec) &&
           std::filesystem::is_regular_file(directory / "t10k-labels-idx1-ubyte.gz", ec);
}

/// One split of Fashion-MNIST: 60 000 (train) or 10 000 (test) 28×28 images with labels.
inline labelled_images load_fashion_mnist(split which,
                                          const std::filesystem::path& directory = fashion_mnist_directory()) {
    const std::string prefix = which == split::train ? "train" : "t10k";
    const auto images_file = directory / (prefix + "-images-idx3-ubyte.gz");
    const auto labels_file = directory / (prefix + "-labels-idx1-ubyte.gz");
    std::error_code ec;
    DEEPVIS_CHECK(
        std::filesystem::is_regular_file(images_file, ec) && std::filesystem::is_regular_file(labels_file, ec),
        io_error,
        "Fashion-MNIST not found: '" << images_file.string() << "' or '" << labels_file.string()
                                     << "' is missing; install the Debian package dataset-fashion-mnist "
                                        "(apt-get install dataset-fashion-mnist) or set DEEPVIS_FASHION_MNIST "
                                        "to a folder holding the four .gz files");
    labelled_images out{load_idx_images(images_file), load_idx_labels(labels_file)};
    DEEPVIS_CHECK(out.images.shape()[0] == out.labels.size(), shape_error,
                  "Fashion-MNIST '" << prefix << "': " << out.images.shape()[0] << " images but " << out.labels.size()
                                    << " labels");
    for (int l : out.labels)
        DEEPVIS_CHECK(l >= 0 && l < 10, io_error,
                      "Fashion-MNIST '" << labels_file.string() << "': label " << l << " out of range [0, 10)");
    return out;
}

}  // namespace deepvis::io
