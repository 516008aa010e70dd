#pragma once
/// fit: mini-batch training of an nn::network's weights.
///
///   fit(net, train, test, loss, optimizer, options, callback):
///     for each epoch: shuffle the training set with epoch_order(seed, epoch); for each
///     mini-batch: optionally corrupt the inputs (options.corrupt, seeded per step), forward,
///     loss_and_gradient on the tensor the loss reads, one backward pass to every trainable
///     parameter (train/parameters.hpp), one optimizer step over all of them; then evaluate on
///     the test set (if given). Returns the per-epoch reports.
///     The optimiser is any Optimizer (solvers/optimizer.hpp: gradient_descent with momentum for
///     SGD, adam, …), the same vocabulary solve() uses for images; it is taken by reference and
///     keeps its state, so a second fit() call continues the run. The callback follows the one
///     idiom of solvers/callback.hpp: it is called with a step_report after every optimiser step
///     and an epoch_report after every epoch, each kind it accepts; returning true stops.
///   evaluate(net, data, loss): the mean loss (and accuracy for class targets) over a dataset,
///     in batches, without changing the weights.
///
/// Reproducibility: with the same graph, data, seed and options the weights after fit are the
/// same bit for bit, provided the BLAS does the same arithmetic: run OpenBLAS with a fixed
/// thread count (OPENBLAS_NUM_THREADS=1 is the documented setting for committed models).
/// Nothing here reads a clock for anything but epoch_report::seconds.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/nn/network.hpp>
#include <deepvis/solvers/callback.hpp>
#include <deepvis/solvers/optimizer.hpp>
#include <deepvis/train/batches.hpp>
#include <deepvis/train/loss.hpp>
#include <deepvis/train/parameters.hpp>
#include <deepvis/train/reports.hpp>
#include <deepvis/train/rng.hpp>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace deepvis::train {

struct fit_options {
    std::size_t epochs = 1;
    std::size_t batch_size = 64;
    std::uint64_t seed = 0;               ///< shuffling (and corrupt's noise)
    std::size_t max_steps_per_epoch = 0;  ///< 0: the whole training set each epoch
    std::size_t eval_batch_size = 500;
    bool drop_last = false;  ///< skip a final partial batch
    /// Step decay: epoch e (1-based) trains at step_size · decay^(e−1), for optimisers with a
    /// step_size member (all shipped ones). 1: constant.
    float learning_rate_decay = 1.0f;
    /// Applied to each mini-batch's inputs before forward (denoising: add noise); gets a
    /// generator seeded from (seed, epoch, step). Empty: inputs used as they are.
    std::function<void(tensor& inputs, rng& generator)> corrupt = {};
};

/// The result of fit: one report per completed epoch.
struct training_history {
    std::vector<epoch_report> epochs;
    bool stopped_by_callback = false;
};

/// Mean loss and accuracy (NaN without class targets) of a dataset.
struct evaluation {
    double loss = 0;
    double accuracy = std::numeric_limits<double>::quiet_NaN();
};

/// The tensor a loss reads: the graph output, or the input of a trailing Softmax/Sigmoid.
template <Loss L>
std::string loss_tensor(const nn::network& net) {
    if constexpr (L::reads == loss_input::output) {
        return net.output_name();
    } else {
        for (const auto& n : net.definition().nodes)
            if (n.outputs.front() == net.output_name()) {
                DEEPVIS_CHECK(
                    nn::traits_of(n.op_type).activation != nn::op_traits::score_activation::none, config_error,
                    "loss reads logits, but the graph output '" << net.output_name() << "' comes from a " << n.op_type
                                                                << " node, not Softmax or Sigmoid");
                return n.inputs.front();
            }
        DEEPVIS_FAIL(config_error, "graph output '" << net.output_name() << "' is produced by no node");
    }
}

template <Loss L>
evaluation evaluate(const nn::network& net, const dataset_view<typename L::target_type>& data, const L& loss,
                    std::size_t batch_size = 500) {
    check_dataset(data, "evaluate");
    DEEPVIS_CHECK(batch_size > 0, config_error, "evaluate: batch size is 0");
    const std::string name = loss_tensor<L>(net);
    const std::string wanted[] = {name};
    nn::network::trace t;
    tensor x;
    typename L::target_type y;
    std::vector<std::size_t> idx;
    double total = 0;
    std::size_t hits = 0;
    const std::size_t n = data.size();
    for (std::size_t b = 0; b < n; b += batch_size) {
        const std::size_t e = std::min(n, b + batch_size);
        idx.resize(e - b);
        for (std::size_t i = b; i < e; ++i) idx[i - b] = i;
        gather_rows(data.inputs, idx, x);
        gather_rows(data.targets, idx, y);
        net.forward(x, t, std::span<const std::string>(wanted));
        const tensor& p = net.activation(t, name);
        total += loss.loss(p, y) * static_cast<double>(e - b);
        if constexpr (ClassificationLoss<L>) hits += loss.correct(p, y);
    }
    evaluation out;
    out.loss = total / static_cast<double>(n);
    if constexpr (ClassificationLoss<L>) out.accuracy = static_cast<double>(hits) / static_cast<double>(n);
    return out;
}

