#pragma once
/// The attributes of a graph node, as ONNX stores them. The ONNX importer, the C++ graph
/// builder and the ONNX exporter all go through this one bag, so an op is configured the
/// same way whichever way it was made.
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <deepvis/core/tensor.hpp>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace deepvis::nn {

using attribute = std::variant<std::int64_t, float, std::string, std::vector<std::int64_t>, std::vector<float>, tensor>;

class attribute_map {
public:
    attribute_map() = default;
    attribute_map(std::initializer_list<std::pair<const std::string, attribute>> init) : m_values(init) {}

    void set(const std::string& name, attribute value) { m_values[name] = std::move(value); }
    bool has(const std::string& name) const { return m_values.count(name) != 0; }
    const std::map<std::string, attribute>& all() const { return m_values; }

    std::int64_t get_int(const std::string& name, std::int64_t fallback) const {
        return get_or<std::int64_t>(name, fallback);
    }
    float get_float(const std::string& name, float fallback) const {
        auto it = m_values.find(name);
        if (it == m_values.end()) return fallback;
        if (auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<float>(*i);
        return get_or<float>(name, fallback);
    }
    std::string get_string(const std::string& name, const std::string& fallback) const {
        return get_or<std::string>(name, fallback);
    }
    std::vector<std::int64_t> get_ints(const std::string& name, std::vector<std::int64_t> fallback = {}) const {
        return get_or<std::vector<std::int64_t>>(name, std::move(fallback));
    }
    std::vector<float> get_floats(const std::string& name, std::vector<float> fallback = {}) const {
        return get_or<std::vector<float>>(name, std::move(fallback));
    }
    const tensor& get_tensor(const std::string& name) const {
        auto it = m_values.find(name);
        DEEPVIS_CHECK(it != m_values.end() && std::holds_alternative<tensor>(it->second), config_error,
                      "attribute '" << name << "': missing or not a tensor");
        return std::get<tensor>(it->second);
    }

private:
    template <class T>
    T get_or(const std::string& name, T fallback) const {
        auto it = m_values.find(name);
        if (it == m_values.end()) return fallback;
        const T* v = std::get_if<T>(&it->second);
        DEEPVIS_CHECK(v != nullptr, config_error, "attribute '" << name << "' has the wrong type");
        return *v;
    }
    std::map<std::string, attribute> m_values;
};

}  // namespace deepvis::nn
