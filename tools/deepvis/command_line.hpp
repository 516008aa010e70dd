#pragma once
/// The command line of one `deepvis` subcommand, parsed by CLI11 (a maintained parser: help
/// layout, `--name=value`, missing/repeated values, unknown flags) and read as typed values.
///
///   command_line f("deepvis predict", "--model M.onnx [options]", "Prints the top classes.");
///   f.required("model", "M.onnx", "the ONNX model").option("top", "K", "classes to print", "5");
///   f.example("deepvis predict --model models/fashion_cnn.onnx --image shirt.png --top 3");
///   if (!f.parse(args)) { out << f.help(); return 0; }   // --help was given
///   const auto k = f.get_int("top");
///
/// Lists are comma-separated (`--size 224,224`); numbers may be written a/b (`--scale 1/255`).
/// Every CLI11 error is reworded into one line naming the flag and thrown as a usage_error
/// (exit code 2), so that all of deepvis' errors read alike.
///
/// Two checks every command gets from parse(): a count flag (declared with count(), or named in
/// count_flags: --samples, --iterations, ...) must be a whole number from 1 to its maximum, else
/// one error (a value beyond the maximum is a config_error, exit 1: hours of work are refused, not
/// started); an output flag
/// (output_flags: --out, --difference, --csv, --plot) must not name the same file as any other
/// flag's value (std::filesystem::equivalent), so that `--out` never overwrites an input.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <deepvis/core/error.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace deepvis::cli {

/// A command line that cannot be understood. main() prints it as one line and exits with 2.
struct usage_error : config_error {
    using config_error::config_error;
};

/// A flag that counts something, and the most it accepts (README: "Reliability / hostile input").
/// The maxima are far beyond any useful run (each is hours of work on a large model) and stop
/// a typing slip such as `--iterations 1000000000` from running unbounded. The subcommands'
/// own count flags are declared with option() and bounded here; a flag declared with count()
/// (the attribution methods' parameters: attribution_methods.hpp) carries its own maximum.
struct count_flag {
    const char* name;
    long long maximum;
};
inline constexpr count_flag count_flags[] = {
    {"samples", 10'000},     {"iterations", 100'000}, {"starts", 100},    {"batch", 4'096}, {"k", 1'000},
    {"top", 1'000'000},      {"epochs", 1'000},       {"every", 100'000}, {"zoom", 64},     {"count", 64},
    {"blur-every", 100'000}, {"decay-at", 100'000},   {"octaves", 16},
};

/// The largest value of count flag `name` in count_flags, or 0 when it is not there.
inline long long count_maximum(const std::string& name) {
    for (const auto& c : count_flags)
        if (name == c.name) return c.maximum;
    return 0;
}

/// Flags naming a file that a command writes.
inline constexpr const char* output_flags[] = {"out", "difference", "csv", "plot"};

class command_line {
public:
    /// `command` is "deepvis info", `synopsis` its arguments ("--model M.onnx [options]"), `summary`
    /// what the command does.
    command_line(std::string command, std::string synopsis, std::string summary)
        : m_command(std::move(command)),
          m_app(std::make_unique<CLI::App>(summary, m_command)),
          m_maxima(std::make_shared<std::map<std::string, long long>>()) {
        m_app->option_defaults()->group("flags");
        m_app->set_help_flag("-h,--help", "print this help");
        m_app->allow_extras();  // unknown flags are reported by parse() in our words
        m_app->formatter(std::make_shared<formatter>(m_command + " " + synopsis, m_maxima));
        m_app->get_formatter()->column_width(34);
    }

    /// A flag that takes a value; `default_value` is used when it is not given ("" = no default).
    command_line& option(const std::string& name, const std::string& value_name, const std::string& help,
                         const std::string& default_value = {}) {
        CLI::Option* o = add(name, help);
        o->type_name(value_name);
        if (!default_value.empty()) o->default_str(default_value);
        m_defaults[name] = default_value;
        return *this;
    }
    /// A count flag: a whole number from 1 to `maximum` (checked by parse() and get_count()).
    command_line& count(const std::string& name, const std::string& value_name, const std::string& help,
                        const std::string& default_value, long long maximum) {
        DEEPVIS_ASSERT(maximum > 0);
        option(name, value_name, help, default_value);
        (*m_maxima)[name] = maximum;
        return *this;
    }
    /// A flag that must be given.
    command_line& required(const std::string& name, const std::string& value_name, const std::string& help) {
        option(name, value_name, help);
        m_options.at(name)->required();
        return *this;
    }
    /// A switch without value; get_bool() says whether it was given.
    command_line& toggle(const std::string& name, const std::string& help) {
        m_options[name] = m_app->add_flag("--" + name, help);
        m_defaults[name] = "";
        return *this;
    }
    /// Another spelling of a declared flag (an old name kept for scripts); not shown in --help.
    command_line& alias(const std::string& name, const std::string& old_name) {
        DEEPVIS_ASSERT(m_options.count(name) && !m_options.count(old_name));
        m_aliases[old_name] = name;
        return *this;
    }
    /// Accepts up to `count` positional arguments (name them in the synopsis).
    command_line& positionals(std::size_t count) {
        m_max_positionals = count;
        return *this;
    }
    /// A command line shown under "examples:" in --help (and run by the README test).
    command_line& example(const std::string& line) {
        m_examples.push_back(line);
        m_app->footer("examples:\n  " + join(m_examples, "\n  "));
        return *this;
    }

