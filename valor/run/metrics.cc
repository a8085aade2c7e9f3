#include "valor/run/metrics.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <stdexcept>
#include <utility>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"

namespace valor::run {
namespace fs = std::filesystem;
namespace {

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  while (true) {
    const size_t comma = line.find(',');
    fields.push_back(line.substr(0, comma));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  return fields;
}

std::string_view strip_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string join_header(const std::vector<std::string>& columns) {
  return fmt::format("{}", fmt::join(columns, ","));
}

void check_column_names(const std::vector<std::string>& columns, const fs::path& path) {
  if (columns.empty()) fail("metrics file '{}': no columns given", path.string());
  std::set<std::string_view> seen;
  for (const std::string& name : columns) {
    if (name.empty() || name.find_first_of(",\"\r\n") != std::string::npos) {
      fail(
          "metrics file '{}': column name '{}' is not accepted: names must be non-empty and "
          "hold no ',', '\"' or line break",
          path.string(), name);
    }
    if (!seen.insert(name).second) {
      fail("metrics file '{}': column '{}' appears twice", path.string(), name);
    }
  }
}

// A parsed file plus where its complete lines end (a crash can leave a cut-short last line).
struct ParsedCsv {
  MetricsTable table;
  std::string content;
  std::vector<size_t> row_ends;  // offset just past each data row's '\n'
  size_t header_end = 0;         // offset just past the header's '\n'
  bool has_partial_tail = false;
};

ParsedCsv parse_csv(const fs::path& path) {
  ParsedCsv parsed;
  parsed.content = read_file(path);
  const std::string_view content = parsed.content;
  const size_t header_newline = content.find('\n');
  if (header_newline == std::string_view::npos) {
    fail(
        "{}:1: metrics file has no complete header line (expected column names separated by "
        "',')",
        path.string());
  }
  for (std::string_view name : split_fields(strip_cr(content.substr(0, header_newline)))) {
    parsed.table.columns.emplace_back(name);
  }
  parsed.header_end = header_newline + 1;
  const size_t width = parsed.table.columns.size();
  size_t pos = parsed.header_end;
  size_t line_number = 1;
  while (pos < content.size()) {
    ++line_number;
    const size_t newline = content.find('\n', pos);
    if (newline == std::string_view::npos) {
      parsed.has_partial_tail = true;
      break;
    }
    const std::vector<std::string_view> fields =
        split_fields(strip_cr(content.substr(pos, newline - pos)));
    if (fields.size() != width) {
      fail("{}:{}: expected {} fields (columns {}) but found {}", path.string(), line_number, width,
           join_header(parsed.table.columns), fields.size());
    }
    std::vector<double>& row = parsed.table.rows.emplace_back();
    row.reserve(width);
    for (size_t i = 0; i < width; ++i) {
      const std::string_view field = fields[i];
      if (field.empty()) {
        row.push_back(std::numeric_limits<double>::quiet_NaN());
        continue;
      }
      double value = 0;
      const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (error != std::errc() || end != field.data() + field.size()) {
        fail(
            "{}:{}: column '{}' holds '{}', which is not a number (accepted: a decimal number, "
            "inf, -inf, or an empty field for NaN)",
            path.string(), line_number, parsed.table.columns[i], field);
      }
      row.push_back(value);
    }
    pos = newline + 1;
    parsed.row_ends.push_back(pos);
  }
  return parsed;
}

}  // namespace

std::optional<size_t> MetricsTable::column_index(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return i;
  }
  return std::nullopt;
}

std::vector<double> MetricsTable::column(size_t index) const {
  VALOR_CHECK(index < columns.size(), "column {} of {}", index, columns.size());
  std::vector<double> values;
  values.reserve(rows.size());
  for (const auto& row : rows) values.push_back(row[index]);
  return values;
}

MetricsTable read_metrics_csv(const fs::path& path) { return parse_csv(path).table; }

std::string format_metrics_row(std::span<const double> values) {
  std::string line;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) line.push_back(',');
    if (!std::isnan(values[i])) fmt::format_to(std::back_inserter(line), "{}", values[i]);
  }
  line.push_back('\n');
  return line;
}

MetricsWriter::MetricsWriter(fs::path path, std::vector<std::string> columns, size_t rows)
    : path_(std::move(path)), columns_(std::move(columns)), row_count_(rows) {
  open_for_append();
}

MetricsWriter::MetricsWriter(MetricsWriter&& other) noexcept
    : path_(std::move(other.path_)),
      columns_(std::move(other.columns_)),
      row_count_(other.row_count_),
      fd_(std::exchange(other.fd_, -1)) {}

MetricsWriter& MetricsWriter::operator=(MetricsWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    columns_ = std::move(other.columns_);
    row_count_ = other.row_count_;
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

MetricsWriter::~MetricsWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void MetricsWriter::open_for_append() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) {
    throw std::runtime_error(fmt::format("cannot open metrics file '{}' for appending: {}",
                                         path_.string(), std::strerror(errno)));
  }
}

MetricsWriter MetricsWriter::create(const fs::path& path, std::vector<std::string> columns) {
  check_column_names(columns, path);
  write_file_atomically(path, join_header(columns) + "\n");
  return MetricsWriter(path, std::move(columns), 0);
}

MetricsWriter MetricsWriter::open_for_resume(const fs::path& path,
                                             std::vector<std::string> columns) {
  check_column_names(columns, path);
  const ParsedCsv parsed = parse_csv(path);
  if (parsed.table.columns != columns) {
    fail(
        "metrics file '{}' has header '{}' but this run writes '{}': resume with the config the "
        "run was started with, or start a new run",
        path.string(), join_header(parsed.table.columns), join_header(columns));
  }
  if (parsed.has_partial_tail) {
    const size_t end = parsed.row_ends.empty() ? parsed.header_end : parsed.row_ends.back();
    write_file_atomically(path, std::string_view(parsed.content).substr(0, end));
  }
  return MetricsWriter(path, std::move(columns), parsed.table.rows.size());
}

void MetricsWriter::append(std::span<const double> values) {
  VALOR_CHECK(values.size() == columns_.size(), "metrics row has {} values for {} columns",
              values.size(), columns_.size());
  const std::string line = format_metrics_row(values);
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t written = ::write(fd_, rest.data(), rest.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(fmt::format("cannot append to metrics file '{}': {}", path_.string(),
                                           std::strerror(errno)));
    }
    rest.remove_prefix(static_cast<size_t>(written));
  }
  ++row_count_;
}

void MetricsWriter::truncate_rows(size_t n) {
  const ParsedCsv parsed = parse_csv(path_);
  const size_t rows = parsed.table.rows.size();
  if (n > rows) {
    fail(
        "metrics file '{}' has {} rows but the checkpoint being resumed expects at least {}: the "
        "file was truncated or replaced; start a new run",
        path_.string(), rows, n);
  }
  const size_t end = n == 0 ? parsed.header_end : parsed.row_ends[n - 1];
  if (end != parsed.content.size()) {
    write_file_atomically(path_, std::string_view(parsed.content).substr(0, end));
    open_for_append();  // the rename replaced the file our descriptor pointed at
  }
  row_count_ = n;
}

}  // namespace valor::run
