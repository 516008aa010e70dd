#pragma once
/// Translation of a Caffe net (prototxt layers + caffemodel blobs) into an nn::graph of the ONNX
/// ops deepvis already runs, so that forward, backward and every backprop rule come from those
/// ops. The naming rule and the layer table are documented in io/caffe.hpp.
#include <algorithm>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/io/detail/caffe_files.hpp>
#include <deepvis/nn/graph.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace deepvis::detail {

/// The Caffe layer types load_caffe translates, for error messages.
inline const char* caffe_supported_types() {
    return "BatchNorm, Concat, Convolution, Deconvolution, Dropout, Eltwise, Flatten, InnerProduct, Input, LRN, "
           "Pooling, Power, ReLU, Reshape, Scale, Sigmoid, Softmax, Split, TanH (data, loss and accuracy layers "
           "are skipped)";
}

/// Layers that feed or score training and do not exist in a deployed network.
inline bool caffe_is_training_only(const std::string& type) {
    static const std::set<std::string> data = {"Data",       "ImageData", "HDF5Data", "HDF5Output", "MemoryData",
                                               "WindowData", "DummyData", "Accuracy", "Silence"};
    const bool loss = type.size() >= 4 && type.compare(type.size() - 4, 4, "Loss") == 0;
    return loss || data.count(type) != 0;
}

class caffe_graph_builder {
public:
    caffe_graph_builder(const caffe_pb::NetParameter& net, const caffe_pb::NetParameter& weights, std::string label)
        : m_label(std::move(label)) {
        m_graph.name = net.name().empty() ? "caffe" : net.name();
        m_graph.opset = 13;
        for (const auto& l : weights.layer())
            if (l.blobs_size() > 0) m_weights.emplace(l.name(), &l.blobs());
        for (const auto& l : weights.layers())
            if (l.blobs_size() > 0) m_weights.emplace(l.name(), &l.blobs());
        declare_net_inputs(net);
        m_layers = caffe_layers(net);
        m_layers.erase(
            std::remove_if(m_layers.begin(), m_layers.end(), [](const auto& l) { return !caffe_in_test_phase(l); }),
            m_layers.end());
    }

    nn::graph build() {
        for (std::size_t i = 0; i < m_layers.size(); ++i) translate(i);
        for (const auto& name : m_unconsumed) m_graph.outputs.push_back({name, {}});
        DEEPVIS_CHECK(
            !m_graph.inputs.empty(), io_error,
            m_label << ": declares no input (expected an Input layer, or input: with input_shape or input_dim)");
        DEEPVIS_CHECK(!m_graph.outputs.empty(), io_error, m_label << ": the network has no output layer");
        return std::move(m_graph);
    }

private:
    using layer = caffe_pb::LayerParameter;

    std::string where(const layer& l) const { return m_label + ": layer '" + l.name() + "' (" + l.type() + ")"; }

    /// An input blob keeps its declared name; dimensions are checked like every size in the file.
    void add_input(const std::string& name, std::vector<std::int64_t> dims, const std::string& what) {
        if (!dims.empty()) caffe_checked_count(dims, what);
        DEEPVIS_CHECK(!m_tensors.count(name), io_error, what << ": input '" << name << "' is declared twice");
        m_graph.inputs.push_back({name, std::move(dims)});
        m_tensors.insert(name);
        m_blobs[name] = name;
    }

    void declare_net_inputs(const caffe_pb::NetParameter& net) {
        const int n = net.input_size();
        DEEPVIS_CHECK(net.input_shape_size() == 0 || net.input_shape_size() == n, io_error,
                      m_label << ": " << n << " inputs but " << net.input_shape_size() << " input_shape entries");
        DEEPVIS_CHECK(net.input_dim_size() == 0 || net.input_dim_size() == 4 * n, io_error,
                      m_label << ": " << n << " inputs but " << net.input_dim_size()
                              << " input_dim values (expected 4 per input)");
        for (int i = 0; i < n; ++i) {
            std::vector<std::int64_t> dims;
            if (net.input_shape_size() > 0)
                dims.assign(net.input_shape(i).dim().begin(), net.input_shape(i).dim().end());
            else if (net.input_dim_size() > 0)
                dims.assign(net.input_dim().begin() + 4 * i, net.input_dim().begin() + 4 * i + 4);
            add_input(net.input(i), std::move(dims), m_label + ": input '" + net.input(i) + "'");
        }
    }

