// metrics.csv: one header line of column names, then one line per logged step.
//
// Values are written in the shortest form that reads back to the same double (fmt's "{}"), so a
// resumed or re-read run reproduces metrics bit for bit; NaN is an empty field, infinities are
// "inf" / "-inf". No quoting: column names may not hold ',', '"' or line breaks.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace valor::run {

struct MetricsTable {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;  // each row has columns.size() values; NaN = empty

  std::optional<size_t> column_index(std::string_view name) const;
  std::vector<double> column(size_t index) const;
};

// Parses a metrics CSV. A missing file, a line with the wrong number of fields or a field that
// is not a number is a valor::Error naming file:line. A trailing line without '\n' (a write cut
// short by a crash) is ignored.
MetricsTable read_metrics_csv(const std::filesystem::path& path);

// Appends rows to a metrics CSV. Each append is one write() of a whole line, so after append
// returns the row is in the OS (it survives the process dying, not a power cut).
class MetricsWriter {
 public:
  // Starts a new file (replacing any old one) holding just the header. valor::Error if a column
  // name is empty, repeated or holds ',', '"', '\r' or '\n'.
  static MetricsWriter create(const std::filesystem::path& path, std::vector<std::string> columns);
  // Continues an existing file (resume). valor::Error if it is missing or its header differs
  // from `columns` (the message names the file and both headers). A cut-short last line is
  // dropped.
  static MetricsWriter open_for_resume(const std::filesystem::path& path,
                                       std::vector<std::string> columns);

  MetricsWriter(MetricsWriter&& other) noexcept;
  MetricsWriter& operator=(MetricsWriter&& other) noexcept;
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;
  ~MetricsWriter();

  // `values` must hold one value per column.
  void append(std::span<const double> values);
  // Keeps the first `n` data rows and drops the rest (atomic rewrite), so a run resumed from a
  // checkpoint taken after row n continues exactly there. valor::Error if the file has fewer
  // than `n` rows.
  void truncate_rows(size_t n);

  const std::vector<std::string>& columns() const { return columns_; }
  size_t row_count() const { return row_count_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  MetricsWriter(std::filesystem::path path, std::vector<std::string> columns, size_t rows);
  void open_for_append();

  std::filesystem::path path_;
  std::vector<std::string> columns_;
  size_t row_count_ = 0;
  int fd_ = -1;
};

// The CSV line (with '\n') for one row; exposed for tests and other writers.
std::string format_metrics_row(std::span<const double> values);

}  // namespace valor::run
