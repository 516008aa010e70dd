#pragma once
/// network: the CPU executor of a graph. Satisfies the Model concept (nn/model.hpp).
///
/// The network owns the weights and never changes them while visualising; every activation,
/// gradient and scratch buffer lives in a separate `network::trace`, so one loaded model can
/// serve several experiments or threads at once, and a trace reused between calls allocates
/// nothing after the first.
///
/// backward<Rule>(trace, seeds, targets): seeds are gradients at any named tensors (one
/// backward pass for all of them, each added when the pass reaches its tensor); targets are the
/// tensors whose gradient is wanted — the input, any intermediate tensor, or any initialiser
/// (parameter gradients for training). At every Relu node the gradient goes through
/// Rule::rectify (backprop/rule.hpp); every other op uses its own exact backward.
#include <algorithm>
#include <cstdint>
#include <deepvis/backprop/rule.hpp>
#include <deepvis/core/error.hpp>
#include <deepvis/core/kernels/elementwise.hpp>
#include <deepvis/core/parallel.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/gradient_seed.hpp>
#include <deepvis/nn/graph.hpp>
#include <deepvis/nn/model.hpp>
#include <deepvis/nn/op.hpp>
#include <deepvis/nn/ops/all.hpp>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace deepvis::nn {

class network {
public:
    /// Per-experiment state: activations, gradients and scratch buffers.
    class trace {
    public:
        trace() = default;

    private:
        friend class network;
        std::vector<tensor> m_values;
        std::vector<tensor> m_grads;
        std::vector<tensor> m_grad_tmp;  // per node input: staging when a gradient accumulates
        std::vector<char> m_computed;
        std::vector<char> m_grad_live;
        std::vector<op_scratch> m_scratch;
        std::vector<const tensor*> m_in, m_gy, m_out_const;
        std::vector<tensor*> m_out, m_gx;
        bool m_forward_done = false;
    };
    using trace_type = trace;

private:
    /// Spare traces kept between calls (shared by the leases, so it outlives a moved network).
    struct trace_store {
        std::mutex mutex;
        std::vector<std::unique_ptr<trace>> spare;
    };

public:
    /// A trace borrowed with borrow_trace(); gives it back to the network when destroyed.
    class trace_lease {
    public:
        trace_lease(trace_lease&&) noexcept = default;
        trace_lease& operator=(trace_lease&&) = delete;
        ~trace_lease() {
            if (!m_store || !m_trace) return;
            std::lock_guard<std::mutex> lock(m_store->mutex);
            m_store->spare.push_back(std::move(m_trace));
        }
        trace& operator*() const { return *m_trace; }
        trace* operator->() const { return m_trace.get(); }

    private:
        friend class network;
        trace_lease(std::shared_ptr<trace_store> store, std::unique_ptr<trace> t)
            : m_store(std::move(store)), m_trace(std::move(t)) {}
        std::shared_ptr<trace_store> m_store;
        std::unique_ptr<trace> m_trace;
    };

    explicit network(graph g) : m_graph(std::move(g)) { build(); }

    /// A trace for one call, reused from an earlier call when one is free. Its buffers already
    /// have their sizes, so repeated attributions on one network (a loop over images, the steps
    /// of integrated gradients) allocate nothing and touch no fresh pages — on Linux, faulting
    /// in a fresh trace's pages costs as much as a small network's backward pass. Thread-safe:
    /// concurrent callers each get their own trace. A spare trace keeps the memory of its last
    /// call (activations and gradients of that batch) until release_spare_traces().
    trace_lease borrow_trace() const {
        std::unique_ptr<trace> t;
        {
            std::lock_guard<std::mutex> lock(m_store->mutex);
            if (!m_store->spare.empty()) {
                t = std::move(m_store->spare.back());
                m_store->spare.pop_back();
            }
        }
        if (!t) t = std::make_unique<trace>();
        return trace_lease(m_store, std::move(t));
    }

    /// Frees the spare traces kept for borrow_trace(); traces lent out now are kept when given back.
    void release_spare_traces() const {
        std::lock_guard<std::mutex> lock(m_store->mutex);
        m_store->spare.clear();
    }

