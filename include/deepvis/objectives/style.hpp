#pragma once
/// The Gram-matrix style loss of Gatys et al. 2016 (eqs. 3–5):
///   G_ℓ = s · F_ℓ F_ℓᵀ           F_ℓ is the (C_ℓ, H_ℓ·W_ℓ) feature map of layer ℓ
///   L   = Σ_ℓ w_ℓ · r_ℓ · Σ(G_ℓ − A_ℓ)²
/// with s = 1 (gram_normalization::none) or 1/(C·H·W) (by_size), and r = 1 (reduction::sum),
/// 1/C² (reduction::mean, PyTorch's mse_loss) — Gatys' own 1/(4N²M²) is
/// style_reduction::gatys. A_ℓ are target Gram matrices, (C, C) or (1, C, C) for every image of
/// the batch, or (N, C, C). One multi-tap objective: all layers are seeded in ONE backward pass.
/// Kernels: core/kernels/gram.hpp.
#include <deepvis/core/error.hpp>
#include <deepvis/core/kernels/gram.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/objectives/objective.hpp>
#include <string>
#include <vector>

namespace deepvis {
inline namespace objectives {

/// The scale s of G = s · F Fᵀ.
enum class gram_normalization { none, by_size };
/// The factor r in front of Σ(G − A)²: 1, 1/C², or Gatys' 1/(4·C²·(H·W)²).
enum class style_reduction { sum, mean, gatys };

/// The Gram matrices (N, C, C) of an (N, C, H, W) (or (N, C, ...)) feature map.
inline tensor gram_matrix(const tensor& f, gram_normalization norm = gram_normalization::none) {
    DEEPVIS_CHECK(f.dimension() >= 2, shape_error,
                  "gram_matrix: features " << shape_string(f.shape()) << " have no channel axis");
    const std::size_t n = f.shape()[0], c = f.shape()[1], hw = f.size() / (n * c);
    tensor g(shape_type{n, c, c});
    const float s = norm == gram_normalization::by_size ? 1.0f / static_cast<float>(c * hw) : 1.0f;
    kernels::gram(f.data(), n, c, hw, g.data(), s);
    return g;
}

/// One layer of a style loss: its name, weight w_ℓ and target Gram matrix A_ℓ.
struct style_layer {
    std::string layer = {};
    double weight = 1.0;
    tensor target = {};
};

struct style_loss {
    std::vector<style_layer> layers = {};
    gram_normalization normalization = gram_normalization::none;
    style_reduction reduction = style_reduction::sum;

    std::vector<std::string> taps() const {
        std::vector<std::string> t = {};
        for (const auto& l : layers) t.push_back(l.layer);
        return t;
    }

    double loss_and_gradient(std::span<const tensor* const> a, std::span<tensor* const> g) const {
        double total = 0.0;
        for (std::size_t k = 0; k < layers.size(); ++k) total += layer_loss(layers[k], *a[k], *g[k]);
        return total;
    }

private:
    double layer_loss(const style_layer& l, const tensor& f, tensor& df) const {
        DEEPVIS_CHECK(
            f.dimension() >= 2, shape_error,
            "style_loss '" << l.layer << "': activation " << shape_string(f.shape()) << " has no channel axis");
        const std::size_t n = f.shape()[0], c = f.shape()[1], hw = f.size() / (n * c);
        const bool broadcast = l.target.size() == c * c;
        DEEPVIS_CHECK(broadcast || l.target.size() == n * c * c, shape_error,
                      "style_loss '" << l.layer << "': target Gram has shape " << shape_string(l.target.shape())
                                     << ", expected (" << c << ", " << c << ") for " << c << " channels");
        const float s = normalization == gram_normalization::by_size ? 1.0f / static_cast<float>(c * hw) : 1.0f;
        double r = 1.0;
        if (reduction == style_reduction::mean) r = 1.0 / double(c * c);
        if (reduction == style_reduction::gatys) r = 1.0 / (4.0 * double(c) * double(c) * double(hw) * double(hw));
        tensor g(shape_type{n, c, c});
        kernels::gram(f.data(), n, c, hw, g.data(), s);
        double sq = 0.0;
        const float two_wr = static_cast<float>(2.0 * l.weight * r);
        for (std::size_t b = 0; b < n; ++b) {
            float* gb = g.data() + b * c * c;
            const float* ab = l.target.data() + (broadcast ? 0 : b * c * c);
            for (std::size_t e = 0; e < c * c; ++e) {
                const float d = gb[e] - ab[e];
                sq += double(d) * d;
                gb[e] = two_wr * d;  // now dL/dG, symmetric
            }
        }
        ensure_shape(df, f.shape());
        kernels::gram_backward(f.data(), g.data(), n, c, hw, df.data(), s, /*symmetric=*/true);
        return l.weight * r * sq;
    }
};

}  // namespace objectives
}  // namespace deepvis
