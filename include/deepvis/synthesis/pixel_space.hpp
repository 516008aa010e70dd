#pragma once
/// The one space every synthesis recipe optimises in, whatever the model's input convention.
///
/// A model reads x = P(p): pixels p ∈ [0, 1] (R, G, B) through its own preprocessing
///   x_k = (scale · 255 · p_{src(k)} − mean_k) / std_k,   src(k) = 2 − k with bgr (3 channels), else k
/// (input_preprocessing: the fields of io::image_options, on 8-bit pixel values v = 255·p). The
/// recipes optimise instead the standardised pixel image
///   u = (p − μ) / σ,   μ, σ = torchvision's ImageNet statistics for 3-channel images
///                      (0.485, 0.456, 0.406) / (0.229, 0.224, 0.225); μ = 0, σ = 1 otherwise
/// and feed the model P(σ·u + μ), one per-channel affine map with a channel permutation. The
/// CS231n recipes were written for exactly this u (torchvision-normalised inputs), so their step
/// sizes, L2 and TV weights, blur, jitter and style/content weights mean the same thing for a
/// Caffe network (BGR, 0..255 minus the mean pixel), a torchvision one, or a model fed [0, 1]
/// pixels; clamping keeps u inside the image of [0, 1]. A 1-channel model optimises p itself.
///
/// pixel_space<M> is a Model (nn/model.hpp) whose input is u: forward maps u to x and runs M;
/// backward to the input multiplies M's input gradient by each channel's factor and undoes the
/// permutation. Everything else (activations, scores, names) is M's.
///
///   const deepvis::pixel_space ps(net, deepvis::input_preprocessing::caffe());
///   tensor u = ps.from_input(x);          // a preprocessed batch → pixel space
///   ... solve(problem{ps, objective, ps.clamp(3)}, optimizer, u, options) ...
///   tensor x2 = ps.to_input(u);           // back to what `net` reads
#include <algorithm>
#include <cstddef>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/model.hpp>
#include <deepvis/regularizers/clamp.hpp>
#include <deepvis/solvers/callback.hpp>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace deepvis {
inline namespace synthesis {

/// How 8-bit pixel values v ∈ 0..255 become a model's input: x_k = (scale·v_{src(k)} − mean_k)/std_k,
/// channels B, G, R with bgr. mean/std: one value for all channels or one per model channel.
struct input_preprocessing {
    float scale = 1.0f / 255.0f;
    std::vector<float> mean = {0.0f};
    std::vector<float> std = {1.0f};
    bool bgr = false;

    /// RGB in [0, 1] (deepvis' default).
    static input_preprocessing unit() { return {}; }
    /// Caffe's ImageNet networks: B, G, R in 0..255 minus the mean pixel (104, 117, 123).
    static input_preprocessing caffe() {
        return {.scale = 1.0f, .mean = {104.0f, 117.0f, 123.0f}, .std = {1.0f}, .bgr = true};
    }
    /// torchvision's ImageNet networks: RGB in [0, 1], mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).
    static input_preprocessing imagenet() {
        return {.mean = {0.485f, 0.456f, 0.406f}, .std = {0.229f, 0.224f, 0.225f}};
    }
};

}  // namespace synthesis

namespace detail {

inline float per_channel(const std::vector<float>& v, std::size_t c, float fallback) {
    return v.empty() ? fallback : v[v.size() == 1 ? 0 : std::min(c, v.size() - 1)];
}

/// x_k = a_k · u_{src_k} + b_k for model channel k (u the pixel space).
struct channel_affine {
    std::vector<float> a, b;
    std::vector<std::size_t> src;
};

}  // namespace detail

