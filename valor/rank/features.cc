#include "valor/rank/features.h"

#include <fmt/format.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"

namespace valor::rank {
namespace {

constexpr std::string_view kAcceptedWinners =
    "'a' or 'model_a' (a won), 'b' or 'model_b' (b won), 'tie', 'tie (bothbad)'";

std::string quote_value(std::string_view text) {
  constexpr size_t kMax = 60;
  if (text.size() <= kMax) return fmt::format("'{}'", text);
  return fmt::format("'{}...' ({} bytes)", text.substr(0, kMax), text.size());
}

// Lines of a text file, with the 1-based line number; a trailing '\r' is removed.
class LineReader {
 public:
  explicit LineReader(const std::filesystem::path& path) : label_(path.string()), in_(path) {
    if (std::filesystem::is_directory(path)) fail("{}: is a directory; expected a file", label_);
    if (!in_) fail("{}: cannot open for reading", label_);
  }
  bool next(std::string& line) {
    if (!std::getline(in_, line)) return false;
    ++number_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }
  size_t number() const { return number_; }
  const std::string& label() const { return label_; }

 private:
  std::string label_;
  std::ifstream in_;
  size_t number_ = 0;
};

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

// One CSV record (RFC 4180 quoting within the line; a record may not span lines).
std::vector<std::string> split_csv(std::string_view line, const std::string& where) {
  std::vector<std::string> fields(1);
  bool in_quotes = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          fields.back() += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      in_quotes = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (in_quotes) fail("{}: unterminated quoted field (a record may not span lines)", where);
  return fields;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A finite number, the whole field; `what` names it for the message.
double parse_number(std::string_view field, const std::string& where, const std::string& what) {
  const std::string_view text = trim(field);
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    fail("{}: {} is {}, not a number", where, what, quote_value(field));
  }
  if (!std::isfinite(value)) fail("{}: {} is {}; features must be finite", where, what, text);
  return value;
}

double parse_outcome(double value, const std::string& where, const std::string& column) {
  if (!(value >= 0.0 && value <= 1.0)) {
    fail("{}: outcome column '{}' is {}; accepted: a number in [0, 1]", where, column, value);
  }
  return value;
}

double parse_winner(std::string_view label, const std::string& where, const std::string& column) {
  if (label == "a" || label == "model_a") return 1.0;
  if (label == "b" || label == "model_b") return 0.0;
  if (label == "tie" || label == "tie (bothbad)") return 0.5;
  fail("{}: winner column '{}' is {}; accepted: {}", where, column, quote_value(label),
       kAcceptedWinners);
}

double check_weight(double value, const std::string& where, const std::string& column) {
  if (!(value > 0.0) || !std::isfinite(value)) {
    fail("{}: weight column '{}' is {}; accepted: a finite number > 0", where, column, value);
  }
  return value;
}

enum class TextFormat { kCsv, kJsonl };

TextFormat format_of(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".csv") return TextFormat::kCsv;
  if (ext == ".jsonl" || ext == ".json") return TextFormat::kJsonl;
  fail("{}: unknown extension '{}'; accepted: .csv, .jsonl, .json", path.string(), ext);
}

// Interns prompt names.
class PromptIndex {
 public:
  explicit PromptIndex(std::vector<std::string>& names) : names_(names) {}
  int32_t operator()(const std::string& name, const std::string& where) {
    if (name.empty()) fail("{}: empty prompt", where);
    const auto [it, added] = index_.emplace(name, static_cast<int32_t>(names_.size()));
    if (added) names_.push_back(name);
    return it->second;
  }

 private:
  std::vector<std::string>& names_;
  std::unordered_map<std::string, int32_t> index_;
};

std::optional<size_t> find_column(const std::vector<std::string>& header, const std::string& name) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  return std::nullopt;
}

std::string header_list(const std::vector<std::string>& header) {
  return fmt::format("{}", fmt::join(header, ", "));
}

size_t require_column(const std::vector<std::string>& header, const std::string& name,
                      const std::string& where, const char* what) {
  const auto column = find_column(header, name);
  if (!column)
    fail("{}: no {} column '{}'; the header has: {}", where, what, name, header_list(header));
  return *column;
}

// The labels shared by the CSV and JSONL readers, per data row.
struct RowLabels {
  double outcome = 1.0;
  double weight = 1.0;
  std::optional<std::string> prompt;
};

