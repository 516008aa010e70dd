#pragma once
/// with_model_label: errors raised while building a network from a model file name the file.
/// Shared by the ONNX and Caffe loaders (io/onnx.hpp, io/caffe.hpp).
#include <deepvis/core/error.hpp>
#include <string>

namespace deepvis::detail {

/// Rethrows a deepvis error with the model's label in front, keeping its type.
template <class Fn>
auto with_model_label(const std::string& label, Fn&& fn) -> decltype(fn()) {
    auto prefixed = [&](const error& e) {
        const std::string what = e.what();
        return what.rfind(label, 0) == 0 ? what : label + ": " + what;
    };
    try {
        return fn();
    } catch (const unsupported_error& e) {
        throw unsupported_error(prefixed(e));
    } catch (const shape_error& e) {
        throw shape_error(prefixed(e));
    } catch (const config_error& e) {
        throw config_error(prefixed(e));
    } catch (const io_error& e) {
        throw io_error(prefixed(e));
    }
}

}  // namespace deepvis::detail
