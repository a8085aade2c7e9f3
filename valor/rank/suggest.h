// Adaptive pair suggestion (algorithms.md section 5, "Active selection"): which pairs to compare
// next, given the current Bradley-Terry ratings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "valor/rank/comparisons.h"

namespace valor::rank {

struct SuggestedPair {
  int32_t a = 0;       // the smaller item index
  int32_t b = 0;       // the larger item index
  double p = 0.5;      // model probability that a is preferred: sigma(b_a - b_b)
  double n = 0.0;      // weighted number of comparisons of this pair so far
  double score = 0.0;  // p (1 - p) / (1 + n)
};

// The k pairs (fewer if there are fewer than k pairs) with the largest score
//   p (1 - p) / (1 + n_ij),   p = sigma(b_i - b_j),
// best first. p (1 - p) is the Bernoulli variance of the outcome under the model (largest, 1/4,
// for equal ratings), so the rule favours pairs whose outcome is uncertain; dividing by 1 + n_ij
// (n_ij the summed weight of the pair's comparisons, 0 for pairs never compared) favours pairs
// compared rarely, so repeated calls spread comparisons instead of hammering one close pair.
// Equal scores are broken by lower indices first ((a, b) lexicographic), so the result is
// deterministic. `ratings` are natural-scale BT strengths, one per item (valor::Error otherwise;
// a non-finite rating is an error too). Enumerates all n (n - 1) / 2 pairs with a bounded heap:
// O(n^2 log k + m log m) time, O(n + m + k) memory for m comparisons.
std::vector<SuggestedPair> suggest_pairs(const ComparisonSet& set,
                                         const std::vector<double>& ratings, size_t k);

}  // namespace valor::rank
