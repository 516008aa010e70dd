/// deepvis batch METHOD[,METHOD...]: attribution maps for a whole folder of images or a CSV
/// manifest, one item at a time (memory does not grow with the dataset), sharded and resumable.
///
///   DIR/<id>/<method>.npy   each item's map, float32, without the batch dimension ((H, W) or (C, H, W));
///   DIR/<id>/<method>.png   with --png, its heatmap;
///   DIR/results.csv         one row per item (per shard: results.K-of-N.csv; `deepvis batch merge DIR`
///                           joins the shards' tables into results.csv, ordered by index).
///
/// Items are the image files under --images (recursively, sorted by relative path) or the rows of
/// --manifest, numbered from 0 in that order. --shard K/N takes the items whose index is K mod N,
/// so shards are balanced and the union of the N shards is exactly the unsharded run. An item's id
/// is its sanitised relative path plus 8 hex digits of a hash of that path, and the methods that
/// draw random numbers (SmoothGrad) are seeded from the id: an item's results do not depend on the
/// shard, the order or an interruption.
///
/// Crash safety: every output file is written atomically (io/atomic_file.hpp) and the item's row
/// is appended to the table (one write, then the next item) only once all its files exist. With
/// --resume the items already in the table are skipped, a torn last line (a kill while writing)
/// is dropped, and failed items are tried again.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deepvis/attribution.hpp>
#include <deepvis/io/atomic_file.hpp>
#include <deepvis/viz/heatmap.hpp>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <ostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "attribution_methods.hpp"
#include "commands.hpp"
#include "common.hpp"

namespace deepvis::cli {

namespace {

namespace fs = std::filesystem;

// --- ids, hashes ------------------------------------------------------------------------------

/// FNV-1a, 64 bits: stable across machines and runs (std::hash is not).
std::uint64_t stable_hash(const std::string& text) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char ch : text) {
        h ^= ch;
        h *= 0x100000001b3ull;
    }
    return h;
}

/// "cats_chelsea.png-1f2e3d4c": the relative path with every character other than letters,
/// digits, '-', '_' and '.' (and a leading '.') made '_', at most 80 of them, then 8 hex digits
/// of the path's hash, so that paths that sanitise alike still get different ids.
std::string item_id(const std::string& relative_path) {
    std::string name;
    for (char ch : relative_path) {
        const bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                          ch == '-' || ch == '_' || (ch == '.' && !name.empty());
        name += keep ? ch : '_';
        if (name.size() == 80) break;
    }
    const std::uint64_t h = stable_hash(relative_path);
    std::ostringstream os;
    os << name << '-' << std::hex << std::setw(8) << std::setfill('0') << ((h >> 32) ^ (h & 0xffffffffull));
    return os.str();
}

/// The seed of a randomised method for one item: from the id (and --seed), never from the order.
std::string item_seed(const std::string& id, std::uint64_t base) {
    const std::uint64_t h = stable_hash(id) ^ (base * 0x9e3779b97f4a7c15ull);
    return std::to_string(h >> 2);  // a non-negative long long, as method_arguments::seed reads it
}

// --- CSV --------------------------------------------------------------------------------------

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char ch : text) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return quoted + '"';
}

std::string csv_line(const std::vector<std::string>& fields) {
    std::string line;
    for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + csv_field(fields[i]);
    return line + '\n';
}

/// One CSV record (RFC 4180: quoted fields may hold commas, quotes and newlines). Returns false
/// at the end of the input; `complete` says whether the record ended with a newline.
bool read_csv_record(std::istream& in, std::vector<std::string>& fields, bool& complete) {
    fields.clear();
    std::string field;
    bool quoted = false, any = false;
    for (int c = in.get(); c != EOF; c = in.get()) {
        any = true;
        if (quoted) {
            if (c != '"')
                field += static_cast<char>(c);
            else if (in.peek() == '"')
                field += static_cast<char>(in.get());
            else
                quoted = false;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.push_back(std::move(field));
            field.clear();
        } else if (c == '\n') {
            if (!field.empty() && field.back() == '\r') field.pop_back();
            fields.push_back(std::move(field));
            complete = true;
            return true;
        } else {
            field += static_cast<char>(c);
        }
    }
    if (!any) return false;
    fields.push_back(std::move(field));
    complete = false;
    return true;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

/// A results table: its header and its complete rows (a torn last line is left out and counted).
struct table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::size_t torn = 0;
};

