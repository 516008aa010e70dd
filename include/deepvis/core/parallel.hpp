#pragma once
/// deepvis' own threading: OpenMP, on the same thread pool as OpenBLAS' OpenMP build.
///
/// Why OpenMP and not a pool of our own: the heavy products run in OpenBLAS, and its pthread
/// build keeps its workers spinning after every GEMM, so a second pool would fight them for the
/// cores. OpenBLAS' OpenMP build (Debian's libopenblas-openmp-dev, which CMake links when
/// present) shares libgomp's pool with us, and it runs single-threaded when called inside one
/// of our parallel regions — so a batch can be split across the cores with one single-threaded
/// GEMM per image. A lone image's GEMM is split by kernels/gemm.hpp into blocks fixed by its
/// shape, one single-threaded OpenBLAS call each: OpenBLAS' own threading is never used, because
/// its partition (and so its rounding, on some CPUs) depends on the thread count.
///
///   num_threads():         the thread count: OMP_NUM_THREADS, else OPENBLAS_NUM_THREADS, else
///                          every core — one variable sets OpenBLAS and deepvis alike
///   set_num_threads(n):    changes it for both (OpenMP's setting is per calling thread: call
///                          it from the thread that runs the network)
///   parallel_for(n, f):    f(i) for i in [0, n), items split into contiguous blocks, one per
///                          thread, called as f(i, thread)
///   parallel_ranges(n, grain, f): f(begin, end, thread) over [0, n) cut into at most
///                          num_threads() ranges of at least `grain` items (memory-bound loops)
///   parallel_items(n, floats, f): the same for n items of `floats` floats each, with enough
///                          items per thread to be worth waking it
/// Inside a parallel region (or with one thread) everything runs inline on the caller.
/// Work is split statically, and every reduction (a dot product, a sum over images) is done by
/// one thread in the serial order, so the result does not depend on the thread count: 2 threads
/// give the 1-thread result bit for bit. The one exception is a sum of per-image contributions
/// that the images' threads add separately (the convolution weight gradient of a batch): equal
/// to float rounding, and the same for a given thread count.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>

#if defined(_OPENMP)
#include <omp.h>
#endif

extern "C" int openblas_get_num_threads(void);
extern "C" void openblas_set_num_threads(int);

namespace deepvis {

namespace detail {
/// OpenBLAS' OpenMP build takes its thread count from OpenMP and ignores OPENBLAS_NUM_THREADS;
/// deepvis honours it anyway (it is what users of OpenBLAS set), unless OMP_NUM_THREADS is set.
/// Runs once, at program start, on the main thread.
inline int initial_threads() {
#if defined(_OPENMP)
    const char* blas = std::getenv("OPENBLAS_NUM_THREADS");
    if (blas && *blas && !std::getenv("OMP_NUM_THREADS")) {
        const int n = std::atoi(blas);
        if (n >= 1) omp_set_num_threads(n);
    }
    return omp_get_max_threads();
#else
    return 1;
#endif
}
inline std::atomic<int> thread_count{initial_threads()};
}  // namespace detail

inline int num_threads() { return detail::thread_count.load(std::memory_order_relaxed); }

inline void set_num_threads(int n) {
    n = std::max(1, n);
    openblas_set_num_threads(n);
#if defined(_OPENMP)
    omp_set_num_threads(n);
#endif
    detail::thread_count.store(n, std::memory_order_relaxed);
}

/// The threads a loop over `n` items may use here: 1 when nested or when there is one item.
inline int available_threads(std::ptrdiff_t n) {
#if defined(_OPENMP)
    if (n < 2 || omp_in_parallel()) return 1;
    return static_cast<int>(std::min<std::ptrdiff_t>(num_threads(), n));
#else
    (void)n;
    return 1;
#endif
}

/// The first item of thread t's block when n items go to `threads` threads.
inline std::ptrdiff_t block_begin(std::ptrdiff_t n, int t, int threads) { return n * t / threads; }

/// f(i, thread) for every i in [0, n); thread t of available_threads(n) gets the items
/// [block_begin(n, t, T), block_begin(n, t + 1, T)), in order.
template <class F>
void parallel_for(std::ptrdiff_t n, F&& f) {
    const int threads = available_threads(n);
    if (threads <= 1) {
        for (std::ptrdiff_t i = 0; i < n; ++i) f(i, 0);
        return;
    }
#if defined(_OPENMP)
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num();
        const std::ptrdiff_t begin = block_begin(n, t, threads), end = block_begin(n, t + 1, threads);
        for (std::ptrdiff_t i = begin; i < end; ++i) f(i, t);
    }
#endif
}

/// Elementwise loops below this many floats stay on one thread: waking a second core costs
/// more than it saves on a few hundred kilobytes.
inline constexpr std::ptrdiff_t parallel_elementwise_grain = std::ptrdiff_t(1) << 15;

/// f(begin, end, thread) over [0, n) cut into equal ranges of at least `grain` items, one per
/// thread (thread < num_threads()).
template <class F>
void parallel_ranges(std::ptrdiff_t n, std::ptrdiff_t grain, F&& f) {
    const std::ptrdiff_t pieces = std::max<std::ptrdiff_t>(1, n / std::max<std::ptrdiff_t>(grain, 1));
    const int threads = available_threads(pieces);
    if (threads <= 1) {
        if (n > 0) f(std::ptrdiff_t(0), n, 0);
        return;
    }
#if defined(_OPENMP)
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num();
        const std::ptrdiff_t begin = block_begin(n, t, threads), end = block_begin(n, t + 1, threads);
        if (begin < end) f(begin, end, t);
    }
#endif
}

/// parallel_ranges over n items (planes, channels, batch slices) of `item_floats` floats each,
/// with at least parallel_elementwise_grain floats per thread.
template <class F>
void parallel_items(std::ptrdiff_t n, std::ptrdiff_t item_floats, F&& f) {
    parallel_ranges(
        n, std::max<std::ptrdiff_t>(1, parallel_elementwise_grain / std::max<std::ptrdiff_t>(item_floats, 1)), f);
}

}  // namespace deepvis
