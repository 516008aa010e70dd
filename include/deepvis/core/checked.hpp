#pragma once
/// Checked sizes: every element count computed from a file, an attribute or a flag goes through
/// here before anything is allocated or indexed with it.
///
///   max_elements()                 the largest tensor deepvis creates: 2^31 floats (8 GiB) unless
///                                  the environment variable DEEPVIS_MAX_ELEMENTS says otherwise
///   max_pixels()                   the largest image decoded: 2^26 pixels (64 MP) unless
///                                  DEEPVIS_MAX_PIXELS says otherwise
///   checked_multiply(a, b, what)   a · b, or shape_error "<what>: ... overflows" when it wraps
///   checked_element_count(s, what) Π s, checked, and at most max_elements() (zeros aside, since
///                                  strides multiply the other dimensions), else shape_error
///                                  naming `what` and the shape
///   checked_size(v, what)          a finite, non-negative double as a size, at most max_elements()
///   check_finite(x, what)          every value of a tensor finite, else config_error naming `what`,
///                                  the position of the first NaN or infinity and its value
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <deepvis/core/error.hpp>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace deepvis {

namespace detail {
// A positive integer from the environment variable `name`, or `fallback` when it is unset or not one.
inline std::size_t limit_from_environment(const char* name, std::size_t fallback) {
    // strtoull would read "-5" as 2^64 - 5: only digits are accepted.
    if (const char* env = std::getenv(name); env && *env >= '0' && *env <= '9') {
        char* end = nullptr;
        const unsigned long long v = std::strtoull(env, &end, 10);
        if (end && *end == '\0' && v > 0) return static_cast<std::size_t>(v);
    }
    return fallback;
}
}  // namespace detail

/// Elements of the largest tensor deepvis will create (DEEPVIS_MAX_ELEMENTS overrides it, read
/// once): a declared shape beyond it is refused before any memory is touched.
inline std::size_t max_elements() {
    static const std::size_t limit = detail::limit_from_environment("DEEPVIS_MAX_ELEMENTS", std::size_t(1) << 31);
    return limit;
}

/// Pixels (width · height) of the largest image deepvis decodes: 64 megapixels (2^26) unless
/// DEEPVIS_MAX_PIXELS says otherwise (read once). Checked from a file's header, before decoding,
/// against decompression bombs.
inline std::size_t max_pixels() {
    static const std::size_t limit = detail::limit_from_environment("DEEPVIS_MAX_PIXELS", std::size_t(1) << 26);
    return limit;
}

inline std::size_t checked_multiply(std::size_t a, std::size_t b, const std::string& what) {
    std::size_t r = 0;
    DEEPVIS_CHECK(!__builtin_mul_overflow(a, b, &r), shape_error,
                  what << ": the size " << a << " x " << b << " overflows");
    return r;
}

template <class Shape>
std::size_t checked_element_count(const Shape& s, const std::string& what) {
    // Zeros aside: an empty tensor's strides are still products of its other dimensions, so
    // (0, 2^40, 2^40) must be refused too (fuzz_npy, fuzz_idx: xtensor's strides overflowed).
    std::size_t n = 1;
    bool wrapped = false, empty = false;
    for (auto d : s) {
        DEEPVIS_CHECK(static_cast<long long>(d) >= 0, shape_error,
                      what << ": negative dimension " << static_cast<long long>(d));
        if (d == 0)
            empty = true;
        else
            wrapped = wrapped || __builtin_mul_overflow(n, static_cast<std::size_t>(d), &n);
    }
    if (wrapped || n > max_elements()) {
        std::ostringstream shape;
        shape << '(';
        bool first = true;
        for (auto d : s) {
            shape << (first ? "" : ", ") << static_cast<long long>(d);
            first = false;
        }
        shape << ')';
        DEEPVIS_FAIL(shape_error, what << ": shape " << shape.str() << " has "
                                       << (wrapped ? std::string("more than 2^64") : std::to_string(n))
                                       << (empty ? " elements in its non-zero dimensions" : " elements")
                                       << ", more than the limit of " << max_elements() << " (DEEPVIS_MAX_ELEMENTS)");
    }
    return empty ? 0 : n;
}

inline std::size_t checked_size(double v, const std::string& what) {
    DEEPVIS_CHECK(std::isfinite(v) && v >= 0.0 && v <= double(max_elements()), shape_error,
                  what << ": " << v << " is not a size between 0 and " << max_elements() << " (DEEPVIS_MAX_ELEMENTS)");
    return static_cast<std::size_t>(v);
}

/// Refuses a tensor (any contiguous row-major container with data(), size(), shape()) holding
/// a NaN or an infinity: "<what>: element (0, 2, 5, 1) is nan; inputs must be finite". A model
/// run on such an input gives NaN everywhere, which looks like an answer.
template <class Tensor>
void check_finite(const Tensor& x, const std::string& what) {
    const auto* data = x.data();
    std::size_t i = 0;
    while (i < x.size() && std::isfinite(data[i])) ++i;
    if (i == x.size()) return;
    const auto& shape = x.shape();
    std::vector<std::size_t> index(shape.size());
    for (std::size_t d = shape.size(), rest = i; d-- > 0;) {
        index[d] = rest % shape[d];
        rest /= shape[d];
    }
    std::ostringstream position;
    position << '(';
    for (std::size_t d = 0; d < index.size(); ++d) position << (d ? ", " : "") << index[d];
    position << (index.size() == 1 ? ",)" : ")");
    DEEPVIS_FAIL(config_error,
                 what << ": element " << position.str() << " is " << data[i] << "; inputs must be finite");
}

}  // namespace deepvis