    /// The tensor that holds Caffe blob `bottom` now (after any in-place layer wrote it).
    std::string bottom(const layer& l, int i) {
        DEEPVIS_CHECK(i < l.bottom_size(), io_error,
                      where(l) << ": has " << l.bottom_size() << " bottoms, expected at least " << i + 1);
        auto it = m_blobs.find(l.bottom(i));
        DEEPVIS_CHECK(it != m_blobs.end(), io_error,
                      where(l) << ": bottom '" << l.bottom(i)
                               << "' is not produced by any earlier layer or input (unknown blob, or layers out of "
                                  "order / in a cycle)");
        m_unconsumed.erase(std::remove(m_unconsumed.begin(), m_unconsumed.end(), it->second), m_unconsumed.end());
        return it->second;
    }

    /// Appends a node whose name is also its output tensor's name.
    std::string emit(const layer& l, const std::string& name, const std::string& op_type,
                     std::vector<std::string> inputs, nn::attribute_map attributes = {}) {
        DEEPVIS_CHECK(!m_tensors.count(name), io_error,
                      where(l) << ": the name '" << name << "' is already used by another layer or blob");
        m_tensors.insert(name);
        m_graph.nodes.push_back({name, op_type, std::move(inputs), {name}, std::move(attributes)});
        return name;
    }

    std::string constant(const layer& l, const std::string& name, tensor value, bool integer = false) {
        DEEPVIS_CHECK(!m_tensors.count(name), io_error,
                      where(l) << ": the name '" << name << "' is already used by another layer or blob");
        m_tensors.insert(name);
        m_graph.initializers[name] = std::move(value);
        if (integer) m_graph.integer_initializers.insert(name);
        return name;
    }

    std::string scalar(const layer& l, const std::string& name, float v) {
        tensor t = tensor::from_shape({1});
        t(0) = v;
        return constant(l, name, std::move(t));
    }

    static tensor filled(std::size_t n, float v) {
        tensor t = tensor::from_shape({n});
        std::fill(t.begin(), t.end(), v);
        return t;
    }

    /// Blob `i` of the layer's weights in the caffemodel, flat; its count checked by `check`.
    tensor blob(const layer& l, int i) {
        auto it = m_weights.find(l.name());
        DEEPVIS_CHECK(
            it != m_weights.end(), io_error,
            where(l) << ": needs weights, but the caffemodel has no layer named '" << l.name() << "' with blobs");
        DEEPVIS_CHECK(
            i < it->second->size(), io_error,
            where(l) << ": needs blob " << i << ", but the caffemodel holds " << it->second->size() << " blobs for it");
        return caffe_blob_values(it->second->Get(i), where(l) + ": blob " + std::to_string(i));
    }

    /// Blob i reshaped to `dims`, whose product must be its count.
    tensor blob_as(const layer& l, int i, const std::vector<std::int64_t>& dims, const std::string& role) {
        tensor t = blob(l, i);
        const std::uint64_t want = caffe_checked_count(dims, where(l) + ": " + role);
        DEEPVIS_CHECK(want == t.size(), io_error,
                      where(l) << ": " << role << " blob holds " << t.size() << " values, expected "
                               << shape_string(dims) << " = " << want);
        t.reshape(shape_type(dims.begin(), dims.end()));
        return t;
    }

    /// Whether a later layer of the deployed network reads blob `top` (if not, it is an output).
    bool consumed_later(std::size_t i, const std::string& top) const {
        for (std::size_t j = i + 1; j < m_layers.size(); ++j)
            if (!caffe_is_training_only(m_layers[j].type()))
                for (const auto& b : m_layers[j].bottom())
                    if (b == top) return true;
        return false;
    }

