#pragma once
/// Typed exceptions for bad user input, one checking macro that throws them with context,
/// and an internal assertion macro that only the test build enables.
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace deepvis {

/// Base of every exception deepvis throws for bad input. `what()` is one line that names the
/// thing that is wrong and what was expected.
struct error : std::runtime_error {
    using std::runtime_error::runtime_error;
};
/// A tensor has the wrong rank, size or channel count.
struct shape_error : error {
    using error::error;
};
/// An option, flag, layer name or class index is not valid.
struct config_error : error {
    using error::error;
};
/// A file cannot be read, decoded or written.
struct io_error : error {
    using error::error;
};
/// A model uses an operator or attribute deepvis does not implement.
struct unsupported_error : error {
    using error::error;
};

namespace detail {
template <class E>
[[noreturn]] inline void throw_with(const std::string& msg) {
    throw E(msg);
}
}  // namespace detail

}  // namespace deepvis

/// DEEPVIS_CHECK(cond, shape_error, "conv2d '" << name << "': input has " << c << " channels, expected " << k);
#define DEEPVIS_CHECK(cond, ErrorType, message)                                           \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::ostringstream deepvis_check_os_;                                         \
            deepvis_check_os_ << message;                                                 \
            ::deepvis::detail::throw_with<::deepvis::ErrorType>(deepvis_check_os_.str()); \
        }                                                                                 \
    } while (false)

/// Throws unconditionally, with the same streaming syntax as DEEPVIS_CHECK.
#define DEEPVIS_FAIL(ErrorType, message) DEEPVIS_CHECK(false, ErrorType, message)

#ifdef DEEPVIS_ENABLE_ASSERT
#define DEEPVIS_ASSERT(cond)                                                                           \
    do {                                                                                               \
        if (!(cond)) {                                                                                 \
            std::cerr << __FILE__ << ':' << __LINE__ << ": internal assertion failed: " #cond << '\n'; \
            std::abort();                                                                              \
        }                                                                                              \
    } while (false)
#else
#define DEEPVIS_ASSERT(cond) ((void)0)
#endif