    const graph& definition() const { return m_graph; }
    /// The graph's (first) data input and output, and the class-score tensor: the input of a
    /// trailing Softmax when the graph ends in one, else the output.
    const std::string& input_name() const { return m_graph.inputs.front().name; }
    const std::string& output_name() const { return m_graph.outputs.front().name; }
    const std::string& score_name() const { return m_score_name; }
    const value_info& input_info() const { return m_graph.inputs.front(); }

    /// Runs the whole graph on `x` (NCHW; the batch dimension is free) and returns the output.
    const tensor& forward(const tensor& x, trace& t) const { return forward(x, t, {}); }

    /// Runs only what is needed to compute `wanted` (tensor or node names); all when empty.
    const tensor& forward(const tensor& x, trace& t, std::span<const std::string> wanted) const {
        check_input(x);
        prepare(t);
        std::fill(t.m_computed.begin(), t.m_computed.end(), 0);
        t.m_values[m_input_id] = x;
        t.m_computed[m_input_id] = 1;
        std::vector<char> needed;
        if (!wanted.empty()) needed = ancestors(wanted);
        for (std::size_t n = 0; n < m_nodes.size(); ++n) {
            if (!needed.empty() && !needed[n]) continue;
            run_forward(n, t);
        }
        t.m_forward_done = true;
        const int out = m_output_id;
        return t.m_computed[out] ? t.m_values[out] : t.m_values[m_input_id];
    }

    /// The value of a tensor (or a node's first output) after forward.
    const tensor& activation(const trace& t, const std::string& name) const {
        const int id = tensor_id(name);
        if (is_initializer(id)) return *m_init_values[id];
        DEEPVIS_CHECK(id < static_cast<int>(t.m_computed.size()) && t.m_computed[id], config_error,
                      "activation '" << name << "': not computed; run forward first");
        return t.m_values[id];
    }
    /// The class-score tensor (N, K) after forward.
    const tensor& scores(const trace& t) const { return activation(t, m_score_name); }

    /// One backward pass from `seeds` to each of `targets`; read the results with gradient().
    template <BackpropRule Rule = backprop::standard>
    void backward(trace& t, std::span<const gradient_seed> seeds, std::span<const std::string> targets,
                  Rule rule = {}) const {
        DEEPVIS_CHECK(t.m_forward_done, config_error, "backward: run forward on this trace first");
        DEEPVIS_CHECK(!seeds.empty(), config_error, "backward: no seed gradient given");
        const std::size_t nt = m_names.size();
        std::vector<char> from_target(nt, 0), to_seed(nt, 0);
        for (const auto& name : targets) from_target[tensor_id(name)] = 1;
        for (std::size_t n = 0; n < m_nodes.size(); ++n) {
            bool dep = false;
            for (int i : m_nodes[n].in) dep = dep || (i >= 0 && from_target[i]);
            if (dep)
                for (int o : m_nodes[n].out) from_target[o] = 1;
        }
        std::fill(t.m_grad_live.begin(), t.m_grad_live.end(), 0);
        for (const auto& s : seeds) {
            const int id = tensor_id(s.at);
            DEEPVIS_CHECK(id == m_input_id || is_initializer(id) || t.m_computed[id], config_error,
                          "backward: seed tensor '" << s.at << "' was not computed by forward");
            const tensor& value = is_initializer(id) ? *m_init_values[id] : t.m_values[id];
            DEEPVIS_CHECK(s.gradient.shape() == value.shape(), shape_error,
                          "backward: seed at '" << s.at << "' has shape " << shape_string(s.gradient.shape())
                                                << ", expected " << shape_string(value.shape()));
            accumulate(t, id, s.gradient);
            to_seed[id] = 1;
        }
        for (std::size_t k = m_nodes.size(); k-- > 0;) {
            const auto& nd = m_nodes[k];
            bool reaches = false;
            for (int o : nd.out) reaches = reaches || to_seed[o];
            if (!reaches) continue;
            for (int i : nd.in)
                if (i >= 0) to_seed[i] = 1;
        }
        for (std::size_t k = m_nodes.size(); k-- > 0;) run_backward(k, t, from_target, to_seed, rule);
    }

