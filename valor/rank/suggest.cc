#include "valor/rank/suggest.h"

#include <algorithm>
#include <cmath>
#include <queue>

#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/rank/diagnostics.h"

namespace valor::rank {
namespace {

// True if x should come before y in the result.
bool better(const SuggestedPair& x, const SuggestedPair& y) {
  if (x.score != y.score) return x.score > y.score;
  if (x.a != y.a) return x.a < y.a;
  return x.b < y.b;
}

}  // namespace

std::vector<SuggestedPair> suggest_pairs(const ComparisonSet& set,
                                         const std::vector<double>& ratings, size_t k) {
  const size_t n = set.num_items();
  if (ratings.size() != n) {
    fail("suggest_pairs: {} ratings for {} items", ratings.size(), n);
  }
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(ratings[i])) {
      fail("suggest_pairs: rating of '{}' is not finite ({})", set.name(static_cast<int32_t>(i)),
           ratings[i]);
    }
  }
  if (k == 0 || n < 2) return {};
  // Compared pairs sorted by (lo, hi): walk them alongside the enumeration.
  const std::vector<PairSummary> pairs = summarize_pairs(set);
  size_t next = 0;
  // A heap whose top is the worst kept pair.
  std::priority_queue<SuggestedPair, std::vector<SuggestedPair>, decltype(&better)> heap(&better);
  for (size_t i = 0; i + 1 < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      SuggestedPair s;
      s.a = static_cast<int32_t>(i);
      s.b = static_cast<int32_t>(j);
      if (next < pairs.size() && pairs[next].lo == s.a && pairs[next].hi == s.b) {
        s.n = pairs[next++].weight;
      }
      s.p = sigmoid(ratings[i] - ratings[j]);
      s.score = s.p * (1.0 - s.p) / (1.0 + s.n);
      if (heap.size() < k) {
        heap.push(s);
      } else if (better(s, heap.top())) {
        heap.pop();
        heap.push(s);
      }
    }
  }
  std::vector<SuggestedPair> result;
  result.reserve(heap.size());
  while (!heap.empty()) {
    result.push_back(heap.top());
    heap.pop();
  }
  std::reverse(result.begin(), result.end());
  return result;
}

}  // namespace valor::rank
