// Micro-benchmark: VGG-16's 13 convolutions at 224×224, batch 1, forward and backward to the
// input, through deepvis's im2col + sgemm kernels (core/kernels/conv2d.hpp) and through
// Winograd F(4×4, 3×3) (core/kernels/winograd.hpp; its times include transforming the weights,
// which the Conv op does once per batch). Not part of the default build; compile and run by
// hand with one BLAS thread:
//   g++ -O3 -march=native -std=c++20 -I include bench/conv_micro.cpp -o conv_micro -lopenblas
//   OPENBLAS_NUM_THREADS=1 ./conv_micro [repetitions]
// Reports the best time of each layer (the least disturbed by other processes) and GFLOP/s (2·M·K·OH·OW flops per
// pass), next to one untiled sgemm of the same shape on a ready-made column matrix (the bound im2col + GEMM can reach
// on a machine whose speed varies with its neighbours); checks a small conv against the scalar reference before timing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deepvis/core/kernels/conv2d.hpp>
#include <deepvis/core/kernels/conv2d_reference.hpp>
#include <deepvis/core/kernels/winograd.hpp>
#include <random>
#include <vector>

namespace {
struct layer {
    const char* name;
    std::ptrdiff_t in, out, size;
};
constexpr layer vgg16[] = {
    {"conv1_1", 3, 64, 224},   {"conv1_2", 64, 64, 224},  {"conv2_1", 64, 128, 112}, {"conv2_2", 128, 128, 112},
    {"conv3_1", 128, 256, 56}, {"conv3_2", 256, 256, 56}, {"conv3_3", 256, 256, 56}, {"conv4_1", 256, 512, 28},
    {"conv4_2", 512, 512, 28}, {"conv4_3", 512, 512, 28}, {"conv5_1", 512, 512, 14}, {"conv5_2", 512, 512, 14},
    {"conv5_3", 512, 512, 14},
};

std::vector<float> random_vector(std::size_t n, unsigned seed) {
    std::vector<float> v(n);
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, 1.0f);
    for (auto& x : v) x = d(rng);
    return v;
}

template <class F>
double best_seconds(F&& f, int reps) {
    f();  // warm-up
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) {
        const auto a = std::chrono::steady_clock::now();
        f();
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
    }
    std::sort(t.begin(), t.end());
    return t[0];
}
}  // namespace

int main(int argc, char** argv) {
    using namespace deepvis::kernels;
    const int reps = argc > 1 ? std::atoi(argv[1]) : 7;
    {  // correctness first: a small conv against the direct loops
        const conv_geometry g{8, 20, 21, 3, 3, 1, 1, 1, 1, 1, 1, 20, 21};
        auto x = random_vector(8 * 20 * 21, 1), w = random_vector(16 * 8 * 9, 2);
        std::vector<float> y(16 * 20 * 21), ref(y.size()), col(conv_column_size(g));
        conv2d_forward(g, 1, 16, x.data(), w.data(), y.data(), col.data());
        reference::conv2d_forward(g, 1, 16, x.data(), w.data(), ref.data());
        for (std::size_t i = 0; i < y.size(); ++i)
            if (std::abs(y[i] - ref[i]) > 1e-3f * (1 + std::abs(ref[i]))) {
                std::printf("mismatch at %zu: %g vs %g\n", i, y[i], ref[i]);
                return 1;
            }
    }
    std::printf("column budget %td floats, min tile %d; best of %d\n", conv_column_budget, DEEPVIS_CONV_MIN_TILE, reps);
    std::printf("%-8s %8s %9s %8s %9s %8s %9s %8s | %9s %9s %5s\n", "layer", "GFLOP", "fwd ms", "GFLOP/s", "bwd-x ms",
                "GFLOP/s", "sgemm ms", "GFLOP/s", "wino fwd", "wino bwd", "used");
    double total_flops = 0, total_fwd = 0, total_bwd = 0, total_gemm = 0, total_chosen = 0;
    for (const auto& l : vgg16) {
        const conv_geometry g{l.in, l.size, l.size, 3, 3, 1, 1, 1, 1, 1, 1, l.size, l.size};
        auto x = random_vector(std::size_t(l.in * l.size * l.size), 3);
        auto w = random_vector(std::size_t(l.out * l.in * 9), 4);
        auto gy = random_vector(std::size_t(l.out * l.size * l.size), 5);
        std::vector<float> y(gy.size()), gx(x.size()), col(conv_column_size(g));
        const double flops = 2.0 * double(l.out) * double(g.rows()) * double(g.positions());
        const double f =
            best_seconds([&] { conv2d_forward(g, 1, l.out, x.data(), w.data(), y.data(), col.data()); }, reps);
        const double b =
            best_seconds([&] { conv2d_backward_data(g, 1, l.out, w.data(), gy.data(), gx.data(), col.data()); }, reps);
        std::vector<float> full_col(std::size_t(g.rows() * g.positions()));
        im2col(g, x.data(), 0, g.positions(), full_col.data());
        const double s = best_seconds(
            [&] {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l.out, g.positions(), g.rows(), 1.0f, w.data(),
                            g.rows(), full_col.data(), g.positions(), 0.0f, y.data(), g.positions());
            },
            reps);
        std::vector<float> u(winograd_weight_size(l.out, l.in)), wbuf(winograd_buffer_size(g, l.out));
        const auto gb = winograd_backward_geometry(g, l.out);
        std::vector<float> wbuf_b(winograd_buffer_size(gb, l.in));
        const double wf = best_seconds(
            [&] {
                winograd_weights(w.data(), l.out, l.in, u.data());
                winograd_conv2d(g, l.out, x.data(), u.data(), y.data(), wbuf.data());
            },
            reps);
        const double wb = best_seconds(
            [&] {
                winograd_weights(w.data(), l.out, l.in, u.data(), true);
                winograd_conv2d(gb, l.in, gy.data(), u.data(), gx.data(), wbuf_b.data());
            },
            reps);
        const bool used = winograd_pays(g, l.out, 1);
        std::printf("%-8s %8.3f %9.2f %8.1f %9.2f %8.1f %9.2f %8.1f | %9.2f %9.2f %5s\n", l.name, flops * 1e-9, f * 1e3,
                    flops / f * 1e-9, b * 1e3, flops / b * 1e-9, s * 1e3, flops / s * 1e-9, wf * 1e3, wb * 1e3,
                    used ? "yes" : "no");
        total_chosen += used ? wf + wb : f + b;
        total_flops += flops;
        total_fwd += f;
        total_bwd += b;
        total_gemm += s;
    }
    std::printf("%-8s %8.3f %9.2f %8.1f %9.2f %8.1f %9.2f %8.1f\n", "total", total_flops * 1e-9, total_fwd * 1e3,
                total_flops / total_fwd * 1e-9, total_bwd * 1e3, total_flops / total_bwd * 1e-9, total_gemm * 1e3,
                total_flops / total_gemm * 1e-9);
    std::printf("forward + backward-x at batch 1 with the path the Conv op chooses: %.2f ms (im2col only: %.2f ms)\n",
                total_chosen * 1e3, (total_fwd + total_bwd) * 1e3);
    return 0;
}
