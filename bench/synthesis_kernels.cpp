// Kernel benchmarks of the synthesis objectives (Google Benchmark):
//   gram:  deepvis::kernels::gram (ssyrk + mirror) next to bare OpenBLAS ssyrk and sgemm F·Fᵀ for
//          the VGG-like (C, HW) = (64, 112²), (128, 56²), (256, 28²), (512, 14²); GFLOP/s count
//          the c·(c+1)·hw flops of a symmetric product for all three (sgemm does twice the work).
//          Arg 2: OpenBLAS threads (1 or 2, set explicitly).
//   tv:    deepvis::kernels::total_variation (loss + gradient, one pass, xsimd) and its scalar
//          reference on 1×3×512×512 and 1×64×224×224; GB/s count 8 bytes per element (read x,
//          write the gradient). Next to a STREAM triad a = b + s·c over arrays of the same
//          element count, 12 bytes per element, measured in the same run. Single thread.
// Every kernel is checked against its scalar reference before it is timed.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deepvis/core/kernels/gram.hpp>
#include <deepvis/core/kernels/gram_reference.hpp>
#include <deepvis/core/kernels/total_variation.hpp>
#include <deepvis/core/kernels/total_variation_reference.hpp>
#include <random>
#include <vector>

namespace {

std::vector<float> random_vector(std::size_t n, unsigned seed) {
    std::vector<float> v(n);
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, 1.0f);
    for (auto& x : v) x = d(rng);
    return v;
}

double max_rel(const std::vector<float>& a, const std::vector<float>& b) {
    double d = 0, s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        d = std::max(d, std::abs(double(a[i]) - b[i]));
        s = std::max(s, std::abs(double(b[i])));
    }
    return d / std::max(s, 1e-30);
}

void check_gram(std::size_t c, std::size_t hw) {
    const auto f = random_vector(c * hw, 1);
    std::vector<float> g(c * c), r(c * c);
    deepvis::kernels::gram(f.data(), 1, c, hw, g.data(), 1.0f);
    deepvis::kernels::reference::gram(f.data(), 1, c, hw, r.data(), 1.0f);
    if (max_rel(g, r) > 1e-4) {
        std::fprintf(stderr, "gram (%zu, %zu) differs from the reference: %g\n", c, hw, max_rel(g, r));
        std::exit(1);
    }
}

void BM_gram(benchmark::State& st) {
    const auto c = static_cast<std::size_t>(st.range(0)), hw = static_cast<std::size_t>(st.range(1));
    deepvis::set_num_threads(static_cast<int>(st.range(2)));
    check_gram(c, hw);
    const auto f = random_vector(c * hw, 2);
    std::vector<float> g(c * c);
    for (auto _ : st) {
        deepvis::kernels::gram(f.data(), 1, c, hw, g.data(), 1.0f);
        benchmark::DoNotOptimize(g.data());
    }
    st.counters["GFLOP/s"] =
        benchmark::Counter(deepvis::kernels::gram_flops(c, hw) * st.iterations() * 1e-9, benchmark::Counter::kIsRate);
}

void BM_ssyrk(benchmark::State& st) {
    const auto c = static_cast<int>(st.range(0)), hw = static_cast<int>(st.range(1));
    deepvis::set_num_threads(static_cast<int>(st.range(2)));
    const auto f = random_vector(std::size_t(c) * hw, 2);
    std::vector<float> g(std::size_t(c) * c);
    for (auto _ : st) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, c, hw, 1.0f, f.data(), hw, 0.0f, g.data(), c);
        benchmark::DoNotOptimize(g.data());
    }
    st.counters["GFLOP/s"] =
        benchmark::Counter(deepvis::kernels::gram_flops(c, hw) * st.iterations() * 1e-9, benchmark::Counter::kIsRate);
}

