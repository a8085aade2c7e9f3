// Pairwise comparisons between named items: the data every ranking model fits (algorithms.md
// section 5). Items are interned to dense indices in order of first appearance.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace valor::rank {

// 24 bytes (a battle log of 10M comparisons is held in 229 MiB): the tie flag shares b's word,
// so item indices are below 2^30 (ComparisonSet::intern enforces it).
struct Comparison {
  Comparison() = default;
  Comparison(int32_t a_, int32_t b_, double outcome_ = 1.0, double weight_ = 1.0, bool tie_ = false)
      : outcome(outcome_), weight(weight_), a(a_), b(b_), tie(tie_) {}

  double outcome = 1.0;  // probability that a was preferred: 1 a won, 0 b won, 0.5 tie, or soft
  double weight = 1.0;   // > 0
  int32_t a = 0;         // item index
  int32_t b : 31 = 0;    // item index, != a
  bool tie : 1 = false;  // recorded as a tie (outcome 0.5); Davidson's model treats ties apart
};
static_assert(sizeof(Comparison) == 24);

class ComparisonSet {
 public:
  // The index of `name`, adding it if new. valor::Error beyond kMaxItems items.
  int32_t intern(std::string_view name);
  static constexpr size_t kMaxItems = size_t{1} << 30;
  // -1 if unknown.
  int32_t find(std::string_view name) const;
  const std::string& name(int32_t index) const { return items_[static_cast<size_t>(index)]; }
  size_t num_items() const { return items_.size(); }
  const std::vector<std::string>& items() const { return items_; }

  std::vector<Comparison>& comparisons() { return comparisons_; }
  const std::vector<Comparison>& comparisons() const { return comparisons_; }
  // valor::Error for a == b (self-comparison), an index out of range, an outcome outside [0, 1]
  // or NaN, a weight <= 0 or NaN.
  void add(const Comparison& c);

 private:
  std::vector<std::string> items_;
  std::unordered_map<std::string, int32_t> index_;
  std::vector<Comparison> comparisons_;
};

// The comparisons of each unordered pair i < j, summed (the sufficient statistics of the pairwise
// models). Pairs in order of first appearance.
struct PairTotals {
  int32_t i = 0;
  int32_t j = 0;
  double n = 0.0;       // total weight
  double wins_i = 0.0;  // weighted score of i: sum of w * P(i preferred), so a tie counts half
  double ties = 0.0;    // weight of the comparisons recorded as ties
  double decisive_i = 0.0, decisive_j = 0.0;  // weighted wins of i and of j outside the ties
};

std::vector<PairTotals> pair_totals(const ComparisonSet& set);

// What the bootstrap and cross-validation resample and split (docs/rank.md, "weights are
// counts"). When every weight is a whole number, a row of weight w stands for w comparisons (pair
// totals passed as weights, as BradleyTerry2 takes them) and the units are those expanded
// comparisons, each of weight 1: a resample draws sum(w) of them, folds cut them, so a file of
// totals gives the same answers as one row per comparison. Otherwise (fractional weights) every
// row is one unit carrying its weight.
class ComparisonUnits {
 public:
  // weight(k) for the rows k < rows. valor::Error when the whole-number weights add up to more
  // than kMaxUnits.
  ComparisonUnits(size_t rows, const std::function<double(size_t)>& weight);
  explicit ComparisonUnits(const std::vector<Comparison>& rows);
  static constexpr uint64_t kMaxUnits = uint64_t{1} << 53;

  bool weights_are_counts() const { return counts_; }
  uint64_t size() const { return size_; }  // the number of units
  // The row of unit u < size().
  size_t row(uint64_t u) const;
  // The weight one unit of row k carries: 1 when the weights are counts, else the row's weight.
  double unit_weight(size_t k) const { return counts_ ? 1.0 : weight_(k); }
  // The total weight (sum of the rows' weights).
  double total_weight() const { return total_; }

 private:
  std::function<double(size_t)> weight_;
  bool counts_ = true;
  uint64_t size_ = 0;
  double total_ = 0.0;
  std::vector<uint64_t> end_;  // units in rows <= k; empty when every row is one unit
};

}  // namespace valor::rank
