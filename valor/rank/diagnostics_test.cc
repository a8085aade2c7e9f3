#include "valor/rank/diagnostics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

namespace valor::rank {
namespace {

void win(ComparisonSet& set, const char* winner, const char* loser, double weight = 1.0) {
  set.add({set.intern(winner), set.intern(loser), 1.0, weight, false});
}

TEST(DiagnosticsTest, TwoComponentsAndANeverComparedItem) {
  ComparisonSet set;
  win(set, "a", "b");
  set.intern("lonely");
  win(set, "c", "d");
  win(set, "d", "e");
  const Diagnostics d = diagnose(set);
  EXPECT_EQ(d.num_items, 6u);
  EXPECT_EQ(d.num_comparisons, 3u);
  EXPECT_EQ(d.num_pairs, 3u);
  const int32_t a = set.find("a"), b = set.find("b"), lonely = set.find("lonely");
  const int32_t c = set.find("c"), dd = set.find("d"), e = set.find("e");
  ASSERT_EQ(d.components.size(), 2u);
  EXPECT_EQ(d.components[0], (std::vector<int32_t>{a, b}));
  EXPECT_EQ(d.components[1], (std::vector<int32_t>{c, dd, e}));
  EXPECT_EQ(d.never_compared, (std::vector<int32_t>{lonely}));
  EXPECT_EQ(d.component_of[static_cast<size_t>(lonely)], -1);
  EXPECT_EQ(d.component_of[static_cast<size_t>(e)], 1);
  EXPECT_EQ(d.comparisons[static_cast<size_t>(dd)], 2u);
  EXPECT_DOUBLE_EQ(d.win_rate[static_cast<size_t>(dd)], 0.5);
  EXPECT_DOUBLE_EQ(d.win_rate[static_cast<size_t>(a)], 1.0);
  EXPECT_DOUBLE_EQ(d.win_rate[static_cast<size_t>(b)], 0.0);
  EXPECT_TRUE(std::isnan(d.win_rate[static_cast<size_t>(lonely)]));
  // No cycles: every SCC is a single item.
  EXPECT_EQ(d.sccs.size(), 6u);
  EXPECT_EQ(d.largest_scc, 1u);
  EXPECT_EQ(d.triads.decided, 0u);
  EXPECT_EQ(d.triads.fraction(), 0.0);
}

TEST(DiagnosticsTest, ThreeCycleIsOneSccAndOneIntransitiveTriad) {
  ComparisonSet set;
  win(set, "a", "b");
  win(set, "b", "c");
  win(set, "c", "a");
  const Diagnostics d = diagnose(set);
  ASSERT_EQ(d.sccs.size(), 1u);
  EXPECT_EQ(d.sccs[0], (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(d.largest_scc, 3u);
  EXPECT_EQ(d.num_majority_edges, 3u);
  EXPECT_EQ(d.triads.decided, 1u);
  EXPECT_EQ(d.triads.intransitive, 1u);
  EXPECT_DOUBLE_EQ(d.triads.fraction(), 1.0);
  for (const TriadMethod m : {TriadMethod::kBitset, TriadMethod::kAdjacency}) {
    const TriadCounts t = count_triads(set, m);
    EXPECT_EQ(t.decided, 1u);
    EXPECT_EQ(t.intransitive, 1u);
  }
}

TEST(DiagnosticsTest, ReversedThreeCycleAlsoCounts) {
  ComparisonSet set;
  win(set, "a", "c");
  win(set, "c", "b");
  win(set, "b", "a");
  for (const TriadMethod m : {TriadMethod::kBitset, TriadMethod::kAdjacency}) {
    const TriadCounts t = count_triads(set, m);
    EXPECT_EQ(t.decided, 1u);
    EXPECT_EQ(t.intransitive, 1u);
  }
}

TEST(DiagnosticsTest, TransitiveOrderHasSingletonSccsAndNoIntransitiveTriads) {
  ComparisonSet set;
  const char* names[] = {"w", "x", "y", "z"};
  // Insert in a scrambled order; w > x > y > z on every pair.
  win(set, "y", "z");
  win(set, "w", "z");
  win(set, "x", "y");
  win(set, "w", "x");
  win(set, "x", "z");
  win(set, "w", "y");
  const Diagnostics d = diagnose(set);
  EXPECT_EQ(d.sccs.size(), 4u);
  EXPECT_EQ(d.largest_scc, 1u);
  EXPECT_EQ(d.triads.decided, 4u);
  EXPECT_EQ(d.triads.intransitive, 0u);
  EXPECT_EQ(d.triads.fraction(), 0.0);
  EXPECT_EQ(d.components.size(), 1u);
  EXPECT_DOUBLE_EQ(d.win_rate[static_cast<size_t>(set.find(names[0]))], 1.0);
  EXPECT_DOUBLE_EQ(d.win_rate[static_cast<size_t>(set.find(names[1]))], 2.0 / 3.0);
}

TEST(DiagnosticsTest, TwoCyclesJoinedByOneEdgeAreTwoSccs) {
  ComparisonSet set;
  win(set, "a", "b");
  win(set, "b", "c");
  win(set, "c", "a");
  win(set, "d", "e");
  win(set, "e", "f");
  win(set, "f", "d");
  win(set, "c", "d");  // one-way bridge
  const Diagnostics d = diagnose(set);
  ASSERT_EQ(d.sccs.size(), 2u);
  EXPECT_EQ(d.sccs[0], (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(d.sccs[1], (std::vector<int32_t>{3, 4, 5}));
  EXPECT_EQ(d.scc_of, (std::vector<int32_t>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(d.components.size(), 1u);
  EXPECT_EQ(d.triads.decided, 2u);
  EXPECT_EQ(d.triads.intransitive, 2u);
}

TEST(DiagnosticsTest, LongCycleNeedsNoRecursion) {
  // 0 > 1 > ... > 9999 > 0: one SCC of 10,000 items, found without deep recursion.
  const int32_t n = 10000;
  ComparisonSet set;
  for (int32_t i = 0; i < n; ++i) set.intern(std::to_string(i));
  for (int32_t i = 0; i < n; ++i) set.add({i, (i + 1) % n, 1.0, 1.0, false});
  const Diagnostics d = diagnose(set);
  ASSERT_EQ(d.sccs.size(), 1u);
  EXPECT_EQ(d.largest_scc, static_cast<size_t>(n));
  EXPECT_EQ(d.triads.decided, 0u);
}

TEST(DiagnosticsTest, TiesGiveNoMajorityEdge) {
  ComparisonSet set;
  const int32_t a = set.intern("a"), b = set.intern("b"), c = set.intern("c");
  set.add({a, b, 0.5, 1.0, true});  // a recorded tie
  set.add({b, c, 1.0, 1.0, false});
  set.add({c, b, 1.0, 1.0, false});  // one win each way: tie on the mean
  set.add({a, c, 0.7, 1.0, false});
  set.add({c, a, 0.7, 1.0, false});  // soft outcomes averaging to 0.5 up to rounding
  const Diagnostics d = diagnose(set);
  EXPECT_EQ(d.num_pairs, 3u);
  EXPECT_EQ(d.num_majority_edges, 0u);
  EXPECT_EQ(d.sccs.size(), 3u);
  EXPECT_EQ(d.triads.decided, 0u);
  EXPECT_EQ(d.components.size(), 1u);
  EXPECT_DOUBLE_EQ(d.win_rate[static_cast<size_t>(a)], 0.5);
}

TEST(DiagnosticsTest, WeightedMajority) {
  ComparisonSet set;
  win(set, "a", "b", 3.0);
  win(set, "b", "a", 1.0);
  win(set, "b", "a", 1.0);
  const std::vector<PairSummary> pairs = summarize_pairs(set);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].count, 3u);
  EXPECT_DOUBLE_EQ(pairs[0].weight, 5.0);
  EXPECT_DOUBLE_EQ(pairs[0].lo_mean(), 0.6);
  EXPECT_EQ(pairs[0].majority(), 1);
}

TEST(DiagnosticsTest, EmptySet) {
  const Diagnostics d = diagnose(ComparisonSet{});
  EXPECT_EQ(d.num_items, 0u);
  EXPECT_TRUE(d.sccs.empty());
  EXPECT_EQ(d.largest_scc, 0u);
  EXPECT_EQ(d.triads.decided, 0u);
}

// A brute-force O(n^3) count for checking.
TriadCounts brute_force(const ComparisonSet& set) {
  const size_t n = set.num_items();
  std::vector<int> m(n * n, 0);  // m[i n + j] = +1 if i beats j on the majority
  for (const PairSummary& p : summarize_pairs(set)) {
    const int dir = p.majority();
    const auto lo = static_cast<size_t>(p.lo), hi = static_cast<size_t>(p.hi);
    m[lo * n + hi] = dir;
    m[hi * n + lo] = -dir;
  }
  TriadCounts t;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      for (size_t k = j + 1; k < n; ++k) {
        const int ij = m[i * n + j], jk = m[j * n + k], ki = m[k * n + i];
        if (ij == 0 || jk == 0 || ki == 0) continue;
        ++t.decided;
        if (ij == jk && jk == ki) ++t.intransitive;
      }
    }
  }
  return t;
}

ComparisonSet random_set(size_t n, size_t m, uint32_t seed) {
  ComparisonSet set;
  for (size_t i = 0; i < n; ++i) set.intern(std::to_string(i));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> item(0, static_cast<int32_t>(n) - 1);
  std::uniform_int_distribution<int> outcome(0, 2);
  for (size_t c = 0; c < m; ++c) {
    const int32_t a = item(rng);
    int32_t b = item(rng);
    while (b == a) b = item(rng);
    const int o = outcome(rng);
    set.add({a, b, o * 0.5, 1.0, o == 1});
  }
  return set;
}

TEST(DiagnosticsTest, TriadMethodsAgreeWithBruteForce) {
  for (const uint32_t seed : {1u, 2u, 3u}) {
    // 150 items (more than two bitset words), dense enough for many triads.
    const ComparisonSet set = random_set(150, 6000, seed);
    const TriadCounts want = brute_force(set);
    ASSERT_GT(want.decided, 1000u);
    ASSERT_GT(want.intransitive, 0u);
    for (const TriadMethod m : {TriadMethod::kBitset, TriadMethod::kAdjacency}) {
      const TriadCounts got = count_triads(set, m);
      EXPECT_EQ(got.decided, want.decided);
      EXPECT_EQ(got.intransitive, want.intransitive);
    }
  }
}

TEST(DiagnosticsTest, TwoThousandItemsRandom) {
  // Random outcomes on a dense set: about a quarter of decided triads are cyclic (for a random
  // tournament the expected fraction is exactly 1/4).
  const size_t n = 2000;
  ComparisonSet set;
  for (size_t i = 0; i < n; ++i) set.intern(std::to_string(i));
  std::mt19937 rng(7);
  std::bernoulli_distribution coin(0.5), keep(0.5);
  for (int32_t i = 0; i < static_cast<int32_t>(n); ++i) {
    for (int32_t j = i + 1; j < static_cast<int32_t>(n); ++j) {
      if (keep(rng)) set.add({i, j, coin(rng) ? 1.0 : 0.0, 1.0, false});
    }
  }
  const Diagnostics d = diagnose(set);
  EXPECT_EQ(d.num_majority_edges, d.num_pairs);
  EXPECT_EQ(d.components.size(), 1u);
  EXPECT_EQ(d.largest_scc, n);
  // About n^3/6 / 8 triads with all three pairs kept.
  const double expected = static_cast<double>(n) * (n - 1) * (n - 2) / 6.0 / 8.0;
  EXPECT_NEAR(static_cast<double>(d.triads.decided) / expected, 1.0, 0.01);
  EXPECT_NEAR(d.triads.fraction(), 0.25, 0.01);
}

}  // namespace
}  // namespace valor::rank
