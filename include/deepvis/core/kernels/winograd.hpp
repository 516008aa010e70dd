#pragma once
/// 3×3 stride-1 convolution by Winograd's minimal filtering F(m×m, 3×3) (Lavin & Gray 2016):
/// an m×m output tile costs α² = (m + 2)² multiplications per channel pair instead of 9·m². The
/// products become α² independent GEMMs
///   Y_ξ (M × T) = U_ξ (M × C) · V_ξ (C × T),   ξ = (i, j) ∈ α × α, T = tiles of a block,
/// with U = G g Gᵀ (weights), V = Bᵀ d B (input tiles d, α×α, overlapping by 2) and the output
/// tile Aᵀ Y A. The transforms run along whole rows, so the compiler vectorises them.
///
/// Layouts as in conv2d.hpp, one image and one group: x (C, H, W), w (M, C, 3, 3), y (M, OH, OW).
/// Any top/left padding (0, 1 or 2) and output size; bottom/right padding is implied by OH, OW.
///   winograd_weights:   u = the transformed weights, (α², M, C)
///   winograd_conv2d:    y = conv(x, w) from u (y overwritten)
/// The data gradient of a stride-1 3×3 conv is itself one (of gy with the kernel flipped and its
/// channels swapped, padded by 2 − pad), so winograd_backward_geometry and `flipped` weights
/// give conv2d_backward_data as a winograd_conv2d.
///
/// Which tile: F(2×2, 3×3) (2.25× fewer multiplications), whose float32 error is that of the
/// direct sum (max 6e-7 of max|y| against float64 at 512 channels, im2col 3e-7). F(4×4, 3×3)
/// (4× fewer) is 8 % faster on VGG-16 but its error is 15× larger (9e-6), enough to flip
/// near-tie ReLUs and max-pool windows that PyTorch does not flip: the attribution reference
/// tests fail with it. Every routine takes the transform as a template parameter, so a user who
/// wants speed over agreement can pass winograd_f4x4_3x3. Callers choose this path only where
/// winograd_pays (below; measured in bench/conv_micro.cpp).
#include <cblas.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <deepvis/core/kernels/gemm.hpp>
#include <deepvis/core/kernels/im2col.hpp>
#include <deepvis/core/parallel.hpp>
#include <vector>

