#include <doctest/doctest.h>

#include <cmath>
#include <deepvis/io/image.hpp>

#include "scratch_dir.hpp"

using namespace deepvis;
using test::scratch_dir;

namespace {

/// A 2x3 RGB image whose pixel (y, x) is (10y + x, 100 + 10y + x, 200 + 10y + x).
io::image_u8 small_rgb() {
    io::image_u8 img{.height = 2, .width = 3, .channels = 3, .pixels = {}};
    for (std::size_t y = 0; y < 2; ++y)
        for (std::size_t x = 0; x < 3; ++x)
            for (std::size_t c = 0; c < 3; ++c) img.pixels.push_back(static_cast<std::uint8_t>(100 * c + 10 * y + x));
    return img;
}

}  // namespace

TEST_CASE("image: PNG load gives NCHW scaled to [0, 1]") {
    scratch_dir dir;
    io::save_png(dir / "small.png", small_rgb());
    const tensor x = io::load_image(dir / "small.png");
    REQUIRE(shape_of(x) == shape_type{1, 3, 2, 3});
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t y = 0; y < 2; ++y)
            for (std::size_t w = 0; w < 3; ++w)
                CHECK(x(0, c, y, w) == doctest::Approx((100.0 * c + 10.0 * y + w) / 255.0));
    CHECK(dir.entries() == std::vector<std::string>{"small.png"});
}

TEST_CASE("image: mean, std, scale and bgr") {
    scratch_dir dir;
    io::save_png(dir / "small.png", small_rgb());
    const tensor x = io::load_image(
        dir / "small.png", {.mean = {1.0f, 2.0f, 3.0f}, .std = {2.0f, 4.0f, 8.0f}, .scale = 1.0f, .bgr = true});
    // Channel 0 is now blue (200 + ...), normalised with mean[0] and std[0].
    CHECK(x(0, 0, 1, 2) == doctest::Approx((212.0 - 1.0) / 2.0));
    CHECK(x(0, 1, 0, 1) == doctest::Approx((101.0 - 2.0) / 4.0));
    CHECK(x(0, 2, 1, 0) == doctest::Approx((10.0 - 3.0) / 8.0));
    const tensor one = io::load_image(dir / "small.png", {.mean = {0.5f}, .std = {0.25f}});
    CHECK(one(0, 1, 0, 0) == doctest::Approx((100.0 / 255.0 - 0.5) / 0.25));
}

TEST_CASE("image: grayscale models get one channel") {
    scratch_dir dir;
    io::image_u8 grey{.height = 1, .width = 2, .channels = 3, .pixels = {40, 40, 40, 200, 200, 200}};
    io::save_png(dir / "grey.png", grey);
    const tensor x = io::load_image(dir / "grey.png", {.channels = 1});
    REQUIRE(shape_of(x) == shape_type{1, 1, 1, 2});
    CHECK(x(0, 0, 0, 0) == doctest::Approx(40.0 / 255.0).epsilon(0.01));
    CHECK(x(0, 0, 0, 1) == doctest::Approx(200.0 / 255.0).epsilon(0.01));
}

TEST_CASE("image: bilinear resize matches PyTorch interpolate(align_corners=False)") {
    // torch.nn.functional.interpolate(torch.arange(4.).reshape(1, 1, 2, 2), size=(4, 4), mode="bilinear")
    const tensor up = io::resize_bilinear(tensor{{{0.0f, 1.0f}, {2.0f, 3.0f}}}, 4, 4);
    const tensor expected_up = {{{0.0f, 0.25f, 0.75f, 1.0f},
                                 {0.5f, 0.75f, 1.25f, 1.5f},
                                 {1.5f, 1.75f, 2.25f, 2.5f},
                                 {2.0f, 2.25f, 2.75f, 3.0f}}};
    CHECK(xt::allclose(up, expected_up));
    // ... torch.arange(12.).reshape(1, 1, 3, 4), size=(2, 3): plain sampling (antialias=False)
    tensor src = tensor(shape_type{1, 3, 4});
    for (std::size_t i = 0; i < 12; ++i) src.data()[i] = static_cast<float>(i);
    const tensor down = io::resize_bilinear(src, 2, 3, false);
    const tensor expected_down = {{{7.0f / 6.0f, 2.5f, 23.0f / 6.0f}, {43.0f / 6.0f, 8.5f, 59.0f / 6.0f}}};
    CHECK(xt::allclose(down, expected_down, 1e-5, 1e-5));
    // ... and antialias=True, the default: the filter widens by the shrink factor.
    CHECK(xt::allclose(io::resize_bilinear(src, 2, 3), tensor{{{1.8f, 3.0f, 4.2f}, {6.8f, 8.0f, 9.2f}}}, 1e-5, 1e-5));
}

