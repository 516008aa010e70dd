#pragma once
/// Colormaps for attribution maps: gray, jet (matplotlib's segment data), viridis (matplotlib's
/// 256-entry table) and a diverging blue–white–red map for signed maps (ColorBrewer RdBu,
/// reversed: negative blue, zero white, positive red).
///   Values are in [0, 1] (clamped; NaN → 0). For a signed map, first map it to [0, 1] with zero
///   at 0.5 (normalize_signed in viz/normalize.hpp).
#include <algorithm>
#include <array>
#include <cmath>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>

namespace deepvis::viz {

enum class colormap { gray, jet, viridis, diverging };

using rgb = std::array<float, 3>;

}  // namespace deepvis::viz

namespace deepvis::detail::colormaps {

using viz::rgb;

// Piecewise-linear channel through (x, y) knots.
template <std::size_t K>
float knots(const std::array<std::array<float, 2>, K>& k, float t) {
    if (t <= k[0][0]) return k[0][1];
    for (std::size_t i = 1; i < K; ++i)
        if (t <= k[i][0]) return k[i - 1][1] + (k[i][1] - k[i - 1][1]) * (t - k[i - 1][0]) / (k[i][0] - k[i - 1][0]);
    return k[K - 1][1];
}

inline rgb jet(float t) {
    static constexpr std::array<std::array<float, 2>, 5> r{{{0, 0}, {0.35f, 0}, {0.66f, 1}, {0.89f, 1}, {1, 0.5f}}};
    static constexpr std::array<std::array<float, 2>, 6> g{
        {{0, 0}, {0.125f, 0}, {0.375f, 1}, {0.64f, 1}, {0.91f, 0}, {1, 0}}};
    static constexpr std::array<std::array<float, 2>, 5> b{{{0, 0.5f}, {0.11f, 1}, {0.34f, 1}, {0.65f, 0}, {1, 0}}};
    return {knots(r, t), knots(g, t), knots(b, t)};
}

// matplotlib's viridis, 256 entries as 8-bit RGB.
// clang-format off
inline constexpr unsigned char viridis_table[256][3] = {
    {68, 1, 84},{68, 2, 86},{69, 4, 87},{69, 5, 89},{70, 7, 90},{70, 8, 92},{70, 10, 93},{70, 11, 94},
    {71, 13, 96},{71, 14, 97},{71, 16, 99},{71, 17, 100},{71, 19, 101},{72, 20, 103},{72, 22, 104},{72, 23, 105},
    {72, 24, 106},{72, 26, 108},{72, 27, 109},{72, 28, 110},{72, 29, 111},{72, 31, 112},{72, 32, 113},{72, 33, 115},
    {72, 35, 116},{72, 36, 117},{72, 37, 118},{72, 38, 119},{72, 40, 120},{72, 41, 121},{71, 42, 122},{71, 44, 122},
    {71, 45, 123},{71, 46, 124},{71, 47, 125},{70, 48, 126},{70, 50, 126},{70, 51, 127},{70, 52, 128},{69, 53, 129},
    {69, 55, 129},{69, 56, 130},{68, 57, 131},{68, 58, 131},{68, 59, 132},{67, 61, 132},{67, 62, 133},{66, 63, 133},
    {66, 64, 134},{66, 65, 134},{65, 66, 135},{65, 68, 135},{64, 69, 136},{64, 70, 136},{63, 71, 136},{63, 72, 137},
    {62, 73, 137},{62, 74, 137},{62, 76, 138},{61, 77, 138},{61, 78, 138},{60, 79, 138},{60, 80, 139},{59, 81, 139},
    {59, 82, 139},{58, 83, 139},{58, 84, 140},{57, 85, 140},{57, 86, 140},{56, 88, 140},{56, 89, 140},{55, 90, 140},
    {55, 91, 141},{54, 92, 141},{54, 93, 141},{53, 94, 141},{53, 95, 141},{52, 96, 141},{52, 97, 141},{51, 98, 141},
    {51, 99, 141},{50, 100, 142},{50, 101, 142},{49, 102, 142},{49, 103, 142},{49, 104, 142},{48, 105, 142},{48, 106, 142},
    {47, 107, 142},{47, 108, 142},{46, 109, 142},{46, 110, 142},{46, 111, 142},{45, 112, 142},{45, 113, 142},{44, 113, 142},
    {44, 114, 142},{44, 115, 142},{43, 116, 142},{43, 117, 142},{42, 118, 142},{42, 119, 142},{42, 120, 142},{41, 121, 142},
    {41, 122, 142},{41, 123, 142},{40, 124, 142},{40, 125, 142},{39, 126, 142},{39, 127, 142},{39, 128, 142},{38, 129, 142},
    {38, 130, 142},{38, 130, 142},{37, 131, 142},{37, 132, 142},{37, 133, 142},{36, 134, 142},{36, 135, 142},{35, 136, 142},
    {35, 137, 142},{35, 138, 141},{34, 139, 141},{34, 140, 141},{34, 141, 141},{33, 142, 141},{33, 143, 141},{33, 144, 141},
    {33, 145, 140},{32, 146, 140},{32, 146, 140},{32, 147, 140},{31, 148, 140},{31, 149, 139},{31, 150, 139},{31, 151, 139},
    {31, 152, 139},{31, 153, 138},{31, 154, 138},{30, 155, 138},{30, 156, 137},{30, 157, 137},{31, 158, 137},{31, 159, 136},
    {31, 160, 136},{31, 161, 136},{31, 161, 135},{31, 162, 135},{32, 163, 134},{32, 164, 134},{33, 165, 133},{33, 166, 133},
    {34, 167, 133},{34, 168, 132},{35, 169, 131},{36, 170, 131},{37, 171, 130},{37, 172, 130},{38, 173, 129},{39, 173, 129},
    {40, 174, 128},{41, 175, 127},{42, 176, 127},{44, 177, 126},{45, 178, 125},{46, 179, 124},{47, 180, 124},{49, 181, 123},
    {50, 182, 122},{52, 182, 121},{53, 183, 121},{55, 184, 120},{56, 185, 119},{58, 186, 118},{59, 187, 117},{61, 188, 116},
    {63, 188, 115},{64, 189, 114},{66, 190, 113},{68, 191, 112},{70, 192, 111},{72, 193, 110},{74, 193, 109},{76, 194, 108},
    {78, 195, 107},{80, 196, 106},{82, 197, 105},{84, 197, 104},{86, 198, 103},{88, 199, 101},{90, 200, 100},{92, 200, 99},
    {94, 201, 98},{96, 202, 96},{99, 203, 95},{101, 203, 94},{103, 204, 92},{105, 205, 91},{108, 205, 90},{110, 206, 88},
    {112, 207, 87},{115, 208, 86},{117, 208, 84},{119, 209, 83},{122, 209, 81},{124, 210, 80},{127, 211, 78},{129, 211, 77},
    {132, 212, 75},{134, 213, 73},{137, 213, 72},{139, 214, 70},{142, 214, 69},{144, 215, 67},{147, 215, 65},{149, 216, 64},
    {152, 216, 62},{155, 217, 60},{157, 217, 59},{160, 218, 57},{162, 218, 55},{165, 219, 54},{168, 219, 52},{170, 220, 50},
    {173, 220, 48},{176, 221, 47},{178, 221, 45},{181, 222, 43},{184, 222, 41},{186, 222, 40},{189, 223, 38},{192, 223, 37},
    {194, 223, 35},{197, 224, 33},{200, 224, 32},{202, 225, 31},{205, 225, 29},{208, 225, 28},{210, 226, 27},{213, 226, 26},
    {216, 226, 25},{218, 227, 25},{221, 227, 24},{223, 227, 24},{226, 228, 24},{229, 228, 25},{231, 228, 25},{234, 229, 26},
    {236, 229, 27},{239, 229, 28},{241, 229, 29},{244, 230, 30},{246, 230, 32},{248, 230, 33},{251, 231, 35},{253, 231, 37},
};
// clang-format on

inline rgb viridis(float t) {
    const float f = t * 255.0f;
    const auto i = static_cast<std::size_t>(std::min(f, 254.0f));
    const float w = f - float(i);
    rgb c;
    for (int k = 0; k < 3; ++k)
        c[k] = (viridis_table[i][k] + w * (viridis_table[i + 1][k] - viridis_table[i][k])) / 255.0f;
    return c;
}

// ColorBrewer RdBu (11 classes), reversed so that 0 is dark blue and 1 dark red.
inline rgb diverging(float t) {
    static constexpr unsigned char table[11][3] = {{5, 48, 97},     {33, 102, 172},  {67, 147, 195},  {146, 197, 222},
                                                   {209, 229, 240}, {247, 247, 247}, {253, 219, 199}, {244, 165, 130},
                                                   {214, 96, 77},   {178, 24, 43},   {103, 0, 31}};
    const float f = t * 10.0f;
    const auto i = static_cast<std::size_t>(std::min(f, 9.0f));
    const float w = f - float(i);
    rgb c;
    for (int k = 0; k < 3; ++k) c[k] = (table[i][k] + w * (table[i + 1][k] - table[i][k])) / 255.0f;
    return c;
}

}  // namespace deepvis::detail::colormaps

