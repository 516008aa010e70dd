#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <deepvis/io/npy.hpp>
#include <random>

#include "scratch_dir.hpp"

using namespace deepvis;
using test::scratch_dir;

namespace {

/// An .npy file (format 1.0) with the given header dictionary and raw data bytes.
std::string npy_bytes(const std::string& dict, const std::string& data) {
    std::string header = dict;
    const std::size_t total = 10 + header.size() + 1;
    header.append((total + 15) / 16 * 16 - total, ' ');
    header.push_back('\n');
    std::string out = "\x93NUMPY";
    out.push_back('\x01');
    out.push_back('\x00');
    out.push_back(static_cast<char>(header.size() & 0xff));
    out.push_back(static_cast<char>(header.size() >> 8));
    return out + header + data;
}

std::string float_bytes(std::initializer_list<float> values) {
    std::string s(values.size() * 4, '\0');
    std::memcpy(s.data(), values.begin(), s.size());
    return s;
}

}  // namespace

TEST_CASE("npy: float32 round trip keeps shape and values") {
    scratch_dir dir;
    tensor t = xt::zeros<float>({2, 3, 4});
    for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = 0.5f * static_cast<float>(i) - 3.25f;
    io::save_npy(dir / "t.npy", t);
    const tensor back = io::load_npy(dir / "t.npy");
    CHECK(back.shape() == t.shape());
    CHECK(back == t);
    CHECK(dir.entries() == std::vector<std::string>{"t.npy"});
    // numpy aligns the data to 64 bytes; so do we.
    CHECK((std::filesystem::file_size(dir / "t.npy") - t.size() * 4) % 64 == 0);
}

TEST_CASE("npy: round trip of a scalar, a vector and an empty array") {
    scratch_dir dir;
    tensor scalar = tensor(shape_type{});
    scalar() = 7.5f;
    io::save_npy(dir / "s.npy", scalar);
    const tensor s = io::load_npy(dir / "s.npy");
    CHECK(s.dimension() == 0);
    CHECK(s() == 7.5f);

    tensor v = {1.0f, -2.0f, 3.0f};
    io::save_npy(dir / "v.npy", v);
    CHECK(io::load_npy(dir / "v.npy") == v);

    tensor e = tensor(shape_type{0, 3});
    io::save_npy(dir / "e.npy", e);
    CHECK(shape_of(io::load_npy(dir / "e.npy")) == shape_type{0, 3});
}

TEST_CASE("npy: reads the header numpy writes") {
    scratch_dir dir;
    test::write_bytes(dir / "a.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
                                               float_bytes({1, 2, 3, 4})));
    CHECK(io::load_npy(dir / "a.npy") == tensor{{1.0f, 2.0f}, {3.0f, 4.0f}});
}

TEST_CASE("npy: Fortran order is transposed into row-major") {
    scratch_dir dir;
    // [[1, 2, 3], [4, 5, 6]] stored column by column.
    test::write_bytes(dir / "f.npy", npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                                               float_bytes({1, 4, 2, 5, 3, 6})));
    CHECK(io::load_npy(dir / "f.npy") == tensor{{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}});
    // Rank 3: element (i, j, k) sits at i + 2j + 4k.
    std::string data;
    for (int k = 0; k < 2; ++k)
        for (int j = 0; j < 2; ++j)
            for (int i = 0; i < 2; ++i) data += float_bytes({static_cast<float>(100 * i + 10 * j + k)});
    test::write_bytes(dir / "f3.npy", npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2, 2), }", data));
    const tensor t = io::load_npy(dir / "f3.npy");
    CHECK(t(1, 0, 1) == 101.0f);
    CHECK(t(0, 1, 1) == 11.0f);
    CHECK(t(1, 1, 0) == 110.0f);
}