inline namespace synthesis {

/// The standardisation u = (p − μ)/σ of the pixel space for a C-channel image: torchvision's
/// ImageNet statistics for C = 3, μ = 0 and σ = 1 otherwise.
struct pixel_standardization {
    std::vector<float> mean, std;
    static pixel_standardization for_channels(std::size_t channels) {
        if (channels == 3) return {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
        return {std::vector<float>(channels, 0.0f), std::vector<float>(channels, 1.0f)};
    }
};

template <Model M>
class pixel_space {
public:
    struct trace {
        typename M::trace_type inner = {};
        tensor x = {};     ///< the model input of the last forward
        tensor grad = {};  ///< the pixel-space gradient of the last backward to the input
    };
    using trace_type = trace;

    pixel_space(const M& model, input_preprocessing p) : m_model(&model), m_pre(std::move(p)) {}

    const M& model() const { return *m_model; }
    const input_preprocessing& preprocessing() const { return m_pre; }

    /// Model input x of pixel-space images u (N, C, H, W).
    tensor to_input(const tensor& u) const {
        tensor x(shape_of(u));
        map(u, x);
        return x;
    }
    /// Pixel-space images u of model inputs x (the exact inverse of to_input).
    tensor from_input(const tensor& x) const {
        const auto [n, c, plane] = dims(x);
        const detail::channel_affine f = affine(c);
        tensor u(shape_of(x));
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t k = 0; k < c; ++k) {
                const float* s = x.data() + (i * c + k) * plane;
                float* d = u.data() + (i * c + f.src[k]) * plane;
                const float a = f.a[k], b = f.b[k];
                for (std::size_t e = 0; e < plane; ++e) d[e] = (s[e] - b) / a;
            }
        return u;
    }
    /// Pixels p = σ·u + μ (R, G, B; in [0, 1] for valid images) of pixel-space images u.
    static tensor to_pixels(const tensor& u) {
        const auto [n, c, plane] = dims(u);
        const auto st = pixel_standardization::for_channels(c);
        tensor p(shape_of(u));
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t k = 0; k < c; ++k) {
                const float* s = u.data() + (i * c + k) * plane;
                float* d = p.data() + (i * c + k) * plane;
                for (std::size_t e = 0; e < plane; ++e) d[e] = s[e] * st.std[k] + st.mean[k];
            }
        return p;
    }
    /// Pixel-space images of pixels p ∈ [0, 1] (R, G, B).
    static tensor from_pixels(const tensor& p) {
        const auto [n, c, plane] = dims(p);
        const auto st = pixel_standardization::for_channels(c);
        tensor u(shape_of(p));
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t k = 0; k < c; ++k) {
                const float* s = p.data() + (i * c + k) * plane;
                float* d = u.data() + (i * c + k) * plane;
                for (std::size_t e = 0; e < plane; ++e) d[e] = (s[e] - st.mean[k]) / st.std[k];
            }
        return u;
    }
    /// Clamping of a C-channel pixel-space image to the image of pixels in [0, 1].
    static clamp_pixels clamp(std::size_t channels, std::size_t until_step = 0) {
        const auto st = pixel_standardization::for_channels(channels);
        clamp_pixels c = clamp_pixels::from_normalization(st.mean, st.std);
        c.until_step = until_step;
        return c;
    }

    // The Model interface: input u, everything else the wrapped model's.
    const tensor& forward(const tensor& u, trace& t) const {
        ensure_shape(t.x, u.shape());
        map(u, t.x);
        return m_model->forward(t.x, t.inner);
    }
    const tensor& forward(const tensor& u, trace& t, std::span<const std::string> wanted) const requires
        requires(const M& m, typename M::trace_type& it, const tensor& x) {
        m.forward(x, it, wanted);
    }
    {
        ensure_shape(t.x, u.shape());
        map(u, t.x);
        return m_model->forward(t.x, t.inner, wanted);
    }
    const tensor& activation(const trace& t, const std::string& name) const {
        return m_model->activation(t.inner, name);
    }
    const tensor& scores(const trace& t) const { return m_model->scores(t.inner); }
    std::string input_name() const { return m_model->input_name(); }
    std::string score_name() const { return m_model->score_name(); }
    std::string resolve(const std::string& name) const { return m_model->resolve(name); }
    decltype(auto) input_info() const requires requires(const M& m) { m.input_info(); }
    { return m_model->input_info(); }

    /// M's backward; to the input, the gradient is mapped to pixel space: ∂/∂u_{src_k} = a_k·∂/∂x_k.
    template <BackpropRule Rule = backprop::standard>
    const tensor& backward(trace& t, std::span<const nn::gradient_seed> seeds, const std::string& target) const {
        const tensor& g = m_model->template backward<Rule>(t.inner, seeds, target);
        if (m_model->resolve(target) != m_model->input_name()) return g;
        ensure_shape(t.grad, g.shape());
        const auto [n, c, plane] = dims(g);
        const detail::channel_affine f = affine(c);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t k = 0; k < c; ++k) {
                const float* s = g.data() + (i * c + k) * plane;
                float* d = t.grad.data() + (i * c + f.src[k]) * plane;
                const float a = f.a[k];
                for (std::size_t e = 0; e < plane; ++e) d[e] = a * s[e];
            }
        return t.grad;
    }

    /// The per-channel map for a C-channel image: x_k = a_k·u_{src_k} + b_k with
    /// a_k = 255·scale·σ_src/std_k and b_k = (255·scale·μ_src − mean_k)/std_k.
    detail::channel_affine affine(std::size_t c) const {
        const auto st = pixel_standardization::for_channels(c);
        detail::channel_affine f;
        const float to_model = 255.0f * m_pre.scale;
        for (std::size_t k = 0; k < c; ++k) {
            const std::size_t src = m_pre.bgr && c == 3 ? 2 - k : k;
            const float s = detail::per_channel(m_pre.std, k, 1.0f), m = detail::per_channel(m_pre.mean, k, 0.0f);
            DEEPVIS_CHECK(s != 0.0f && m_pre.scale != 0.0f, config_error,
                          "pixel_space: channel " << k << " has std " << s << " and scale " << m_pre.scale);
            f.a.push_back(to_model * st.std[src] / s);
            f.b.push_back((to_model * st.mean[src] - m) / s);
            f.src.push_back(src);
        }
        return f;
    }

