#pragma once
/// Datasets as views and mini-batches drawn from them in a seeded order.
///
/// dataset_view<T>: inputs (N, ...) and targets — class indices (std::vector<int>) or a tensor
///   with N rows (an autoencoder's view uses the inputs themselves as targets, with no copy).
/// epoch_order(n, seed, epoch): the permutation of 0..n−1 for one epoch, a pure function of
///   (seed, epoch), so a run resumed at epoch e draws the same batches.
/// gather_rows(source, indices, out): out = source[indices] along the first axis, into a reused
///   buffer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <deepvis/train/rng.hpp>
#include <span>
#include <vector>

namespace deepvis::train {

template <class Target>
struct dataset_view {
    const tensor& inputs;
    const Target& targets;

    std::size_t size() const { return inputs.dimension() ? inputs.shape()[0] : 0; }
};

inline std::size_t row_count(const std::vector<int>& t) { return t.size(); }
inline std::size_t row_count(const tensor& t) { return t.dimension() ? t.shape()[0] : 0; }

template <class Target>
void check_dataset(const dataset_view<Target>& d, const char* what) {
    DEEPVIS_CHECK(d.size() > 0, shape_error, what << ": the dataset is empty");
    DEEPVIS_CHECK(row_count(d.targets) == d.size(), shape_error,
                  what << ": " << d.size() << " inputs but " << row_count(d.targets) << " targets");
}

/// The shuffled order of epoch `epoch` (1-based) for `seed`.
inline std::vector<std::size_t> epoch_order(std::size_t n, std::uint64_t seed, std::size_t epoch) {
    rng r(seed ^ (0x9E3779B97F4A7C15ull * (epoch + 1)));
    return r.permutation(n);
}

inline void gather_rows(const tensor& source, std::span<const std::size_t> indices, tensor& out) {
    shape_type s = shape_of(source);
    const std::size_t row = source.size() / s[0];
    s[0] = indices.size();
    ensure_shape(out, s);
    for (std::size_t i = 0; i < indices.size(); ++i)
        std::copy_n(source.data() + indices[i] * row, row, out.data() + i * row);
}

inline void gather_rows(const std::vector<int>& source, std::span<const std::size_t> indices, std::vector<int>& out) {
    out.resize(indices.size());
    for (std::size_t i = 0; i < indices.size(); ++i) out[i] = source[indices[i]];
}

/// Rows [begin, end) of a tensor, copied.
inline tensor slice_rows(const tensor& source, std::size_t begin, std::size_t end) {
    std::vector<std::size_t> idx(end - begin);
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = begin + i;
    tensor out;
    gather_rows(source, idx, out);
    return out;
}

}  // namespace deepvis::train