    void translate(std::size_t index) {
        const layer& l = m_layers[index];
        const std::string& type = l.type();
        DEEPVIS_CHECK(!l.name().empty(), io_error, m_label << ": layer " << index << " (" << type << ") has no name");
        if (type == "Input") {
            for (int t = 0; t < l.top_size(); ++t) {
                std::vector<std::int64_t> dims;
                const auto& p = l.input_param();
                if (p.shape_size() > 0) {
                    const auto& s = p.shape(p.shape_size() == 1 ? 0 : t);
                    dims.assign(s.dim().begin(), s.dim().end());
                }
                add_input(l.top(t), std::move(dims), where(l));
            }
            return;
        }
        if (caffe_is_training_only(type)) {
            // A data layer's first top is the image: it becomes the input when none is declared.
            const bool data = type.find("Data") != std::string::npos && type != "HDF5Output";
            if (data && m_graph.inputs.empty() && l.top_size() > 0) add_input(l.top(0), {}, where(l));
            return;
        }
        if (type == "Dropout" || type == "Split") {  // identity: every top aliases the bottom
            const std::string in = bottom(l, 0);
            for (const auto& t : l.top()) m_blobs[t] = in;
            if (!std::count(m_unconsumed.begin(), m_unconsumed.end(), in)) m_unconsumed.push_back(in);
            return;
        }
        DEEPVIS_CHECK(l.top_size() == 1, unsupported_error,
                      where(l) << ": has " << l.top_size() << " tops; deepvis supports layers with one top");
        const std::string out = translate_layer(l, consumed_later(index, l.top(0)));
        m_blobs[l.top(0)] = out;
        m_unconsumed.push_back(out);
    }

    /// (height, width) of a convolution or pooling window: the _h/_w forms win over the
    /// repeated or single value (Caffe's rule).
    template <class Repeated>
    static std::vector<std::int64_t> pair(const Repeated& values, bool has_h, std::int64_t h, bool has_w,
                                          std::int64_t w, std::int64_t fallback) {
        std::int64_t a = fallback, b = fallback;
        if (values.size() == 1)
            a = b = values.Get(0);
        else if (values.size() >= 2)
            a = values.Get(0), b = values.Get(1);
        if (has_h) a = h;
        if (has_w) b = w;
        return {a, b};
    }

    std::string translate_layer(const layer& l, bool consumed) {
        const std::string& type = l.type();
        const std::string& name = l.name();
        if (type == "Convolution" || type == "Deconvolution") return convolution(l, type == "Deconvolution");
        if (type == "InnerProduct") return inner_product(l);
        if (type == "ReLU") {
            const float slope = l.relu_param().negative_slope();
            if (slope == 0.0f) return emit(l, name, "Relu", {bottom(l, 0)});
            return emit(l, name, "LeakyRelu", {bottom(l, 0)}, {{"alpha", slope}});
        }
        if (type == "Pooling") return pooling(l, consumed);
        if (type == "LRN") return lrn(l);
        if (type == "Concat") {
            const auto& p = l.concat_param();
            const std::int64_t axis = p.has_axis() ? p.axis() : p.has_concat_dim() ? p.concat_dim() : 1;
            std::vector<std::string> in;
            for (int i = 0; i < l.bottom_size(); ++i) in.push_back(bottom(l, i));
            return emit(l, name, "Concat", in, {{"axis", axis}});
        }
        if (type == "Eltwise") return eltwise(l);
        if (type == "BatchNorm") return batch_norm(l);
        if (type == "Scale") return scale(l);
        if (type == "Softmax")
            return emit(l, name, "Softmax", {bottom(l, 0)}, {{"axis", std::int64_t(l.softmax_param().axis())}});
        if (type == "Sigmoid") return emit(l, name, "Sigmoid", {bottom(l, 0)});
        if (type == "TanH") return emit(l, name, "Tanh", {bottom(l, 0)});
        if (type == "Flatten") {
            const auto& p = l.flatten_param();
            DEEPVIS_CHECK(p.end_axis() == -1, unsupported_error,
                          where(l) << ": end_axis " << p.end_axis() << "; deepvis supports -1 (flatten to 2-D)");
            return emit(l, name, "Flatten", {bottom(l, 0)}, {{"axis", std::int64_t(p.axis())}});
        }
        if (type == "Reshape") {
            const auto& p = l.reshape_param();
            DEEPVIS_CHECK(p.axis() == 0 && p.num_axes() == -1, unsupported_error,
                          where(l) << ": axis " << p.axis() << ", num_axes " << p.num_axes()
                                   << "; deepvis supports the whole shape (axis 0, num_axes -1)");
            tensor shape = tensor::from_shape({static_cast<std::size_t>(p.shape().dim_size())});
            for (int i = 0; i < p.shape().dim_size(); ++i) {
                const auto d = p.shape().dim(i);
                DEEPVIS_CHECK(d >= -1 && d < (std::int64_t(1) << 24), io_error,
                              where(l) << ": reshape dimension " << d << " is out of range");
                shape(i) = static_cast<float>(d);
            }
            const std::string in = bottom(l, 0);
            return emit(l, name, "Reshape", {in, constant(l, name + "/shape", std::move(shape), true)});
        }
        if (type == "Power") return power(l);
        DEEPVIS_FAIL(unsupported_error, where(l) << ": unsupported layer type '" << type
                                                 << "'; supported types: " << caffe_supported_types());
    }

