#include "valor/rank/diagnostics.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

namespace valor::rank {
namespace {

// Union-find with path halving and union by size.
class DisjointSets {
 public:
  explicit DisjointSets(size_t n) : parent_(n), size_(n, 1) {
    std::iota(parent_.begin(), parent_.end(), size_t{0});
  }
  size_t find(size_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  void unite(size_t x, size_t y) {
    x = find(x);
    y = find(y);
    if (x == y) return;
    if (size_[x] < size_[y]) std::swap(x, y);
    parent_[y] = x;
    size_[x] += size_[y];
  }

 private:
  std::vector<size_t> parent_;
  std::vector<size_t> size_;
};

// Sorts members of each group, orders the groups by smallest member, and fills `of`.
void canonicalise(std::vector<std::vector<int32_t>>& groups, std::vector<int32_t>& of) {
  for (auto& g : groups) std::sort(g.begin(), g.end());
  std::sort(groups.begin(), groups.end(),
            [](const auto& x, const auto& y) { return x.front() < y.front(); });
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const int32_t v : groups[g]) of[static_cast<size_t>(v)] = static_cast<int32_t>(g);
  }
}

// Strongly connected components by Tarjan's algorithm with an explicit stack (no recursion), on a
// graph in compressed sparse row form. O(n + e).
std::vector<std::vector<int32_t>> strongly_connected(size_t n, const std::vector<size_t>& start,
                                                     const std::vector<int32_t>& adj) {
  constexpr int64_t kUnvisited = -1;
  std::vector<int64_t> index(n, kUnvisited), low(n, 0);
  std::vector<char> on_stack(n, 0);
  std::vector<int32_t> stack;
  std::vector<std::pair<int32_t, size_t>> calls;  // (vertex, next edge position)
  std::vector<std::vector<int32_t>> sccs;
  int64_t counter = 0;
  auto visit = [&](int32_t v) {
    const auto u = static_cast<size_t>(v);
    index[u] = low[u] = counter++;
    stack.push_back(v);
    on_stack[u] = 1;
    calls.emplace_back(v, start[u]);
  };
  for (size_t s = 0; s < n; ++s) {
    if (index[s] != kUnvisited) continue;
    visit(static_cast<int32_t>(s));
    while (!calls.empty()) {
      const int32_t v = calls.back().first;
      const auto u = static_cast<size_t>(v);
      size_t& pos = calls.back().second;
      if (pos < start[u + 1]) {
        const int32_t w = adj[pos++];
        const auto x = static_cast<size_t>(w);
        if (index[x] == kUnvisited) {
          visit(w);  // invalidates `pos`
        } else if (on_stack[x]) {
          low[u] = std::min(low[u], index[x]);
        }
        continue;
      }
      calls.pop_back();
      if (low[u] == index[u]) {
        std::vector<int32_t> scc;
        int32_t w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[static_cast<size_t>(w)] = 0;
          scc.push_back(w);
        } while (w != v);
        sccs.push_back(std::move(scc));
      }
      if (!calls.empty()) {
        const auto p = static_cast<size_t>(calls.back().first);
        low[p] = std::min(low[p], low[u]);
      }
    }
  }
  return sccs;
}