// The first non-blank line of `reader` as trimmed CSV fields; `where` becomes "file:line".
std::vector<std::string> read_csv_header(LineReader& reader, std::string& where) {
  std::string line;
  while (reader.next(line) && blank(line)) {
  }
  if (reader.number() == 0 || blank(line))
    fail("{}: empty file; expected a CSV header", reader.label());
  where = fmt::format("{}:{}", reader.label(), reader.number());
  std::vector<std::string> header = split_csv(line, where);
  for (auto& h : header) h = std::string(trim(h));
  return header;
}

FeatureData read_csv_features(const std::filesystem::path& path, const FeatureReadOptions& o,
                              bool with_features) {
  LineReader reader(path);
  std::string header_where;
  const std::vector<std::string> header = read_csv_header(reader, header_where);
  std::string line;

  FeatureData data;
  data.source = reader.label();
  const std::string prefix_a = o.features_a.empty() ? "a_" : o.features_a;
  const std::string prefix_b = o.features_b.empty() ? "b_" : o.features_b;
  std::vector<size_t> columns_a, columns_b;
  if (with_features) {
    std::vector<std::string> names_b;
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i].starts_with(prefix_a) && header[i].size() > prefix_a.size()) {
        columns_a.push_back(i);
        data.table.names.push_back(header[i].substr(prefix_a.size()));
      } else if (header[i].starts_with(prefix_b) && header[i].size() > prefix_b.size()) {
        columns_b.push_back(i);
        names_b.push_back(header[i].substr(prefix_b.size()));
      }
    }
    if (columns_a.empty()) {
      fail("{}: no feature columns starting with '{}' (side a); the header has: {}", header_where,
           prefix_a, header_list(header));
    }
    if (data.table.names != names_b) {
      fail(
          "{}: the feature columns of side a ({} columns '{}...') and side b ({} columns '{}...') "
          "must name the same features in the same order: a has {}, b has {}",
          header_where, columns_a.size(), prefix_a, columns_b.size(), prefix_b,
          header_list(data.table.names), header_list(names_b));
    }
    data.table.dim = columns_a.size();
  }
  const bool by_outcome = !o.col_outcome.empty();
  const size_t label_column = require_column(header, by_outcome ? o.col_outcome : o.col_winner,
                                             header_where, by_outcome ? "outcome" : "winner");
  std::optional<size_t> weight_column, prompt_column;
  if (!o.col_weight.empty())
    weight_column = require_column(header, o.col_weight, header_where, "weight");
  if (!o.col_prompt.empty())
    prompt_column = require_column(header, o.col_prompt, header_where, "prompt");

  PromptIndex prompts(data.prompts);
  while (reader.next(line)) {
    if (blank(line)) continue;
    const std::string where = fmt::format("{}:{}", reader.label(), reader.number());
    const std::vector<std::string> fields = split_csv(line, where);
    if (fields.size() != header.size()) {
      fail("{}: {} fields, but the header has {}", where, fields.size(), header.size());
    }
    FeatureComparison c;
    const std::string_view label = trim(fields[label_column]);
    c.outcome = by_outcome
                    ? parse_outcome(parse_number(label, where,
                                                 fmt::format("outcome column '{}'", o.col_outcome)),
                                    where, o.col_outcome)
                    : parse_winner(label, where, o.col_winner);
    if (weight_column) {
      c.weight = check_weight(parse_number(fields[*weight_column], where,
                                           fmt::format("weight column '{}'", o.col_weight)),
                              where, o.col_weight);
    }
    if (prompt_column) c.prompt = prompts(std::string(trim(fields[*prompt_column])), where);
    if (with_features) {
      for (const auto* columns : {&columns_a, &columns_b}) {
        for (size_t column : *columns) {
          data.table.values.push_back(
              parse_number(fields[column], where, fmt::format("column '{}'", header[column])));
        }
      }
    }
    const auto n = static_cast<int64_t>(data.comparisons.size());
    c.row_a = 2 * n;
    c.row_b = 2 * n + 1;
    data.comparisons.push_back(c);
  }
  return data;
}

