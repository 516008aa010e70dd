#pragma once
/// add_gaussian_noise: x ← x + σ·N(0, 1) per element, then (when clip) clamped to [0, 1] so the
/// corrupted images stay valid images — the corruption the denoising autoencoder trains on
/// (P. Vincent et al., "Extracting and composing robust features with denoising autoencoders",
/// ICML 2008, with additive Gaussian noise instead of masking).
#include <algorithm>
#include <deepvis/core/tensor.hpp>
#include <deepvis/train/rng.hpp>

namespace deepvis::train {

inline void add_gaussian_noise(tensor& x, float stddev, bool clip, rng& r) {
    for (auto& v : x) {
        v += stddev * r.normal();
        if (clip) v = std::clamp(v, 0.0f, 1.0f);
    }
}

}  // namespace deepvis::train