    /// Convenience: one target, returns its gradient.
    template <BackpropRule Rule = backprop::standard>
    const tensor& backward(trace& t, std::span<const gradient_seed> seeds, const std::string& target,
                           Rule rule = {}) const {
        const std::string targets[] = {target};
        backward(t, seeds, std::span<const std::string>(targets), rule);
        return gradient(t, target);
    }

    /// The gradient at a tensor after backward (zeros if the seeds do not depend on it).
    const tensor& gradient(trace& t, const std::string& name) const {
        const int id = tensor_id(name);
        if (!t.m_grad_live[id]) {
            const tensor& v = is_initializer(id) ? *m_init_values[id] : t.m_values[id];
            ensure_shape(t.m_grads[id], v.shape());
            std::fill(t.m_grads[id].begin(), t.m_grads[id].end(), 0.0f);
            t.m_grad_live[id] = 1;
        }
        return t.m_grads[id];
    }

    /// Resolves a tensor name or a node name (its first output) to a tensor name; an unknown
    /// name throws a config_error that lists the layers a user can choose.
    const std::string& resolve(const std::string& name) const { return m_names[tensor_id(name)]; }
    bool has(const std::string& name) const { return m_ids.count(name) || m_node_ids.count(name); }

    /// Node names with their output tensors, in execution order.
    std::string layer_list() const {
        std::ostringstream os;
        for (std::size_t n = 0; n < m_graph.nodes.size(); ++n)
            os << (n ? ", " : "") << m_graph.nodes[n].name << " -> " << m_graph.nodes[n].outputs.front();
        return os.str();
    }

    /// Mutable access to an initialiser, for training only (a visualiser never calls it).
    tensor& parameter(const std::string& name) {
        auto it = m_graph.initializers.find(name);
        DEEPVIS_CHECK(it != m_graph.initializers.end(), config_error,
                      "parameter '" << name << "': no such initialiser");
        return it->second;
    }

private:
    struct compiled_node {
        std::unique_ptr<op> impl;
        std::vector<int> in, out;
        bool is_relu = false;
    };

    int tensor_id(const std::string& name) const {
        if (auto it = m_ids.find(name); it != m_ids.end()) return it->second;
        if (auto it = m_node_ids.find(name); it != m_node_ids.end()) return m_nodes[it->second].out.front();
        DEEPVIS_FAIL(config_error, "layer '" << name << "' not found; available (node -> tensor): " << layer_list());
    }
    bool is_initializer(int id) const { return m_init_values[id] != nullptr; }

    int intern(const std::string& name) {
        auto [it, inserted] = m_ids.emplace(name, static_cast<int>(m_names.size()));
        if (inserted) m_names.push_back(name);
        return it->second;
    }

