// The IDX reader on the real Fashion-MNIST files (skipped when dataset-fashion-mnist is absent).
#include <doctest/doctest.h>

#include <deepvis/io/idx.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

using namespace deepvis;

TEST_CASE("idx: Fashion-MNIST test split has 10 000 labelled 28x28 images in [0, 1]") {
    if (!io::has_fashion_mnist()) {
        MESSAGE("skipped: Fashion-MNIST not found in " << io::fashion_mnist_directory().string()
                                                       << " (apt-get install dataset-fashion-mnist)");
        return;
    }
    const auto test = io::load_fashion_mnist(io::split::test);
    REQUIRE(test.images.shape() == shape_type{10000, 1, 28, 28});
    REQUIRE(test.labels.size() == 10000);
    std::vector<int> counts(10, 0);
    for (int l : test.labels) ++counts.at(l);
    for (int c : counts) CHECK(c == 1000);  // the test split is balanced
    CHECK(test.labels[0] == 9);             // the first test image is an ankle boot
    CHECK(test.labels[1] == 2);             // then a pullover
    float lo = 1, hi = 0;
    for (float v : test.images) lo = std::min(lo, v), hi = std::max(hi, v);
    CHECK(lo == 0.0f);
    CHECK(hi == 1.0f);
    CHECK(io::fashion_mnist_classes()[9] == "Ankle boot");
}

TEST_CASE("idx: a missing dataset names the Debian package; a bad file is an io_error") {
    const auto dir = std::filesystem::temp_directory_path() / "deepvis_idx_test";
    std::filesystem::create_directories(dir);
    try {
        io::load_fashion_mnist(io::split::train, dir / "absent");
        FAIL("expected io_error");
    } catch (const io_error& e) {
        CHECK(std::string(e.what()).find("dataset-fashion-mnist") != std::string::npos);
    }
    {
        std::ofstream f(dir / "bad-idx1-ubyte", std::ios::binary);
        f << "not an idx file";
    }
    CHECK_THROWS_AS(io::read_idx(dir / "bad-idx1-ubyte"), io_error);
    {
        // An uncompressed idx1 file of 3 labels reads through the same path.
        std::ofstream f(dir / "ok-idx1-ubyte", std::ios::binary);
        const unsigned char bytes[] = {0, 0, 8, 1, 0, 0, 0, 3, 4, 5, 6};
        f.write(reinterpret_cast<const char*>(bytes), sizeof bytes);
    }
    CHECK(io::load_idx_labels(dir / "ok-idx1-ubyte") == std::vector<int>{4, 5, 6});
    {
        std::ofstream f(dir / "short-idx1-ubyte", std::ios::binary);
        const unsigned char bytes[] = {0, 0, 8, 1, 0, 0, 0, 5, 4};
        f.write(reinterpret_cast<const char*>(bytes), sizeof bytes);
    }
    CHECK_THROWS_AS(io::read_idx(dir / "short-idx1-ubyte"), io_error);
    std::filesystem::remove_all(dir);
}

TEST_CASE("idx: hostile headers are refused before the data are inflated or allocated") {
    const auto dir = std::filesystem::temp_directory_path() / "deepvis_idx_hostile_test";
    std::filesystem::create_directories(dir);
    auto write = [&](const char* name, std::initializer_list<unsigned char> bytes) {
        std::ofstream f(dir / name, std::ios::binary);
        for (unsigned char b : bytes) f.put(static_cast<char>(b));
        return dir / name;
    };
    // Four dimensions of 2^32 - 1: the product wraps size_t.
    CHECK_THROWS_WITH_AS(io::read_idx(write("wrap-idx4", {0,   0,   8,   4,   255, 255, 255, 255, 255, 255, 255,
                                                          255, 255, 255, 255, 255, 255, 255, 255, 255, 1})),
                         doctest::Contains("more than 2^64 elements"), shape_error);
    // 2^31 - 1 declared bytes, 1 present: the reader stops at the end of the data, memory stays small.
    CHECK_THROWS_WITH_AS(io::read_idx(write("huge-idx1", {0, 0, 8, 1, 127, 255, 255, 255, 7})),
                         doctest::Contains("holds 1 data bytes, expected 2147483647"), io_error);
    // More data than declared.
    CHECK_THROWS_WITH_AS(io::read_idx(write("long-idx1", {0, 0, 8, 1, 0, 0, 0, 1, 7, 8})),
                         doctest::Contains("holds more than 1 data bytes"), io_error);
    // A header cut short.
    CHECK_THROWS_WITH_AS(io::read_idx(write("cut-idx3", {0, 0, 8, 3, 0, 0})), doctest::Contains("truncated header"),
                         io_error);
    std::filesystem::remove_all(dir);
}
