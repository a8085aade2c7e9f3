#include "valor/rank/comparisons.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "valor/core/error.h"

namespace valor::rank {

int32_t ComparisonSet::intern(std::string_view name) {
  const auto it = index_.find(std::string(name));
  if (it != index_.end()) return it->second;
  if (items_.size() >= kMaxItems) {
    fail("item '{}': more than {} distinct items are not supported", name, kMaxItems);
  }
  const auto index = static_cast<int32_t>(items_.size());
  items_.emplace_back(name);
  index_.emplace(items_.back(), index);
  return index;
}

int32_t ComparisonSet::find(std::string_view name) const {
  const auto it = index_.find(std::string(name));
  return it == index_.end() ? -1 : it->second;
}

void ComparisonSet::add(const Comparison& c) {
  const auto n = static_cast<int32_t>(items_.size());
  if (c.a < 0 || c.a >= n || c.b < 0 || c.b >= n) {
    fail("comparison between items {} and {}: index out of range (0..{})", c.a, c.b, n - 1);
  }
  if (c.a == c.b) fail("self-comparison of '{}'", name(c.a));
  if (!(c.outcome >= 0.0 && c.outcome <= 1.0)) {
    fail("comparison '{}' vs '{}': outcome {} is not a probability in [0, 1]", name(c.a), name(c.b),
         c.outcome);
  }
  if (!(c.weight > 0.0) || !std::isfinite(c.weight)) {
    fail("comparison '{}' vs '{}': weight {} must be positive and finite", name(c.a), name(c.b),
         c.weight);
  }
  comparisons_.push_back(c);
}

std::vector<PairTotals> pair_totals(const ComparisonSet& set) {
  std::vector<PairTotals> pairs;
  std::unordered_map<uint64_t, size_t> index;
  for (const Comparison& c : set.comparisons()) {
    const bool a_first = c.a < c.b;
    const int32_t i = a_first ? c.a : c.b;
    const int32_t j = a_first ? c.b : c.a;
    const uint64_t key = (static_cast<uint64_t>(i) << 32) | static_cast<uint32_t>(j);
    auto [it, inserted] = index.try_emplace(key, pairs.size());
    if (inserted) pairs.push_back({i, j});
    PairTotals& p = pairs[it->second];
    const double o = a_first ? c.outcome : 1.0 - c.outcome;
    p.n += c.weight;
    p.wins_i += c.weight * o;
    if (c.tie) {
      p.ties += c.weight;
    } else {
      p.decisive_i += c.weight * o;
      p.decisive_j += c.weight * (1.0 - o);
    }
  }
  return pairs;
}

ComparisonUnits::ComparisonUnits(const std::vector<Comparison>& rows)
    : ComparisonUnits(rows.size(), [&rows](size_t k) { return rows[k].weight; }) {}

ComparisonUnits::ComparisonUnits(size_t rows, const std::function<double(size_t)>& weight)
    : weight_(weight) {
  bool all_one = true;
  for (size_t k = 0; k < rows; ++k) {
    const double w = weight(k);
    total_ += w;
    if (w != 1.0) all_one = false;
    if (w != std::floor(w)) counts_ = false;
  }
  size_ = rows;
  if (all_one || !counts_) return;
  end_.resize(rows);
  uint64_t sum = 0;
  for (size_t k = 0; k < rows; ++k) {
    const double w = weight(k);
    if (w > static_cast<double>(kMaxUnits - sum)) {
      fail(
          "the weights, whole numbers and so counted as comparisons, add up to more than {} "
          "comparisons (at row {}), beyond what the bootstrap and cross-validation resample",
          kMaxUnits, k + 1);
    }
    sum += static_cast<uint64_t>(w);
    end_[k] = sum;
  }
  size_ = sum;
}

size_t ComparisonUnits::row(uint64_t u) const {
  if (end_.empty()) return static_cast<size_t>(u);
  return static_cast<size_t>(std::upper_bound(end_.begin(), end_.end(), u) - end_.begin());
}

}  // namespace valor::rank
