// Whole-number weights are counts (ComparisonUnits, comparisons.h): pair totals passed as weights
// give the answers of the expanded rows in the fits, the bootstrap, cross-validation and the
// leaderboard's counts, on BradleyTerry2's citations table (12 rows, 3,727 comparisons) and the
// football games.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>

#include "valor/core/random.h"
#include "valor/rank/bootstrap.h"
#include "valor/rank/bradley_terry.h"
#include "valor/rank/comparison_reader.h"
#include "valor/rank/cross_validation.h"
#include "valor/rank/leaderboard.h"
#include "valor/rank/rating_model.h"

namespace valor::rank {
namespace {

const std::string kDir = std::string(VALOR_TESTDATA_DIR) + "/rank/";

ComparisonSet citations_totals() {
  ReadOptions o;
  o.col_weight = "count";
  return read_comparisons(kDir + "citations.csv", o);
}

// Row k repeated weight_k times with weight 1, in row order: unit u of the totals is row u here.
ComparisonSet expand(const ComparisonSet& totals) {
  ComparisonSet out;
  for (const auto& name : totals.items()) out.intern(name);
  for (Comparison c : totals.comparisons()) {
    const auto w = static_cast<int>(c.weight);
    c.weight = 1;
    for (int k = 0; k < w; ++k) out.add(c);
  }
  return out;
}

TEST(WeightsAsCounts, Units) {
  const ComparisonSet totals = citations_totals();
  const ComparisonUnits units(totals.comparisons());
  EXPECT_TRUE(units.weights_are_counts());
  EXPECT_EQ(units.size(), 3727u);
  EXPECT_EQ(units.row(0), 0u);
  EXPECT_EQ(units.row(3726), 11u);
  const auto w0 = static_cast<uint64_t>(totals.comparisons()[0].weight);
  EXPECT_EQ(units.row(w0 - 1), 0u);
  EXPECT_EQ(units.row(w0), 1u);
  EXPECT_EQ(units.unit_weight(3), 1.0);
  // Fractional weights: each row is one unit carrying its weight.
  ComparisonSet soft;
  soft.intern("a");
  soft.intern("b");
  soft.add({0, 1, 1.0, 2.5});
  soft.add({1, 0, 1.0, 1.0});
  const ComparisonUnits rows(soft.comparisons());
  EXPECT_FALSE(rows.weights_are_counts());
  EXPECT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.row(1), 1u);
  EXPECT_EQ(rows.unit_weight(0), 2.5);
  EXPECT_EQ(rows.total_weight(), 3.5);
}

TEST(WeightsAsCounts, BootstrapOfTotalsIsTheBootstrapOfTheExpandedRows) {
  const ComparisonSet totals = citations_totals();
  const ComparisonSet expanded = expand(totals);
  ASSERT_EQ(expanded.comparisons().size(), 3727u);
  // Before weights were counts, a replicate of the 12 rows lost every row where Biometrika loses
  // often enough to fail ("'Biometrika' never loses"); now it draws 3,727 comparisons.
  const BootstrapResult a = bradley_terry_bootstrap(totals, {}, 200, 7);
  const BootstrapResult b = bradley_terry_bootstrap(expanded, {}, 200, 7);
  for (size_t i = 0; i < totals.num_items(); ++i) {
    EXPECT_NEAR(a.low[i], b.low[i], 1e-12);
    EXPECT_NEAR(a.high[i], b.high[i], 1e-12);
    EXPECT_LT(a.high[i] - a.low[i], 0.8);  // all four journals are pinned down by 3,727
  }
  // The generic path (any model) draws the same units.
  const auto thurstone = make_rating_model("thurstone");
  const RatingFitter fit = [&](const ComparisonSet& s) { return thurstone->fit(s)->ratings(); };
  const BootstrapResult c = bootstrap_ratings(totals, fit, 20, 3);
  const BootstrapResult d = bootstrap_ratings(expanded, fit, 20, 3);
  for (size_t i = 0; i < totals.num_items(); ++i) {
    EXPECT_NEAR(c.low[i], d.low[i], 1e-6);  // L-BFGS from the same start on equal objectives
    EXPECT_NEAR(c.high[i], d.high[i], 1e-6);
  }
  // And the fast Bradley-Terry path equals the generic one on totals.
  const BootstrapResult e = bootstrap_ratings(
      totals, [](const ComparisonSet& s) { return bradley_terry_newton(s).ratings; }, 200, 7);
  for (size_t i = 0; i < totals.num_items(); ++i) EXPECT_NEAR(a.low[i], e.low[i], 1e-9);
}

TEST(WeightsAsCounts, FootballIntervalsFromTotalsMatchThoseFromGames) {
  ReadOptions o;
  o.col_a = "home";
  o.col_b = "away";
  o.col_outcome = "outcome";
  const ComparisonSet games = read_comparisons(kDir + "football.csv", o);
  // Totals per (home, away, outcome), listed in another order than the games: the same data,
  // but the units map to other draws, so the intervals agree in distribution only.
  ComparisonSet totals;
  for (const auto& name : games.items()) totals.intern(name);
  for (const Comparison& c : games.comparisons()) {
    auto& rows = totals.comparisons();
    auto it = std::find_if(rows.begin(), rows.end(), [&](const Comparison& t) {
      return t.a == c.a && t.b == c.b && t.outcome == c.outcome;
    });
    if (it == rows.end()) {
      totals.add(c);
    } else {
      it->weight += 1;
    }
  }
  std::reverse(totals.comparisons().begin(), totals.comparisons().end());
  ASSERT_LT(totals.comparisons().size(), games.comparisons().size());
  const BootstrapResult a = bradley_terry_bootstrap(games, {}, 400, 1);
  const BootstrapResult b = bradley_terry_bootstrap(totals, {}, 400, 2);
  // The width of a 95% percentile interval from 400 replicates has a Monte Carlo error of a few
  // percent; resampling rows of totals (the old behaviour) widened Man U's by 74%.
  double worst = 0;
  for (size_t i = 0; i < games.num_items(); ++i) {
    const double ratio = (b.high[i] - b.low[i]) / (a.high[i] - a.low[i]);
    worst = std::max(worst, std::abs(ratio - 1));
  }
  std::cout << "largest relative difference of interval widths: " << worst << "\n";
  EXPECT_LT(worst, 0.2);
}

TEST(WeightsAsCounts, CrossValidationCutsTheExpandedRows) {
  const ComparisonSet totals = citations_totals();
  const ComparisonSet expanded = expand(totals);
  CvOptions o;
  o.models = {"bt", "thurstone", "pl"};
  o.seed = 4;
  const auto a = cross_validate(totals, o);
  const auto b = cross_validate(expanded, o);
  ASSERT_EQ(a.size(), 3u);
  for (size_t k = 0; k < a.size(); ++k) {
    EXPECT_TRUE(a[k].error.empty()) << a[k].error;
    EXPECT_EQ(a[k].held_out_weight, 3727.0);
    EXPECT_EQ(a[k].decided, 3727.0);
    const double tol = a[k].model == "thurstone" ? 1e-6 : 1e-12;
    EXPECT_NEAR(a[k].log_likelihood, b[k].log_likelihood, tol) << a[k].model;
    EXPECT_NEAR(a[k].accuracy, b[k].accuracy, tol) << a[k].model;
  }
  // Weighted accuracy: the held-out winner is predicted right for the share of comparisons that
  // go with the fitted order; Comm Statist loses 1,625 of its 1,743 comparisons, so accuracy is
  // well above a half.
  EXPECT_GT(a[0].accuracy, 0.6);
}

TEST(WeightsAsCounts, LeaderboardCountsComparisons) {
  InputData input;
  input.items = citations_totals();
  LeaderboardOptions o;
  o.bootstrap = 50;
  const Leaderboard lb = fit_leaderboard(input, o);
  EXPECT_EQ(lb.total_weight, 3727.0);
  EXPECT_TRUE(lb.weights_are_counts);
  EXPECT_EQ(lb.interval, "bootstrap percentile 95% over 3727 comparisons, 50 replicates, seed 0");
}

TEST(WeightsAsCounts, RankingsToo) {
  // Rankings of 4 items with whole-number weights, and the same expanded one per row.
  Rng rng(5);
  std::vector<Ranking> totals, expanded;
  for (int k = 0; k < 40; ++k) {
    std::vector<int32_t> order = {0, 1, 2, 3};
    for (size_t i = 3; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
    if (rng.uniform() < 0.6 && order[0] != 0) std::swap(order[0], order[1]);
    const auto w = static_cast<double>(1 + rng.below(5));
    totals.push_back({order, {}, w});
    for (int c = 0; c < static_cast<int>(w); ++c) expanded.push_back({order, {}, 1.0});
  }
  const RankingFitter fit = [](const std::vector<Ranking>& r) {
    return fit_plackett_luce_mm(4, r, {}).log_pi;
  };
  const BootstrapResult a = bootstrap_rankings(4, totals, fit, 50, 9);
  const BootstrapResult b = bootstrap_rankings(4, expanded, fit, 50, 9);
  CvOptions o;
  const CvScore c = cross_validate_rankings(4, totals, o);
  const CvScore d = cross_validate_rankings(4, expanded, o);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(a.low[i], b.low[i], 1e-9);
    EXPECT_NEAR(a.high[i], b.high[i], 1e-9);
  }
  EXPECT_EQ(c.held_out_weight, static_cast<double>(expanded.size()));
  EXPECT_NEAR(c.log_likelihood, d.log_likelihood, 1e-9);
  EXPECT_NEAR(c.accuracy, d.accuracy, 1e-12);
}

}  // namespace
}  // namespace valor::rank