    std::string convolution(const layer& l, bool transposed) {
        const auto& p = l.convolution_param();
        DEEPVIS_CHECK(p.axis() == 1, unsupported_error, where(l) << ": axis " << p.axis() << ", expected 1");
        DEEPVIS_CHECK(p.num_output() > 0, io_error, where(l) << ": num_output is missing or 0");
        DEEPVIS_CHECK(p.group() >= 1 && p.num_output() % p.group() == 0, io_error,
                      where(l) << ": num_output " << p.num_output() << " is not a multiple of group " << p.group());
        DEEPVIS_CHECK(p.kernel_size_size() <= 2 && p.stride_size() <= 2 && p.pad_size() <= 2 && p.dilation_size() <= 2,
                      unsupported_error, where(l) << ": more than 2 spatial axes; deepvis supports 2-D convolution");
        const auto kernel = pair(p.kernel_size(), p.has_kernel_h(), p.kernel_h(), p.has_kernel_w(), p.kernel_w(), 0);
        const auto stride = pair(p.stride(), p.has_stride_h(), p.stride_h(), p.has_stride_w(), p.stride_w(), 1);
        const auto pad = pair(p.pad(), p.has_pad_h(), p.pad_h(), p.has_pad_w(), p.pad_w(), 0);
        const auto dilation = pair(p.dilation(), false, 0, false, 0, 1);
        DEEPVIS_CHECK(kernel[0] > 0 && kernel[1] > 0, io_error, where(l) << ": kernel size is missing or 0");
        DEEPVIS_CHECK(stride[0] > 0 && stride[1] > 0 && dilation[0] > 0 && dilation[1] > 0, io_error,
                      where(l) << ": stride and dilation must be at least 1");
        const std::int64_t out = p.num_output(), group = p.group();
        // Caffe's weight layout: Convolution (out, in/group, kh, kw); Deconvolution (in, out/group, kh, kw).
        const std::int64_t fixed = (transposed ? out / group : out) * kernel[0] * kernel[1];
        tensor w = blob(l, 0);
        DEEPVIS_CHECK(w.size() % static_cast<std::size_t>(fixed) == 0 && w.size() > 0, io_error,
                      where(l) << ": weight blob holds " << w.size() << " values, not a multiple of "
                               << (transposed ? "num_output/group" : "num_output") << " x kernel = " << fixed);
        const auto free = static_cast<std::int64_t>(w.size()) / fixed;
        const std::vector<std::int64_t> wdims = transposed
                                                    ? std::vector<std::int64_t>{free, out / group, kernel[0], kernel[1]}
                                                    : std::vector<std::int64_t>{out, free, kernel[0], kernel[1]};
        w.reshape(shape_type(wdims.begin(), wdims.end()));
        std::vector<std::string> inputs = {bottom(l, 0), constant(l, l.name() + "/weight", std::move(w))};
        if (p.bias_term()) inputs.push_back(constant(l, l.name() + "/bias", blob_as(l, 1, {out}, "bias")));
        nn::attribute_map a{{"kernel_shape", kernel},
                            {"strides", stride},
                            {"pads", std::vector<std::int64_t>{pad[0], pad[1], pad[0], pad[1]}},
                            {"dilations", dilation},
                            {"group", group}};
        return emit(l, l.name(), transposed ? "ConvTranspose" : "Conv", inputs, std::move(a));
    }