template <Loss L, class O, class C = no_callback>
training_history fit(nn::network& net, const dataset_view<typename L::target_type>& train,
                     const dataset_view<typename L::target_type>* test, const L& loss, O& optimizer,
                     const fit_options& options, C&& callback = {}) {
    static_assert(Optimizer<O>, "fit: the optimiser must satisfy deepvis::Optimizer (solvers/optimizer.hpp)");
    static_assert(CallbackFor<C, step_report, epoch_report>,
                  "fit: the callback must be callable with const train::step_report& and/or const "
                  "train::epoch_report&, returning bool or void (solvers/callback.hpp)");
    check_dataset(train, "fit (training set)");
    if (test) check_dataset(*test, "fit (test set)");
    DEEPVIS_CHECK(options.batch_size > 0, config_error, "fit: batch size is 0");
    DEEPVIS_CHECK(options.epochs > 0, config_error, "fit: epochs is 0");
    const std::string name = loss_tensor<L>(net);
    const std::vector<std::string> parameter_names = trainable_parameters(net.definition());
    DEEPVIS_CHECK(!parameter_names.empty(), config_error, "fit: the graph has no float initialisers to train");
    std::vector<tensor*> parameters;
    for (const auto& p : parameter_names) parameters.push_back(&net.parameter(p));
    std::vector<const tensor*> gradients(parameters.size());

    const std::size_t n = train.size();
    std::size_t steps = options.drop_last && n >= options.batch_size
                            ? n / options.batch_size
                            : (n + options.batch_size - 1) / options.batch_size;
    if (options.max_steps_per_epoch) steps = std::min(steps, options.max_steps_per_epoch);

    nn::network::trace t;
    tensor x, gradient;
    typename L::target_type y;
    std::vector<nn::gradient_seed> seeds(1);
    seeds[0].at = name;
    training_history history;
    double initial_rate = 0.0;
    if constexpr (HasStepSize<O>) initial_rate = optimizer.step_size;
    std::size_t iteration = 0;
    for (std::size_t epoch = 1; epoch <= options.epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        if constexpr (HasStepSize<O>)
            if (options.learning_rate_decay != 1.0f)
                optimizer.step_size =
                    initial_rate * std::pow(double(options.learning_rate_decay), static_cast<double>(epoch - 1));
        const std::vector<std::size_t> order = epoch_order(n, options.seed, epoch);
        double loss_sum = 0;
        std::size_t hits = 0, seen = 0, done = 0;
        bool stop = false;
        for (std::size_t s = 0; s < steps && !stop; ++s) {
            const std::size_t b = s * options.batch_size, e = std::min(n, b + options.batch_size);
            const std::span<const std::size_t> idx(order.data() + b, e - b);
            gather_rows(train.inputs, idx, x);
            gather_rows(train.targets, idx, y);
            if (options.corrupt) {
                rng noise(options.seed * 0x2545F4914F6CDD1Dull + epoch * 1000003ull + s);
                options.corrupt(x, noise);
            }
            net.forward(x, t);
            const tensor& p = net.activation(t, name);
            const double batch_loss = loss.loss_and_gradient(p, y, gradient);
            if constexpr (ClassificationLoss<L>) hits += loss.correct(p, y);
            seeds[0].gradient = gradient;
            net.backward(t, std::span<const nn::gradient_seed>(seeds), std::span<const std::string>(parameter_names));
            for (std::size_t i = 0; i < parameters.size(); ++i) gradients[i] = &net.gradient(t, parameter_names[i]);
            optimizer.step(std::span<tensor* const>(parameters), std::span<const tensor* const>(gradients),
                           iteration++);
            loss_sum += batch_loss;
            seen += e - b;
            ++done;
            if constexpr (std::invocable<std::remove_reference_t<C>&, const step_report&>) {
                step_report r;
                r.epoch = epoch;
                r.step = s + 1;
                r.steps_per_epoch = steps;
                r.loss = batch_loss;
                r.running_loss = loss_sum / static_cast<double>(s + 1);
                if constexpr (ClassificationLoss<L>) r.running_accuracy = static_cast<double>(hits) / double(seen);
                stop = notify(callback, r);
            }
        }
        epoch_report report;
        report.epoch = epoch;
        report.train_loss = loss_sum / static_cast<double>(done);
        if constexpr (ClassificationLoss<L>) report.train_accuracy = static_cast<double>(hits) / double(seen);
        if (test) {
            const evaluation ev = evaluate(net, *test, loss, options.eval_batch_size);
            report.test_loss = ev.loss;
            report.test_accuracy = ev.accuracy;
        }
        report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        history.epochs.push_back(report);
        stop = notify(callback, report) || stop;
        if (stop) {
            history.stopped_by_callback = true;
            break;
        }
    }
    return history;
}

}  // namespace deepvis::train