    void build() {
        DEEPVIS_CHECK(!m_graph.inputs.empty(), config_error, "graph '" << m_graph.name << "': no input declared");
        DEEPVIS_CHECK(!m_graph.outputs.empty(), config_error, "graph '" << m_graph.name << "': no output declared");
        for (const auto& [name, value] : m_graph.initializers) intern(name);
        for (const auto& in : m_graph.inputs) intern(in.name);
        for (std::size_t n = 0; n < m_graph.nodes.size(); ++n) {
            auto& nd = m_graph.nodes[n];
            if (nd.name.empty()) nd.name = nd.op_type + "_" + std::to_string(n);
            DEEPVIS_CHECK(!nd.outputs.empty(), config_error, "node '" << nd.name << "': has no outputs");
        }
        topological_sort();
        m_init_values.clear();
        for (std::size_t n = 0; n < m_graph.nodes.size(); ++n) {
            const auto& nd = m_graph.nodes[n];
            m_node_ids.emplace(nd.name, static_cast<int>(n));
            compiled_node c;
            std::vector<const tensor*> constants;
            for (const auto& in : nd.inputs) {
                if (in.empty()) {
                    c.in.push_back(-1);
                    constants.push_back(nullptr);
                    continue;
                }
                DEEPVIS_CHECK(m_ids.count(in), config_error,
                              "node '" << nd.name << "': input tensor '" << in << "' is not produced by any node");
                c.in.push_back(m_ids.at(in));
                auto it = m_graph.initializers.find(in);
                constants.push_back(it == m_graph.initializers.end() ? nullptr : &it->second);
            }
            for (const auto& out : nd.outputs) {
                DEEPVIS_CHECK(!m_graph.initializers.count(out), config_error,
                              "node '" << nd.name << "': output '" << out << "' overwrites an initialiser");
                c.out.push_back(intern(out));
            }
            op_context ctx{nd.name, nd.op_type, nd.attributes, constants, nd.inputs.size()};
            c.impl = op_registry::instance().create(ctx);
            c.is_relu = traits_of(nd.op_type).rectifier;
            m_nodes.push_back(std::move(c));
        }
        m_init_values.assign(m_names.size(), nullptr);
        for (auto& [name, value] : m_graph.initializers) m_init_values[m_ids.at(name)] = &value;
        m_input_id = m_ids.at(input_name());
        // forward() feeds the first input only: a node reading another data input would read a
        // tensor nothing computed (fuzz_caffe: an Input layer with two tops).
        for (std::size_t i = 1; i < m_graph.inputs.size(); ++i) {
            const std::string& extra = m_graph.inputs[i].name;
            if (m_graph.initializers.count(extra)) continue;
            for (const auto& nd : m_graph.nodes)
                DEEPVIS_CHECK(std::find(nd.inputs.begin(), nd.inputs.end(), extra) == nd.inputs.end(), config_error,
                              "graph '" << m_graph.name << "': node '" << nd.name << "' reads data input '" << extra
                                        << "', but deepvis runs a graph on one data input ('" << input_name() << "')");
        }
        DEEPVIS_CHECK(m_ids.count(output_name()), config_error,
                      "graph output '" << output_name() << "' is not produced by any node");
        m_output_id = m_ids.at(output_name());
        m_score_name = output_name();
        for (const auto& nd : m_graph.nodes)
            if (traits_of(nd.op_type).activation == op_traits::score_activation::softmax &&
                nd.outputs.front() == output_name())
                m_score_name = nd.inputs.front();
    }

    // ONNX requires topological order, but a C++ user may build nodes in any order.
    void topological_sort() {
        std::set<std::string> available;
        for (const auto& [name, v] : m_graph.initializers) available.insert(name);
        for (const auto& in : m_graph.inputs) available.insert(in.name);
        std::vector<node> sorted;
        std::vector<char> done(m_graph.nodes.size(), 0);
        bool progress = true;
        while (sorted.size() < m_graph.nodes.size() && progress) {
            progress = false;
            for (std::size_t n = 0; n < m_graph.nodes.size(); ++n) {
                if (done[n]) continue;
                const auto& nd = m_graph.nodes[n];
                bool ready = std::all_of(nd.inputs.begin(), nd.inputs.end(),
                                         [&](const std::string& i) { return i.empty() || available.count(i); });
                if (!ready) continue;
                for (const auto& o : nd.outputs) available.insert(o);
                sorted.push_back(nd);
                done[n] = 1;
                progress = true;
            }
        }
        for (std::size_t n = 0; n < m_graph.nodes.size(); ++n) {
            if (done[n]) continue;
            for (const auto& i : m_graph.nodes[n].inputs)
                DEEPVIS_CHECK(i.empty() || available.count(i), config_error,
                              "node '" << m_graph.nodes[n].name << "': input tensor '" << i
                                       << "' is not produced by any node, initialiser or graph input");
            DEEPVIS_FAIL(config_error,
                         "graph '" << m_graph.name << "' has a cycle through node '" << m_graph.nodes[n].name << "'");
        }
        m_graph.nodes = std::move(sorted);
    }

