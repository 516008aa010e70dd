// Threading (core/parallel.hpp): every item visited once, blocks in order; and the threaded ops
// give the one-thread result — bit for bit where each output element is computed by one thread
// in the serial order (conv forward and ∂X by im2col or Winograd, fully connected layers and
// MatMul, whose GEMMs kernels/gemm.hpp cuts into shape-fixed blocks instead of letting OpenBLAS
// thread them, ReLU, pooling, concat, im2col/col2im, Gram matrices), and to float rounding for
// the conv weight gradient, whose sum over images is split by thread.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <deepvis/core/kernels/gram.hpp>
#include <deepvis/core/parallel.hpp>
#include <deepvis/nn/ops/all.hpp>
#include <vector>

#include "support/gradient_check.hpp"

using namespace deepvis;
using testing::random_tensor;
using ints = std::vector<std::int64_t>;

namespace {
/// Restores the thread count a test changed.
struct thread_count_guard {
    int saved = num_threads();
    ~thread_count_guard() { set_num_threads(saved); }
};

bool bitwise_equal(const tensor& a, const tensor& b) {
    return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

double max_relative_difference(const tensor& a, const tensor& b) {
    double worst = 0, scale = 0;
    for (std::size_t i = 0; i < b.size(); ++i) scale = std::max(scale, double(std::abs(b.data()[i])));
    for (std::size_t i = 0; i < b.size(); ++i) worst = std::max(worst, double(std::abs(a.data()[i] - b.data()[i])));
    return worst / std::max(scale, 1e-30);
}
}  // namespace

TEST_CASE("parallel_for and parallel_ranges visit every item once, in contiguous blocks per thread") {
    thread_count_guard guard;
    for (int threads : {1, 2, 3}) {
        set_num_threads(threads);
        CHECK(num_threads() == threads);
        std::vector<std::atomic<int>> seen(1001);
        std::vector<int> owner(1001, -1);
        parallel_for(1001, [&](std::ptrdiff_t i, int t) {
            seen[i].fetch_add(1);
            owner[i] = t;
        });
        for (std::size_t i = 0; i < seen.size(); ++i) REQUIRE(seen[i].load() == 1);
        for (std::size_t i = 1; i < owner.size(); ++i) CHECK(owner[i] >= owner[i - 1]);
        for (int t = 0; t < threads; ++t) CHECK(owner[block_begin(1001, t, threads)] == t);

        std::vector<std::atomic<int>> covered(100000);
        parallel_ranges(100000, 1000, [&](std::ptrdiff_t b, std::ptrdiff_t e, int) {
            for (std::ptrdiff_t i = b; i < e; ++i) covered[i].fetch_add(1);
        });
        for (std::size_t i = 0; i < covered.size(); ++i) REQUIRE(covered[i].load() == 1);
    }
    // Nested inside a parallel region everything runs inline on the caller.
    set_num_threads(2);
    std::atomic<int> inner_threads{0};
    parallel_for(2, [&](std::ptrdiff_t, int) {
        parallel_for(10, [&](std::ptrdiff_t, int t) { inner_threads.fetch_or(1 << t); });
    });
    CHECK(inner_threads.load() == 1);
}

TEST_CASE("threaded ops give the one-thread result") {
    thread_count_guard guard;
    struct op_case {
        const char* name;
        std::string op_type;
        nn::attribute_map attributes;
        std::vector<tensor> inputs;
        std::vector<int> differentiable;
        int inexact_input = -1;  // the gradient summed over images by thread (conv weights)
    };
    const std::vector<op_case> cases = {
        {"conv 3x3 same, batch 5 (images split by thread)",
         "Conv",
         {{"pads", ints{1, 1, 1, 1}}},
         {random_tensor({5, 8, 20, 20}, 1), random_tensor({6, 8, 3, 3}, 2), random_tensor({6}, 3)},
         {0, 1, 2},
         1},
        {"conv stride 2, batch 1 (im2col/col2im split by channel)",
         "Conv",
         {{"strides", ints{2, 2}}, {"pads", ints{1, 0, 1, 0}}},
         {random_tensor({1, 16, 70, 66}, 4), random_tensor({8, 16, 3, 3}, 5)},
         {0, 1}},
        {"conv 3x3 same, batch 1, plane shifts split by channel",
         "Conv",
         {{"pads", ints{1, 1, 1, 1}}},
         {random_tensor({1, 16, 64, 64}, 6), random_tensor({4, 16, 3, 3}, 7)},
         {0, 1}},
        {"conv Winograd, batch 1 (tile rows split by thread)",
         "Conv",
         {{"pads", ints{1, 1, 1, 1}}},
         {random_tensor({1, 64, 62, 61}, 14), random_tensor({72, 64, 3, 3}, 15), random_tensor({72}, 16)},
         {0, 1, 2},
         1},
        {"conv Winograd, batch 5 (images split by thread)",
         "Conv",
         {{"pads", ints{1, 1, 1, 1}}},
         {random_tensor({5, 64, 28, 30}, 17), random_tensor({64, 64, 3, 3}, 18)},
         {0, 1},
         1},
        {"relu", "Relu", {}, {random_tensor({4, 16, 40, 40}, 8)}, {0}},
        {"max pool 2x2",
         "MaxPool",
         {{"kernel_shape", ints{2, 2}}, {"strides", ints{2, 2}}},
         {random_tensor({4, 16, 40, 40}, 9)},
         {0}},
        {"max pool 3x3/2 ceil",
         "MaxPool",
         {{"kernel_shape", ints{3, 3}}, {"strides", ints{2, 2}}, {"ceil_mode", std::int64_t(1)}},
         {random_tensor({4, 16, 41, 41}, 10)},
         {0}},
        {"average pool 3x3/2",
         "AveragePool",
         {{"kernel_shape", ints{3, 3}}, {"strides", ints{2, 2}}},
         {random_tensor({4, 16, 41, 41}, 11)},
         {0}},
        {"concat",
         "Concat",
         {{"axis", std::int64_t(1)}},
         {random_tensor({4, 16, 40, 40}, 12), random_tensor({4, 24, 40, 40}, 13)},
         {0, 1}},
        {"conv 1x1, batch 1 (one GEMM split by rows)",
         "Conv",
         {},
         {random_tensor({1, 96, 40, 40}, 19), random_tensor({128, 96, 1, 1}, 20), random_tensor({128}, 21)},
         {0, 1, 2}},
        {"grouped conv 3x3 stride 2, batch 1",
         "Conv",
         {{"strides", ints{2, 2}}, {"group", std::int64_t(2)}},
         {random_tensor({1, 32, 57, 57}, 22), random_tensor({48, 16, 3, 3}, 23)},
         {0, 1}},
        {"fully connected, batch 1 (sgemv split by outputs)",
         "Gemm",
         {{"transB", std::int64_t(1)}},
         {random_tensor({1, 2304}, 24), random_tensor({1000, 2304}, 25), random_tensor({1000}, 26)},
         {0, 1, 2}},
        {"fully connected, batch 3 (sgemm split)",
         "Gemm",
         {{"transB", std::int64_t(1)}},
         {random_tensor({3, 2304}, 27), random_tensor({1000, 2304}, 28), random_tensor({1000}, 29)},
         {0, 1, 2}},
        {"matmul", "MatMul", {}, {random_tensor({2, 300, 512}, 30), random_tensor({2, 512, 200}, 31)}, {0, 1}},
    };
    for (const auto& c : cases) {
        const std::string name = c.name;
        CAPTURE(name);
        set_num_threads(1);
        const auto serial = testing::run_op_with_gradients(c.op_type, c.attributes, c.inputs, c.differentiable);
        set_num_threads(2);
        const auto threaded = testing::run_op_with_gradients(c.op_type, c.attributes, c.inputs, c.differentiable);
        REQUIRE(serial.size() == threaded.size());
        CHECK(bitwise_equal(threaded[0], serial[0]));
        for (std::size_t k = 0; k < c.differentiable.size(); ++k) {
            CAPTURE(c.differentiable[k]);
            if (c.differentiable[k] == c.inexact_input)
                CHECK(max_relative_difference(threaded[k + 1], serial[k + 1]) < 1e-5);
            else
                CHECK(bitwise_equal(threaded[k + 1], serial[k + 1]));
        }
    }
}

TEST_CASE("threaded Gram matrices give the one-thread result") {
    thread_count_guard guard;
    const tensor f = random_tensor({2, 160, 30, 30}, 40);
    std::vector<float> serial(2 * 160 * 160), threaded(serial.size());
    set_num_threads(1);
    kernels::gram(f.data(), 2, 160, 900, serial.data(), 0.5f);
    set_num_threads(2);
    kernels::gram(f.data(), 2, 160, 900, threaded.data(), 0.5f);
    CHECK(std::memcmp(serial.data(), threaded.data(), sizeof(float) * serial.size()) == 0);
}