TriadCounts triads_bitset(size_t n, const std::vector<PairSummary>& pairs) {
  const size_t words = (n + 63) / 64;
  // Row i of `out` has bit k set if i beats k; `in` if k beats i; `adj` either.
  std::vector<uint64_t> out(n * words, 0), in(n * words, 0), adj(n * words, 0);
  auto set_bit = [&](std::vector<uint64_t>& m, size_t row, size_t col) {
    m[row * words + col / 64] |= uint64_t{1} << (col % 64);
  };
  for (const PairSummary& p : pairs) {
    const int dir = p.majority();
    if (dir == 0) continue;
    const auto lo = static_cast<size_t>(p.lo), hi = static_cast<size_t>(p.hi);
    const size_t w = dir > 0 ? lo : hi, l = dir > 0 ? hi : lo;
    set_bit(out, w, l);
    set_bit(in, l, w);
    set_bit(adj, lo, hi);
    set_bit(adj, hi, lo);
  }
  // Popcount of (x & y) over bits k > j of rows r1, r2.
  auto count_above = [&](const std::vector<uint64_t>& m1, size_t r1,
                         const std::vector<uint64_t>& m2, size_t r2, size_t j) {
    const uint64_t* x = &m1[r1 * words];
    const uint64_t* y = &m2[r2 * words];
    const size_t first = (j + 1) / 64;
    if (first >= words) return uint64_t{0};
    const unsigned shift = static_cast<unsigned>((j + 1) % 64);
    uint64_t total = static_cast<uint64_t>(std::popcount((x[first] & y[first]) >> shift << shift));
    for (size_t q = first + 1; q < words; ++q) {
      total += static_cast<uint64_t>(std::popcount(x[q] & y[q]));
    }
    return total;
  };
  TriadCounts counts;
  for (const PairSummary& p : pairs) {
    const int dir = p.majority();
    if (dir == 0) continue;
    const auto i = static_cast<size_t>(p.lo), j = static_cast<size_t>(p.hi);
    counts.decided += count_above(adj, i, adj, j, j);
    // i -> j: a cycle needs j -> k -> i; j -> i: a cycle needs i -> k -> j.
    counts.intransitive += dir > 0 ? count_above(out, j, in, i, j) : count_above(out, i, in, j, j);
  }
  return counts;
}

TriadCounts triads_adjacency(size_t n, const std::vector<PairSummary>& pairs) {
  // Neighbours w > v of each v, with sign +1 if v beats w, -1 if w beats v.
  std::vector<size_t> start(n + 1, 0);
  std::vector<std::pair<int32_t, int>> up;
  for (const PairSummary& p : pairs) {
    if (p.majority() != 0) ++start[static_cast<size_t>(p.lo) + 1];
  }
  for (size_t v = 0; v < n; ++v) start[v + 1] += start[v];
  up.resize(start[n]);
  {
    std::vector<size_t> fill(start.begin(), start.end() - 1);
    for (const PairSummary& p : pairs) {
      const int dir = p.majority();
      if (dir != 0) up[fill[static_cast<size_t>(p.lo)]++] = {p.hi, dir};
    }
  }
  std::vector<int> mark(n, 0);  // sign of u's edge to w, for w > u
  TriadCounts counts;
  for (size_t u = 0; u < n; ++u) {
    for (size_t e = start[u]; e < start[u + 1]; ++e)
      mark[static_cast<size_t>(up[e].first)] = up[e].second;
    for (size_t e = start[u]; e < start[u + 1]; ++e) {
      const auto v = static_cast<size_t>(up[e].first);
      const int uv = up[e].second;
      for (size_t f = start[v]; f < start[v + 1]; ++f) {
        const int uw = mark[static_cast<size_t>(up[f].first)];
        if (uw == 0) continue;
        const int vw = up[f].second;
        ++counts.decided;
        // Cycle u -> v -> w -> u (uv, vw = +1, uw = -1) or its reverse.
        if (uv == vw && uw == -uv) ++counts.intransitive;
      }
    }
    for (size_t e = start[u]; e < start[u + 1]; ++e) mark[static_cast<size_t>(up[e].first)] = 0;
  }
  return counts;
}

}  // namespace

int PairSummary::majority() const {
  const double d = lo_mean() - 0.5;
  if (std::abs(d) <= 1e-12) return 0;
  return d > 0 ? 1 : -1;
}

double TriadCounts::fraction() const {
  return decided == 0 ? 0.0 : static_cast<double>(intransitive) / static_cast<double>(decided);
}

