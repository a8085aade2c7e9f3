// Model-free diagnostics of a ComparisonSet (algorithms.md section 5): connected components of
// the comparison graph, items never compared, the majority graph and its strongly connected
// components, the fraction of intransitive triads, and per-item counts and win rates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "valor/rank/comparisons.h"

namespace valor::rank {

// All comparisons between one unordered pair of items, aggregated.
struct PairSummary {
  int32_t lo = 0;         // the smaller item index
  int32_t hi = 0;         // the larger item index, > lo
  size_t count = 0;       // number of comparisons
  double weight = 0.0;    // sum of weights
  double lo_score = 0.0;  // sum of weight * P(lo preferred)
  // Weighted mean probability that lo was preferred.
  double lo_mean() const { return lo_score / weight; }
  // +1 if lo beats hi on the weighted mean, -1 if hi beats lo, 0 for a tie: |mean - 0.5| within
  // 1e-12 (so that soft outcomes such as 0.7 and 0.3 average to an exact tie despite rounding).
  int majority() const;
};

// One entry per compared pair, sorted by (lo, hi). O(m log m) for m comparisons.
std::vector<PairSummary> summarize_pairs(const ComparisonSet& set);

struct TriadCounts {
  // Triads {i, j, k} whose three pairs all have a majority direction (a tie is no edge).
  uint64_t decided = 0;
  // Those among them that form a cycle i > j > k > i.
  uint64_t intransitive = 0;
  // intransitive / decided; 0 when decided == 0.
  double fraction() const;
};

struct Diagnostics {
  size_t num_items = 0;
  size_t num_comparisons = 0;
  size_t num_pairs = 0;           // distinct compared pairs
  size_t num_majority_edges = 0;  // pairs with a majority direction

  // Per item.
  std::vector<size_t> comparisons;  // number of comparisons the item took part in
  std::vector<double> weight;       // sum of their weights
  // Weighted mean probability that the item was preferred (ties count a half); NaN if never
  // compared.
  std::vector<double> win_rate;

  // Connected components of the comparison graph (an edge per compared pair), over items that
  // were compared at least once; members ascending, components ordered by smallest member.
  std::vector<std::vector<int32_t>> components;
  // Per item: index into `components`, or -1 for an item never compared.
  std::vector<int32_t> component_of;
  // Items that appear in no comparison, ascending.
  std::vector<int32_t> never_compared;

  // Strongly connected components of the majority graph (edge winner -> loser for each pair with
  // a majority direction), over all items (singletons included, never-compared items too);
  // members ascending, ordered by smallest member.
  std::vector<std::vector<int32_t>> sccs;
  std::vector<int32_t> scc_of;  // per item, index into `sccs`
  size_t largest_scc = 0;       // size of the largest SCC (0 for no items)

  TriadCounts triads;
};

// Everything above. O(m log m + n + e) plus the triad count (see count_triads).
Diagnostics diagnose(const ComparisonSet& set);

// Counts decided and intransitive triads of the majority graph exactly.
// kAuto uses bitsets for up to 20,000 items and adjacency lists above that.
// Bitsets: three n x n bit matrices (adjacency, out, in); each decided pair (i < j) intersects two
// rows restricted to k > j, so O(e n / 64) word operations and 3 n^2 / 8 bytes (2,000 items:
// 1.5 MB, at most 2e6 edges x 32 words). Adjacency lists: per item u, mark its neighbours, then
// for each neighbour v > u scan v's neighbours w > v; O(sum_v deg(v)^2) time, O(n + e) memory,
// fast for sparse graphs. Each triad is counted once, by its two smallest items.
enum class TriadMethod { kAuto, kBitset, kAdjacency };
TriadCounts count_triads(const ComparisonSet& set, TriadMethod method = TriadMethod::kAuto);
TriadCounts count_triads(size_t num_items, const std::vector<PairSummary>& pairs,
                         TriadMethod method = TriadMethod::kAuto);

}  // namespace valor::rank