    void check_input(const tensor& x) const {
        const auto& declared = input_info().shape;
        DEEPVIS_CHECK(declared.empty() || x.dimension() == declared.size(), shape_error,
                      "input '" << input_name() << "': has shape " << shape_string(x.shape()) << ", expected "
                                << declared.size() << " dimensions " << shape_string(declared));
        DEEPVIS_CHECK(x.dimension() == 0 || x.shape()[0] > 0, shape_error,
                      "input '" << input_name() << "': the batch is empty");
        // The batch dimension is free: models exported with batch 1 still take N > 1.
        for (std::size_t d = 1; d < declared.size(); ++d)
            DEEPVIS_CHECK(declared[d] <= 0 || static_cast<std::int64_t>(x.shape()[d]) == declared[d], shape_error,
                          "input '" << input_name() << "': has shape " << shape_string(x.shape()) << ", expected "
                                    << shape_string(declared) << " (dimension " << d << " differs)");
    }

    void prepare(trace& t) const {
        if (t.m_values.size() == m_names.size()) return;
        t.m_values.assign(m_names.size(), tensor());
        t.m_grads.assign(m_names.size(), tensor());
        t.m_computed.assign(m_names.size(), 0);
        t.m_grad_live.assign(m_names.size(), 0);
        t.m_scratch.assign(m_nodes.size(), op_scratch{});
        std::size_t max_in = 0;
        for (const auto& c : m_nodes) max_in = std::max({max_in, c.in.size(), c.out.size()});
        t.m_grad_tmp.assign(max_in, tensor());
        t.m_in.resize(max_in);
        t.m_gy.resize(max_in);
        t.m_out.resize(max_in);
        t.m_out_const.resize(max_in);
        t.m_gx.resize(max_in);
    }

    std::vector<char> ancestors(std::span<const std::string> wanted) const {
        std::vector<char> need_tensor(m_names.size(), 0), need_node(m_nodes.size(), 0);
        for (const auto& w : wanted) need_tensor[tensor_id(w)] = 1;
        for (std::size_t k = m_nodes.size(); k-- > 0;) {
            bool need = false;
            for (int o : m_nodes[k].out) need = need || need_tensor[o];
            if (!need) continue;
            need_node[k] = 1;
            for (int i : m_nodes[k].in)
                if (i >= 0) need_tensor[i] = 1;
        }
        return need_node;
    }

    const tensor* value_ptr(int id, const trace& t) const {
        if (id < 0) return nullptr;
        return is_initializer(id) ? m_init_values[id] : &t.m_values[id];
    }

    void run_forward(std::size_t n, trace& t) const {
        const auto& c = m_nodes[n];
        for (std::size_t i = 0; i < c.in.size(); ++i) {
            const int id = c.in[i];
            DEEPVIS_ASSERT(id < 0 || is_initializer(id) || t.m_computed[id]);
            t.m_in[i] = value_ptr(id, t);
        }
        for (std::size_t j = 0; j < c.out.size(); ++j) t.m_out[j] = &t.m_values[c.out[j]];
        try {
            c.impl->forward(inputs_view(t.m_in.data(), c.in.size()), outputs_view(t.m_out.data(), c.out.size()),
                            t.m_scratch[n]);
        } catch (const shape_error& e) {
            rethrow_with_node<shape_error>(e, n);
        } catch (const config_error& e) {
            rethrow_with_node<config_error>(e, n);
        } catch (const unsupported_error& e) {
            rethrow_with_node<unsupported_error>(e, n);
        }
        for (int o : c.out) t.m_computed[o] = 1;
    }

    // Errors raised inside an op keep their type and gain the node's name when they lack it.
    template <class E>
    [[noreturn]] void rethrow_with_node(const E& e, std::size_t n) const {
        const std::string what = e.what();
        const auto& name = m_graph.nodes[n].name;
        if (what.find(name) != std::string::npos) throw e;
        throw E(m_graph.nodes[n].op_type + " '" + name + "': " + what);
    }