std::vector<PairSummary> summarize_pairs(const ComparisonSet& set) {
  struct Keyed {
    int32_t lo, hi;
    double weight, lo_score;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(set.comparisons().size());
  for (const Comparison& c : set.comparisons()) {
    if (c.a < c.b) {
      keyed.push_back({c.a, c.b, c.weight, c.weight * c.outcome});
    } else {
      keyed.push_back({c.b, c.a, c.weight, c.weight * (1.0 - c.outcome)});
    }
  }
  // Stable, so that sums are accumulated in input order (deterministic).
  std::stable_sort(keyed.begin(), keyed.end(), [](const Keyed& x, const Keyed& y) {
    return x.lo != y.lo ? x.lo < y.lo : x.hi < y.hi;
  });
  std::vector<PairSummary> pairs;
  for (const Keyed& k : keyed) {
    if (pairs.empty() || pairs.back().lo != k.lo || pairs.back().hi != k.hi) {
      pairs.push_back({k.lo, k.hi, 0, 0.0, 0.0});
    }
    PairSummary& p = pairs.back();
    ++p.count;
    p.weight += k.weight;
    p.lo_score += k.lo_score;
  }
  return pairs;
}

TriadCounts count_triads(size_t num_items, const std::vector<PairSummary>& pairs,
                         TriadMethod method) {
  if (method == TriadMethod::kAuto) {
    method = num_items <= 20000 ? TriadMethod::kBitset : TriadMethod::kAdjacency;
  }
  return method == TriadMethod::kBitset ? triads_bitset(num_items, pairs)
                                        : triads_adjacency(num_items, pairs);
}

TriadCounts count_triads(const ComparisonSet& set, TriadMethod method) {
  return count_triads(set.num_items(), summarize_pairs(set), method);
}

Diagnostics diagnose(const ComparisonSet& set) {
  const size_t n = set.num_items();
  Diagnostics d;
  d.num_items = n;
  d.num_comparisons = set.comparisons().size();
  d.comparisons.assign(n, 0);
  d.weight.assign(n, 0.0);
  d.win_rate.assign(n, std::numeric_limits<double>::quiet_NaN());
  std::vector<double> score(n, 0.0);
  for (const Comparison& c : set.comparisons()) {
    const auto a = static_cast<size_t>(c.a), b = static_cast<size_t>(c.b);
    ++d.comparisons[a];
    ++d.comparisons[b];
    d.weight[a] += c.weight;
    d.weight[b] += c.weight;
    score[a] += c.weight * c.outcome;
    score[b] += c.weight * (1.0 - c.outcome);
  }
  for (size_t i = 0; i < n; ++i) {
    if (d.comparisons[i] > 0) d.win_rate[i] = score[i] / d.weight[i];
  }

  const std::vector<PairSummary> pairs = summarize_pairs(set);
  d.num_pairs = pairs.size();

  // Connected components.
  DisjointSets sets(n);
  for (const PairSummary& p : pairs) {
    sets.unite(static_cast<size_t>(p.lo), static_cast<size_t>(p.hi));
  }
  d.component_of.assign(n, -1);
  {
    std::vector<int32_t> root_group(n, -1);
    for (size_t i = 0; i < n; ++i) {
      if (d.comparisons[i] == 0) {
        d.never_compared.push_back(static_cast<int32_t>(i));
        continue;
      }
      const size_t r = sets.find(i);
      if (root_group[r] < 0) {
        root_group[r] = static_cast<int32_t>(d.components.size());
        d.components.emplace_back();
      }
      d.components[static_cast<size_t>(root_group[r])].push_back(static_cast<int32_t>(i));
    }
    canonicalise(d.components, d.component_of);
  }

  // Majority graph, winner -> loser, in CSR form.
  std::vector<size_t> start(n + 1, 0);
  for (const PairSummary& p : pairs) {
    const int dir = p.majority();
    if (dir == 0) continue;
    ++d.num_majority_edges;
    ++start[static_cast<size_t>(dir > 0 ? p.lo : p.hi) + 1];
  }
  for (size_t v = 0; v < n; ++v) start[v + 1] += start[v];
  std::vector<int32_t> adj(start[n]);
  {
    std::vector<size_t> fill(start.begin(), start.end() - 1);
    for (const PairSummary& p : pairs) {
      const int dir = p.majority();
      if (dir == 0) continue;
      const int32_t w = dir > 0 ? p.lo : p.hi, l = dir > 0 ? p.hi : p.lo;
      adj[fill[static_cast<size_t>(w)]++] = l;
    }
  }
  d.sccs = strongly_connected(n, start, adj);
  d.scc_of.assign(n, -1);
  canonicalise(d.sccs, d.scc_of);
  for (const auto& s : d.sccs) d.largest_scc = std::max(d.largest_scc, s.size());

  d.triads = count_triads(n, pairs);
  return d;
}

}  // namespace valor::rank
