#pragma once
/// Scalar twins of core/kernels/gram.hpp: the definitions the fast kernels are tested against.
///   gram:           G[n] = scale · F[n] F[n]ᵀ          F[n] is (C, HW), G[n] is (C, C)
///   gram_backward:  dF[n] = scale · (dG[n] + dG[n]ᵀ) F[n]
/// Accumulates in double so the reference is more accurate than what it checks.
#include <cstddef>

namespace deepvis::kernels::reference {

inline void gram(const float* f, std::size_t n, std::size_t c, std::size_t hw, float* g, float scale) {
    for (std::size_t b = 0; b < n; ++b) {
        const float* fb = f + b * c * hw;
        float* gb = g + b * c * c;
        for (std::size_t i = 0; i < c; ++i)
            for (std::size_t j = 0; j < c; ++j) {
                double s = 0.0;
                for (std::size_t p = 0; p < hw; ++p) s += double(fb[i * hw + p]) * fb[j * hw + p];
                gb[i * c + j] = static_cast<float>(scale * s);
            }
    }
}

inline void gram_backward(const float* f, const float* dg, std::size_t n, std::size_t c, std::size_t hw, float* df,
                          float scale) {
    for (std::size_t b = 0; b < n; ++b) {
        const float* fb = f + b * c * hw;
        const float* db = dg + b * c * c;
        float* ob = df + b * c * hw;
        for (std::size_t i = 0; i < c; ++i)
            for (std::size_t p = 0; p < hw; ++p) {
                double s = 0.0;
                for (std::size_t j = 0; j < c; ++j) s += (double(db[i * c + j]) + db[j * c + i]) * fb[j * hw + p];
                ob[i * hw + p] = static_cast<float>(scale * s);
            }
    }
}

}  // namespace deepvis::kernels::reference