    /// Parses `args`. Returns false when --help (or -h) was given: the caller prints help().
    ///   throws: usage_error for anything it cannot understand.
    bool parse(std::vector<std::string> args) {
        for (auto& arg : args) rename_alias(arg);
        std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
        try {
            m_app->parse(args);
        } catch (const CLI::CallForHelp&) {
            return false;
        } catch (const CLI::RequiredError&) {
            check_remaining();  // "unknown flag --modle" explains a missing --model best
            for (const auto& [name, o] : m_options)
                if (o->get_required() && o->count() == 0)
                    fail("flag --" + name + " (" + o->get_type_name() + ") is required" + see_help());
            fail(m_command + ": a required flag is missing" + see_help());
        } catch (const CLI::ArgumentMismatch& e) {
            for (const auto& [name, o] : m_options)
                if (std::string(e.what()).rfind("--" + name + ":", 0) == 0)
                    fail(o->count() > 1 ? "flag --" + name + " given twice"
                                        : "flag --" + name + " needs a value (" + o->get_type_name() + ")");
            fail(std::string(e.what()));
        } catch (const CLI::ParseError& e) {
            fail(std::string(e.what()) + see_help());
        }
        check_remaining();
        check_counts();
        check_outputs();
        return true;
    }

    /// Whether the flag was given on the command line.
    bool given(const std::string& name) const { return declared(name).count() != 0; }
    /// Whether the flag has a value: given, or declared with a default.
    bool has(const std::string& name) const { return given(name) || !m_defaults.at(name).empty(); }