void BM_sgemm_ffT(benchmark::State& st) {
    const auto c = static_cast<int>(st.range(0)), hw = static_cast<int>(st.range(1));
    deepvis::set_num_threads(static_cast<int>(st.range(2)));
    const auto f = random_vector(std::size_t(c) * hw, 2);
    std::vector<float> g(std::size_t(c) * c);
    for (auto _ : st) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, c, c, hw, 1.0f, f.data(), hw, f.data(), hw, 0.0f, g.data(),
                    c);
        benchmark::DoNotOptimize(g.data());
    }
    st.counters["GFLOP/s"] =
        benchmark::Counter(deepvis::kernels::gram_flops(c, hw) * st.iterations() * 1e-9, benchmark::Counter::kIsRate);
}

void gram_shapes(benchmark::internal::Benchmark* b) {
    for (int threads : {1, 2})
        for (auto [c, hw] : {std::pair{64, 112 * 112}, {128, 56 * 56}, {256, 28 * 28}, {512, 14 * 14}})
            b->Args({c, hw, threads});
    b->ArgNames({"C", "HW", "threads"})->UseRealTime();
}

void BM_tv(benchmark::State& st) {
    const auto planes = static_cast<std::size_t>(st.range(0)), h = static_cast<std::size_t>(st.range(1)),
               w = static_cast<std::size_t>(st.range(2));
    const std::size_t n = planes * h * w;
    const auto x = random_vector(n, 3);
    std::vector<float> g(n), r(n);
    const double l = deepvis::kernels::total_variation(x.data(), planes, h, w, g.data(), 1.0f);
    const double lr = deepvis::kernels::reference::total_variation(x.data(), planes, h, w, r.data(), 1.0f);
    if (max_rel(g, r) > 1e-5 || std::abs(l - lr) > 1e-5 * std::abs(lr)) {
        std::fprintf(stderr, "total_variation differs from the reference\n");
        std::exit(1);
    }
    for (auto _ : st) {
        benchmark::DoNotOptimize(deepvis::kernels::total_variation(x.data(), planes, h, w, g.data(), 1.0f));
        benchmark::ClobberMemory();
    }
    st.counters["GB/s"] = benchmark::Counter(8.0 * n * st.iterations() * 1e-9, benchmark::Counter::kIsRate);
}

void BM_tv_reference(benchmark::State& st) {
    const auto planes = static_cast<std::size_t>(st.range(0)), h = static_cast<std::size_t>(st.range(1)),
               w = static_cast<std::size_t>(st.range(2));
    const std::size_t n = planes * h * w;
    const auto x = random_vector(n, 3);
    std::vector<float> g(n);
    for (auto _ : st) {
        benchmark::DoNotOptimize(deepvis::kernels::reference::total_variation(x.data(), planes, h, w, g.data(), 1.0f));
        benchmark::ClobberMemory();
    }
    st.counters["GB/s"] = benchmark::Counter(8.0 * n * st.iterations() * 1e-9, benchmark::Counter::kIsRate);
}

void BM_stream_triad(benchmark::State& st) {
    const std::size_t n = static_cast<std::size_t>(st.range(0)) * st.range(1) * st.range(2);
    auto b = random_vector(n, 4), c = random_vector(n, 5);
    std::vector<float> a(n);
    const float s = 3.0f;
    for (auto _ : st) {
        for (std::size_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
        benchmark::DoNotOptimize(a.data());
        benchmark::ClobberMemory();
    }
    st.counters["GB/s"] = benchmark::Counter(12.0 * n * st.iterations() * 1e-9, benchmark::Counter::kIsRate);
}

void tv_shapes(benchmark::internal::Benchmark* b) {
    b->Args({3, 512, 512})->Args({64, 224, 224})->ArgNames({"planes", "H", "W"})->UseRealTime();
}

}  // namespace

BENCHMARK(BM_gram)->Apply(gram_shapes);
BENCHMARK(BM_ssyrk)->Apply(gram_shapes);
BENCHMARK(BM_sgemm_ffT)->Apply(gram_shapes);
BENCHMARK(BM_tv)->Apply(tv_shapes);
BENCHMARK(BM_tv_reference)->Apply(tv_shapes);
BENCHMARK(BM_stream_triad)->Apply(tv_shapes);
BENCHMARK_MAIN();