    void accumulate(trace& t, int id, const tensor& g) const {
        if (!t.m_grad_live[id]) {
            ensure_shape(t.m_grads[id], g.shape());
            std::copy(g.begin(), g.end(), t.m_grads[id].begin());
            t.m_grad_live[id] = 1;
        } else {
            float* dst = t.m_grads[id].data();
            const float* src = g.data();
            parallel_ranges(static_cast<std::ptrdiff_t>(g.size()), parallel_elementwise_grain,
                            [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
                                kernels::add_inplace(dst + b, src + b, static_cast<std::size_t>(e - b));
                            });
        }
    }

    template <class Rule>
    void run_backward(std::size_t k, trace& t, const std::vector<char>& from_target, const std::vector<char>& to_seed,
                      const Rule& rule) const {
        const auto& c = m_nodes[k];
        bool any_gy = false;
        for (int o : c.out) any_gy = any_gy || t.m_grad_live[o];
        if (!any_gy) return;
        bool any_gx = false;
        for (std::size_t i = 0; i < c.in.size(); ++i) {
            const int id = c.in[i];
            const bool want = id >= 0 && from_target[id] && to_seed[id];
            t.m_in[i] = value_ptr(id, t);
            // Write straight into the gradient unless it already holds a contribution (a tensor
            // used by several nodes, or twice by this one): then stage and add.
            bool duplicate = false;
            for (std::size_t p = 0; p < i; ++p) duplicate = duplicate || c.in[p] == id;
            if (!want)
                t.m_gx[i] = nullptr;
            else if (!t.m_grad_live[id] && !duplicate)
                t.m_gx[i] = &t.m_grads[id];
            else
                t.m_gx[i] = &t.m_grad_tmp[i];
            any_gx = any_gx || want;
        }
        if (!any_gx) return;
        for (std::size_t j = 0; j < c.out.size(); ++j) {
            t.m_gy[j] = t.m_grad_live[c.out[j]] ? &t.m_grads[c.out[j]] : nullptr;
            t.m_out_const[j] = &t.m_values[c.out[j]];
        }
        if (c.is_relu) {
            rectify(*t.m_in[0], *t.m_gy[0], *t.m_gx[0], rule);
        } else {
            c.impl->backward(inputs_view(t.m_in.data(), c.in.size()), inputs_view(t.m_out_const.data(), c.out.size()),
                             inputs_view(t.m_gy.data(), c.out.size()), outputs_view(t.m_gx.data(), c.in.size()),
                             t.m_scratch[k]);
        }
        for (std::size_t i = 0; i < c.in.size(); ++i) {
            if (t.m_gx[i] == nullptr) continue;
            const int id = c.in[i];
            if (t.m_gx[i] == &t.m_grads[id])
                t.m_grad_live[id] = 1;
            else
                accumulate(t, id, *t.m_gx[i]);
        }
    }

    template <class Rule>
    static void rectify(const tensor& x, const tensor& gy, tensor& gx, const Rule& rule) {
        ensure_shape(gx, x.shape());
        const float* px = x.data();
        const float* pg = gy.data();
        float* po = gx.data();
        parallel_ranges(static_cast<std::ptrdiff_t>(x.size()), parallel_elementwise_grain,
                        [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
                            for (std::ptrdiff_t i = b; i < e; ++i) po[i] = rule.rectify(px[i], pg[i]);
                        });
    }

    graph m_graph;
    std::vector<compiled_node> m_nodes;
    std::unordered_map<std::string, int> m_ids;
    std::unordered_map<std::string, int> m_node_ids;
    std::vector<std::string> m_names;
    std::vector<const tensor*> m_init_values;
    int m_input_id = -1, m_output_id = -1;
    std::string m_score_name;
    std::shared_ptr<trace_store> m_store = std::make_shared<trace_store>();
};

}  // namespace deepvis::nn

static_assert(deepvis::Model<deepvis::nn::network> && deepvis::PartialForward<deepvis::nn::network> &&
                  deepvis::MultiTargetBackward<deepvis::nn::network> && deepvis::BorrowsTraces<deepvis::nn::network> &&
                  deepvis::ExposesGraph<deepvis::nn::network> && deepvis::DeclaresInputShape<deepvis::nn::network>,
              "nn::network must satisfy deepvis::Model and every optional capability (nn/model.hpp)");
