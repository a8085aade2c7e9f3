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

// How the input is parsed: CSV (a header row, RFC 4180 quoting) or JSON lines (one JSON object
// per line). kAuto: from the extension (.csv; .jsonl or .json), and for a path without one
// (standard input "-", /dev/stdin, a named pipe) from the first non-blank line: JSON lines if it
// starts with '{', CSV otherwise. Any other extension is an error asking for the format.
enum class InputFormat { kAuto, kCsv, kJsonl };

// The default limit on one line (or one quoted CSV record spanning lines): arena logs with the
// conversations inline have rows of tens of KiB; a longer line is most likely a file whose lines
// end in CR alone or a corrupt field, and reading it whole could exhaust memory.
inline constexpr size_t kDefaultMaxLineBytes = size_t{16} << 20;

struct ReadOptions {
  InputFormat format = InputFormat::kAuto;
  // A longer line is a valor::Error naming FILE:LINE and the limit.
  size_t max_line_bytes = kDefaultMaxLineBytes;
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

// Reads comparisons from `path` ("-": standard input), in one pass (a regular file is also
// counted first, see above; a pipe is read once); the format: see InputFormat. Throws
// valor::Error naming FILE:LINE for a missing column, a malformed row, an empty item name (or
// one of spaces only), an unknown winner label, an outcome outside [0, 1], a self-comparison or
// a weight <= 0 (unless skip_bad), a line longer than max_line_bytes, a first line with a CR not
// followed by LF (a file with CR-only line ends); and for a missing or unreadable file, a
// directory, or input without any usable row. Values quoted in messages are cut to about 120
// bytes. `report` may be null.
ComparisonSet read_comparisons(const std::filesystem::path& path, const ReadOptions& options = {},
                               ReadReport* report = nullptr);

// Rankings for Plackett-Luce: item names interned in `items` (which holds no comparisons) and
// the rankings over their indices.
struct RankingData {
  ComparisonSet items;
  std::vector<Ranking> rankings;
};

// Reads rankings (see ReadOptions::col_ranking) from CSV or JSON lines, streaming, with an
// optional weight column (col_weight). Throws valor::Error naming FILE:LINE (unless skip_bad)
// for a malformed row, an empty item name, an item listed twice in one ranking, a ranking of
// fewer than two items, a weight <= 0; and for input without any usable row.
RankingData read_rankings(const std::filesystem::path& path, const ReadOptions& options = {},
                          ReadReport* report = nullptr);

// Comparisons or rankings, whichever `path` holds, reading it once (so a pipe or standard input
// works): rankings when its CSV header (or its first JSONL object) has the column (key)
// options.col_ranking. The errors of the two readers.
struct InputData {
  bool rankings_input = false;
  ComparisonSet items;  // the comparisons; for rankings, the items only
  std::vector<Ranking> rankings;
};
InputData read_comparisons_or_rankings(const std::filesystem::path& path,
                                       const ReadOptions& options = {},
                                       ReadReport* report = nullptr);

}  // namespace valor::rank
