#include <doctest/doctest.h>

#include <deepvis/io/image.hpp>
#include <deepvis/viz/colormap.hpp>
#include <deepvis/viz/grid.hpp>
#include <deepvis/viz/heatmap.hpp>
#include <deepvis/viz/normalize.hpp>
#include <deepvis/viz/overlay.hpp>
#include <deepvis/viz/plot.hpp>
#include <filesystem>

using namespace deepvis;

TEST_CASE("colormap: endpoints of gray, jet, viridis and the diverging map") {
    using viz::colormap;
    CHECK(viz::color(colormap::gray, 0.25f) == viz::rgb{0.25f, 0.25f, 0.25f});
    // matplotlib: jet(0) = (0, 0, 0.5), jet(1) = (0.5, 0, 0), jet(0.5) ≈ (0.49, 1, 0.48)
    CHECK(viz::color(colormap::jet, 0.0f) == viz::rgb{0.0f, 0.0f, 0.5f});
    CHECK(viz::color(colormap::jet, 1.0f) == viz::rgb{0.5f, 0.0f, 0.0f});
    CHECK(viz::color(colormap::jet, 0.5f)[1] == 1.0f);
    // viridis: #440154 … #fde725
    const auto v0 = viz::color(colormap::viridis, 0.0f), v1 = viz::color(colormap::viridis, 1.0f);
    CHECK(v0[0] * 255.0f == doctest::Approx(68));
    CHECK(v0[2] * 255.0f == doctest::Approx(84));
    CHECK(v1[0] * 255.0f == doctest::Approx(253));
    CHECK(v1[1] * 255.0f == doctest::Approx(231));
    // diverging: blue below ½, white-ish at ½, red above
    const auto d0 = viz::color(colormap::diverging, 0.0f), dm = viz::color(colormap::diverging, 0.5f),
               d1 = viz::color(colormap::diverging, 1.0f);
    CHECK(d0[2] > d0[0]);
    CHECK(d1[0] > d1[2]);
    CHECK(dm[0] * 255.0f == doctest::Approx(247));
    CHECK(viz::color(colormap::jet, -3.0f) == viz::color(colormap::jet, 0.0f));  // clamped
    const tensor c = viz::colorize(tensor{{0.0f, 1.0f}}, colormap::gray);
    CHECK(c.shape() == shape_type{3, 1, 2});
    CHECK(c(2, 0, 1) == 1.0f);
}

TEST_CASE("normalize: percentiles match numpy; percentile clip, min-max and signed") {
    // numpy.percentile([3, -1, 7.5, 2, 0, 4.25, 9, -3.5, 1, 6], [1, 30, 95, 99]) = [-3.275, 0.7, 8.325, 8.865]
    const std::vector<float> v{3.0f, -1.0f, 7.5f, 2.0f, 0.0f, 4.25f, 9.0f, -3.5f, 1.0f, 6.0f};
    CHECK(viz::percentile(v, 1) == doctest::Approx(-3.275f));
    CHECK(viz::percentile(v, 30) == doctest::Approx(0.7f));
    CHECK(viz::percentile(v, 95) == doctest::Approx(8.325f));
    CHECK(viz::percentile(v, 99) == doctest::Approx(8.865f));
    tensor m = xt::adapt(v, shape_type{2, 5});
    const tensor p = viz::normalize_percentile(m, {.low = 1, .high = 99});
    CHECK(p(1, 1) == 1.0f);  // 9 is above the 99th percentile: clipped
    CHECK(p(1, 2) == 0.0f);  // −3.5 below the 1st
    CHECK(p(0, 0) == doctest::Approx((3.0f + 3.275f) / (8.865f + 3.275f)));
    const tensor batch = xt::adapt(v, shape_type{2, 1, 5});
    const tensor mm = viz::normalize_min_max(batch);  // each item on its own
    CHECK(mm(0, 0, 2) == 1.0f);
    CHECK(mm(1, 0, 1) == 1.0f);
    CHECK(mm(1, 0, 2) == 0.0f);
    const tensor s = viz::normalize_signed(tensor{{-2.0f, 0.0f, 1.0f, 2.0f}}, 100.0);
    CHECK(s == tensor{{0.0f, 0.5f, 0.75f, 1.0f}});
}