    std::string inner_product(const layer& l) {
        const auto& p = l.inner_product_param();
        DEEPVIS_CHECK(p.axis() == 1, unsupported_error,
                      where(l) << ": axis " << p.axis() << "; deepvis supports axis 1 (flatten all but the batch)");
        DEEPVIS_CHECK(p.num_output() > 0, io_error, where(l) << ": num_output is missing or 0");
        const std::int64_t n = p.num_output();
        tensor w = blob(l, 0);  // (N, K), or (K, N) with transpose; V1 files store 1 x 1 x N x K
        DEEPVIS_CHECK(w.size() > 0 && w.size() % static_cast<std::size_t>(n) == 0, io_error,
                      where(l) << ": weight blob holds " << w.size() << " values, not a multiple of num_output " << n);
        const auto k = static_cast<std::size_t>(w.size() / n);
        w.reshape(p.transpose() ? shape_type{k, static_cast<std::size_t>(n)}
                                : shape_type{static_cast<std::size_t>(n), k});
        const std::string flat = emit(l, l.name() + "/flatten", "Flatten", {bottom(l, 0)}, {{"axis", std::int64_t(1)}});
        std::vector<std::string> inputs = {flat, constant(l, l.name() + "/weight", std::move(w))};
        if (p.bias_term()) inputs.push_back(constant(l, l.name() + "/bias", blob_as(l, 1, {n}, "bias")));
        return emit(l, l.name(), "Gemm", inputs, {{"transB", std::int64_t(p.transpose() ? 0 : 1)}});
    }

    std::string pooling(const layer& l, bool consumed) {
        const auto& p = l.pooling_param();
        DEEPVIS_CHECK(p.pool() != caffe_pb::PoolingParameter::STOCHASTIC, unsupported_error,
                      where(l) << ": STOCHASTIC pooling; deepvis supports MAX and AVE");
        const bool max = p.pool() == caffe_pb::PoolingParameter::MAX;
        const std::string in = bottom(l, 0);
        if (p.global_pooling()) {
            // Caffe's global pooling gives (N, C, 1, 1); as the network's output it is flattened
            // to the (N, C) class scores that attribution expects.
            const std::string op = max ? "GlobalMaxPool" : "GlobalAveragePool";
            if (consumed) return emit(l, l.name(), op, {in});
            return emit(l, l.name(), "Flatten", {emit(l, l.name() + "/gap", op, {in})}, {{"axis", std::int64_t(1)}});
        }
        const std::int64_t ks = p.kernel_size(), st = p.stride(), pd = p.pad();
        DEEPVIS_CHECK(p.has_kernel_size() || (p.has_kernel_h() && p.has_kernel_w()), io_error,
                      where(l) << ": kernel_size (or kernel_h and kernel_w) is missing");
        const std::vector<std::int64_t> kernel = {p.has_kernel_h() ? p.kernel_h() : ks,
                                                  p.has_kernel_w() ? p.kernel_w() : ks};
        const std::vector<std::int64_t> stride = {p.has_stride_h() ? p.stride_h() : st,
                                                  p.has_stride_w() ? p.stride_w() : st};
        const std::vector<std::int64_t> pad = {p.has_pad_h() ? p.pad_h() : pd, p.has_pad_w() ? p.pad_w() : pd};
        DEEPVIS_CHECK(kernel[0] > 0 && kernel[1] > 0 && stride[0] > 0 && stride[1] > 0, io_error,
                      where(l) << ": kernel and stride must be at least 1");
        // Caffe rounds the output size up (round_mode CEIL, the default) and drops a last window
        // that would start in the end padding; AVE divides by the window clipped to the padded
        // input. MaxPool / AveragePool with ceil_mode and count_include_pad do exactly that.
        nn::attribute_map a{{"kernel_shape", kernel},
                            {"strides", stride},
                            {"pads", std::vector<std::int64_t>{pad[0], pad[1], pad[0], pad[1]}},
                            {"ceil_mode", std::int64_t(p.round_mode() == caffe_pb::PoolingParameter::CEIL ? 1 : 0)}};
        if (!max) a.set("count_include_pad", std::int64_t(1));
        return emit(l, l.name(), max ? "MaxPool" : "AveragePool", {in}, std::move(a));
    }