TEST_CASE("npy: big-endian float32 is byte-swapped") {
    scratch_dir dir;
    std::string data = float_bytes({1.5f, -2.0f});
    for (std::size_t i = 0; i < data.size(); i += 4) std::reverse(data.begin() + i, data.begin() + i + 4);
    test::write_bytes(dir / "b.npy", npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", data));
    CHECK(io::load_npy(dir / "b.npy") == tensor{1.5f, -2.0f});
}

TEST_CASE("npy: another dtype is an io_error that says how to convert") {
    scratch_dir dir;
    test::write_bytes(dir / "x.npy",
                      npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0')));
    CHECK_THROWS_WITH_AS(io::load_npy(dir / "x.npy"), doctest::Contains("x.npy': dtype <f8, expected float32 (<f4)"),
                         io_error);
    CHECK_THROWS_WITH_AS(io::load_npy(dir / "x.npy"), doctest::Contains(".astype(np.float32)"), io_error);
    test::write_bytes(dir / "i.npy",
                      npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0')));
    CHECK_THROWS_WITH_AS(io::load_npy(dir / "i.npy"), doctest::Contains("dtype <i8"), io_error);
    test::write_bytes(dir / "s.npy", npy_bytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                                               std::string(4, '\0')));
    CHECK_THROWS_WITH_AS(io::load_npy(dir / "s.npy"), doctest::Contains("dtype [('a', '<f4')]"), io_error);
}

TEST_CASE("npy: truncated files are io_errors, at every length") {
    scratch_dir dir;
    tensor t = xt::ones<float>({3, 5});
    io::save_npy(dir / "full.npy", t);
    const std::string bytes = test::read_bytes(dir / "full.npy");
    for (std::size_t len = 0; len < bytes.size(); ++len) {
        CAPTURE(len);
        test::write_bytes(dir / "cut.npy", bytes.substr(0, len));
        CHECK_THROWS_AS(io::load_npy(dir / "cut.npy"), io_error);
    }
    test::write_bytes(dir / "cut.npy", bytes.substr(0, bytes.size() - 4));
    CHECK_THROWS_WITH_AS(io::load_npy(dir / "cut.npy"),
                         doctest::Contains("truncated: shape (3, 5) needs 60 data bytes, the file has 56"), io_error);
}

TEST_CASE("npy: garbage is an io_error, never a crash") {
    scratch_dir dir;
    test::write_bytes(dir / "g.npy", "this is not numpy at all");
    CHECK_THROWS_WITH_AS(io::load_npy(dir / "g.npy"), doctest::Contains("not an .npy file"), io_error);
    const char* bad_headers[] = {
        "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }",
        "{'descr': '<f4', 'fortran_order': False, }",
        "{'descr': '<f4, 'fortran_order': False, 'shape': (1,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,",
        "['descr', '<f4']",
        "",
    };
    for (const char* h : bad_headers) {
        CAPTURE(h);
        test::write_bytes(dir / "h.npy", npy_bytes(h, float_bytes({1})));
        CHECK_THROWS_AS(io::load_npy(dir / "h.npy"), io_error);
    }
    std::mt19937 rng(12345);
    for (int trial = 0; trial < 200; ++trial) {
        std::string bytes =
            npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", float_bytes({1, 2, 3, 4}));
        for (int k = 0; k < 4; ++k) bytes[rng() % 60] = static_cast<char>(rng());
        test::write_bytes(dir / "r.npy", bytes);
        try {
            (void)io::load_npy(dir / "r.npy");
        } catch (const io_error&) {
        }
    }
}

TEST_CASE("npy: a missing file is an io_error naming it") {
    scratch_dir dir;
    CHECK_THROWS_WITH_AS(io::load_npy(dir / "nope.npy"), doctest::Contains("nope.npy': no such file"), io_error);
}

TEST_CASE("npy: a failed save leaves no file behind") {
    scratch_dir dir;
    tensor t = xt::ones<float>({2});
    CHECK_THROWS_AS(io::save_npy(dir / "missing" / "t.npy", t), io_error);
    CHECK(dir.entries().empty());
}