table read_table(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    DEEPVIS_CHECK(in.is_open(), io_error, "results table '" << path.string() << "': cannot open");
    table t;
    std::vector<std::string> fields;
    bool complete = false;
    if (!read_csv_record(in, fields, complete) || !complete || fields.empty() || fields[0] != "index")
        DEEPVIS_FAIL(io_error, "results table '" << path.string() << "': no header line starting with 'index'");
    t.header = fields;
    while (read_csv_record(in, fields, complete)) {
        if (complete && fields.size() == t.header.size())
            t.rows.push_back(fields);
        else
            ++t.torn;
    }
    return t;
}

std::size_t row_index(const fs::path& path, const std::vector<std::string>& row) {
    const long long i = command_line::parse_int("index", row.at(0));
    DEEPVIS_CHECK(i >= 0, io_error, "results table '" << path.string() << "': index " << i << " is negative");
    return static_cast<std::size_t>(i);
}

/// Writes a whole table atomically, rows ordered by index.
void write_table(const fs::path& path, table t) {
    std::stable_sort(t.rows.begin(), t.rows.end(),
                     [&](const auto& a, const auto& b) { return row_index(path, a) < row_index(path, b); });
    std::string bytes = csv_line(t.header);
    for (const auto& row : t.rows) bytes += csv_line(row);
    io::write_file_atomic(path, bytes);
}

/// The table a run appends to: each row in one write(2) with O_APPEND, so a kill leaves at most
/// one torn last line, which --resume drops.
class table_appender {
public:
    explicit table_appender(const fs::path& path) : m_path(path) {
        m_fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        DEEPVIS_CHECK(
            m_fd >= 0, io_error,
            "results table '" << path.string() << "': cannot open: " << deepvis::detail::io_system_reason(errno));
    }
    table_appender(const table_appender&) = delete;
    table_appender& operator=(const table_appender&) = delete;
    ~table_appender() { ::close(m_fd); }

    void append(const std::vector<std::string>& row) {
        const std::string line = csv_line(row);
        std::size_t written = 0;
        while (written < line.size()) {
            const ssize_t n = ::write(m_fd, line.data() + written, line.size() - written);
            if (n < 0 && errno == EINTR) continue;
            DEEPVIS_CHECK(n > 0, io_error,
                          "results table '" << m_path.string()
                                            << "': cannot write: " << deepvis::detail::io_system_reason(errno));
            written += static_cast<std::size_t>(n);
        }
    }

private:
    fs::path m_path;
    int m_fd = -1;
};

// --- items ------------------------------------------------------------------------------------

struct item {
    std::string id, file, label, class_spec;
    fs::path path;
};

bool is_image_file(const fs::path& p) {
    std::string ext = p.extension().string();
    for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    static const std::set<std::string> known = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga",
                                                ".ppm", ".pgm", ".pnm",  ".psd", ".hdr"};
    return known.count(ext) != 0;
}

