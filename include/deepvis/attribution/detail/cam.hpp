#pragma once
/// Machinery shared by the class-activation-map methods (Grad-CAM, Grad-CAM++, Score-CAM,
/// LayerCAM, XGrad-CAM, HiResCAM, Eigen-CAM): choosing the layer, reading its activations and
/// their gradient, weighting or multiplying its maps, normalising and upsampling.
#include <algorithm>
#include <cmath>
#include <deepvis/attribution/detail/common.hpp>
#include <deepvis/attribution/upsample.hpp>
#include <deepvis/nn/op.hpp>
#include <string>

namespace deepvis {

/// When a class activation map is min-max normalised to [0, 1] (per batch item).
///   none: raw values (the paper); before_upsample: pytorch-grad-cam; after_upsample: for display.
enum class cam_normalize { none, before_upsample, after_upsample };

/// The layer Grad-CAM and its relatives use when none is given: the output of the last node, in
/// execution order, whose output is 4-D (N, K, h, w) with h·w > 1 and which is not a pooling,
/// reshaping or padding node — i.e. the last convolutional block's output before global pooling or
/// flattening (VGG: the ReLU after conv5_3, as in Selvaraju et al.; ResNet: the last block's ReLU).
///   requires: forward has run on t; the model exposes its graph through definition()
///             (nn::network does); otherwise pass the layer explicitly.
template <class M>
std::string default_cam_layer(const M& model, const typename M::trace_type& t) {
    if constexpr (ExposesGraph<M>) {
        std::string found;
        for (const auto& nd : model.definition().nodes) {
            if (!nn::traits_of(nd.op_type).computes_features) continue;  // pooling, reshaping, copies
            const auto& out = nd.outputs.front();
            const tensor& a = model.activation(t, out);
            if (a.dimension() == 4 && a.shape()[2] * a.shape()[3] > 1) found = out;
        }
        DEEPVIS_CHECK(!found.empty(), config_error,
                      "class activation map: the model has no 4-D spatial layer (N, K, h, w); pass .layer");
        return found;
    } else {
        DEEPVIS_FAIL(config_error,
                     "class activation map: no layer given and the model does not expose its graph; pass .layer");
    }
}

namespace detail {

/// Forward on x, then the tensor name of the CAM layer (resolved, checked to be 4-D spatial).
template <class M>
std::string cam_layer(const M& model, typename M::trace_type& t, const std::string& layer, const char* who) {
    const std::string name = layer.empty() ? default_cam_layer(model, t) : std::string(model.resolve(layer));
    const tensor& a = model.activation(t, name);
    DEEPVIS_CHECK(a.dimension() == 4, config_error,
                  who << ": layer '" << (layer.empty() ? name : layer) << "' has shape " << shape_string(a.shape())
                      << ", expected a 4-D spatial layer (N, K, h, w)");
    return name;
}

/// What a gradient CAM reads at its layer.
struct cam_tensors {
    tensor activations;  ///< A: (N, K, h, w)
    tensor gradient;     ///< G = ∂(Σ_i score_{i, c_i}) / ∂A under the standard rule; empty if not asked for
};

/// Forward on x, the CAM layer (`layer`, or default_cam_layer), its activations and, when
/// `with_gradient`, their gradient from one backward pass for the whole batch.
///   requires: x is NCHW; classes is one index, or one per batch item, below the score width.
template <class M>
cam_tensors cam_pass(const M& model, const tensor& x, const class_indices& classes, const std::string& layer,
                     const char* who, bool with_gradient = true) {
    check_images(x, who);
    auto lease = borrow_trace(model);  // reuses the memory of earlier calls
    auto& t = *lease;
    model.forward(x, t);
    const std::size_t n = x.shape()[0];
    const auto cls = expand_classes(classes, n, score_width(model.scores(t), n, who), who);
    const std::string name = cam_layer(model, t, layer, who);
    cam_tensors out{model.activation(t, name), {}};
    if (with_gradient)
        out.gradient = backward_to<backprop::standard>(model, t, one_hot_like(model.scores(t), cls), {name}).front();
    return out;
}

/// G ⊙ A elementwise, with G rectified first when `rectify_gradient` (LayerCAM): (N, K, h, w).
inline tensor gradient_times_activation(const tensor& activations, const tensor& gradient, bool rectify_gradient) {
    DEEPVIS_ASSERT(activations.shape() == gradient.shape());
    tensor out = activations;
    for (std::size_t e = 0; e < out.size(); ++e) {
        const float g = gradient.data()[e];
        out.data()[e] *= rectify_gradient ? std::max(g, 0.0f) : g;
    }
    return out;
}

/// cam_i = Σ_k weights(i,k) · A(i,k,:,:), then ReLU when asked: (N, h, w).
inline tensor weighted_maps(const tensor& activations, const tensor& weights, bool relu) {
    const std::size_t n = activations.shape()[0], k = activations.shape()[1];
    const std::size_t hw = activations.shape()[2] * activations.shape()[3];
    tensor cam = xt::zeros<float>({n, activations.shape()[2], activations.shape()[3]});
    for (std::size_t i = 0; i < n; ++i) {
        float* dst = cam.data() + i * hw;
        for (std::size_t c = 0; c < k; ++c) {
            const float w = weights.data()[i * k + c];
            const float* src = activations.data() + (i * k + c) * hw;
            for (std::size_t p = 0; p < hw; ++p) dst[p] += w * src[p];
        }
        if (relu)
            for (std::size_t p = 0; p < hw; ++p) dst[p] = std::max(dst[p], 0.0f);
    }
    return cam;
}

/// cam_i = Σ_k m(i,k,:,:), then ReLU when asked: (N, h, w).
inline tensor channel_sum(const tensor& m, bool relu) {
    const tensor ones = xt::ones<float>({m.shape()[0], m.shape()[1]});
    return weighted_maps(m, ones, relu);
}

/// Per batch item: (m − min) / (max − min + 1e-7), pytorch-grad-cam's scale_cam_image.
inline void normalize_min_max(tensor& maps) {
    const std::size_t n = maps.shape()[0], plane = maps.size() / n;
    for (std::size_t i = 0; i < n; ++i) {
        float* p = maps.data() + i * plane;
        const auto [lo, hi] = std::minmax_element(p, p + plane);
        const float mn = *lo, range = *hi - *lo;
        for (std::size_t e = 0; e < plane; ++e) p[e] = (p[e] - mn) / (range + 1e-7f);
    }
}

/// Normalises and upsamples a (N, h, w) map to the input's (H, W) as the options say.
inline tensor finish_cam(tensor cam, const tensor& x, upsample_mode mode, cam_normalize normalize) {
    if (normalize == cam_normalize::before_upsample) normalize_min_max(cam);
    tensor out = upsample(cam, x.shape()[2], x.shape()[3], mode);
    if (normalize == cam_normalize::after_upsample) normalize_min_max(out);
    return out;
}

}  // namespace detail
}  // namespace deepvis
