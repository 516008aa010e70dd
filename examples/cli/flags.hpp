#pragma once
/// The flag parser every `deepvis` subcommand uses: declare the flags, parse, read typed values.
///
///   cli::flags f("deepvis predict --model M.onnx [options]", "Prints the top classes.");
///   f.required("model", "M.onnx", "the ONNX model").option("top", "K", "classes to print", "5");
///   if (!f.parse(args)) { out << f.help(); return 0; }   // --help was given
///   const auto k = f.get_int("top");
///
/// Syntax: `--name value` or `--name=value`; switches take no value; lists are comma-separated
/// (`--size 224,224`). An unknown flag, a repeated flag, a missing value or required flag, and a
/// value of the wrong type are usage_errors (exit code 2), each one line naming the flag.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <deepvis/core/error.hpp>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace deepvis::cli {

/// A command line that cannot be understood. main() prints it as one line and exits with 2.
struct usage_error : config_error {
    using config_error::config_error;
};

class flags {
public:
    /// `command` is "deepvis info", `synopsis` its arguments ("--model M.onnx [options]"), `summary`
    /// what the command does.
    flags(std::string command, std::string synopsis, std::string summary)
        : m_command(std::move(command)), m_synopsis(std::move(synopsis)), m_summary(std::move(summary)) {}

    /// A flag that takes a value; `default_value` is used when it is not given ("" = no default).
    flags& option(const std::string& name, const std::string& value_name, const std::string& help,
                  const std::string& default_value = {}) {
        return add({name, value_name, help, default_value, true, false});
    }
    /// A flag that must be given.
    flags& required(const std::string& name, const std::string& value_name, const std::string& help) {
        return add({name, value_name, help, {}, true, true});
    }
    /// A switch without value; get_bool() says whether it was given.
    flags& toggle(const std::string& name, const std::string& help) { return add({name, {}, help, {}, false, false}); }
    /// Accepts up to `count` positional arguments (name them in the synopsis).
    flags& positionals(std::size_t count) {
        m_max_positionals = count;
        return *this;
    }

    /// Parses `args`. Returns false when --help (or -h) was given: the caller prints help().
    ///   throws: usage_error for anything it cannot understand.
    bool parse(const std::vector<std::string>& args) {
        for (std::size_t i = 0; i < args.size(); ++i) {
            const std::string& arg = args[i];
            if (arg == "--help" || arg == "-h") return false;
            if (arg.size() < 2 || arg[0] != '-' || (arg[1] != '-' && !is_number(arg))) {
                fail_if(m_positionals.size() >= m_max_positionals, "unexpected argument '" + arg + "'" + see_help());
                m_positionals.push_back(arg);
                continue;
            }
            fail_if(arg[1] != '-', "unexpected argument '" + arg + "'" + see_help());
            const auto eq = arg.find('=');
            const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
            auto it = m_specs.find(name);
            fail_if(it == m_specs.end(), "unknown flag --" + name + see_help());
            fail_if(m_values.count(name) != 0, "flag --" + name + " given twice");
            const spec& s = it->second;
            if (!s.takes_value) {
                fail_if(eq != std::string::npos, "flag --" + name + " takes no value");
                m_values[name] = "1";
            } else if (eq != std::string::npos) {
                m_values[name] = arg.substr(eq + 1);
            } else {
                fail_if(i + 1 >= args.size(), "flag --" + name + " needs a value (" + s.value_name + ")");
                m_values[name] = args[++i];
            }
        }
        for (const auto& name : m_order) {
            const spec& s = m_specs.at(name);
            fail_if(s.is_required && !m_values.count(name),
                    "flag --" + name + " (" + s.value_name + ") is required" + see_help());
        }
        return true;
    }

    /// Whether the flag was given on the command line.
    bool given(const std::string& name) const {
        known(name);
        return m_values.count(name) != 0;
    }
    /// Whether the flag has a value: given, or declared with a default.
    bool has(const std::string& name) const { return given(name) || !m_specs.at(name).default_value.empty(); }

