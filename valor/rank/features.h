// Feature inputs for reward models learnt from pairwise comparisons (docs/reward.md): each side of
// a comparison is a feature vector, either its item's covariates (a table keyed by item name, as
// BradleyTerry2's `BTm(..., ~ x1 + x2)`) or a vector of its own (the embedding of a response),
// read from JSON lines, CSV columns or NumPy .npy files. Every reader is strict: a ragged or
// non-numeric row, a NaN or infinite value, a dimension that differs between files, or a
// comparison naming an item without covariates is a valor::Error naming the file and the line
// (or row index).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "valor/rank/comparisons.h"

namespace valor::rank {

// Rows of feature vectors, row-major: row r is values[r * dim, (r + 1) * dim).
struct FeatureTable {
  size_t dim = 0;
  std::vector<std::string> names;  // one per column (CSV header names, or "x0", "x1", ...)
  std::vector<double> values;
  size_t rows() const { return dim == 0 ? 0 : values.size() / dim; }
  const double* row(size_t r) const { return values.data() + r * dim; }
};

// One comparison between two rows of a FeatureTable.
struct FeatureComparison {
  int64_t row_a = 0;
  int64_t row_b = 0;
  double outcome = 1.0;  // probability that a was preferred, in [0, 1]
  double weight = 1.0;   // > 0
  int32_t prompt = -1;   // index into FeatureData::prompts, or -1 without a prompt column
};

// Comparisons whose sides are rows of `table`. With item covariates the rows are the items
// (row_labels their names); with per-comparison features comparison i uses rows 2i and 2i + 1.
struct FeatureData {
  FeatureTable table;
  std::vector<std::string> row_labels;  // item names for covariates; empty otherwise
  std::vector<FeatureComparison> comparisons;
  std::vector<std::string> prompts;  // names of the prompts, in order of first appearance
  std::string source;                // the file(s) read, for messages
};

// Item covariates from a CSV file with a header row: the column `item_column` names the item,
// every other column is a numeric covariate (its header its name). valor::Error naming FILE:LINE
// for a row with the wrong number of fields, a value that is not a finite number, an empty or
// repeated item name; and for a missing file, no covariate column or no data row.
struct ItemCovariates {
  FeatureTable table;
  std::vector<std::string> items;  // row r holds the covariates of items[r]
  std::string source;
};
ItemCovariates read_item_covariates(const std::filesystem::path& path,
                                    const std::string& item_column = "item");

// The comparisons between items of `comparisons` (read by read_comparisons from `data_label`)
// with each side's covariates. valor::Error naming the item, the comparison index and both files
// when a compared item has no row in the covariates. Covariate rows of items never compared are
// kept (they can be scored).
FeatureData attach_item_covariates(const ComparisonSet& comparisons, const std::string& data_label,
                                   const ItemCovariates& covariates);

// Per-comparison features and labels, one comparison per line (JSON lines) or row (CSV).
struct FeatureReadOptions {
  // JSONL: the keys of the two sides' feature arrays. CSV: the prefixes of their columns: the
  // columns "<features_a>NAME" and "<features_b>NAME" must name the same NAMEs in the same order.
  // Ignored when the features come from .npy files (read_feature_comparisons' a_npy, b_npy).
  std::string features_a;  // default: "features_a" (JSONL), "a_" (CSV)
  std::string features_b;  // default: "features_b" (JSONL), "b_" (CSV)
  // The label: col_outcome (a number in [0, 1], the probability that a was preferred) if set;
  // otherwise col_winner with the labels "a" / "model_a" (a won), "b" / "model_b" (b won), "tie"
  // or "tie (bothbad)" (outcome 0.5).
  std::string col_outcome;
  std::string col_winner = "winner";
  std::string col_weight;  // optional, > 0
  std::string col_prompt;  // optional: comparisons sharing a prompt (see docs/reward.md)
};

// Reads per-comparison features from `path` (.csv, or .jsonl / .json for JSON lines). If a_npy
// and b_npy are given, `path` holds only the labels (and optional weights, prompts) and row i of
// each .npy file is the feature vector of side a (b) of data row i. valor::Error naming FILE:LINE
// (or FILE and the row index) for a missing key or column, a feature array that is not an array
// of finite numbers, a row whose dimension differs from the first row's, a mismatch between the
// a and b columns, a bad label or weight, a row count that differs between the data and the
// .npy files; and for no data row.
FeatureData read_feature_comparisons(const std::filesystem::path& path,
                                     const FeatureReadOptions& options = {},
                                     const std::filesystem::path& a_npy = {},
                                     const std::filesystem::path& b_npy = {});

// A 2-D array from a NumPy .npy file (format versions 1.0, 2.0 and 3.0), little-endian float32
// ('<f4') or float64 ('<f8'), C order; values converted to double. valor::Error naming the file
// for a bad magic string or header, another dtype, Fortran order, a shape that is not 2-D, a
// truncated file, and naming the file and the index [row, column] for a NaN or infinite value.
struct NpyMatrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<double> values;  // row-major
};
NpyMatrix read_npy_matrix(const std::filesystem::path& path);

// Writes `values` (rows x cols, row-major) as a version 1.0 '<f8' C-order .npy file (tests and
// tools; atomically).
void write_npy_matrix(const std::filesystem::path& path, size_t rows, size_t cols,
                      const std::vector<double>& values);

}  // namespace valor::rank
