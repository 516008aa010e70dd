#include <doctest/doctest.h>

#include <deepvis/io/atomic_file.hpp>

#include "scratch_dir.hpp"

using namespace deepvis;
using test::read_bytes;
using test::scratch_dir;

TEST_CASE("atomic_file: a committed write leaves exactly the target, no temporary file") {
    scratch_dir dir;
    io::write_file_atomic(dir / "out.bin", "hello");
    CHECK(read_bytes(dir / "out.bin") == "hello");
    CHECK(dir.entries() == std::vector<std::string>{"out.bin"});
}

TEST_CASE("atomic_file: overwrites an existing file") {
    scratch_dir dir;
    test::write_bytes(dir / "out.bin", "old content, longer than the new one");
    io::write_file_atomic(dir / "out.bin", "new");
    CHECK(read_bytes(dir / "out.bin") == "new");
    CHECK(dir.entries().size() == 1);
}

TEST_CASE("atomic_file: a write abandoned before commit leaves the old file untouched") {
    scratch_dir dir;
    test::write_bytes(dir / "out.bin", "old");
    try {
        io::atomic_file file(dir / "out.bin");
        file.stream() << "half of the new cont";
        throw std::runtime_error("interrupted");
    } catch (const std::runtime_error&) {
    }
    CHECK(read_bytes(dir / "out.bin") == "old");
    CHECK(dir.entries() == std::vector<std::string>{"out.bin"});
}

TEST_CASE("atomic_file: a missing folder is an io_error naming the file") {
    scratch_dir dir;
    const auto target = dir / "no_such_folder" / "out.bin";
    CHECK_THROWS_WITH_AS(io::write_file_atomic(target, "x"), doctest::Contains("out.bin"), io_error);
    CHECK(dir.entries().empty());
}

TEST_CASE("atomic_file: a directory as target is an io_error") {
    scratch_dir dir;
    std::filesystem::create_directory(dir / "sub");
    CHECK_THROWS_WITH_AS(io::write_file_atomic(dir / "sub", "x"), doctest::Contains("is a directory"), io_error);
    CHECK(dir.entries() == std::vector<std::string>{"sub"});
}
