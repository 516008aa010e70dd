#include <doctest/doctest.h>

#include <deepvis/attribution/upsample.hpp>

using namespace deepvis;

// Reference numbers from PyTorch 1.13 (/usr/bin/python3):
//   x = torch.tensor([[0.5,-1.0,2.0,0.25],[3.0,1.5,-0.5,1.0],[0.0,2.5,1.0,-2.0]]).reshape(1,1,3,4)
//   F.interpolate(x, size=(5,7), mode="bilinear", align_corners=False / True), mode="nearest"
namespace {
const tensor source = {{{{0.5f, -1.0f, 2.0f, 0.25f}, {3.0f, 1.5f, -0.5f, 1.0f}, {0.0f, 2.5f, 1.0f, -2.0f}}}};
const float torch_bilinear[5][7] = {
    {0.5000000f, -0.0357144f, -0.8928572f, 0.5000004f, 1.8749999f, 0.8749997f, 0.2500000f},
    {1.5000001f, 0.9642857f, 0.1071429f, 0.5000001f, 0.9678571f, 0.7107142f, 0.5500001f},
    {2.9999998f, 2.4642854f, 1.6071428f, 0.4999999f, -0.3928569f, 0.4642859f, 0.9999998f},
    {1.1999998f, 1.5214285f, 2.0357144f, 1.2499999f, 0.3142857f, -0.3714289f, -0.8000003f},
    {0.0000000f, 0.8928572f, 2.3214288f, 1.7499999f, 0.7857140f, -0.9285719f, -2.0000000f}};
const float torch_align_corners[5][7] = {
    {0.5000000f, -0.2500000f, -1.0000000f, 0.5000000f, 2.0000000f, 1.1250000f, 0.2500000f},
    {1.7500000f, 1.0000000f, 0.2500000f, 0.5000000f, 0.7500000f, 0.6875000f, 0.6250000f},
    {3.0000000f, 2.2500000f, 1.5000000f, 0.5000000f, -0.5000000f, 0.2500000f, 1.0000000f},
    {1.5000000f, 1.7500000f, 2.0000000f, 1.1250000f, 0.2500000f, -0.1250000f, -0.5000000f},
    {0.0000000f, 1.2500000f, 2.5000000f, 1.7500000f, 1.0000000f, -0.5000000f, -2.0000000f}};
const float torch_nearest[5][7] = {{0.5f, 0.5f, -1.0f, -1.0f, 2.0f, 2.0f, 0.25f},
                                   {0.5f, 0.5f, -1.0f, -1.0f, 2.0f, 2.0f, 0.25f},
                                   {3.0f, 3.0f, 1.5f, 1.5f, -0.5f, -0.5f, 1.0f},
                                   {3.0f, 3.0f, 1.5f, 1.5f, -0.5f, -0.5f, 1.0f},
                                   {0.0f, 0.0f, 2.5f, 2.5f, 1.0f, 1.0f, -2.0f}};

void check_against(upsample_mode mode, const float (&expected)[5][7]) {
    const tensor y = upsample(source, 5, 7, mode);
    REQUIRE(y.shape() == shape_type{1, 1, 5, 7});
    for (std::size_t r = 0; r < 5; ++r)
        for (std::size_t c = 0; c < 7; ++c) CHECK(y(0, 0, r, c) == doctest::Approx(expected[r][c]).epsilon(1e-5));
}
}  // namespace

TEST_CASE("upsample: bilinear with half-pixel centres matches torch interpolate(align_corners=False)") {
    check_against(upsample_mode::bilinear, torch_bilinear);
}
TEST_CASE("upsample: bilinear_align_corners matches torch interpolate(align_corners=True)") {
    check_against(upsample_mode::bilinear_align_corners, torch_align_corners);
}
TEST_CASE("upsample: nearest matches torch interpolate(mode='nearest')") {
    check_against(upsample_mode::nearest, torch_nearest);
}
TEST_CASE("upsample: none keeps the maps; same size is the identity") {
    CHECK(upsample(source, 5, 7, upsample_mode::none) == source);
    CHECK(upsample(source, 3, 4, upsample_mode::bilinear) == source);
}