    std::string lrn(const layer& l) {
        const auto& p = l.lrn_param();
        const std::int64_t size = p.local_size();
        DEEPVIS_CHECK(size >= 1 && size % 2 == 1, io_error,
                      where(l) << ": local_size " << size << ", expected an odd number");
        const std::string x = bottom(l, 0);
        if (p.norm_region() == caffe_pb::LRNParameter::ACROSS_CHANNELS)
            return emit(l, l.name(), "LRN", {x},
                        {{"size", size}, {"alpha", p.alpha()}, {"beta", p.beta()}, {"bias", p.k()}});
        // WITHIN_CHANNEL, as Caffe composes it: y = x · (1 + alpha · avg_{size x size}(x²))^(−beta),
        // the average over a window zero-padded by (size − 1)/2 and divided by size² (k is unused).
        const std::string& n = l.name();
        const std::int64_t pad = (size - 1) / 2;
        const std::string sq = emit(l, n + "/square", "Mul", {x, x});
        const std::string avg = emit(l, n + "/average", "AveragePool", {sq},
                                     {{"kernel_shape", std::vector<std::int64_t>{size, size}},
                                      {"strides", std::vector<std::int64_t>{1, 1}},
                                      {"pads", std::vector<std::int64_t>{pad, pad, pad, pad}},
                                      {"count_include_pad", std::int64_t(1)}});
        const std::string scaled = emit(l, n + "/scale", "Mul", {avg, scalar(l, n + "/alpha", p.alpha())});
        const std::string shifted = emit(l, n + "/shift", "Add", {scaled, scalar(l, n + "/one", 1.0f)});
        const std::string d = emit(l, n + "/power", "Pow", {shifted, scalar(l, n + "/minus_beta", -p.beta())});
        return emit(l, n, "Mul", {x, d});
    }

    std::string eltwise(const layer& l) {
        const auto& p = l.eltwise_param();
        using E = caffe_pb::EltwiseParameter;
        DEEPVIS_CHECK(l.bottom_size() >= 2, io_error,
                      where(l) << ": has " << l.bottom_size() << " bottoms, expected 2 or more");
        DEEPVIS_CHECK(p.coeff_size() == 0 || (p.operation() == E::SUM && p.coeff_size() == l.bottom_size()), io_error,
                      where(l) << ": " << p.coeff_size() << " coefficients for " << l.bottom_size()
                               << " bottoms (coefficients need SUM and one per bottom)");
        const std::string op = p.operation() == E::SUM ? "Add" : p.operation() == E::PROD ? "Mul" : "Max";
        const std::string& n = l.name();
        auto term = [&](int i) {
            const std::string in = bottom(l, i);
            if (p.coeff_size() == 0 || p.coeff(i) == 1.0f) return in;
            const std::string c = n + "/coeff" + std::to_string(i);
            return emit(l, c + "_times", "Mul", {in, scalar(l, c, p.coeff(i))});
        };
        std::string acc = term(0);
        for (int i = 1; i < l.bottom_size(); ++i) {
            const std::string next = term(i);
            const bool last = i + 1 == l.bottom_size();
            acc = emit(l, last ? n : n + "/" + std::to_string(i), op, {acc, next});
        }
        return acc;
    }

