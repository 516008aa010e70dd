#pragma once
// What the deepvis benchmark programs share: the clock, sample statistics, the JSON they print
// for the Python runners (bench/benchlib.py reads it), and comma-separated flag values.
#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

using clock_type = std::chrono::steady_clock;

inline double ms_since(clock_type::time_point start) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

struct summary {
    double median = 0, min = 0, max = 0;
};

inline summary summarise(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    const double median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    return {median, v.front(), v.back()};
}

inline std::string json_string(const std::string& s) {
    std::ostringstream os;
    os << '"';
    for (char c : s) {
        if (c == '"' || c == '\\')
            os << '\\' << c;
        else if (static_cast<unsigned char>(c) < 0x20)
            os << ' ';
        else
            os << c;
    }
    os << '"';
    return os.str();
}

/// {"median": …, "min": …, "max": …, "samples": [...]} in ms.
inline std::string json_timing(const std::vector<double>& samples) {
    const summary s = summarise(samples);
    std::ostringstream os;
    os << "{\"median\": " << s.median << ", \"min\": " << s.min << ", \"max\": " << s.max << ", \"samples\": [";
    for (std::size_t i = 0; i < samples.size(); ++i) os << (i ? ", " : "") << samples[i];
    os << "]}";
    return os.str();
}

/// "a,b,,c" → {"a", "b", "c"}.
inline std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

}  // namespace bench
