#pragma once
/// atomic_file: every file deepvis writes (.npy, .png, .onnx, reports) goes through here. The
/// bytes go to a hidden temporary file in the destination's folder, which is renamed over the
/// destination only once it is complete and closed. Rename within one folder is atomic on POSIX
/// file systems, so a reader — or a run that is interrupted, or a write that fails half-way —
/// sees either the old file or the new one, never a truncated file.
///
///   ensures: on success the destination holds exactly the bytes written; on any failure (or when
///            an atomic_file is destroyed without commit()) the destination is untouched and the
///            temporary file is removed.
///   throws:  io_error naming the destination and the system's reason.
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deepvis/core/error.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

namespace deepvis::detail {

/// ".name.tmp-<random>-<n>" in the folder of `target`, unique within this process and very
/// likely across processes; the caller opens it and fails cleanly if it somehow exists.
inline std::filesystem::path atomic_temporary_path(const std::filesystem::path& target) {
    static std::atomic<unsigned> counter{0};
    static const unsigned long long salt = [] {
        std::random_device rd;
        return (static_cast<unsigned long long>(rd()) << 32) ^ rd();
    }();
    // Built by append: GCC 12 warns falsely (-Wrestrict) on "." + std::string.
    std::string name(1, '.');
    name.append(target.filename().string()).append(".tmp-").append(std::to_string(salt));
    name.append(1, '-').append(std::to_string(counter.fetch_add(1)));
    return target.parent_path() / name;
}

inline std::string io_system_reason(int err) { return err != 0 ? std::strerror(err) : "unknown error"; }

}  // namespace deepvis::detail

namespace deepvis::io {

/// A file being written atomically: write to stream(), then commit(). Destroying it without
/// commit() (an exception on the way) discards everything written.
class atomic_file {
public:
    explicit atomic_file(std::filesystem::path target)
        : m_target(std::move(target)), m_temporary(detail::atomic_temporary_path(m_target)) {
        DEEPVIS_CHECK(!m_target.filename().empty(), io_error,
                      "cannot write '" << m_target.string() << "': not a file name");
        std::error_code ec;
        DEEPVIS_CHECK(!std::filesystem::is_directory(m_target, ec), io_error,
                      "cannot write '" << m_target.string() << "': is a directory");
        errno = 0;
        m_stream.open(m_temporary, std::ios::binary | std::ios::out | std::ios::trunc);
        DEEPVIS_CHECK(m_stream.is_open(), io_error,
                      "cannot write '" << m_target.string() << "': " << detail::io_system_reason(errno));
    }
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;
    ~atomic_file() { discard(); }

    /// The stream to write the file's content to.
    std::ostream& stream() { return m_stream; }
    const std::filesystem::path& target() const { return m_target; }

    /// Closes the temporary file and renames it over the target.
    void commit() {
        DEEPVIS_CHECK(!m_committed, io_error, "cannot write '" << m_target.string() << "': already committed");
        errno = 0;
        m_stream.flush();
        const bool written = static_cast<bool>(m_stream);
        const int write_errno = errno;
        m_stream.close();
        if (!written || m_stream.fail()) {
            discard();
            DEEPVIS_FAIL(io_error,
                         "cannot write '" << m_target.string() << "': " << detail::io_system_reason(write_errno));
        }
        std::error_code ec;
        std::filesystem::rename(m_temporary, m_target, ec);
        if (ec) {
            discard();
            DEEPVIS_FAIL(io_error, "cannot write '" << m_target.string() << "': " << ec.message());
        }
        m_committed = true;
    }

private:
    void discard() noexcept {
        if (m_committed) return;
        if (m_stream.is_open()) m_stream.close();
        std::error_code ec;
        std::filesystem::remove(m_temporary, ec);
    }

    std::filesystem::path m_target;
    std::filesystem::path m_temporary;
    std::ofstream m_stream;
    bool m_committed = false;
};

/// Writes `bytes` to `path` atomically (see atomic_file).
inline void write_file_atomic(const std::filesystem::path& path, std::string_view bytes) {
    atomic_file file(path);
    file.stream().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.commit();
}

}  // namespace deepvis::io
