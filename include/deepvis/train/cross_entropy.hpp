#pragma once
/// cross_entropy: softmax cross-entropy from logits, averaged over the batch.
///   L = −(1/N) Σ_n log softmax(z_n)[y_n],   dL/dz_n = (softmax(z_n) − onehot(y_n)) / N
/// with the log-sum-exp shifted by max(z_n) for stability. Equal to PyTorch's
/// nn.CrossEntropyLoss() (reduction "mean"). Reads the network's pre-activation (the input of
/// its trailing Softmax), so the probabilities are never formed in the loss's own gradient path.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deepvis/core/error.hpp>
#include <deepvis/core/scores.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/train/loss.hpp>
#include <vector>

namespace deepvis::train {

struct cross_entropy {
    using target_type = std::vector<int>;
    static constexpr loss_input reads = loss_input::pre_activation;

    double loss(const tensor& logits, const target_type& labels) const { return evaluate(logits, labels, nullptr); }

    double loss_and_gradient(const tensor& logits, const target_type& labels, tensor& gradient) const {
        ensure_shape(gradient, logits.shape());
        return evaluate(logits, labels, &gradient);
    }

    /// Samples whose largest logit is at their label (ties go to the lower index).
    std::size_t correct(const tensor& logits, const target_type& labels) const {
        check(logits, labels);
        const std::size_t n = logits.shape()[0], k = logits.shape()[1];
        std::size_t hits = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const float* z = logits.data() + i * k;
            hits += static_cast<std::size_t>(std::max_element(z, z + k) - z) == static_cast<std::size_t>(labels[i]);
        }
        return hits;
    }

private:
    static void check(const tensor& logits, const target_type& labels) {
        DEEPVIS_CHECK(logits.dimension() == 2, shape_error,
                      "cross_entropy: logits have shape " << shape_string(logits.shape()) << ", expected (N, K)");
        DEEPVIS_CHECK(logits.shape()[0] == labels.size(), shape_error,
                      "cross_entropy: " << logits.shape()[0] << " rows of logits but " << labels.size() << " labels");
        for (std::size_t i = 0; i < labels.size(); ++i) check_class(labels[i], logits.shape()[1], "cross_entropy", i);
    }

    static double evaluate(const tensor& logits, const target_type& labels, tensor* gradient) {
        check(logits, labels);
        const std::size_t n = logits.shape()[0], k = logits.shape()[1];
        const double inv_n = 1.0 / static_cast<double>(n);
        double total = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const float* z = logits.data() + i * k;
            const double log_sum = log_sum_exp(z, k);
            total += log_sum - z[labels[i]];
            if (gradient) {
                float* g = gradient->data() + i * k;
                for (std::size_t j = 0; j < k; ++j) {
                    const double p = std::exp(double(z[j]) - log_sum);
                    g[j] = static_cast<float>((p - (static_cast<int>(j) == labels[i] ? 1.0 : 0.0)) * inv_n);
                }
            }
        }
        return total * inv_n;
    }
};

static_assert(ClassificationLoss<cross_entropy>, "cross_entropy must satisfy ClassificationLoss (train/loss.hpp)");

}  // namespace deepvis::train