// A JSON array of finite numbers.
void append_json_features(const nlohmann::json& value, const std::string& key,
                          const std::string& where, std::vector<double>& out, size_t& dim) {
  if (!value.is_array())
    fail("{}: '{}' must be an array of numbers, not {}", where, key, value.type_name());
  if (dim == 0) {
    if (value.empty()) fail("{}: '{}' is an empty array", where, key);
    dim = value.size();
  } else if (value.size() != dim) {
    fail("{}: '{}' has {} values, but the first row has {}", where, key, value.size(), dim);
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const auto& x = value[i];
    if (!x.is_number()) fail("{}: '{}'[{}] is {}, not a number", where, key, i, x.dump());
    const double v = x.get<double>();
    if (!std::isfinite(v)) fail("{}: '{}'[{}] is {}; features must be finite", where, key, i, v);
    out.push_back(v);
  }
}

FeatureData read_jsonl_features(const std::filesystem::path& path, const FeatureReadOptions& o,
                                bool with_features) {
  LineReader reader(path);
  FeatureData data;
  data.source = reader.label();
  const std::string key_a = o.features_a.empty() ? "features_a" : o.features_a;
  const std::string key_b = o.features_b.empty() ? "features_b" : o.features_b;
  PromptIndex prompts(data.prompts);
  std::string line;
  while (reader.next(line)) {
    if (blank(line)) continue;
    const std::string where = fmt::format("{}:{}", reader.label(), reader.number());
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      fail("{}: not a JSON object: {}", where, e.what());
    }
    if (!row.is_object()) fail("{}: expected a JSON object, found {}", where, row.type_name());
    const auto get = [&](const std::string& key, const char* what) -> const nlohmann::json& {
      const auto it = row.find(key);
      if (it == row.end()) fail("{}: no {} key '{}'", where, what, key);
      return *it;
    };
    FeatureComparison c;
    if (!o.col_outcome.empty()) {
      const auto& v = get(o.col_outcome, "outcome");
      if (!v.is_number())
        fail("{}: outcome '{}' is {}, not a number", where, o.col_outcome, v.dump());
      c.outcome = parse_outcome(v.get<double>(), where, o.col_outcome);
    } else {
      const auto& v = get(o.col_winner, "winner");
      if (!v.is_string())
        fail("{}: winner '{}' is {}; accepted: {}", where, o.col_winner, v.dump(),
             kAcceptedWinners);
      c.outcome = parse_winner(v.get<std::string>(), where, o.col_winner);
    }
    if (!o.col_weight.empty()) {
      const auto& v = get(o.col_weight, "weight");
      if (!v.is_number())
        fail("{}: weight '{}' is {}, not a number", where, o.col_weight, v.dump());
      c.weight = check_weight(v.get<double>(), where, o.col_weight);
    }
    if (!o.col_prompt.empty()) {
      const auto& v = get(o.col_prompt, "prompt");
      c.prompt = prompts(v.is_string() ? v.get<std::string>() : v.dump(), where);
    }
    if (with_features) {
      append_json_features(get(key_a, "feature"), key_a, where, data.table.values, data.table.dim);
      append_json_features(get(key_b, "feature"), key_b, where, data.table.values, data.table.dim);
    }
    const auto n = static_cast<int64_t>(data.comparisons.size());
    c.row_a = 2 * n;
    c.row_b = 2 * n + 1;
    data.comparisons.push_back(c);
  }
  for (size_t i = 0; i < data.table.dim; ++i) data.table.names.push_back(fmt::format("x{}", i));
  return data;
}

// The .npy header's dictionary: {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }.
std::string header_value(std::string_view header, std::string_view key, const std::string& label) {
  const std::string pattern = fmt::format("'{}':", key);
  const size_t at = header.find(pattern);
  if (at == std::string_view::npos) fail("{}: the .npy header has no '{}': {}", label, key, header);
  size_t start = at + pattern.size();
  while (start < header.size() && header[start] == ' ') ++start;
  size_t end = start;
  if (start < header.size() && header[start] == '(') {
    end = header.find(')', start);
    if (end == std::string_view::npos) fail("{}: malformed .npy header: {}", label, header);
    ++end;
  } else {
    while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  }
  return std::string(trim(header.substr(start, end - start)));
}

}  // namespace

