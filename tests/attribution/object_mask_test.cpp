#include <doctest/doctest.h>

#include <deepvis/attribution/object_mask.hpp>

using namespace deepvis;

namespace {
// A 24×32 image: a red 8×10 square at rows 6–13, columns 12–21 on a grey-blue background, with a
// saliency map that is high inside the square (and one small salient speck elsewhere).
struct scene {
    tensor image = xt::zeros<float>({3, 24, 32});
    tensor saliency = xt::zeros<float>({24, 32});
    scene() {
        for (std::size_t y = 0; y < 24; ++y)
            for (std::size_t x = 0; x < 32; ++x) {
                const bool in = y >= 6 && y < 14 && x >= 12 && x < 22;
                image(0, y, x) = in ? 0.9f : 0.3f + 0.01f * float((x * 7 + y * 3) % 5);
                image(1, y, x) = in ? 0.1f : 0.35f;
                image(2, y, x) = in ? 0.1f : 0.5f;
                saliency(y, x) = in ? 1.0f + 0.01f * float(x) : 0.01f * float((x + y) % 7);
            }
        saliency(20, 2) = 5.0f;
    }
};
}  // namespace

TEST_CASE("object mask: seeds from the 95th and 30th percentiles of saliency") {
    const scene s;
    const auto seeds = grabcut_seeds(s.saliency);
    std::size_t fg = 0, bg = 0;
    for (auto l : seeds) {
        fg += l == grabcut_label::foreground;
        bg += l == grabcut_label::background;
    }
    // 5 % of 768 pixels is 38.4; with ties: the speck and the 4 most salient columns of the square
    // (8 pixels each) lie strictly above the 95th percentile.
    CHECK(fg == 33);
    CHECK(bg > 0);
    CHECK(seeds[13 * 32 + 21] == grabcut_label::foreground);
    CHECK(seeds[20 * 32 + 2] == grabcut_label::foreground);  // the speck is a seed too
    CHECK(seeds[0] == grabcut_label::background);
}

TEST_CASE("object mask: largest connected component and its bounding box") {
    tensor m = xt::zeros<float>({6, 8});
    xt::view(m, xt::range(1, 4), xt::range(2, 6)) = 1.0f;  // 12 pixels
    m(5, 7) = 1.0f;                                        // isolated pixels
    m(0, 0) = 1.0f;
    const auto r = largest_component(m);
    CHECK(xt::sum(r.mask)() == 12.0f);
    CHECK(r.box.x0 == 2);
    CHECK(r.box.x1 == 6);
    CHECK(r.box.y0 == 1);
    CHECK(r.box.y1 == 4);
    CHECK(largest_component(xt::zeros<float>({3, 3})).box.empty());
    tensor diagonal = xt::eye<float>(3);
    CHECK(xt::sum(largest_component(diagonal, true).mask)() == 3.0f);
    CHECK(xt::sum(largest_component(diagonal, false).mask)() == 1.0f);
}

TEST_CASE("object mask: GrabCut finds the salient square (or says it is unavailable)") {
    const scene s;
    if constexpr (grabcut_available) {
        const auto r = object_mask(s.image, s.saliency);
        CHECK(r.box.x0 == 12);
        CHECK(r.box.x1 == 22);
        CHECK(r.box.y0 == 6);
        CHECK(r.box.y1 == 14);
        CHECK(xt::sum(r.mask)() == doctest::Approx(80.0).epsilon(0.1));
    } else {
        CHECK_THROWS_WITH_AS(object_mask(s.image, s.saliency), doctest::Contains("deepvis::grabcut"),
                             unsupported_error);
    }
}