/// The items of a run, one compact string each (a folder's relative path, or a manifest's path,
/// label and class joined by NUL); ids, paths and fields are derived when an item is processed,
/// so a run's memory grows by about one path per item whatever it computes.
class item_list {
public:
    /// The image files under `dir`, recursively (hidden files and folders skipped), by relative path.
    static item_list folder(const fs::path& dir) {
        std::error_code ec;
        DEEPVIS_CHECK(fs::is_directory(dir, ec), io_error, "--images '" << dir.string() << "': no such folder");
        item_list list(dir, false);
        for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::follow_directory_symlink);
             it != fs::recursive_directory_iterator(); ++it) {
            const std::string name = it->path().filename().string();
            if (!name.empty() && name[0] == '.') {
                if (it->is_directory()) it.disable_recursion_pending();
                continue;
            }
            if (it->is_regular_file() && is_image_file(it->path()))
                list.m_records.push_back(it->path().lexically_relative(dir).generic_string());
        }
        std::sort(list.m_records.begin(), list.m_records.end());
        list.m_records.shrink_to_fit();
        DEEPVIS_CHECK(!list.m_records.empty(), io_error, "--images '" << dir.string() << "': no image files");
        return list;
    }

    /// The rows of a manifest: a header with a `path` column, optional `label` and `class`.
    static item_list manifest(const fs::path& manifest, bool& has_label, bool& has_class) {
        std::ifstream in(manifest, std::ios::binary);
        DEEPVIS_CHECK(in.is_open(), io_error, "manifest '" << manifest.string() << "': cannot open");
        std::vector<std::string> fields;
        bool complete = false;
        DEEPVIS_CHECK(read_csv_record(in, fields, complete), config_error,
                      "manifest '" << manifest.string() << "': empty; expected a header with a 'path' column");
        std::map<std::string, std::size_t> column;
        for (std::size_t i = 0; i < fields.size(); ++i) column[trim(fields[i])] = i;
        const std::size_t columns = fields.size();
        if (!column.count("path")) {
            std::string names;
            for (const auto& f : fields) names += (names.empty() ? "" : ", ") + trim(f);
            DEEPVIS_FAIL(config_error,
                         "manifest '" << manifest.string() << "': no 'path' column (columns: " << names << ")");
        }
        has_label = column.count("label") != 0;
        has_class = column.count("class") != 0;
        item_list list(manifest.parent_path(), true);
        for (std::size_t line = 2; read_csv_record(in, fields, complete); ++line) {
            if (fields.size() == 1 && trim(fields[0]).empty()) continue;  // blank line
            DEEPVIS_CHECK(fields.size() == columns, config_error,
                          "manifest '" << manifest.string() << "': record " << line << " has " << fields.size()
                                       << " fields, the header " << columns);
            std::string record = trim(fields[column["path"]]);
            DEEPVIS_CHECK(!record.empty(), config_error,
                          "manifest '" << manifest.string() << "': record " << line << " has an empty path");
            // A NUL cannot be part of a path; fields holding one are cut there.
            record = record.substr(0, record.find('\0'));
            record += '\0';
            if (has_label) record += trim(fields[column["label"]]).c_str();
            record += '\0';
            if (has_class) record += trim(fields[column["class"]]).c_str();
            list.m_records.push_back(std::move(record));
        }
        list.m_records.shrink_to_fit();
        DEEPVIS_CHECK(!list.m_records.empty(), config_error, "manifest '" << manifest.string() << "': no items");
        list.check_unique_ids(manifest);
        return list;
    }

    std::size_t size() const { return m_records.size(); }

    item at(std::size_t i) const {
        const std::string& r = m_records.at(i);
        if (!m_manifest) return {item_id(r), (m_base / r).string(), {}, {}, m_base / r};
        const std::size_t a = r.find('\0'), b = r.find('\0', a + 1);
        const std::string written = r.substr(0, a);
        const fs::path p(written);
        return {item_id(p.lexically_normal().generic_string()), written, r.substr(a + 1, b - a - 1), r.substr(b + 1),
                p.is_absolute() ? p : m_base / p};
    }