    std::string get_string(const std::string& name) const {
        const CLI::Option& o = declared(name);
        if (o.count() != 0) return o.results().back();
        const std::string& d = m_defaults.at(name);
        fail_if(d.empty(), "flag --" + name + " (" + o.get_type_name() + ") is required here");
        return d;
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
    const std::vector<std::string>& examples() const { return m_examples; }

    /// The --help text: synopsis, summary, one line per flag, examples.
    std::string help() const { return m_app->help(); }

    /// "; see 'deepvis predict --help'": for errors about this command's arguments.
    std::string see_help() const { return "; see '" + m_command + " --help'"; }

    /// The value of count flag `name` (count() or count_flags), checked: 1 to its maximum.
    std::size_t get_count(const std::string& name) const {
        return checked_count(name, get_string(name), maximum_of(*m_maxima, name));
    }

    /// `text` as the value of count flag `name`: a whole number from 1 to `most`.
    ///   throws: usage_error when it is not a positive whole number; config_error beyond the maximum.
    static std::size_t checked_count(const std::string& name, const std::string& text, long long most) {
        const long long v = parse_int(name, text);
        fail_if(v <= 0, "flag --" + name + ": " + text + " is not a positive count");
        DEEPVIS_ASSERT(most > 0);  // a count without a maximum is a bug in its declaration
        if (v > most)
            throw config_error("flag --" + name + ": " + text + " is more than the maximum " + std::to_string(most));
        return static_cast<std::size_t>(v);
    }

    /// Parses a whole number as flag `name` would ("flag --top: 'many' is not an integer").
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

private:
    /// The maximum of count flag `name`: declared with count(), else count_flags; 0 for no count.
    static long long maximum_of(const std::map<std::string, long long>& declared, const std::string& name) {
        const auto it = declared.find(name);
        return it != declared.end() ? it->second : count_maximum(name);
    }

    /// CLI11's help layout, worded as deepvis' help always was: "usage: deepvis predict --model
    /// M.onnx [options]", the summary, then one line per flag ("--top K   classes to print (default: 5)").
    class formatter : public CLI::Formatter {
    public:
        formatter(std::string usage, std::shared_ptr<const std::map<std::string, long long>> maxima)
            : m_usage(std::move(usage)), m_maxima(std::move(maxima)) {
            label("OPTIONS", "flags");
        }
        std::string make_description(const CLI::App*) const override { return {}; }
        std::string make_usage(const CLI::App* app, std::string) const override {
            return "usage: " + m_usage + "\n\n" + app->get_description() + "\n";
        }
        std::string make_option_opts(const CLI::Option* o) const override {
            return o->get_type_size() != 0 && !o->get_type_name().empty() ? " " + o->get_type_name() : std::string();
        }
        std::string make_option_desc(const CLI::Option* o) const override {
            std::string text = o->get_description();
            if (o->get_required()) text += " (required)";
            if (!o->get_default_str().empty()) text += " (default: " + o->get_default_str() + ")";
            const std::string long_name = o->get_name();  // "--steps"
            const std::string name = long_name.rfind("--", 0) == 0 ? long_name.substr(2) : long_name;
            if (const long long most = maximum_of(*m_maxima, name); most > 0)
                text += " (at most " + std::to_string(most) + ")";
            return text;
        }

    private:
        std::string m_usage;
        std::shared_ptr<const std::map<std::string, long long>> m_maxima;
    };

    /// What CLI11 did not match: our positionals, or one error for an unknown flag.
    void check_remaining() {
        m_positionals.clear();
        for (const auto& arg : m_app->remaining()) {
            const bool is_flag = arg.size() > 2 && arg.compare(0, 2, "--") == 0;
            if (is_flag) fail("unknown flag " + arg.substr(0, arg.find('=')) + see_help());
            if (arg.size() > 1 && arg[0] == '-' && !is_number(arg))
                fail("unexpected argument '" + arg + "'" + see_help());
            if (m_positionals.size() >= m_max_positionals) fail("unexpected argument '" + arg + "'" + see_help());
            m_positionals.push_back(arg);
        }
    }

    /// Every count flag given (or defaulted) is in range.
    void check_counts() const {
        for (const auto& [name, o] : m_options)
            if (maximum_of(*m_maxima, name) > 0 && has(name)) (void)get_count(name);
    }

    /// No output flag names the same file as another flag's value (each item of a list).
    void check_outputs() const {
        for (const char* out_name : output_flags) {
            if (!m_options.count(out_name) || !given(out_name)) continue;
            const std::filesystem::path out = get_string(out_name);
            std::error_code ec;
            if (!std::filesystem::exists(out, ec)) continue;
            for (const auto& [name, o] : m_options) {
                if (name == out_name || o->count() == 0 || o->get_type_size() == 0) continue;
                const std::string value = o->results().back();
                for (std::size_t start = 0; start <= value.size();) {
                    const auto comma = std::min(value.find(',', start), value.size());
                    const std::filesystem::path item = value.substr(start, comma - start);
                    if (!item.empty() && std::filesystem::equivalent(out, item, ec))
                        throw config_error("flag --" + std::string(out_name) + " '" + out.string() +
                                           "' is the file of --" + name + " '" + item.string() +
                                           "'; refusing to overwrite an input");
                    start = comma + 1;
                }
            }
        }
    }

    CLI::Option* add(const std::string& name, const std::string& help) {
        // Asking twice for a flag is a bug in the command, not in the user's input.
        DEEPVIS_ASSERT(!m_options.count(name));
        CLI::Option* o = m_app->add_option("--" + name, help);
        o->multi_option_policy(CLI::MultiOptionPolicy::Throw);
        m_options[name] = o;
        return o;
    }
    const CLI::Option& declared(const std::string& name) const {
        // Reading an undeclared flag is a bug in the command, not in the user's input.
        DEEPVIS_ASSERT(m_options.count(name));
        return *m_options.at(name);
    }
    void rename_alias(std::string& arg) const {
        if (arg.compare(0, 2, "--") != 0) return;
        const auto eq = arg.find('=');
        const auto it = m_aliases.find(arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2));
        if (it != m_aliases.end()) arg = "--" + it->second + (eq == std::string::npos ? "" : arg.substr(eq));
    }
    [[noreturn]] static void fail(const std::string& message) { throw usage_error(message); }
    static void fail_if(bool cond, const std::string& message) {
        if (cond) fail(message);
    }
    static bool is_number(const std::string& arg) {
        return arg.size() >= 2 && arg[0] == '-' && ((arg[1] >= '0' && arg[1] <= '9') || arg[1] == '.');
    }
    static std::string join(const std::vector<std::string>& items, const std::string& separator) {
        std::string out;
        for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
        return out;
    }

    std::string m_command;
    std::unique_ptr<CLI::App> m_app;
    std::shared_ptr<std::map<std::string, long long>> m_maxima;  ///< count() flags; shared with the formatter
    std::map<std::string, CLI::Option*> m_options;
    std::map<std::string, std::string> m_defaults;
    std::map<std::string, std::string> m_aliases;
    std::vector<std::string> m_examples;
    std::vector<std::string> m_positionals;
    std::size_t m_max_positionals = 0;
};

}  // namespace deepvis::cli
