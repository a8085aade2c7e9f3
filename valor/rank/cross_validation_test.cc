#include "valor/rank/cross_validation.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/core/random.h"

namespace valor::rank {
namespace {

ComparisonSet simulate(const std::vector<double>& truth, int n, uint64_t seed, double tie_rate) {
  ComparisonSet set;
  for (size_t i = 0; i < truth.size(); ++i) set.intern(fmt::format("item{}", i));
  Rng rng(seed);
  for (int k = 0; k < n; ++k) {
    const auto a = static_cast<int32_t>(rng.below(truth.size()));
    auto b = static_cast<int32_t>(rng.below(truth.size() - 1));
    if (b >= a) ++b;
    const double p =
        1 / (1 + std::exp(truth[static_cast<size_t>(b)] - truth[static_cast<size_t>(a)]));
    const double outcome = rng.uniform() < tie_rate ? 0.5 : (rng.uniform() < p ? 1.0 : 0.0);
    set.add({a, b, outcome, 1.0, outcome == 0.5});
  }
  return set;
}

const CvScore& find(const std::vector<CvScore>& scores, const std::string& model) {
  for (const auto& s : scores) {
    if (s.model == model) return s;
  }
  throw std::runtime_error("no score for " + model);
}

TEST(CrossValidationTest, ScoresMatchTheTruthOnSimulatedData) {
  const std::vector<double> truth = {1.2, 0.6, 0.0, -0.6, -1.2};
  const ComparisonSet data = simulate(truth, 4000, 5, 0.0);
  const auto scores = cross_validate(data);
  ASSERT_EQ(scores.size(), 3u);  // no ties: no davidson
  // The best possible expected accuracy and log-likelihood per comparison, from the truth.
  double best_accuracy = 0.0, best_ll = 0.0;
  int pairs = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    for (size_t j = 0; j < truth.size(); ++j) {
      if (i == j) continue;
      const double p = 1 / (1 + std::exp(truth[j] - truth[i]));
      best_accuracy += std::max(p, 1 - p);
      best_ll += p * std::log(p) + (1 - p) * std::log(1 - p);
      ++pairs;
    }
  }
  best_accuracy /= pairs;
  best_ll /= pairs;
  const CvScore& bt = find(scores, "bt");
  EXPECT_TRUE(bt.error.empty()) << bt.error;
  EXPECT_DOUBLE_EQ(bt.held_out_weight, 4000.0);
  EXPECT_EQ(bt.decided, 4000.0);
  EXPECT_NEAR(bt.accuracy, best_accuracy, 0.03);
  EXPECT_NEAR(bt.log_likelihood, best_ll, 0.02);
  EXPECT_GT(bt.log_likelihood, std::log(0.5));
  const CvScore& th = find(scores, "thurstone");
  EXPECT_NEAR(th.accuracy, best_accuracy, 0.03);
  EXPECT_GT(th.log_likelihood, std::log(0.5));
  // Elo with a small K in one pass has not converged: worse than the MLE.
  EXPECT_LT(find(scores, "elo").log_likelihood, bt.log_likelihood);
}

TEST(CrossValidationTest, DeterministicForASeedAndDavidsonWithTies) {
  const ComparisonSet data = simulate({0.8, 0.0, -0.8}, 600, 9, 0.2);
  CvOptions options;
  options.seed = 3;
  const auto one = cross_validate(data, options);
  const auto two = cross_validate(data, options);
  ASSERT_EQ(one.size(), 4u);
  for (size_t k = 0; k < one.size(); ++k) {
    EXPECT_EQ(one[k].log_likelihood, two[k].log_likelihood);
    EXPECT_EQ(one[k].accuracy, two[k].accuracy);
  }
  options.seed = 4;
  const auto other = cross_validate(data, options);
  EXPECT_NE(one[0].log_likelihood, other[0].log_likelihood);
  const CvScore& d = find(one, "davidson");
  EXPECT_TRUE(d.error.empty()) << d.error;
  EXPECT_LT(d.decided, 600.0);  // ties are not counted in accuracy
  EXPECT_EQ(d.decided, find(one, "bt").decided);
  EXPECT_GT(d.accuracy, 0.5);
}

TEST(CrossValidationTest, FailedFitIsReportedAndBadArgumentsThrow) {
  // Item c only ever loses: the MLE does not exist in any training fold.
  ComparisonSet set;
  for (const char* name : {"a", "b", "c"}) set.intern(name);
  for (int k = 0; k < 10; ++k) {
    set.add({0, 1, k % 3 == 0 ? 0.0 : 1.0, 1.0, false});
    set.add({0, 2, 1.0, 1.0, false});
    set.add({1, 2, 1.0, 1.0, false});
  }
  CvOptions options;
  options.models = {"bt"};
  const auto scores = cross_validate(set, options);
  ASSERT_EQ(scores.size(), 1u);
  EXPECT_NE(scores[0].error.find("never wins"), std::string::npos) << scores[0].error;
  EXPECT_TRUE(std::isnan(scores[0].log_likelihood));
  options.model.prior = 1.0;
  EXPECT_TRUE(cross_validate(set, options)[0].error.empty());
  options.folds = 1;
  EXPECT_THROW(cross_validate(set, options), Error);
  options.folds = 31;
  EXPECT_THROW(cross_validate(set, options), Error);
  options.folds = 5;
  options.models = {"nope"};
  EXPECT_THROW(cross_validate(set, options), Error);
}

TEST(CrossValidationTest, PlackettLuceOnRankings) {
  const std::vector<double> truth = {0.9, 0.5, 0.1, -0.2, -0.5, -0.8};  // mean 0
  Rng rng(21);
  std::vector<Ranking> rankings;
  for (int t = 0; t < 3000; ++t) {
    std::vector<std::pair<double, int32_t>> keys;  // Gumbel trick: sorted keys are a PL sample
    for (size_t i = 0; i < truth.size(); ++i) {
      keys.emplace_back(truth[i] - std::log(-std::log(rng.uniform() + 1e-300)),
                        static_cast<int32_t>(i));
    }
    std::sort(keys.rbegin(), keys.rend());
    Ranking r;
    for (size_t k = 0; k < 3; ++k) r.order.push_back(keys[k].second);  // top-3 of 6
    for (size_t k = 3; k < keys.size(); ++k) r.unranked.push_back(keys[k].second);
    rankings.push_back(r);
  }
  CvOptions options;
  options.seed = 5;
  const CvScore score = cross_validate_rankings(6, rankings, options);
  ASSERT_TRUE(score.error.empty()) << score.error;
  EXPECT_EQ(score.model, "pl");
  EXPECT_DOUBLE_EQ(score.held_out_weight, 3000.0);
  EXPECT_EQ(score.decided, 3000.0 * 12);  // a top-3 of 6 implies 5 + 4 + 3 preferences
  // Held-out log-likelihood close to the truth's (the best a model can expect), far above the
  // uniform model's log(1 / (6 * 5 * 4)).
  const double truth_ll = plackett_luce_log_likelihood(6, rankings, truth) / 3000.0;
  EXPECT_NEAR(score.log_likelihood, truth_ll, 0.02);
  EXPECT_GT(score.log_likelihood, -std::log(120.0) + 0.1);
  EXPECT_GT(score.accuracy, 0.6);
  EXPECT_EQ(cross_validate_rankings(6, rankings, options).log_likelihood, score.log_likelihood);
  // An item that is never ranked above another: no MLE in any fold, reported per fold.
  std::vector<Ranking> bad = {{{0, 1}, {2}, 1.0}, {{1, 0}, {2}, 1.0}, {{0, 2}, {}, 1.0}};
  options.folds = 3;
  const CvScore failed = cross_validate_rankings(3, bad, options);
  EXPECT_NE(failed.error.find("fold 1"), std::string::npos) << failed.error;
  PlOptions prior;
  prior.prior_shape = 2.0;
  EXPECT_TRUE(cross_validate_rankings(3, bad, options, prior).error.empty());
}

}  // namespace
}  // namespace valor::rank