private:
    item_list(fs::path base, bool manifest) : m_base(std::move(base)), m_manifest(manifest) {}

    /// Two records with the same id (the same path written twice): the first such pair in order.
    void check_unique_ids(const fs::path& manifest) const {
        std::vector<std::pair<std::uint64_t, std::size_t>> keys(m_records.size());  // (hash of id, index)
        for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = {stable_hash(at(i).id), i};
        std::sort(keys.begin(), keys.end());
        std::size_t first = 0, second = keys.size();
        for (std::size_t j = 1; j < keys.size(); ++j)
            if (keys[j].first == keys[j - 1].first) {
                // Equal hashes: the earliest index with this id is where the run of equal hashes starts.
                std::size_t start = j - 1;
                while (start > 0 && keys[start - 1].first == keys[j].first) --start;
                const std::string id = at(keys[j].second).id;
                for (std::size_t e = start; e < j; ++e)
                    if (at(keys[e].second).id == id && keys[j].second < second) {
                        first = keys[e].second;
                        second = keys[j].second;
                        break;
                    }
            }
        if (second == keys.size()) return;
        const item dup = at(second);
        DEEPVIS_FAIL(config_error, "manifest '" << manifest.string() << "': items " << first << " and " << second
                                                << " have the same id '" << dup.id << "' (path '" << dup.file
                                                << "' twice?)");
    }

    fs::path m_base;  ///< the folder, or the manifest's folder (relative paths are read from there)
    bool m_manifest;
    std::vector<std::string> m_records;
};

// --- shards -----------------------------------------------------------------------------------

struct shard {
    std::size_t k = 0, n = 1;
    bool given = false;
    bool takes(std::size_t index) const { return index % n == k; }
    std::string table_name() const {
        return given ? "results." + std::to_string(k) + "-of-" + std::to_string(n) + ".csv" : "results.csv";
    }
};

shard parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    const auto fail = [&] { throw usage_error("flag --shard: '" + text + "' is not K/N with 0 <= K < N"); };
    if (slash == std::string::npos) fail();
    long long k = -1, n = 0;
    try {
        k = command_line::parse_int("shard", text.substr(0, slash));
        n = command_line::parse_int("shard", text.substr(slash + 1));
    } catch (const usage_error&) {
        fail();
    }
    if (n < 1 || k < 0 || k >= n) fail();
    return {static_cast<std::size_t>(k), static_cast<std::size_t>(n), true};
}

// --- progress ---------------------------------------------------------------------------------

/// A one-line bar with items/s and ETA on a terminal; otherwise one line every `every` items.
class progress {
public:
    progress(std::size_t total, std::size_t every) : m_total(total), m_every(every), m_tty(::isatty(2) != 0) {}

    void item_done(std::size_t failures) {
        ++m_done;
        const double s = seconds();
        const double rate = s > 0 ? static_cast<double>(m_done) / s : 0.0;
        const double eta = rate > 0 ? static_cast<double>(m_total - m_done) / rate : 0.0;
        std::ostringstream os;
        os << std::fixed << std::setprecision(2);
        if (m_tty) {
            const std::size_t width = 30, filled = m_total ? width * m_done / m_total : width;
            os << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] " << m_done << '/'
               << m_total << ", " << rate << " items/s, ETA " << clock(eta);
            if (failures) os << ", " << failures << " failed";
            std::cerr << os.str() << (m_done == m_total ? "\n" : "") << std::flush;
        } else if (m_done % m_every == 0 || m_done == m_total) {
            os << "batch: " << m_done << '/' << m_total << " items, " << rate << " items/s, ETA " << clock(eta);
            if (failures) os << ", " << failures << " failed";
            std::cerr << os.str() << std::endl;
        }
    }
    double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count(); }

private:
    static std::string clock(double seconds) {
        const auto s = static_cast<long long>(seconds + 0.5);
        std::ostringstream os;
        os << s / 3600 << ':' << std::setw(2) << std::setfill('0') << s / 60 % 60 << ':' << std::setw(2) << s % 60;
        return os.str();
    }
    std::size_t m_total, m_every, m_done = 0;
    bool m_tty;
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
};

// --- one item ---------------------------------------------------------------------------------