namespace deepvis::viz {

/// The colour of t ∈ [0, 1].
inline rgb color(colormap map, float t) {
    t = std::isnan(t) ? 0.0f : std::clamp(t, 0.0f, 1.0f);
    switch (map) {
        case colormap::gray:
            return {t, t, t};
        case colormap::jet:
            return deepvis::detail::colormaps::jet(t);
        case colormap::viridis:
            return deepvis::detail::colormaps::viridis(t);
        case colormap::diverging:
            return deepvis::detail::colormaps::diverging(t);
    }
    return {t, t, t};
}

/// (H, W) → (3, H, W); (N, H, W) → (N, 3, H, W). Values in [0, 1].
inline tensor colorize(const tensor& map, colormap cmap = colormap::jet) {
    DEEPVIS_CHECK(map.dimension() == 2 || map.dimension() == 3, shape_error,
                  "colorize: map has shape " << shape_string(map.shape()) << ", expected (H, W) or (N, H, W)");
    const std::size_t n = map.dimension() == 3 ? map.shape()[0] : 1;
    const std::size_t h = map.shape()[map.dimension() - 2], w = map.shape()[map.dimension() - 1], hw = h * w;
    tensor out = map.dimension() == 3 ? tensor(xt::zeros<float>({n, std::size_t{3}, h, w}))
                                      : tensor(xt::zeros<float>({std::size_t{3}, h, w}));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t p = 0; p < hw; ++p) {
            const rgb c = color(cmap, map.data()[i * hw + p]);
            for (std::size_t k = 0; k < 3; ++k) out.data()[(i * 3 + k) * hw + p] = c[k];
        }
    return out;
}

}  // namespace deepvis::viz
