#pragma once
/// L = ½·mean(a²) over a whole layer: "make this layer fire strongly", DeepDream's objective
/// (Mordvintsev, Olah & Tyka 2015: maximise the L2 norm of a layer's activations). The mean
/// keeps the scale of the gradient independent of the layer's size; ∂L/∂a = a / count.
#include <deepvis/core/tensor.hpp>
#include <string>

namespace deepvis {
inline namespace objectives {

struct layer_energy {
    std::string layer = {};

    std::string tap() const { return layer; }
    double loss_and_gradient(const tensor& a, tensor& g) const {
        ensure_shape(g, a.shape());
        const std::size_t count = a.size();
        if (count == 0) return 0.0;
        const float inv = 1.0f / static_cast<float>(count);
        double s = 0.0;
        for (std::size_t i = 0; i < count; ++i) {
            const float v = a.data()[i];
            s += double(v) * v;
            g.data()[i] = v * inv;
        }
        return 0.5 * s / static_cast<double>(count);
    }
};

}  // namespace objectives
}  // namespace deepvis