std::string number(double v, int precision = 9) {
    std::ostringstream os;
    os << std::setprecision(precision) << v;
    return os.str();
}

constexpr std::size_t top_k = 5;

struct run_setup {
    const nn::network* net = nullptr;
    preprocessing preprocess;
    std::vector<const attribution_method*> methods;
    std::vector<method_arguments> arguments;
    std::string class_flag;  ///< top1, C, topK or "column"
    std::uint64_t seed_base = 0;
    bool png = false, faithfulness = false, has_label = false;
    fs::path out;
};

std::vector<std::string> table_header(const run_setup& s) {
    std::vector<std::string> h = {"index", "id", "file"};
    if (s.has_label) h.push_back("label");
    h.insert(h.end(), {"status", "error"});
    for (std::size_t r = 1; r <= top_k; ++r) {
        h.push_back("top" + std::to_string(r));
        h.push_back("p" + std::to_string(r));
    }
    h.push_back("class");
    for (const auto* m : s.methods) {
        h.push_back(m->name + "_seconds");
        if (s.faithfulness) {
            h.push_back(m->name + "_deletion_auc");
            h.push_back(m->name + "_insertion_auc");
        }
        h.push_back(m->name + "_npy");
        if (s.png) h.push_back(m->name + "_png");
    }
    return h;
}

/// Runs every method on one item and writes its files; returns its row (status ok or failed).
/// `trace` is reused from item to item: its buffers are allocated once, not per item.
std::vector<std::string> process_item(const run_setup& s, std::size_t index, const item& it,
                                      const std::vector<std::string>& header, nn::network::trace& trace) {
    std::vector<std::string> row(header.size());
    std::size_t col = 0;
    row[col++] = std::to_string(index);
    row[col++] = it.id;
    row[col++] = it.file;
    if (s.has_label) row[col++] = it.label;
    const std::size_t status_col = col;
    try {
        const tensor x = s.preprocess.to_model(it.path);
        s.net->forward(x, trace);
        const auto p = softmax_rows(s.net->scores(trace)).at(0);
        const auto top = top_classes(p, top_k);
        col = status_col + 2;
        for (std::size_t r = 0; r < top_k; ++r, col += 2)
            if (r < top.size()) {
                row[col] = std::to_string(top[r]);
                row[col + 1] = number(p[top[r]]);
            }
        std::string spec = s.class_flag;
        if (spec == "column") {
            DEEPVIS_CHECK(!it.class_spec.empty(), config_error, "--class column: the manifest's class is empty");
            spec = it.class_spec;
        }
        const std::size_t c = class_from_spec("class", spec, p);
        row[col++] = std::to_string(c);
        const class_indices classes = {static_cast<std::int64_t>(c)};
        const fs::path dir = s.out / it.id;
        fs::create_directories(dir);
        for (std::size_t m = 0; m < s.methods.size(); ++m) {
            const attribution_method& method = *s.methods[m];
            const bool seeded = std::any_of(method.parameters.begin(), method.parameters.end(),
                                            [](const method_parameter& q) { return q.name == "seed"; });
            const method_arguments a =
                seeded ? s.arguments[m].with("seed", item_seed(it.id, s.seed_base)) : s.arguments[m];
            const auto start = std::chrono::steady_clock::now();
            const tensor map = method.compute(*s.net, x, classes, a);
            row[col++] = number(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 4);
            const tensor importance = pixel_importance(method, map);
            if (s.faithfulness) {
                const faithfulness_options options{};
                row[col++] = number(deletion_curve(*s.net, x, importance, classes, options).auc.at(0));
                row[col++] = number(insertion_curve(*s.net, x, importance, classes, options).auc.at(0));
            }
            const std::string npy = it.id + "/" + method.name + ".npy";
            io::save_npy(s.out / npy, tensor(xt::view(map, 0)));
            row[col++] = npy;
            if (s.png) {
                const std::string png = it.id + "/" + method.name + ".png";
                viz::save_heatmap_png(s.out / png, tensor(xt::view(importance, 0)));
                row[col++] = png;
            }
        }
        row[status_col] = "ok";
    } catch (const std::exception& e) {
        std::string reason = e.what();
        for (char& ch : reason)
            if (ch == '\n' || ch == '\r') ch = ' ';
        std::fill(row.begin() + static_cast<std::ptrdiff_t>(status_col), row.end(), std::string());
        row[status_col] = "failed";
        row[status_col + 1] = reason;
    }
    return row;
}