    /// BatchNorm: blobs mean·s, variance·s and s (the moving-average scale factor; 0 means
    /// mean = variance = 0, as in Caffe). Becomes BatchNormalization with scale 1 and bias 0.
    std::string batch_norm(const layer& l) {
        tensor mean = blob(l, 0), var = blob(l, 1);
        const std::size_t c = mean.size();
        DEEPVIS_CHECK(var.size() == c, io_error, where(l) << ": mean has " << c << " values, variance " << var.size());
        float factor = 1.0f;
        if (m_weights.at(l.name())->size() >= 3) {
            const tensor s = blob(l, 2);
            DEEPVIS_CHECK(s.size() == 1, io_error,
                          where(l) << ": scale-factor blob holds " << s.size() << " values, expected 1");
            factor = s(0) == 0.0f ? 0.0f : 1.0f / s(0);
        }
        mean *= factor;
        var *= factor;
        const std::string& n = l.name();
        const std::string x = bottom(l, 0);
        return emit(l, n, "BatchNormalization",
                    {x, constant(l, n + "/scale", filled(c, 1.0f)), constant(l, n + "/bias", filled(c, 0.0f)),
                     constant(l, n + "/mean", std::move(mean)), constant(l, n + "/var", std::move(var))},
                    {{"epsilon", l.batch_norm_param().eps()}});
    }

    /// Scale (one bottom, learned per-channel factor and optional bias): y = gamma·x + beta
    /// along axis 1, as BatchNormalization with mean 0, variance 1 and epsilon 0 (exact, any rank).
    std::string scale(const layer& l) {
        const auto& p = l.scale_param();
        DEEPVIS_CHECK(
            l.bottom_size() == 1, unsupported_error,
            where(l) << ": " << l.bottom_size() << " bottoms; deepvis supports Scale with learned factors (1 bottom)");
        DEEPVIS_CHECK(p.axis() == 1 && p.num_axes() == 1, unsupported_error,
                      where(l) << ": axis " << p.axis() << ", num_axes " << p.num_axes() << "; deepvis supports 1, 1");
        tensor gamma = blob(l, 0);
        const std::size_t c = gamma.size();
        tensor beta = p.bias_term() ? blob_as(l, 1, {static_cast<std::int64_t>(c)}, "bias") : filled(c, 0.0f);
        const std::string& n = l.name();
        const std::string x = bottom(l, 0);
        return emit(l, n, "BatchNormalization",
                    {x, constant(l, n + "/scale", std::move(gamma)), constant(l, n + "/bias", std::move(beta)),
                     constant(l, n + "/mean", filled(c, 0.0f)), constant(l, n + "/var", filled(c, 1.0f))},
                    {{"epsilon", 0.0f}});
    }

    /// Power: y = (shift + scale·x)^power, one node per step that is not the identity.
    std::string power(const layer& l) {
        const auto& p = l.power_param();
        const std::string& n = l.name();
        std::string acc = bottom(l, 0);
        const bool do_scale = p.scale() != 1.0f, do_shift = p.shift() != 0.0f, do_pow = p.power() != 1.0f;
        if (!do_scale && !do_shift && !do_pow) return emit(l, n, "Identity", {acc});
        if (do_scale)
            acc =
                emit(l, do_shift || do_pow ? n + "/scale" : n, "Mul", {acc, scalar(l, n + "/scale_value", p.scale())});
        if (do_shift) acc = emit(l, do_pow ? n + "/shift" : n, "Add", {acc, scalar(l, n + "/shift_value", p.shift())});
        if (do_pow) acc = emit(l, n, "Pow", {acc, scalar(l, n + "/power_value", p.power())});
        return acc;
    }

    std::string m_label;
    nn::graph m_graph;
    std::vector<layer> m_layers;
    std::map<std::string, const google::protobuf::RepeatedPtrField<caffe_pb::BlobProto>*> m_weights;
    std::map<std::string, std::string> m_blobs;  // Caffe blob name -> the tensor holding it now
    std::set<std::string> m_tensors;             // every node, tensor and initialiser name used
    std::vector<std::string> m_unconsumed;       // produced tensors no layer has read yet, in order
};

}  // namespace deepvis::detail