TEST_CASE("overlay: (1 - alpha) image + alpha colormap, grey images repeated, heat resized") {
    tensor image = xt::ones<float>({1, 2, 2}) * 0.5f;
    tensor heat = xt::zeros<float>({2, 2});
    heat(0, 1) = 1.0f;
    const tensor o = viz::overlay(image, heat, {.alpha = 0.25f, .map = viz::colormap::gray});
    REQUIRE(o.shape() == shape_type{3, 2, 2});
    CHECK(o(0, 0, 0) == doctest::Approx(0.375f));
    CHECK(o(2, 0, 1) == doctest::Approx(0.625f));
    const tensor big = viz::overlay(xt::zeros<float>({2, 3, 4, 4}), xt::zeros<float>({2, 2, 2}), {.alpha = 1.0f});
    CHECK(big.shape() == shape_type{2, 3, 4, 4});
    CHECK(big(1, 2, 3, 3) == 0.5f);  // jet(0) blue
    CHECK_THROWS_AS(viz::overlay(image, xt::zeros<float>({2, 2, 2})), shape_error);
}

TEST_CASE("vis_square: near-square grid with padding, global or per-tile scaling") {
    tensor maps = xt::zeros<float>({5, 2, 3});
    for (std::size_t i = 0; i < 5; ++i) xt::view(maps, i) = float(i);
    maps(4, 1, 2) = 8.0f;
    const tensor g = viz::vis_square(maps, {.padding = 1, .pad_value = -1.0f});
    REQUIRE(g.shape() == shape_type{1, 2 * 3 - 1, 3 * 4 - 1});  // cols = ⌈√5⌉ = 3, rows = 2
    CHECK(g(0, 0, 3) == -1.0f);                                 // padding column
    CHECK(g(0, 3, 4) == doctest::Approx(4.0f / 8.0f));          // tile 4 at row 1, col 1
    CHECK(g(0, 4, 6) == 1.0f);                                  // its maximum
    CHECK(g(0, 3, 8) == -1.0f);                                 // empty cell
    const tensor each = viz::vis_square(maps, {.normalize_each = true});
    CHECK(each(0, 0, 4) == 0.0f);  // a constant tile becomes 0
    const tensor rgb = viz::vis_square(xt::ones<float>({2, 3, 2, 2}), {.columns = 1, .normalize = false});
    CHECK(rgb.shape() == shape_type{3, 5, 2});
}

TEST_CASE("image_rows: one row per batch, values kept, shapes checked") {
    const tensor a = xt::zeros<float>({3, 1, 2, 2}), b = xt::ones<float>({3, 1, 2, 2}) * 0.25f;
    const tensor g = viz::image_rows({a, b}, {.padding = 1, .pad_value = 0.5f});
    REQUIRE(g.shape() == shape_type{1, 2 * 3 - 1, 3 * 3 - 1});  // 2 rows of 3 tiles
    CHECK(g(0, 0, 0) == 0.0f);
    CHECK(g(0, 2, 0) == 0.5f);   // padding row
    CHECK(g(0, 3, 7) == 0.25f);  // second row, last tile, not rescaled
    CHECK_THROWS_AS(viz::image_rows({a, xt::zeros<float>({2, 1, 2, 2})}), shape_error);
}

TEST_CASE("series_by_label: one series per class, points in order") {
    tensor p = {{1.0f, 2.0f}, {3.0f, 4.0f}, {5.0f, 6.0f}};
    const std::vector<std::string> names = {"a", "b"};
    const auto s = viz::series_by_label(p, {1, 0, 1}, names);
    REQUIRE(s.size() == 2);
    CHECK(s[0].name == "a");
    CHECK(s[0].x == std::vector<double>{3.0});
    CHECK(s[1].y == std::vector<double>{2.0, 6.0});
    CHECK_THROWS_AS(viz::series_by_label(p, {0, 2, 1}, names), config_error);
    CHECK_THROWS_AS(viz::series_by_label(p, {0, 1}, names), shape_error);
}

TEST_CASE("heatmap: PNG written atomically and readable") {
    const auto dir = std::filesystem::temp_directory_path() / "deepvis_viz_test";
    std::filesystem::create_directories(dir);
    tensor map = xt::zeros<float>({4, 6});
    map(1, 2) = 3.0f;
    viz::save_heatmap_png(dir / "map.png", map, {.map = viz::colormap::gray, .scaling = viz::map_scaling::min_max});
    const auto img = io::decode_image(dir / "map.png", 3);
    CHECK(img.width == 6);
    CHECK(img.height == 4);
    CHECK(img.pixels[(1 * 6 + 2) * 3] == 255);
    CHECK(img.pixels[0] == 0);
    viz::save_overlay_png(dir / "overlay.png", xt::zeros<float>({3, 8, 12}), map);
    CHECK(io::decode_image(dir / "overlay.png").width == 12);
    std::filesystem::remove_all(dir);
}
