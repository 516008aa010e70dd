#pragma once
/// Scalar references for channel.hpp.
#include <cstddef>

namespace deepvis::kernels::reference {

inline void channel_affine(const float* x, const float* a, const float* b, float* y, std::size_t batch,
                           std::size_t channels, std::size_t plane) {
    for (std::size_t n = 0; n < batch; ++n)
        for (std::size_t c = 0; c < channels; ++c)
            for (std::size_t i = 0; i < plane; ++i) {
                const std::size_t k = (n * channels + c) * plane + i;
                y[k] = (a ? a[c] : 1.0f) * x[k] + (b ? b[c] : 0.0f);
            }
}

inline void channel_sums(const float* g, std::size_t batch, std::size_t channels, std::size_t plane, float* s) {
    for (std::size_t c = 0; c < channels; ++c) {
        double total = 0.0;
        for (std::size_t n = 0; n < batch; ++n)
            for (std::size_t i = 0; i < plane; ++i) total += g[(n * channels + c) * plane + i];
        s[c] = static_cast<float>(total);
    }
}

inline void channel_dots(const float* g, const float* x, std::size_t batch, std::size_t channels, std::size_t plane,
                         float* d) {
    for (std::size_t c = 0; c < channels; ++c) {
        double total = 0.0;
        for (std::size_t n = 0; n < batch; ++n)
            for (std::size_t i = 0; i < plane; ++i) {
                const std::size_t k = (n * channels + c) * plane + i;
                total += double(g[k]) * x[k];
            }
        d[c] = static_cast<float>(total);
    }
}

}  // namespace deepvis::kernels::reference
