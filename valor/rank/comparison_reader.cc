#include "valor/rank/comparison_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "valor/core/error.h"

namespace valor::rank {
namespace {

constexpr std::string_view kAcceptedWinners =
    "'model_a' (a won), 'model_b' (b won), 'tie', 'tie (bothbad)'";

// Hash for heterogeneous lookup (string_view keys without building a std::string).
struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Interns names into the set through a cache that looks up string_views without allocating.
class Interner {
 public:
  explicit Interner(ComparisonSet& set) : set_(set) {}
  int32_t operator()(std::string_view name) {
    const auto it = cache_.find(name);
    if (it != cache_.end()) return it->second;
    const int32_t index = set_.intern(name);
    cache_.emplace(std::string(name), index);
    return index;
  }

 private:
  ComparisonSet& set_;
  std::unordered_map<std::string, int32_t, NameHash, std::equal_to<>> cache_;
};

// What an error message quotes of a value from the input: at most kMaxQuoted bytes (cut at a
// UTF-8 character boundary), then the value's full size, so a huge field cannot flood the
// terminal.
constexpr size_t kMaxQuoted = 120;

std::string excerpt(std::string_view text, size_t limit = kMaxQuoted) {
  if (text.size() <= limit) return std::string(text);
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("{}... ({} bytes in all)", text.substr(0, cut), text.size());
}

std::string size_text(size_t bytes) {
  if (bytes % (size_t{1} << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  return fmt::format("{} bytes", bytes);
}

// The input, opened once: a file, or standard input for "-". A directory or a missing file is a
// valor::Error naming it.
class InputFile {
 public:
  explicit InputFile(const std::filesystem::path& path)
      : label_(path == "-" ? std::string("stdin") : path.string()) {
    if (path == "-") {
      fd_ = STDIN_FILENO;
      owned_ = false;
    } else {
      do {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      } while (fd_ < 0 && errno == EINTR);
      if (fd_ < 0) {
        const int error = errno;
        fail("{}: cannot open for reading: {}", label_, std::strerror(error));
      }
    }
    struct stat info {};
    if (::fstat(fd_, &info) == 0) {
      if (S_ISDIR(info.st_mode)) {
        close();
        fail("{}: is a directory; expected a file of comparisons or rankings (.csv or .jsonl)",
             label_);
      }
      regular_ = S_ISREG(info.st_mode);
    }
  }
  ~InputFile() { close(); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& label() const { return label_; }
  int fd() const { return fd_; }
  bool regular() const { return regular_; }

 private:
  void close() {
    if (owned_ && fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::string label_;
  int fd_ = -1;
  bool owned_ = true;
  bool regular_ = false;
};

// Reads lines from an InputFile in 1 MiB blocks; strips a trailing '\r'. A line longer than
// max_bytes is a valor::Error naming the limit (the line is never held whole).
class LineReader {
 public:
  LineReader(const InputFile& input, size_t max_bytes)
      : input_(input), max_bytes_(max_bytes), buffer_(1 << 20) {}
  // False at the end of the file.
  bool next(std::string& line) {
    if (replay_) {
      replay_ = false;
      line = last_;
      return true;
    }
    line.clear();
    bool any = false;
    while (true) {
      if (begin_ == end_ && !fill()) {
        if (!any) return false;
        break;
      }
      any = true;
      const char* start = buffer_.data() + begin_;
      const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
      const size_t take = newline ? static_cast<size_t>(newline - start) : end_ - begin_;
      if (line.size() + take > max_bytes_) too_long(line_number_ + 1);
      line.append(start, take);
      begin_ += take;
      if (newline) {
        ++begin_;
        break;
      }
    }
    ++line_number_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_number_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // UTF-8 BOM
    if (keep_last_) last_ = line;
    return true;
  }
  // Makes the next call to next() return the last line again (keep_last must have been on).
  void replay() { replay_ = true; }
  void keep_last(bool on) { keep_last_ = on; }
  size_t line_number() const { return line_number_; }
  size_t max_bytes() const { return max_bytes_; }
  [[noreturn]] void too_long(size_t line) const {
    fail(
        "{}:{}: a line (or quoted CSV record) longer than {}, the limit on one row (a file "
        "whose lines end in CR only, or a huge field?); if the rows really are that long, raise "
        "the limit (--max-line-bytes)",
        input_.label(), line, size_text(max_bytes_));
  }

 private:
  bool fill() {
    begin_ = end_ = 0;
    while (true) {
      const ssize_t got = ::read(input_.fd(), buffer_.data(), buffer_.size());
      if (got >= 0) {
        end_ = static_cast<size_t>(got);
        return got > 0;
      }
      if (errno == EINTR) continue;
      const int error = errno;
      throw std::runtime_error(
          fmt::format("{}: read error: {}", input_.label(), std::strerror(error)));
    }
  }
  const InputFile& input_;
  size_t max_bytes_;
  std::vector<char> buffer_;
  size_t begin_ = 0, end_ = 0;
  size_t line_number_ = 0;
  bool replay_ = false, keep_last_ = false;
  std::string last_;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The whole of `text` (surrounding spaces allowed) as a number; nullopt otherwise. "nan" parses
// (and is then rejected as an outcome by the range check).
std::optional<double> parse_number(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Collects per-row problems: fatal, or counted when skip_bad.
class Rows {
 public:
  Rows(std::string file, const ReadOptions& options, ComparisonSet& set)
      : file_(std::move(file)), options_(options), set_(set), intern_(set) {}

  const std::string& file() const { return file_; }

  void seen() { ++report_.rows; }

  void bad(size_t line, const std::string& why) {
    std::string message = fmt::format("{}:{}: {}", file_, line, why);
    if (!options_.skip_bad) throw Error(message);
    if (report_.skipped == 0) report_.first_skipped = std::move(message);
    ++report_.skipped;
  }

  // Validates one row's values and adds it; a problem goes to bad().
  void add(size_t line, std::string_view a, std::string_view b, double outcome, bool tie,
           double weight) {
    if (trim(a).empty() || trim(b).empty()) {
      return bad(line, fmt::format("empty item name in column '{}'",
                                   trim(a).empty() ? options_.col_a : options_.col_b));
    }
    if (a == b) {
      return bad(line, fmt::format("self-comparison: '{}' on both sides", excerpt(a)));
    }
    if (!(outcome >= 0.0 && outcome <= 1.0)) {
      return bad(line, fmt::format("outcome {} is not a probability in [0, 1]", outcome));
    }
    if (!(weight > 0.0) || !std::isfinite(weight)) {
      return bad(line, fmt::format("weight {} must be positive and finite", weight));
    }
    Comparison c;
    c.a = intern_(a);
    c.b = intern_(b);
    c.outcome = outcome;
    c.weight = weight;
    c.tie = tie;
    set_.add(c);
    ++report_.used;
  }

  // Parses the winner label or the outcome text into (outcome, tie); false after bad().
  bool outcome_from_label(size_t line, std::string_view label, double& outcome, bool& tie) {
    tie = false;
    if (label == "model_a") {
      outcome = 1.0;
    } else if (label == "model_b") {
      outcome = 0.0;
    } else if (label == "tie" || label == "tie (bothbad)") {
      outcome = 0.5;
      tie = true;
    } else {
      bad(line, fmt::format("unknown winner '{}' in column '{}'; accepted: {}", excerpt(label),
                            options_.col_winner, kAcceptedWinners));
      return false;
    }
    return true;
  }
  bool outcome_from_text(size_t line, std::string_view text, double& outcome, bool& tie) {
    const auto value = parse_number(text);
    if (!value) {
      bad(line, fmt::format("outcome '{}' in column '{}' is not a number (expected a probability "
                            "in [0, 1]: 1 a won, 0 b won, 0.5 tie)",
                            excerpt(text), options_.col_outcome));
      return false;
    }
    outcome = *value;
    tie = outcome == 0.5;
    return true;
  }
  bool weight_from_text(size_t line, std::string_view text, double& weight) {
    const auto value = parse_number(text);
    if (!value) {
      bad(line, fmt::format("weight '{}' in column '{}' is not a number (expected > 0)",
                            excerpt(text), options_.col_weight));
      return false;
    }
    weight = *value;
    return true;
  }

  // Validates one ranking's names and adds it; a problem goes to bad().
  void add_ranking(size_t line, const std::vector<std::string_view>& ranked,
                   const std::vector<std::string_view>& unranked, double weight) {
    if (ranked.empty()) return bad(line, "the ranking lists no ranked item");
    if (ranked.size() + unranked.size() < 2) {
      return bad(line,
                 fmt::format("a ranking needs at least two items, got '{}'", excerpt(ranked[0])));
    }
    if (!(weight > 0.0) || !std::isfinite(weight)) {
      return bad(line, fmt::format("weight {} must be positive and finite", weight));
    }
    std::vector<std::string_view> all(ranked);
    all.insert(all.end(), unranked.begin(), unranked.end());
    for (const auto name : all) {
      if (trim(name).empty()) return bad(line, "empty item name in the ranking");
    }
    std::sort(all.begin(), all.end());
    const auto twice = std::adjacent_find(all.begin(), all.end());
    if (twice != all.end()) {
      return bad(line, fmt::format("item '{}' is listed twice in one ranking", excerpt(*twice)));
    }
    Ranking r;
    r.weight = weight;
    r.order.reserve(ranked.size());
    for (const auto name : ranked) r.order.push_back(intern_(name));
    for (const auto name : unranked) r.unranked.push_back(intern_(name));
    rankings_->push_back(std::move(r));
    ++report_.used;
  }
  void set_rankings(std::vector<Ranking>* rankings) { rankings_ = rankings; }

  ReadReport finish() {
    if (report_.rows == 0) fail("{}: no data rows", file_);
    if (report_.used == 0) {
      fail("{}: no usable rows ({} skipped; first: {})", file_, report_.skipped,
           report_.first_skipped);
    }
    return report_;
  }

 private:
  std::string file_;
  const ReadOptions& options_;
  ComparisonSet& set_;
  Interner intern_;
  ReadReport report_;
  std::vector<Ranking>* rankings_ = nullptr;
};

// Splits "a > b > c | d | e" into ranked {a, b, c} and unranked {d, e}, names trimmed.
void split_ranking(std::string_view text, std::vector<std::string_view>& ranked,
                   std::vector<std::string_view>& unranked) {
  ranked.clear();
  unranked.clear();
  const size_t bar = text.find('|');
  std::string_view head = text.substr(0, bar);
  while (true) {
    const size_t gt = head.find('>');
    ranked.push_back(trim(head.substr(0, gt)));
    if (gt == std::string_view::npos) break;
    head.remove_prefix(gt + 1);
  }
  if (bar == std::string_view::npos) return;
  std::string_view tail = text.substr(bar + 1);
  while (true) {
    const size_t next = tail.find('|');
    unranked.push_back(trim(tail.substr(0, next)));
    if (next == std::string_view::npos) break;
    tail.remove_prefix(next + 1);
  }
}

// Splits one CSV record into `fields` (reused), reading continuation lines while a quoted field
// is open. False (with `why` set) for a malformed record.
bool split_csv(LineReader& reader, std::string& line, std::vector<std::string>& fields,
               size_t& num_fields, std::string& why) {
  num_fields = 0;
  auto next_field = [&]() -> std::string& {
    if (num_fields == fields.size()) fields.emplace_back();
    std::string& f = fields[num_fields++];
    f.clear();
    return f;
  };
  std::string* field = &next_field();
  size_t i = 0;
  bool at_field_start = true;
  const size_t first_line = reader.line_number();
  size_t record_bytes = line.size();
  while (true) {
    if (i >= line.size()) return true;
    const char ch = line[i];
    if (ch == ',') {
      field = &next_field();
      at_field_start = true;
      ++i;
      continue;
    }
    if (ch == '"' && at_field_start) {
      ++i;
      // Quoted field: up to the closing quote, "" is a literal quote, may span lines.
      while (true) {
        if (i >= line.size()) {
          if (!reader.next(line)) {
            why = "unterminated quoted field";
            return false;
          }
          record_bytes += line.size() + 1;
          if (record_bytes > reader.max_bytes()) reader.too_long(first_line);
          field->push_back('\n');
          i = 0;
          continue;
        }
        const char q = line[i];
        if (q == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field->push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        const size_t end = line.find('"', i);
        const size_t stop = end == std::string::npos ? line.size() : end;
        field->append(line, i, stop - i);
        i = stop;
      }
      if (i < line.size() && line[i] != ',') {
        why = "unexpected character after a closing quote";
        return false;
      }
      at_field_start = false;
      continue;
    }
    const size_t end = line.find(',', i);
    const size_t stop = end == std::string::npos ? line.size() : end;
    field->append(line, i, stop - i);
    i = stop;
    at_field_start = false;
  }
}

// The header's column names for messages, each and the whole shortened (excerpt).
std::string join_header(const std::vector<std::string>& fields, size_t n) {
  std::string out;
  for (size_t i = 0; i < n && out.size() <= 4 * kMaxQuoted; ++i) {
    if (i > 0) out += ", ";
    out += excerpt(fields[i], 40);
  }
  return excerpt(out, 4 * kMaxQuoted);
}

// A carriage return inside the first line means the file's lines end in CR alone (classic Mac),
// which would make the whole file one line.
void check_line_ends(const std::string& line, size_t number, const std::string& file) {
  if (line.find('\r') == std::string::npos) return;
  fail(
      "{}:{}: the line holds a carriage return (CR) not followed by a line feed: files whose "
      "lines end in CR alone are not supported; convert the line ends to LF or CR LF (e.g. "
      "tr '\\r' '\\n')",
      file, number);
}

// The header row of a CSV file: the first non-blank line.
struct CsvHeader {
  std::vector<std::string> names;
  size_t line = 0;
  std::string joined;
};

CsvHeader read_header(LineReader& reader, const std::string& file) {
  std::string line;
  std::vector<std::string> fields;
  size_t num_fields = 0;
  std::string why;
  while (reader.next(line)) {
    if (trim(line).empty()) continue;
    const size_t header_line = reader.line_number();
    check_line_ends(line, header_line, file);
    if (!split_csv(reader, line, fields, num_fields, why)) {
      fail("{}:{}: malformed header: {}", file, header_line, why);
    }
    fields.resize(num_fields);
    CsvHeader header{fields, reader.line_number(), join_header(fields, num_fields)};
    return header;
  }
  fail("{}: empty input (no header row, no data rows)", file);
}

size_t column_of(const CsvHeader& header, const std::string& name, const std::string& file) {
  for (size_t i = 0; i < header.names.size(); ++i) {
    if (header.names[i] == name) return i;
  }
  fail("{}:{}: no column '{}' in the header; its columns are: {}", file, header.line, excerpt(name),
       header.joined);
}

void read_csv(LineReader& reader, const CsvHeader& head, const ReadOptions& options, Rows& rows) {
  std::string line;
  std::vector<std::string> fields;
  size_t num_fields = 0;
  std::string why;
  const size_t width = head.names.size();
  const std::string& header = head.joined;
  auto column = [&](const std::string& name) { return column_of(head, name, rows.file()); };
  const size_t ia = column(options.col_a);
  const size_t ib = column(options.col_b);
  const bool numeric = !options.col_outcome.empty();
  const size_t io = column(numeric ? options.col_outcome : options.col_winner);
  const bool weighted = !options.col_weight.empty();
  const size_t iw = weighted ? column(options.col_weight) : 0;

  while (reader.next(line)) {
    if (line.empty()) continue;
    const size_t line_number = reader.line_number();
    rows.seen();
    if (!split_csv(reader, line, fields, num_fields, why)) {
      rows.bad(line_number, "malformed CSV row: " + why);
      continue;
    }
    if (num_fields != width) {
      rows.bad(line_number, fmt::format("malformed CSV row: {} fields, the header has {} ({})",
                                        num_fields, width, header));
      continue;
    }
    double outcome = 0.0;
    bool tie = false;
    if (numeric ? !rows.outcome_from_text(line_number, fields[io], outcome, tie)
                : !rows.outcome_from_label(line_number, fields[io], outcome, tie)) {
      continue;
    }
    double weight = 1.0;
    if (weighted && !rows.weight_from_text(line_number, fields[iw], weight)) continue;
    rows.add(line_number, fields[ia], fields[ib], outcome, tie, weight);
  }
}

std::string keys_of(const nlohmann::json& object) {
  std::string out;
  for (auto it = object.begin(); it != object.end() && out.size() <= 4 * kMaxQuoted; ++it) {
    if (!out.empty()) out += ", ";
    out += excerpt(it.key(), 40);
  }
  return excerpt(out, 4 * kMaxQuoted);
}

// A JSON value as text for a message, shortened.
std::string dump_excerpt(const nlohmann::json& value) {
  return excerpt(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void read_jsonl(LineReader& reader, const ReadOptions& options, Rows& rows) {
  std::string line;
  const bool numeric = !options.col_outcome.empty();
  const bool weighted = !options.col_weight.empty();
  const std::string& outcome_key = numeric ? options.col_outcome : options.col_winner;
  while (reader.next(line)) {
    if (trim(line).empty()) continue;
    const size_t n = reader.line_number();
    rows.seen();
    const auto row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (row.is_discarded()) {
      rows.bad(n, "malformed JSON (expected one JSON object per line)");
      continue;
    }
    if (!row.is_object()) {
      rows.bad(n, fmt::format("expected a JSON object, got {}", row.type_name()));
      continue;
    }
    // The string value of `key`, or null after bad().
    auto get_string = [&](const std::string& key) -> const std::string* {
      const auto it = row.find(key);
      if (it == row.end()) {
        rows.bad(n, fmt::format("no key '{}'; the object has: {}", key, keys_of(row)));
        return nullptr;
      }
      if (!it->is_string()) {
        rows.bad(n, fmt::format("'{}' must be a string, got {}", key, it->type_name()));
        return nullptr;
      }
      return it->get_ptr<const std::string*>();
    };
    // A number (or a numeric string) under `key`; false after bad().
    auto get_number = [&](const std::string& key, double& value) -> bool {
      const auto it = row.find(key);
      if (it == row.end()) {
        rows.bad(n, fmt::format("no key '{}'; the object has: {}", key, keys_of(row)));
        return false;
      }
      if (it->is_number()) {
        value = it->get<double>();
        return true;
      }
      if (it->is_string()) {
        if (const auto parsed = parse_number(*it->get_ptr<const std::string*>())) {
          value = *parsed;
          return true;
        }
      }
      rows.bad(n, fmt::format("'{}' must be a number, got {}", key, dump_excerpt(*it)));
      return false;
    };
    const std::string* a = get_string(options.col_a);
    if (!a) continue;
    const std::string* b = get_string(options.col_b);
    if (!b) continue;
    double outcome = 0.0;
    bool tie = false;
    if (numeric) {
      if (!get_number(outcome_key, outcome)) continue;
      tie = outcome == 0.5;
    } else {
      const std::string* label = get_string(outcome_key);
      if (!label || !rows.outcome_from_label(n, *label, outcome, tie)) continue;
    }
    double weight = 1.0;
    if (weighted && !get_number(options.col_weight, weight)) continue;
    rows.add(n, *a, *b, outcome, tie, weight);
  }
}

void read_rankings_csv(LineReader& reader, const CsvHeader& head, const ReadOptions& options,
                       Rows& rows) {
  const size_t width = head.names.size();
  const size_t ir = column_of(head, options.col_ranking, rows.file());
  const bool weighted = !options.col_weight.empty();
  const size_t iw = weighted ? column_of(head, options.col_weight, rows.file()) : 0;
  std::string line, why;
  std::vector<std::string> fields;
  size_t num_fields = 0;
  std::vector<std::string_view> ranked, unranked;
  while (reader.next(line)) {
    if (line.empty()) continue;
    const size_t line_number = reader.line_number();
    rows.seen();
    if (!split_csv(reader, line, fields, num_fields, why)) {
      rows.bad(line_number, "malformed CSV row: " + why);
      continue;
    }
    if (num_fields != width) {
      rows.bad(line_number, fmt::format("malformed CSV row: {} fields, the header has {} ({})",
                                        num_fields, width, head.joined));
      continue;
    }
    double weight = 1.0;
    if (weighted && !rows.weight_from_text(line_number, fields[iw], weight)) continue;
    split_ranking(fields[ir], ranked, unranked);
    rows.add_ranking(line_number, ranked, unranked, weight);
  }
}

void read_rankings_jsonl(LineReader& reader, const ReadOptions& options, Rows& rows) {
  std::string line;
  std::vector<std::string_view> ranked, unranked;
  const bool weighted = !options.col_weight.empty();
  while (reader.next(line)) {
    if (trim(line).empty()) continue;
    const size_t n = reader.line_number();
    rows.seen();
    const auto row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (row.is_discarded() || !row.is_object()) {
      rows.bad(n, "malformed JSON (expected one JSON object per line)");
      continue;
    }
    const auto it = row.find(options.col_ranking);
    if (it == row.end()) {
      rows.bad(n,
               fmt::format("no key '{}'; the object has: {}", options.col_ranking, keys_of(row)));
      continue;
    }
    // Names as arrays of strings into `out`; false after bad().
    auto names = [&](const nlohmann::json& value, const std::string& key,
                     std::vector<std::string_view>& out) {
      out.clear();
      for (const auto& v : value) {
        if (!v.is_string()) {
          rows.bad(
              n, fmt::format("'{}' must hold item names (strings), got {}", key, dump_excerpt(v)));
          return false;
        }
        out.push_back(*v.get_ptr<const std::string*>());
      }
      return true;
    };
    if (it->is_string()) {
      split_ranking(*it->get_ptr<const std::string*>(), ranked, unranked);
    } else if (it->is_array()) {
      if (!names(*it, options.col_ranking, ranked)) continue;
      unranked.clear();
    } else {
      rows.bad(n, fmt::format("'{}' must be an array of item names (best first) or a string "
                              "\"a > b > c\", got {}",
                              options.col_ranking, it->type_name()));
      continue;
    }
    const auto extra = row.find("unranked");
    if (extra != row.end()) {
      if (!extra->is_array()) {
        rows.bad(n, fmt::format("'unranked' must be an array of item names, got {}",
                                extra->type_name()));
        continue;
      }
      std::vector<std::string_view> more;
      if (!names(*extra, "unranked", more)) continue;
      unranked.insert(unranked.end(), more.begin(), more.end());
    }
    double weight = 1.0;
    if (weighted) {
      const auto w = row.find(options.col_weight);
      if (w == row.end() || !w->is_number()) {
        rows.bad(n, fmt::format("'{}' must be a number (expected > 0)", options.col_weight));
        continue;
      }
      weight = w->get<double>();
    }
    rows.add_ranking(n, ranked, unranked, weight);
  }
}

// Upper bound on the number of rows of a regular file (its number of line breaks + 1), read in
// large blocks from a second descriptor (the reader's own position is untouched); 0 when it
// cannot tell (not a regular file: a pipe or a terminal can be read only once).
size_t count_lines(const std::filesystem::path& path, const InputFile& input) {
  if (!input.regular() || path == "-") return 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return 0;
  std::vector<char> block(1 << 20);
  size_t lines = 1;
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto got = static_cast<size_t>(in.gcount());
    lines += static_cast<size_t>(std::count(block.data(), block.data() + got, '\n'));
  }
  return lines;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The format from ReadOptions::format or the extension; kAuto when the path has no extension
// (standard input, a pipe): then the first line decides.
InputFormat format_of(const std::filesystem::path& path, const ReadOptions& options) {
  if (options.format != InputFormat::kAuto) return options.format;
  const std::string ext = path == "-" ? std::string() : lower(path.extension().string());
  if (ext == ".csv") return InputFormat::kCsv;
  if (ext == ".jsonl" || ext == ".json") return InputFormat::kJsonl;
  if (ext.empty()) return InputFormat::kAuto;
  fail(
      "{}: unknown file format '{}'; accepted: .csv (with a header row), .jsonl or .json (one "
      "JSON object per line), or name the format (--input-format csv or jsonl)",
      path.string(), excerpt(ext, 40));
}

enum class Want { kComparisons, kRankings, kEither };

// Reads `path` once: the format (given, from the extension, or sniffed from the first non-blank
// line), then whether it holds rankings (the CSV header or first JSON object has the ranking
// column), then the rows.
InputData read_input(const std::filesystem::path& path, const ReadOptions& options,
                     ReadReport* report, Want want) {
  if (options.max_line_bytes < 1) fail("the line length limit must be >= 1 byte");
  InputFormat format = format_of(path, options);
  const InputFile input(path);
  const std::string& file = input.label();
  LineReader reader(input, options.max_line_bytes);
  InputData data;
  std::optional<CsvHeader> header;
  reader.keep_last(true);
  std::string line;
  while (reader.next(line)) {
    if (trim(line).empty()) continue;
    check_line_ends(line, reader.line_number(), file);
    if (format == InputFormat::kAuto) {
      format = trim(line).starts_with('{') ? InputFormat::kJsonl : InputFormat::kCsv;
    }
    if (format == InputFormat::kJsonl) {
      const auto row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      data.rankings_input = row.is_object() && row.contains(options.col_ranking);
    }
    break;
  }
  reader.keep_last(false);
  if (format == InputFormat::kCsv) {
    // The header: re-read from the first non-blank line (which may open a quoted record).
    reader.replay();
    header = read_header(reader, file);
    data.rankings_input = std::find(header->names.begin(), header->names.end(),
                                    options.col_ranking) != header->names.end();
  } else if (format == InputFormat::kJsonl) {
    reader.replay();
  } else {
    fail("{}: empty input (no header row, no data rows)", file);
  }
  if (want == Want::kComparisons) data.rankings_input = false;
  if (want == Want::kRankings) data.rankings_input = true;
  Rows rows(file, options, data.items);
  if (data.rankings_input) {
    rows.set_rankings(&data.rankings);
    if (header) {
      read_rankings_csv(reader, *header, options, rows);
    } else {
      read_rankings_jsonl(reader, options, rows);
    }
  } else {
    // Reserving the exact capacity keeps peak memory at the data's size (a growing vector would
    // briefly hold up to three times that while reallocating).
    data.items.comparisons().reserve(count_lines(path, input));
    if (header) {
      read_csv(reader, *header, options, rows);
    } else {
      read_jsonl(reader, options, rows);
    }
  }
  const ReadReport r = rows.finish();
  if (report) *report = r;
  return data;
}

}  // namespace

ComparisonSet read_comparisons(const std::filesystem::path& path, const ReadOptions& options,
                               ReadReport* report) {
  return std::move(read_input(path, options, report, Want::kComparisons).items);
}

RankingData read_rankings(const std::filesystem::path& path, const ReadOptions& options,
                          ReadReport* report) {
  InputData data = read_input(path, options, report, Want::kRankings);
  return {std::move(data.items), std::move(data.rankings)};
}

InputData read_comparisons_or_rankings(const std::filesystem::path& path,
                                       const ReadOptions& options, ReadReport* report) {
  return read_input(path, options, report, Want::kEither);
}

}  // namespace valor::rank