    std::string get_string(const std::string& name) const {
        known(name);
        if (auto it = m_values.find(name); it != m_values.end()) return it->second;
        const spec& s = m_specs.at(name);
        fail_if(s.default_value.empty(), "flag --" + name + " (" + s.value_name + ") is required here");
        return s.default_value;
    }
    bool get_bool(const std::string& name) const { return given(name); }
    long long get_int(const std::string& name) const { return parse_int(name, get_string(name)); }
    /// A number; "a/b" is accepted too (`--scale 1/255`).
    float get_float(const std::string& name) const { return parse_float(name, get_string(name)); }
    /// A comma-separated list of strings; empty items are an error.
    std::vector<std::string> get_list(const std::string& name) const {
        std::vector<std::string> items;
        const std::string text = get_string(name);
        std::size_t start = 0;
        while (true) {
            const auto comma = text.find(',', start);
            items.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            fail_if(items.back().empty(), "flag --" + name + ": empty item in '" + text + "'");
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        return items;
    }
    std::vector<long long> get_ints(const std::string& name) const {
        std::vector<long long> values;
        for (const auto& item : get_list(name)) values.push_back(parse_int(name, item));
        return values;
    }
    std::vector<float> get_floats(const std::string& name) const {
        std::vector<float> values;
        for (const auto& item : get_list(name)) values.push_back(parse_float(name, item));
        return values;
    }
    const std::vector<std::string>& positional_args() const { return m_positionals; }

    /// The --help text: synopsis, summary and one line per flag.
    std::string help() const {
        std::ostringstream os;
        os << "usage: " << m_command << ' ' << m_synopsis << "\n\n" << m_summary << "\n\nflags:\n";
        std::vector<std::pair<std::string, const spec*>> rows;
        std::size_t width = 6;  // "--help"
        for (const auto& name : m_order) {
            const spec& s = m_specs.at(name);
            std::string left = "--" + name + (s.takes_value ? " " + s.value_name : "");
            width = std::max(width, left.size());
            rows.emplace_back(left, &s);
        }
        rows.emplace_back("--help", nullptr);
        for (const auto& [left, s] : rows) {
            os << "  " << left << std::string(width + 2 - left.size(), ' ');
            if (s == nullptr) {
                os << "print this help\n";
                continue;
            }
            os << s->help;
            if (s->is_required) os << " (required)";
            if (!s->default_value.empty()) os << " (default: " << s->default_value << ")";
            os << '\n';
        }
        return os.str();
    }

    /// "; see 'deepvis predict --help'": for errors about this command's arguments.
    std::string see_help() const { return "; see '" + m_command + " --help'"; }

private:
    struct spec {
        std::string name, value_name, help, default_value;
        bool takes_value = true;
        bool is_required = false;
    };

    flags& add(spec s) {
        DEEPVIS_ASSERT(!m_specs.count(s.name));
        m_order.push_back(s.name);
        m_specs.emplace(s.name, std::move(s));
        return *this;
    }
    void known(const std::string& name) const {
        // Asking for an undeclared flag is a bug in the command, not in the user's input.
        DEEPVIS_ASSERT(m_specs.count(name));
        (void)name;
    }
    static void fail_if(bool cond, const std::string& message) {
        if (cond) throw usage_error(message);
    }
    static bool is_number(const std::string& arg) {
        return arg.size() >= 2 && arg[0] == '-' && ((arg[1] >= '0' && arg[1] <= '9') || arg[1] == '.');
    }
    static long long parse_int(const std::string& name, const std::string& text) {
        long long v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        fail_if(ec != std::errc() || end != text.data() + text.size() || text.empty(),
                "flag --" + name + ": '" + text + "' is not an integer");
        return v;
    }
    static float parse_float(const std::string& name, const std::string& text) {
        const auto slash = text.find('/');
        if (slash != std::string::npos) {
            const float den = parse_float(name, text.substr(slash + 1));
            fail_if(den == 0.0f, "flag --" + name + ": '" + text + "' divides by zero");
            return parse_float(name, text.substr(0, slash)) / den;
        }
        float v = 0.0f;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        fail_if(ec != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(v),
                "flag --" + name + ": '" + text + "' is not a number");
        return v;
    }

    std::string m_command, m_synopsis, m_summary;
    std::map<std::string, spec> m_specs;
    std::vector<std::string> m_order;
    std::map<std::string, std::string> m_values;
    std::vector<std::string> m_positionals;
    std::size_t m_max_positionals = 0;
};

}  // namespace deepvis::cli