namespace deepvis::kernels {

/// A transform: output tile m, input tile α = m + 2, and the matrices Bᵀ (α×α), G (α×3), Aᵀ (m×α).
/// F(4×4, 3×3), points 0, ±1, ±2 (Lavin & Gray 2016, §4.2).
struct winograd_f4x4_3x3 {
    static constexpr int m = 4, alpha = 6;
    static constexpr float BT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                       {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
    static constexpr float G[6][3] = {{1.0f / 4, 0, 0},
                                      {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                                      {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                                      {1.0f / 24, 1.0f / 12, 1.0f / 6},
                                      {1.0f / 24, -1.0f / 12, 1.0f / 6},
                                      {0, 0, 1}};
    static constexpr float AT[4][6] = {
        {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
};
/// F(2×2, 3×3), points 0, ±1 (ibid., §4.1).
struct winograd_f2x2_3x3 {
    static constexpr int m = 2, alpha = 4;
    static constexpr float BT[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
    static constexpr float G[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
    static constexpr float AT[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
};
/// The default: float32 agreement with the direct sum (see the file comment).
using winograd_default = winograd_f2x2_3x3;

#ifndef DEEPVIS_WINOGRAD_BLOCK_BUDGET
/// Floats of transformed input plus GEMM output per block of tiles (1 MiB: both stay in L2).
#define DEEPVIS_WINOGRAD_BLOCK_BUDGET (std::ptrdiff_t(1) << 18)
#endif

/// A 3×3, stride-1, undilated kernel with top/left padding in [0, 2]: what winograd_conv2d does.
inline bool winograd_supports(const conv_geometry& g) {
    return g.kernel_h == 3 && g.kernel_w == 3 && g.stride_h == 1 && g.stride_w == 1 && g.dilation_h == 1 &&
           g.dilation_w == 1 && g.pad_top >= 0 && g.pad_top <= 2 && g.pad_left >= 0 && g.pad_left <= 2 &&
           g.out_h >= 1 && g.out_w >= 1;
}

#ifndef DEEPVIS_WINOGRAD_MIN_CHANNELS
/// Below this many input or output channels the GEMMs are too thin to beat im2col's. (It also
/// keeps the Fashion-MNIST classifier, 32 → 64 channels at 14×14, on im2col: its training run
/// reproduces models/fashion_cnn.onnx bit for bit.)
#define DEEPVIS_WINOGRAD_MIN_CHANNELS 64
#endif
#ifndef DEEPVIS_WINOGRAD_MIN_POSITIONS
/// Output positions per image below which the tiles are too few for wide GEMMs; and, times 4,
/// positions per batch below which transforming the weights (once per batch) costs more than
/// it saves. On VGG-16 (bench/conv_micro.cpp), every layer but the first gains at batch 1
/// except the 14×14 ones (5.9 ms + 4.6 ms for the weights, against 7.6 ms), which gain from
/// batch 4.
#define DEEPVIS_WINOGRAD_MIN_POSITIONS 196
#endif

/// Where the default Winograd path is faster than im2col + GEMM for a batch of `batch` images.
inline bool winograd_pays(const conv_geometry& g, std::ptrdiff_t out_channels, std::ptrdiff_t batch) {
    return winograd_supports(g) && g.channels >= DEEPVIS_WINOGRAD_MIN_CHANNELS &&
           out_channels >= DEEPVIS_WINOGRAD_MIN_CHANNELS && g.positions() >= DEEPVIS_WINOGRAD_MIN_POSITIONS &&
           g.positions() * batch >= 4 * DEEPVIS_WINOGRAD_MIN_POSITIONS;
}

/// The geometry of the data gradient as a forward convolution: gy (M channels, OH × OW) in,
/// gx (C channels, H × W) out, padded by 2 − pad.
inline conv_geometry winograd_backward_geometry(const conv_geometry& g, std::ptrdiff_t out_channels) {
    return {out_channels, g.out_h, g.out_w, 3, 3, 1, 1, 1, 1, 2 - g.pad_top, 2 - g.pad_left, g.height, g.width};
}

#ifndef DEEPVIS_WINOGRAD_MIN_TILES
/// The fewest tiles per block, whatever the budget says, is the larger of this and half the
/// input channels: the GEMMs with deep U_ξ (M × C) want wide blocks (VGG-16's 512-channel
/// 28×28 layer: 22.3 ms with 70-tile blocks, 17.7 ms with 196), the shallow ones cache-sized
/// blocks (conv1_2: 23.4 ms with 112 tiles, 27.2 ms with 336). bench/conv_micro.cpp measures it.
#define DEEPVIS_WINOGRAD_MIN_TILES 64
#endif

namespace detail {
struct winograd_blocks {
    std::ptrdiff_t tiles_w, tiles_h, rows, count,
        tiles;  // tiles per row / column, tile rows per block, blocks, tiles per block
};
template <class T>
inline winograd_blocks winograd_blocking(const conv_geometry& g, std::ptrdiff_t out_channels) {
    constexpr int m = T::m, a2 = T::alpha * T::alpha;
    winograd_blocks b{};
    b.tiles_w = (g.out_w + m - 1) / m;
    b.tiles_h = (g.out_h + m - 1) / m;
    const std::ptrdiff_t per_row = a2 * (g.channels + out_channels) * b.tiles_w;
    const std::ptrdiff_t fit = DEEPVIS_WINOGRAD_BLOCK_BUDGET / std::max<std::ptrdiff_t>(per_row, 1);
    const std::ptrdiff_t min_tiles = std::max<std::ptrdiff_t>(DEEPVIS_WINOGRAD_MIN_TILES, g.channels / 2);
    const std::ptrdiff_t wide = (min_tiles + b.tiles_w - 1) / b.tiles_w;
    b.rows = std::clamp<std::ptrdiff_t>(std::max(fit, wide), 1, b.tiles_h);
    b.count = (b.tiles_h + b.rows - 1) / b.rows;
    b.rows = (b.tiles_h + b.count - 1) / b.count;  // balanced
    b.tiles = b.rows * b.tiles_w;
    return b;
}
}  // namespace detail

/// Floats between the planes U_ξ of u: M·C plus one cache line, so that the α² planes do not
/// all map to the same cache sets when M·C is a power of two (512 × 512 channels: the
/// transform ran 3× slower).
inline std::ptrdiff_t winograd_plane_stride(std::ptrdiff_t out_channels, std::ptrdiff_t in_channels) {
    return out_channels * in_channels + 16;
}

/// Floats of u for M output and C input channels: α² planes.
template <class T = winograd_default>
inline std::size_t winograd_weight_size(std::ptrdiff_t out_channels, std::ptrdiff_t in_channels) {
    constexpr int a = T::alpha;
    return static_cast<std::size_t>(a * a * winograd_plane_stride(out_channels, in_channels));
}

/// Floats of working buffer one call of winograd_conv2d needs per thread.
template <class T = winograd_default>
inline std::size_t winograd_buffer_size(const conv_geometry& g, std::ptrdiff_t out_channels) {
    constexpr int m = T::m, a = T::alpha;
    const auto b = detail::winograd_blocking<T>(g, out_channels);
    const std::ptrdiff_t row = m * (b.tiles_w + 1);  // a padded input row, by phase
    return static_cast<std::size_t>(a * a * (g.channels + out_channels) * b.tiles + (a + 1) * row);
}

/// u[ξ][o][i] = (G k Gᵀ)[ξ] for the 3×3 kernel k of output o and input i: w is (M, C, 3, 3) and
/// u is (α², M, C); flipped: u is (α², C, M) for the data gradient, k = w[i][o] rotated by 180°.
template <class T = winograd_default>
inline void winograd_weights(const float* w, std::ptrdiff_t M, std::ptrdiff_t C, float* u, bool flipped = false) {
    constexpr int a = T::alpha;
    const std::ptrdiff_t outs = flipped ? C : M, ins = flipped ? M : C, plane = winograd_plane_stride(outs, ins);
    // One output channel at a time: its kernels are transformed into a staging row (α² values
    // per kernel, contiguous), then copied out plane by plane with contiguous stores. Storing each
    // value straight to its plane (1 MiB apart for 512 × 512 channels, so all α² share cache
    // sets) made this 6× slower.
    std::vector<float> staging(static_cast<std::size_t>(a * a * ins * available_threads(outs)));
    parallel_for(outs, [&](std::ptrdiff_t o, int t) {
        float* st = staging.data() + t * a * a * ins;
        for (std::ptrdiff_t i = 0; i < ins; ++i) {
            const float* k = flipped ? w + (i * C + o) * 9 : w + (o * C + i) * 9;
            float kk[3][3], gk[a][3];
            for (int r = 0; r < 3; ++r)
                for (int s = 0; s < 3; ++s) kk[r][s] = flipped ? k[(2 - r) * 3 + (2 - s)] : k[r * 3 + s];
            for (int r = 0; r < a; ++r)
                for (int s = 0; s < 3; ++s)
                    gk[r][s] = T::G[r][0] * kk[0][s] + T::G[r][1] * kk[1][s] + T::G[r][2] * kk[2][s];
            for (int r = 0; r < a; ++r)
                for (int s = 0; s < a; ++s)
                    st[i * a * a + r * a + s] = gk[r][0] * T::G[s][0] + gk[r][1] * T::G[s][1] + gk[r][2] * T::G[s][2];
        }
        for (int xi = 0; xi < a * a; ++xi) {
            float* dst = u + xi * plane + o * ins;
            for (std::ptrdiff_t i = 0; i < ins; ++i) dst[i] = st[i * a * a + xi];
        }
    });
}

namespace detail {
/// A row of the image stored by phase: element q goes to [(q mod m)·P + q div m] with P =
/// tiles_w + 1, so that the α values a tile reads are α contiguous rows of tiles_w values.
/// Every transform then runs as contiguous multiply-adds over whole rows of tiles, which the
/// compiler vectorises (with the tile interleaved, the inner loops were scalar, and 55 % of the
/// time was spent in them).
inline std::ptrdiff_t winograd_phase_stride(const winograd_blocks& b) { return b.tiles_w + 1; }

/// dst[0, n) = Σ_k coefficients[k] · src_k[0, n) over the nonzero coefficients.
template <int K>
inline void winograd_combine(const float (&coefficients)[K], const float* const (&src)[K], float* dst,
                             std::ptrdiff_t n) {
    bool first = true;
    for (int k = 0; k < K; ++k) {
        const float coefficient = coefficients[k];
        if (coefficient == 0.0f) continue;
        const float* sk = src[k];
        if (first)
            for (std::ptrdiff_t q = 0; q < n; ++q) dst[q] = coefficient * sk[q];
        else
            for (std::ptrdiff_t q = 0; q < n; ++q) dst[q] += coefficient * sk[q];
        first = false;
    }
    if (first) std::fill(dst, dst + n, 0.0f);
}

/// V[ξ][c][t] for the tile rows [r0, r1) of channel c: the α padded input rows of each tile row,
/// by phase, transformed down (Bᵀ d), then across (· B).
template <class T>
inline void winograd_input_tiles(const conv_geometry& g, const winograd_blocks& b, const float* xc, std::ptrdiff_t c,
                                 std::ptrdiff_t r0, std::ptrdiff_t r1, float* v, float* rows) {
    constexpr int m = T::m, a = T::alpha;
    const std::ptrdiff_t P = winograd_phase_stride(b), row = m * P, C = g.channels, tiles = b.tiles, tw = b.tiles_w;
    float* in = rows;              // α rows by phase
    float* down = rows + a * row;  // one transformed row by phase
    const float* in_rows[a];
    for (int k = 0; k < a; ++k) in_rows[k] = in + k * row;
    // The tile at tx reads element tx·m + k of a row: phase k mod m, offset k div m.
    const float* taps[a];
    for (int k = 0; k < a; ++k) taps[k] = down + (k % m) * P + k / m;
    for (std::ptrdiff_t ty = r0; ty < r1; ++ty) {
        for (int k = 0; k < a; ++k) {
            float* dst = in + k * row;
            std::fill(dst, dst + row, 0.0f);
            const std::ptrdiff_t ih = ty * m - g.pad_top + k;
            if (ih < 0 || ih >= g.height) continue;
            const float* src = xc + ih * g.width;
            // Padded column q = iw + pad_left, for the columns the tiles read (q < tw·m + 2).
            const std::ptrdiff_t end = std::min(g.width, tw * m + 2 - g.pad_left);
            for (int r = 0; r < m; ++r) {
                // iw ≡ r − pad_left (mod m), iw ≥ 0
                const std::ptrdiff_t first = ((r - g.pad_left) % m + m) % m;
                float* phase = dst + r * P;
                const std::ptrdiff_t q0 = (first + g.pad_left) / m;
                for (std::ptrdiff_t iw = first, q = q0; iw < end; iw += m, ++q) phase[q] = src[iw];
            }
        }
        const std::ptrdiff_t t0 = (ty - r0) * tw;
        for (int i = 0; i < a; ++i) {
            winograd_combine<a>(T::BT[i], in_rows, down, row);
            for (int j = 0; j < a; ++j) winograd_combine<a>(T::BT[j], taps, v + ((i * a + j) * C + c) * tiles + t0, tw);
        }
    }
}

/// y rows of output channel o for the tile rows [r0, r1) from Y[ξ][o][t]: Aᵀ Y A, down then
/// across, each output column phase written with stride m.
template <class T>
inline void winograd_output_tiles(const conv_geometry& g, const winograd_blocks& b, std::ptrdiff_t M, const float* yt,
                                  std::ptrdiff_t o, std::ptrdiff_t r0, std::ptrdiff_t r1, float* yo, float* rows) {
    constexpr int m = T::m, a = T::alpha;
    const std::ptrdiff_t tw = b.tiles_w, tiles = b.tiles;
    float* down = rows;             // (a, tiles_w) for one output row
    float* across = rows + a * tw;  // (tiles_w) for one output column phase
    const float* down_rows[a];
    for (int j = 0; j < a; ++j) down_rows[j] = down + j * tw;
    for (std::ptrdiff_t ty = r0; ty < r1; ++ty) {
        const std::ptrdiff_t t0 = (ty - r0) * tw;
        const float* src[a];
        for (int r = 0; r < m; ++r) {
            const std::ptrdiff_t oh = ty * m + r;
            if (oh >= g.out_h) break;
            for (int j = 0; j < a; ++j) {
                for (int i = 0; i < a; ++i) src[i] = yt + ((i * a + j) * M + o) * tiles + t0;
                winograd_combine<a>(T::AT[r], src, down + j * tw, tw);
            }
            float* out = yo + oh * g.out_w;
            for (int q = 0; q < m; ++q) {
                winograd_combine<a>(T::AT[q], down_rows, across, tw);
                for (std::ptrdiff_t tx = 0, ow = q; ow < g.out_w; ++tx, ow += m) out[ow] = across[tx];
            }
        }
    }
}
}  // namespace detail

/// y = conv(x, w) for one image given u = winograd_weights(w) ((α², M, C)); y is overwritten.
/// Blocks of tile rows go to the threads (inline when called inside a parallel region), each
/// with its own `buffer` of winograd_buffer_size floats: `buffers` holds one per thread.
template <class T = winograd_default>
inline void winograd_conv2d(const conv_geometry& g, std::ptrdiff_t M, const float* x, const float* u, float* y,
                            float* buffers) {
    constexpr int a = T::alpha;
    const auto b = detail::winograd_blocking<T>(g, M);
    const std::size_t per_thread = winograd_buffer_size<T>(g, M);
    const std::ptrdiff_t C = g.channels;
    parallel_for(b.count, [&](std::ptrdiff_t block, int t) {
        float* v = buffers + static_cast<std::size_t>(t) * per_thread;
        float* yt = v + a * a * C * b.tiles;
        float* rows = yt + a * a * M * b.tiles;
        const std::ptrdiff_t r0 = block * b.rows, r1 = std::min(b.tiles_h, r0 + b.rows);
        const std::ptrdiff_t n = (r1 - r0) * b.tiles_w;  // the last block may be shorter
        // The rows of the block, for the next channel, are fetched while this one is transformed:
        // without it the reads of the input planes stall (20 % of the time on VGG's conv1_2).
        const std::ptrdiff_t h0 = std::max<std::ptrdiff_t>(0, r0 * T::m - g.pad_top);
        const std::ptrdiff_t h1 = std::min(g.height, r1 * T::m - g.pad_top + 2);
        for (std::ptrdiff_t c = 0; c < C; ++c) {
            if (c + 1 < C && h1 > h0) {
                const char* next = reinterpret_cast<const char*>(x + (c + 1) * g.plane() + h0 * g.width);
                const std::size_t bytes = sizeof(float) * static_cast<std::size_t>((h1 - h0) * g.width);
                for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(next + off);
            }
            detail::winograd_input_tiles<T>(g, b, x + c * g.plane(), c, r0, r1, v, rows);
        }
        for (int xi = 0; xi < a * a; ++xi)
            sgemm(false, false, M, n, C, 1.0f, u + xi * winograd_plane_stride(M, C), C, v + xi * C * b.tiles, b.tiles,
                  0.0f, yt + xi * M * b.tiles, b.tiles);
        for (std::ptrdiff_t o = 0; o < M; ++o)
            detail::winograd_output_tiles<T>(g, b, M, yt, o, r0, r1, y + o * g.positions(), rows);
    });
}

}  // namespace deepvis::kernels
