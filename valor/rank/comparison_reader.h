// Streaming input of pairwise comparisons from CSV or JSON-lines files (algorithms.md section 5).
// Files are read one line at a time, so logs with tens of millions of rows need memory only for
// the resulting ComparisonSet; a first pass over a regular file counts its lines, so that the
// comparisons are stored in one array of the right size (no reallocation, which would briefly need
// up to three times the data's memory).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "valor/rank/comparisons.h"
#include "valor/rank/plackett_luce.h"

namespace valor::rank {

struct ReadOptions {
  // Columns (CSV header names, or JSONL keys) naming the two items.
  std::string col_a = "model_a";
  std::string col_b = "model_b";
  // Arena-style label column: "model_a" (a won), "model_b" (b won), "tie" or "tie (bothbad)"
  // (outcome 0.5, tie = true). Ignored when col_outcome is set.
  std::string col_winner = "winner";
  // If set: a numeric column, the probability that a was preferred (1, 0, 0.5 or any soft value
  // in [0, 1]); exactly 0.5 is recorded as a tie.
  std::string col_outcome;
  // If set: a numeric weight column (> 0); otherwise every weight is 1.
  std::string col_weight;
  // Rankings (read_rankings): the column (CSV) or key (JSONL) holding one ranking, best first.
  // CSV: item names separated by '>', optionally followed by '|' and the items that were present
  // but not ranked, separated by '|' ("a > b > c" or, top-2 of four, "a > b | c | d"); names
  // are trimmed of surrounding spaces. JSONL: an array of names (or a string as in CSV), and
  // optionally an array under the key "unranked".
  std::string col_ranking = "ranking";
  // Count malformed or invalid rows in the report instead of failing on the first one.
  bool skip_bad = false;
};

struct ReadReport {
  size_t rows = 0;            // data rows seen (blank lines are not rows)
  size_t used = 0;            // rows added to the ComparisonSet
  size_t skipped = 0;         // bad rows skipped (skip_bad only)
  std::string first_skipped;  // "FILE:LINE: why" for the first skipped row
};

// Reads comparisons from `path`; the format comes from the extension: .csv (header row, RFC 4180
// quoting) or .jsonl / .json (one JSON object per line). Throws valor::Error naming FILE:LINE for
// a missing column, a malformed row, an unknown winner label, an outcome outside [0, 1], a
// self-comparison or a weight <= 0 (unless skip_bad), and for input without any usable row.
// `report` may be null.
ComparisonSet read_comparisons(const std::filesystem::path& path, const ReadOptions& options = {},
                               ReadReport* report = nullptr);

// Rankings for Plackett-Luce: item names interned in `items` (which holds no comparisons) and
// the rankings over their indices.
struct RankingData {
  ComparisonSet items;
  std::vector<Ranking> rankings;
};

// Reads rankings (see ReadOptions::col_ranking) from a .csv or .jsonl file, streaming, with an
// optional weight column (col_weight). Throws valor::Error naming FILE:LINE (unless skip_bad)
// for a malformed row, an empty item name, an item listed twice in one ranking, a ranking of
// fewer than two items, a weight <= 0; and for input without any usable row.
RankingData read_rankings(const std::filesystem::path& path, const ReadOptions& options = {},
                          ReadReport* report = nullptr);

// Whether `path` holds rankings: its CSV header (or its first JSONL object) has the column (key)
// options.col_ranking. False for a file that cannot be read or has an unknown extension (the
// readers then report the problem).
bool has_ranking_column(const std::filesystem::path& path, const ReadOptions& options = {});

}  // namespace valor::rank