ItemCovariates read_item_covariates(const std::filesystem::path& path,
                                    const std::string& item_column) {
  LineReader reader(path);
  ItemCovariates result;
  result.source = reader.label();
  std::string header_where;
  const std::vector<std::string> header = read_csv_header(reader, header_where);
  std::string line;
  const size_t item_at = require_column(header, item_column, header_where, "item");
  for (size_t i = 0; i < header.size(); ++i) {
    if (i != item_at) result.table.names.push_back(header[i]);
  }
  if (result.table.names.empty())
    fail("{}: no covariate column besides '{}'", header_where, item_column);
  result.table.dim = result.table.names.size();
  std::unordered_map<std::string, size_t> seen;
  while (reader.next(line)) {
    if (blank(line)) continue;
    const std::string where = fmt::format("{}:{}", reader.label(), reader.number());
    const std::vector<std::string> fields = split_csv(line, where);
    if (fields.size() != header.size()) {
      fail("{}: {} fields, but the header has {}", where, fields.size(), header.size());
    }
    const std::string name(trim(fields[item_at]));
    if (name.empty()) fail("{}: empty item name in column '{}'", where, item_column);
    const auto [it, added] = seen.emplace(name, reader.number());
    if (!added)
      fail("{}: item {} already has covariates (line {})", where, quote_value(name), it->second);
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i == item_at) continue;
      result.table.values.push_back(
          parse_number(fields[i], where, fmt::format("column '{}'", header[i])));
    }
    result.items.push_back(name);
  }
  if (result.items.empty()) fail("{}: no data rows after the header", reader.label());
  return result;
}

FeatureData attach_item_covariates(const ComparisonSet& comparisons, const std::string& data_label,
                                   const ItemCovariates& covariates) {
  std::unordered_map<std::string_view, int64_t> row_of;
  for (size_t r = 0; r < covariates.items.size(); ++r) row_of.emplace(covariates.items[r], r);
  std::vector<int64_t> item_row(comparisons.num_items(), -1);
  for (size_t i = 0; i < comparisons.num_items(); ++i) {
    const auto it = row_of.find(comparisons.name(static_cast<int32_t>(i)));
    if (it != row_of.end()) item_row[i] = it->second;
  }
  FeatureData data;
  data.table = covariates.table;
  data.row_labels = covariates.items;
  data.source = fmt::format("{} with covariates {}", data_label, covariates.source);
  data.comparisons.reserve(comparisons.comparisons().size());
  const auto& all = comparisons.comparisons();
  for (size_t k = 0; k < all.size(); ++k) {
    FeatureComparison c;
    for (const int32_t item : {all[k].a, static_cast<int32_t>(all[k].b)}) {
      if (item_row[static_cast<size_t>(item)] < 0) {
        fail("{}: comparison {} names item {}, which has no row in the covariates {}", data_label,
             k, quote_value(comparisons.name(item)), covariates.source);
      }
    }
    c.row_a = item_row[static_cast<size_t>(all[k].a)];
    c.row_b = item_row[static_cast<size_t>(all[k].b)];
    c.outcome = all[k].outcome;
    c.weight = all[k].weight;
    data.comparisons.push_back(c);
  }
  return data;
}

FeatureData read_feature_comparisons(const std::filesystem::path& path,
                                     const FeatureReadOptions& options,
                                     const std::filesystem::path& a_npy,
                                     const std::filesystem::path& b_npy) {
  const bool from_npy = !a_npy.empty() || !b_npy.empty();
  if (from_npy && (a_npy.empty() || b_npy.empty())) {
    fail("features from .npy need both files, side a's and side b's; got only {}",
         (a_npy.empty() ? b_npy : a_npy).string());
  }
  FeatureData data = format_of(path) == TextFormat::kCsv
                         ? read_csv_features(path, options, !from_npy)
                         : read_jsonl_features(path, options, !from_npy);
  if (data.comparisons.empty()) fail("{}: no data rows", data.source);
  if (from_npy) {
    const NpyMatrix a = read_npy_matrix(a_npy);
    const NpyMatrix b = read_npy_matrix(b_npy);
    if (a.cols != b.cols) {
      fail("{} has {} columns (features) but {} has {}; both sides need the same dimension",
           a_npy.string(), a.cols, b_npy.string(), b.cols);
    }
    for (const auto& [m, p] : {std::pair{&a, &a_npy}, std::pair{&b, &b_npy}}) {
      if (m->rows != data.comparisons.size()) {
        fail("{} has {} rows but {} has {} data rows; row i of the .npy file must be comparison i",
             p->string(), m->rows, data.source, data.comparisons.size());
      }
    }
    data.table.dim = a.cols;
    data.table.values.resize(2 * a.rows * a.cols);
    for (size_t i = 0; i < a.rows; ++i) {
      std::memcpy(&data.table.values[2 * i * a.cols], &a.values[i * a.cols],
                  a.cols * sizeof(double));
      std::memcpy(&data.table.values[(2 * i + 1) * a.cols], &b.values[i * a.cols],
                  a.cols * sizeof(double));
    }
    for (size_t i = 0; i < a.cols; ++i) data.table.names.push_back(fmt::format("x{}", i));
    data.source =
        fmt::format("{} with features {} and {}", data.source, a_npy.string(), b_npy.string());
  }
  return data;
}