// --- merge ------------------------------------------------------------------------------------

int run_merge(const std::vector<std::string>& args, std::ostream& out) {
    command_line f("deepvis batch merge", "DIR",
                   "join the shard tables DIR/results.K-of-N.csv of 'deepvis batch --shard' into DIR/results.csv, "
                   "ordered by index");
    f.positionals(1);
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    if (f.positional_args().size() != 1) throw usage_error("batch merge: give the output folder DIR" + f.see_help());
    const fs::path dir = f.positional_args()[0];
    std::error_code ec;
    DEEPVIS_CHECK(fs::is_directory(dir, ec), io_error, "batch merge: '" << dir.string() << "': no such folder");
    static const std::regex shard_name(R"(results\.([0-9]+)-of-([0-9]+)\.csv)");
    std::map<std::size_t, fs::path> shards;
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        std::smatch m;
        const std::string name = e.path().filename().string();
        if (!std::regex_match(name, m, shard_name)) continue;
        const std::size_t k = std::stoul(m[1].str()), count = std::stoul(m[2].str());
        DEEPVIS_CHECK(n == 0 || n == count, config_error,
                      "batch merge: '" << dir.string() << "' holds tables of " << n << " and of " << count
                                       << " shards; remove the stale ones");
        n = count;
        shards[k] = e.path();
    }
    DEEPVIS_CHECK(n > 0, io_error, "batch merge: no shard tables results.K-of-N.csv in '" << dir.string() << "'");
    std::string missing;
    for (std::size_t k = 0; k < n; ++k)
        if (!shards.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
    DEEPVIS_CHECK(
        missing.empty(), io_error,
        "batch merge: '" << dir.string() << "': the tables of shards " << missing << " of " << n << " are missing");
    table merged;
    std::set<std::size_t> indices;
    std::size_t failed = 0;
    for (const auto& [k, path] : shards) {
        table t = read_table(path);
        DEEPVIS_CHECK(merged.header.empty() || merged.header == t.header, config_error,
                      "batch merge: '" << path.string() << "' has other columns than the other shards");
        DEEPVIS_CHECK(t.torn == 0, io_error,
                      "batch merge: '" << path.string() << "' ends in a torn line: shard " << k
                                       << " was interrupted; run it again with --resume");
        merged.header = t.header;
        const auto status = std::find(t.header.begin(), t.header.end(), "status") - t.header.begin();
        for (auto& row : t.rows) {
            DEEPVIS_CHECK(indices.insert(row_index(path, row)).second, config_error,
                          "batch merge: item " << row[0] << " is in two shard tables");
            failed += row[static_cast<std::size_t>(status)] != "ok";
            merged.rows.push_back(std::move(row));
        }
    }
    const std::size_t rows = merged.rows.size();
    write_table(dir / "results.csv", std::move(merged));
    out << "merged " << n << " shard tables, " << rows << " items (" << failed << " failed) into "
        << (dir / "results.csv").string() << '\n';
    return 0;
}

}  // namespace

