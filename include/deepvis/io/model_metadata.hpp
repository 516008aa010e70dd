#pragma once
/// What a model file can say about itself, so that `deepvis predict --model m.onnx --image cat.jpg`
/// needs no preprocessing flags: keys in the model's metadata (ONNX metadata_props, kept in
/// nn::graph::metadata), written by `deepvis convert … --preprocess … --labels …` or by
/// write_preprocessing / write_labels here.
///
///   key                        value (text)                         meaning (io/image.hpp)
///   deepvis.preprocess.scale   "1", "0.003921569"                   factor on 8-bit pixel values
///   deepvis.preprocess.mean    "104,117,123" or "0"                 per model channel, after bgr
///   deepvis.preprocess.std     "0.229,0.224,0.225" or "1"           per model channel, after bgr
///   deepvis.preprocess.bgr     "1" or "0"                           channels fed as B, G, R
///   deepvis.preprocess.size    "227,227"                            H,W to resize images to
///   deepvis.labels             class names, one per line, in class order
///
/// Every key is optional; a missing key keeps the caller's default. The values are untrusted
/// (they come from a file): a malformed one is an io_error naming the key and what was expected.
#include <cmath>
#include <cstddef>
#include <deepvis/core/checked.hpp>
#include <deepvis/core/error.hpp>
#include <deepvis/io/image.hpp>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace deepvis::detail {

inline std::vector<double> metadata_numbers(const std::string& key, const std::string& text) {
    std::vector<double> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        std::size_t used = 0;
        double v = 0.0;
        try {
            v = std::stod(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        DEEPVIS_CHECK(
            used > 0 && item.find_first_not_of(" \t", used) == std::string::npos && std::isfinite(v), io_error,
            "model metadata '" << key << "': '" << text << "' is not a comma-separated list of finite numbers");
        out.push_back(v);
    }
    DEEPVIS_CHECK(
        !out.empty() && out.size() <= 4, io_error,
        "model metadata '" << key << "': '" << text << "' holds " << out.size() << " numbers, expected 1 to 4");
    return out;
}

inline std::string metadata_join(const std::vector<float>& v) {
    std::ostringstream os;
    os.precision(9);
    for (std::size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
    return os.str();
}

}  // namespace deepvis::detail

namespace deepvis::io {

namespace metadata_key {
inline constexpr const char* scale = "deepvis.preprocess.scale";
inline constexpr const char* mean = "deepvis.preprocess.mean";
inline constexpr const char* stddev = "deepvis.preprocess.std";
inline constexpr const char* bgr = "deepvis.preprocess.bgr";
inline constexpr const char* size = "deepvis.preprocess.size";
inline constexpr const char* labels = "deepvis.labels";
}  // namespace metadata_key

using metadata_map = std::map<std::string, std::string>;

/// Whether the metadata says anything about preprocessing.
inline bool has_preprocessing(const metadata_map& m) {
    for (const char* key :
         {metadata_key::scale, metadata_key::mean, metadata_key::stddev, metadata_key::bgr, metadata_key::size})
        if (m.count(key)) return true;
    return false;
}

/// `defaults` with every field the metadata gives replaced by it.
///   throws: io_error naming the key for a malformed value (not numbers, a zero std, a size that
///   is not two positive integers within max_pixels()).
inline image_options read_preprocessing(const metadata_map& m, image_options defaults) {
    const auto get = [&m](const char* key) -> const std::string* {
        const auto it = m.find(key);
        return it == m.end() ? nullptr : &it->second;
    };
    const auto floats = [](const char* key, const std::string& text) {
        std::vector<float> out;
        for (double v : detail::metadata_numbers(key, text)) out.push_back(static_cast<float>(v));
        return out;
    };
    if (const auto* v = get(metadata_key::scale)) {
        const auto s = floats(metadata_key::scale, *v);
        DEEPVIS_CHECK(s.size() == 1 && s[0] != 0.0f, io_error,
                      "model metadata '" << metadata_key::scale << "': '" << *v << "' is not one non-zero number");
        defaults.scale = s[0];
    }
    if (const auto* v = get(metadata_key::mean)) defaults.mean = floats(metadata_key::mean, *v);
    if (const auto* v = get(metadata_key::stddev)) {
        defaults.std = floats(metadata_key::stddev, *v);
        for (float s : defaults.std)
            DEEPVIS_CHECK(s != 0.0f, io_error,
                          "model metadata '" << metadata_key::stddev << "': '" << *v << "' holds a zero");
    }
    if (const auto* v = get(metadata_key::bgr)) {
        DEEPVIS_CHECK(*v == "0" || *v == "1", io_error,
                      "model metadata '" << metadata_key::bgr << "': '" << *v << "', expected 0 or 1");
        defaults.bgr = *v == "1";
    }
    if (const auto* v = get(metadata_key::size)) {
        const auto hw = detail::metadata_numbers(metadata_key::size, *v);
        const bool whole = hw.size() == 2 && hw[0] >= 1 && hw[1] >= 1 && hw[0] == std::floor(hw[0]) &&
                           hw[1] == std::floor(hw[1]) && hw[0] * hw[1] <= static_cast<double>(max_pixels());
        DEEPVIS_CHECK(whole, io_error,
                      "model metadata '" << metadata_key::size << "': '" << *v
                                         << "' is not H,W (positive integers, H·W ≤ " << max_pixels() << ")");
        defaults.size = {static_cast<std::size_t>(hw[0]), static_cast<std::size_t>(hw[1])};
    }
    return defaults;
}

/// Writes every preprocessing field of `o` (the size only when set) into `m`.
inline void write_preprocessing(metadata_map& m, const image_options& o) {
    m[metadata_key::scale] = detail::metadata_join({o.scale});
    m[metadata_key::mean] = detail::metadata_join(o.mean.empty() ? std::vector<float>{0.0f} : o.mean);
    m[metadata_key::stddev] = detail::metadata_join(o.std.empty() ? std::vector<float>{1.0f} : o.std);
    m[metadata_key::bgr] = o.bgr ? "1" : "0";
    if (o.size[0] > 0)
        m[metadata_key::size] = std::to_string(o.size[0]) + "," + std::to_string(o.size[1]);
    else
        m.erase(metadata_key::size);
}

/// The class names the metadata holds (empty when it holds none).
inline std::vector<std::string> read_labels(const metadata_map& m) {
    std::vector<std::string> out;
    const auto it = m.find(metadata_key::labels);
    if (it == m.end()) return out;
    // Exactly one name per line: n line breaks separate n + 1 names, empty ones included.
    const std::string& text = it->second;
    for (std::size_t start = 0;;) {
        const std::size_t end = text.find('\n', start);
        std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(std::move(line));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

/// Stores class names, one per line (a name must not contain a line break).
inline void write_labels(metadata_map& m, const std::vector<std::string>& labels) {
    std::string text;
    for (const auto& name : labels) {
        DEEPVIS_CHECK(name.find('\n') == std::string::npos, config_error,
                      "model metadata: class name '" << name << "' contains a line break");
        text += name;
        text += '\n';
    }
    if (!text.empty()) text.pop_back();
    m[metadata_key::labels] = text;
}

}  // namespace deepvis::io
