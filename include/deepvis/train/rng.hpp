#pragma once
/// Seeded random numbers whose sequences are the same on every platform and standard library:
/// std::mt19937_64 is specified bit for bit, but std::uniform_*_distribution, std::normal_
/// distribution and std::shuffle are not, so training would not be reproducible across
/// compilers through them. These few transforms are written out instead.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace deepvis::train {

class rng {
public:
    explicit rng(std::uint64_t seed) : m_engine(seed) {}

    std::uint64_t bits() { return m_engine(); }
    /// Uniform in [0, 1) with 24 random bits (exact in float).
    float uniform() { return static_cast<float>(m_engine() >> 40) * (1.0f / 16777216.0f); }
    /// Uniform in [lo, hi).
    float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
    /// Uniform integer in [0, n), by Lemire's multiply-shift (bias below 2^-32 for n < 2^32).
    std::size_t below(std::size_t n) {
        const unsigned __int128 product = static_cast<unsigned __int128>(m_engine()) * n;
        return static_cast<std::size_t>(product >> 64);
    }
    /// Standard normal by Box–Muller on double precision uniforms.
    float normal() {
        if (m_has_spare) {
            m_has_spare = false;
            return m_spare;
        }
        const double u1 = (static_cast<double>(m_engine() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
        const double u2 = static_cast<double>(m_engine() >> 11) * 0x1.0p-53;
        const double r = std::sqrt(-2.0 * std::log(u1)), a = 2.0 * 3.14159265358979323846 * u2;
        m_spare = static_cast<float>(r * std::sin(a));
        m_has_spare = true;
        return static_cast<float>(r * std::cos(a));
    }
    /// A permutation of 0..n−1 (Fisher–Yates).
    std::vector<std::size_t> permutation(std::size_t n) {
        std::vector<std::size_t> p(n);
        std::iota(p.begin(), p.end(), std::size_t{0});
        for (std::size_t i = n; i > 1; --i) std::swap(p[i - 1], p[below(i)]);
        return p;
    }

private:
    std::mt19937_64 m_engine;
    float m_spare = 0;
    bool m_has_spare = false;
};

}  // namespace deepvis::train