NpyMatrix read_npy_matrix(const std::filesystem::path& path) {
  const std::string label = path.string();
  const std::string bytes = read_file(path);
  constexpr std::string_view kMagic = "\x93NUMPY";
  if (bytes.size() < 10 || std::string_view(bytes).substr(0, 6) != kMagic) {
    fail("{}: not a NumPy .npy file (no '\\x93NUMPY' magic string)", label);
  }
  const auto byte = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(bytes[i]));
  };
  const int major = static_cast<int>(byte(6));
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = byte(8) | byte(9) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail("{}: truncated .npy header", label);
    header_len = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
    header_start = 12;
  } else {
    fail("{}: .npy format version {}.{}; accepted: 1.0, 2.0, 3.0", label, major, byte(7));
  }
  if (bytes.size() < header_start + header_len) fail("{}: truncated .npy header", label);
  const std::string_view header = std::string_view(bytes).substr(header_start, header_len);
  const std::string descr = header_value(header, "descr", label);
  size_t item_size = 0;
  if (descr == "'<f8'") {
    item_size = 8;
  } else if (descr == "'<f4'") {
    item_size = 4;
  } else {
    fail("{}: dtype {}; accepted: float64 ('<f8') or float32 ('<f4'), little-endian", label, descr);
  }
  if (header_value(header, "fortran_order", label) != "False") {
    fail("{}: Fortran-order array; save it in C order (numpy.ascontiguousarray)", label);
  }
  const std::string shape = header_value(header, "shape", label);
  NpyMatrix m;
  {
    std::vector<size_t> dims;
    std::string_view s = std::string_view(shape).substr(1, shape.size() - 2);
    while (!trim(s).empty()) {
      const size_t comma = s.find(',');
      const std::string_view part = trim(s.substr(0, comma));
      size_t value = 0;
      const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
      if (part.empty() || error != std::errc() || end != part.data() + part.size()) {
        fail("{}: malformed shape {} in the .npy header", label, shape);
      }
      dims.push_back(value);
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
    if (dims.size() != 2) {
      fail("{}: shape {}; expected a 2-D array (rows = comparisons, columns = features)", label,
           shape);
    }
    if (dims[1] == 0 || dims[0] == 0) fail("{}: shape {} has no values", label, shape);
    m.rows = dims[0];
    m.cols = dims[1];
  }
  const size_t data_start = header_start + header_len;
  const size_t expected = m.rows * m.cols * item_size;
  if (bytes.size() - data_start != expected) {
    fail("{}: {} bytes of data, but shape {} of {}-byte values needs {}", label,
         bytes.size() - data_start, shape, item_size, expected);
  }
  static_assert(std::endian::native == std::endian::little,
                "the .npy reader assumes little-endian");
  m.values.resize(m.rows * m.cols);
  const char* p = bytes.data() + data_start;
  for (size_t i = 0; i < m.values.size(); ++i) {
    if (item_size == 8) {
      std::memcpy(&m.values[i], p + 8 * i, 8);
    } else {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      m.values[i] = f;
    }
    if (!std::isfinite(m.values[i])) {
      fail("{}: value [{}, {}] is {}; features must be finite", label, i / m.cols, i % m.cols,
           m.values[i]);
    }
  }
  return m;
}

void write_npy_matrix(const std::filesystem::path& path, size_t rows, size_t cols,
                      const std::vector<double>& values) {
  VALOR_CHECK(values.size() == rows * cols, "{} values for shape ({}, {})", values.size(), rows,
              cols);
  std::string header =
      fmt::format("{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}), }}", rows, cols);
  // The magic, version and length take 10 bytes; the header ends in '\n' and pads to 64 bytes.
  const size_t total = (10 + header.size() + 1 + 63) / 64 * 64;
  header.append(total - 10 - header.size() - 1, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  const size_t at = bytes.size();
  bytes.resize(at + 8 * values.size());
  std::memcpy(bytes.data() + at, values.data(), 8 * values.size());
  write_file_atomically(path, bytes);
}

}  // namespace valor::rank