TEST_CASE("image: antialiased resize matches PyTorch interpolate(antialias=True), shrinking and mixed") {
    // g = torch.arange(63.).reshape(1, 1, 7, 9) ** 1.5
    tensor g = tensor(shape_type{1, 7, 9});
    for (std::size_t i = 0; i < 63; ++i) g.data()[i] = std::pow(static_cast<float>(i), 1.5f);
    // interpolate(g, size=(2, 4), mode="bilinear", align_corners=False, antialias=True)
    const tensor shrunk = {{{69.9552f, 81.2589f, 95.1864f, 108.3440f}, {265.5742f, 285.0074f, 307.5714f, 327.9867f}}};
    CHECK(xt::allclose(io::resize_bilinear(g, 2, 4), shrunk, 1e-5, 1e-3));
    // size=(3, 12): rows shrink (7 -> 3), columns grow (9 -> 12)
    const tensor mixed = {{{27.9359f, 30.2614f, 33.2149f, 36.3721f, 39.7326f, 43.2705f, 46.9406f, 50.7373f, 54.6837f,
                            58.7709f, 62.9666f, 66.5298f},
                           {145.9066f, 150.7543f, 156.6272f, 162.5738f, 168.6112f, 174.7375f, 180.9339f, 187.1998f,
                            193.5513f, 199.9869f, 206.4890f, 211.9487f},
                           {317.3787f, 323.7744f, 331.4903f, 339.2611f, 347.1000f, 355.0060f, 362.9655f, 370.9780f,
                            379.0565f, 387.2002f, 395.3957f, 402.2576f}}};
    CHECK(xt::allclose(io::resize_bilinear(g, 3, 12), mixed, 1e-5, 1e-3));
}

TEST_CASE("image: size option resizes, a batch stacks several files") {
    scratch_dir dir;
    io::save_png(dir / "a.png", small_rgb());
    io::image_u8 b = small_rgb();
    std::fill(b.pixels.begin(), b.pixels.end(), std::uint8_t{255});
    io::save_png(dir / "b.png", b);
    const tensor x = io::load_images({dir / "a.png", dir / "b.png"}, {.size = {4, 6}});
    REQUIRE(shape_of(x) == shape_type{2, 3, 4, 6});
    CHECK(x(1, 2, 3, 5) == doctest::Approx(1.0));
    CHECK(x(0, 0, 0, 0) == doctest::Approx(0.0));

    io::image_u8 wide{.height = 2, .width = 4, .channels = 3, .pixels = std::vector<std::uint8_t>(24, 7)};
    io::save_png(dir / "wide.png", wide);
    CHECK_THROWS_WITH_AS(io::load_images({dir / "a.png", dir / "wide.png"}), doctest::Contains("wide.png': is 2x4"),
                         shape_error);
}

TEST_CASE("image: a missing file is an io_error naming it") {
    scratch_dir dir;
    CHECK_THROWS_WITH_AS(io::load_image(dir / "cat.png"), doctest::Contains("image '"), io_error);
    CHECK_THROWS_WITH_AS(io::load_image(dir / "cat.png"), doctest::Contains("cat.png': no such file"), io_error);
}

TEST_CASE("image: an undecodable file is an io_error with stb's reason") {
    scratch_dir dir;
    test::write_bytes(dir / "noise.png", "\x89PNG but then nothing sensible at all");
    CHECK_THROWS_WITH_AS(io::load_image(dir / "noise.png"), doctest::Contains("noise.png': cannot decode: "), io_error);
    test::write_bytes(dir / "empty.jpg", "");
    CHECK_THROWS_WITH_AS(io::load_image(dir / "empty.jpg"), doctest::Contains("empty.jpg': cannot decode"), io_error);
    // A valid PNG cut in half.
    io::save_png(dir / "full.png", small_rgb());
    const std::string bytes = test::read_bytes(dir / "full.png");
    test::write_bytes(dir / "half.png", bytes.substr(0, bytes.size() / 2));
    CHECK_THROWS_AS(io::load_image(dir / "half.png"), io_error);
}

TEST_CASE("image: bad options are config_errors") {
    scratch_dir dir;
    io::save_png(dir / "a.png", small_rgb());
    CHECK_THROWS_WITH_AS(io::load_image(dir / "a.png", {.mean = {0.1f, 0.2f}}), doctest::Contains("2 mean values"),
                         config_error);
    CHECK_THROWS_AS(io::load_image(dir / "a.png", {.std = {0.0f}}), config_error);
    CHECK_THROWS_AS(io::load_image(dir / "a.png", {.channels = 2}), config_error);
    CHECK_THROWS_AS(io::load_image(dir / "a.png", {.size = {0, 4}}), config_error);
}

TEST_CASE("image: float PNG save clamps to [0, 1] and round-trips through 8 bits") {
    scratch_dir dir;
    tensor chw = {{{0.0f, 0.5f}, {1.0f, 2.0f}}, {{-1.0f, 0.25f}, {0.75f, 1.0f}}, {{0.1f, 0.2f}, {0.3f, 0.4f}}};
    io::save_png(dir / "f.png", chw);
    const io::image_u8 img = io::decode_image(dir / "f.png");
    REQUIRE(img.channels == 3);
    CHECK(img.pixels[0] == 0);
    CHECK(img.pixels[3] == 128);  // 0.5 -> 127.5 rounds up
    CHECK(img.pixels[9] == 255);  // 2.0 clamps
    CHECK(img.pixels[1] == 0);    // -1 clamps
    tensor hw = {{0.0f, 1.0f}};
    io::save_png(dir / "g.png", hw);
    CHECK(io::decode_image(dir / "g.png").channels == 1);
    CHECK_THROWS_AS(io::save_png(dir / "h.png", tensor(shape_type{5, 2, 2})), shape_error);
    CHECK_THROWS_AS(io::save_png(dir / "no" / "h.png", hw), io_error);
    CHECK(dir.entries().size() == 2);
}