int run_batch(const std::vector<std::string>& args, std::ostream& out) {
    if (!args.empty() && args.front() == "merge") return run_merge({args.begin() + 1, args.end()}, out);
    command_line f("deepvis batch",
                   "METHOD[,METHOD...] --model M.onnx (--images DIR | --manifest F.csv) --out DIR [options]",
                   "attribution maps of every image of a folder or manifest, one at a time: DIR/<id>/<method>.npy "
                   "and a table DIR/results.csv; sharded (--shard K/N, then 'deepvis batch merge DIR') and "
                   "resumable (--resume)");
    f.positionals(1);
    add_model_flag(f);
    f.option("images", "DIR", "the image files under DIR (recursively, in order of their relative paths)")
        .option("manifest", "F.csv",
                "a CSV with a header and a 'path' column (relative to the manifest's folder); optional 'label' and "
                "'class' columns")
        .required("out", "DIR", "the output folder: DIR/<id>/<method>.npy and DIR/results.csv")
        .option("class", "top1|C|topK|column",
                "the class to explain: the prediction (top1), a class index, or the manifest's 'class' column", "top1")
        .option("shard", "K/N", "only the items whose index is K mod N (0 <= K < N); table results.K-of-N.csv")
        .toggle("resume",
                "skip the items already in the table (the run was interrupted); without it the table "
                "is started afresh")
        .toggle("png", "also write each map as a heatmap DIR/<id>/<method>.png")
        .toggle("faithfulness", "also score each map: deletion and insertion AUC (Petsiuk 2018)")
        .option("every", "N", "without a terminal: a progress line every N items", "10");
    add_preprocessing_flags(f);
    // The methods' own parameters; a name several methods share (--layer, --batch) applies to all
    // of them that are listed, each keeping its own default otherwise.
    std::set<std::string> declared;
    for (const auto& m : attribution_methods())
        for (const auto& p : m.parameters) {
            if (declared.insert(p.name).second) p.add_to(f, "(" + m.name + ", ...) " + p.help, "");
        }
    f.example(
        "deepvis batch saliency,gradcam --model squeezenet1.0.onnx --images photos --preprocess caffe --out run/");
    if (!f.parse(args)) {
        out << f.help();
        return 0;
    }
    if (f.positional_args().size() != 1)
        throw usage_error("batch: give the methods, METHOD[,METHOD...]; methods: " + attribution_method_names());
    if (f.given("images") == f.given("manifest"))
        throw usage_error("batch: give exactly one of --images DIR and --manifest F.csv" + f.see_help());

    run_setup s;
    {
        std::stringstream list(f.positional_args()[0]);
        for (std::string name; std::getline(list, name, ',');) {
            const attribution_method* m = find_attribution_method(name);
            if (m == nullptr)
                throw usage_error("batch: '" + name +
                                  "' is not an attribution method; methods: " + attribution_method_names());
            if (std::find(s.methods.begin(), s.methods.end(), m) != s.methods.end())
                throw usage_error("batch: method '" + name + "' is listed twice");
            s.methods.push_back(m);
            s.arguments.push_back(method_arguments::from(f, m->parameters));
        }
    }
    for (const auto& name : declared)
        if (f.given(name) && std::none_of(s.methods.begin(), s.methods.end(), [&](const attribution_method* m) {
                return std::any_of(m->parameters.begin(), m->parameters.end(),
                                   [&](const method_parameter& p) { return p.name == name; });
            }))
            throw usage_error("flag --" + name + " is a parameter of none of the methods listed");
    const shard sh = f.given("shard") ? parse_shard(f.get_string("shard")) : shard{};
    const std::size_t every = f.get_count("every");
    s.class_flag = f.get_string("class");
    s.seed_base = f.given("seed") ? static_cast<std::uint64_t>(f.get_int("seed")) : 0;
    s.png = f.get_bool("png");
    s.faithfulness = f.get_bool("faithfulness");
    s.out = f.get_string("out");

    bool has_class = false;
    const item_list items = f.given("images") ? item_list::folder(f.get_string("images"))
                                              : item_list::manifest(f.get_string("manifest"), s.has_label, has_class);
    if (s.class_flag == "column" && !has_class)
        throw usage_error("flag --class column needs a --manifest with a 'class' column");

    const nn::network net = load_model(f);
    s.net = &net;
    const auto& declared_shape = net.input_info().shape;
    DEEPVIS_CHECK(declared_shape.size() == 4, config_error,
                  "batch needs a model with an NCHW input; its " << describe_input(net) << " has "
                                                                 << declared_shape.size() << " dimensions");
    const int channels = declared_shape[1] > 0 ? static_cast<int>(declared_shape[1]) : 3;
    s.preprocess = read_preprocessing(f, channels, model_image_size(net), net.definition().metadata);

    // The table: afresh, or (--resume) the completed rows of the last run, torn line dropped.
    fs::create_directories(s.out);
    const fs::path table_path = s.out / sh.table_name();
    const std::vector<std::string> header = table_header(s);
    std::vector<bool> done(items.size(), false);  // one bit per item
    std::size_t done_count = 0;
    std::error_code ec;
    const bool resuming = f.get_bool("resume") && fs::exists(table_path, ec);
    if (resuming) {
        table t = read_table(table_path);
        DEEPVIS_CHECK(t.header == header, config_error,
                      "--resume: '" << table_path.string()
                                    << "' has other columns than this run would write (other methods, --png, "
                                       "--faithfulness or label column); use another --out, or run without --resume");
        table kept{t.header, {}, 0};
        for (auto& row : t.rows) {
            const std::size_t i = row_index(table_path, row);
            DEEPVIS_CHECK(i < items.size() && items.at(i).id == row[1], config_error,
                          "--resume: '" << table_path.string() << "' item " << i << " is '" << row[1]
                                        << "', not an item of this run (the images or manifest changed)");
            if (row[s.has_label ? 4 : 3] != "ok") continue;  // failed items are tried again
            if (!done[i]) ++done_count;
            done[i] = true;
            kept.rows.push_back(std::move(row));
        }
        if (t.torn) std::cerr << "batch: dropped a torn last line of " << table_path.string() << '\n';
        write_table(table_path, std::move(kept));
    } else {
        io::write_file_atomic(table_path, csv_line(header));
    }

    std::vector<std::size_t> todo;
    std::size_t in_shard = 0;
    for (std::size_t i = 0; i < items.size(); ++i)
        if (sh.takes(i)) {
            ++in_shard;
            if (!done[i]) todo.push_back(i);
        }

    table_appender appender(table_path);
    progress bar(todo.size(), every);
    std::size_t failures = 0;
    std::vector<std::string> reasons;  // the first few, for the summary; all are in the table
    const std::size_t status_col = s.has_label ? 4 : 3;
    nn::network::trace trace;
    for (std::size_t i : todo) {
        const item it = items.at(i);
        const std::vector<std::string> row = process_item(s, i, it, header, trace);
        appender.append(row);
        if (row[status_col] != "ok") {
            ++failures;
            if (reasons.size() < 10) reasons.push_back(it.file + ": " + row[status_col + 1]);
        }
        bar.item_done(failures);
    }
    if (resuming) {  // failed items tried again were appended after later ones: restore index order
        write_table(table_path, read_table(table_path));
    }

    const double seconds = bar.seconds();
    out << "batch: " << todo.size() << " items";
    if (sh.given) out << " of shard " << sh.k << '/' << sh.n;
    if (done_count) out << " (" << done_count << " of " << in_shard << " already done)";
    out << ", " << todo.size() - failures << " ok, " << failures << " failed, " << std::fixed << std::setprecision(1)
        << seconds << " s (" << std::setprecision(2) << (seconds > 0 ? static_cast<double>(todo.size()) / seconds : 0.0)
        << " items/s); table " << table_path.string() << '\n';
    if (failures) {
        out.flush();
        std::cerr << "batch: " << failures << " of " << todo.size() << " items failed:\n";
        for (const auto& r : reasons) std::cerr << "  " << r << '\n';
        if (failures > reasons.size()) std::cerr << "  ... (" << failures - reasons.size() << " more in the table)\n";
        return 1;
    }
    return 0;
}

}  // namespace deepvis::cli