private:
    struct sizes {
        std::size_t n, c, plane;
    };
    static sizes dims(const tensor& x) {
        DEEPVIS_CHECK(x.dimension() == 4, shape_error,
                      "pixel_space: expected images (N, C, H, W), got " << shape_string(x.shape()));
        return {x.shape()[0], x.shape()[1], x.shape()[2] * x.shape()[3]};
    }
    void map(const tensor& u, tensor& x) const {
        const auto [n, c, plane] = dims(u);
        const detail::channel_affine f = affine(c);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t k = 0; k < c; ++k) {
                const float* s = u.data() + (i * c + f.src[k]) * plane;
                float* d = x.data() + (i * c + k) * plane;
                const float a = f.a[k], b = f.b[k];
                for (std::size_t e = 0; e < plane; ++e) d[e] = a * s[e] + b;
            }
    }

    const M* m_model;
    input_preprocessing m_pre;
};

static_assert(Model<pixel_space<model_archetype>>, "pixel_space must satisfy deepvis::Model (nn/model.hpp)");

}  // namespace synthesis

namespace detail {

/// A recipe's callback seen through the pixel space: step_report::image is given in the
/// model's input space, like the recipe's result.
template <Model M, Callback Cb>
struct input_space_callback {
    const pixel_space<M>& space;
    Cb& callback;
    tensor x = {};
    bool operator()(const step_report& r) {
        x = space.to_input(r.image);
        return notify(callback, step_report{r.step, r.iterations, r.value, r.gradient_norm, x});
    }
};

/// The callback a recipe passes to solve() on a pixel space: `callback` itself when it is
/// no_callback (nothing to convert), else input_space_callback.
template <Model M, Callback Cb>
auto in_input_space(const pixel_space<M>& space, Cb& callback) {
    if constexpr (std::is_same_v<std::decay_t<Cb>, no_callback>)
        return no_callback{};
    else
        return input_space_callback<M, Cb>{space, callback};
}

}  // namespace detail

}  // namespace deepvis
