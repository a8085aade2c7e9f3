#include "valor/reward/scoring.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "valor/core/error.h"
#include "valor/core/gnuplot.h"
#include "valor/reward/ensemble.h"
#include "valor/reward/evaluation.h"
#include "valor/reward/synthetic.h"

namespace valor::reward {
namespace {

using ::testing::HasSubstr;

TEST(ScoringTest, EnsembleRulesByHand) {
  // Three members, two inputs: input 0 scored 1, 2, 6 (mean 3, min 1, variance (4+1+9)/3);
  // input 1 scored -1, -1, -1 (no disagreement: every rule gives -1).
  const std::vector<std::vector<double>> members = {{1, -1}, {2, -1}, {6, -1}};
  EXPECT_EQ(ensemble_scores(members, EnsembleRule::kMean), (std::vector<double>{3, -1}));
  EXPECT_EQ(ensemble_scores(members, EnsembleRule::kWorstCase), (std::vector<double>{1, -1}));
  const auto uwo = ensemble_scores(members, EnsembleRule::kUncertaintyWeighted, 0.5);
  EXPECT_NEAR(uwo[0], 3.0 - 0.5 * 14.0 / 3.0, 1e-12);
  EXPECT_EQ(uwo[1], -1.0);
  EXPECT_EQ(ensemble_scores(members, EnsembleRule::kUncertaintyWeighted, 0.0)[0], 3.0);
  EXPECT_EQ(parse_ensemble_rule("wco"), EnsembleRule::kWorstCase);
  try {
    parse_ensemble_rule("max");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("accepted: mean, wco"));
  }
  EXPECT_THROW(ensemble_scores({{1.0}, {1.0, 2.0}}, EnsembleRule::kMean), Error);
  EXPECT_THROW(ensemble_scores(members, EnsembleRule::kUncertaintyWeighted, -1.0), Error);
}

TEST(ScoringTest, CentredLogSigmoidAndCombinationsByHand) {
  // log sigma(0) = -log 2; log sigma(2) = -log(1 + e^-2); far below the reference ~ r - r_ref.
  EXPECT_NEAR(centred_log_sigmoid(1.0, 1.0), -std::log(2.0), 1e-15);
  EXPECT_NEAR(centred_log_sigmoid(3.0, 1.0), -std::log1p(std::exp(-2.0)), 1e-15);
  EXPECT_NEAR(centred_log_sigmoid(-800.0, 0.0), -800.0, 1e-9);
  EXPECT_EQ(centred_log_sigmoid(800.0, 0.0), 0.0);
  // numpy.quantile([4, 1, 3, 2], 0.5) = 2.5, 0.25 -> 1.75, 1 -> 4.
  const std::vector<double> values = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(quantile(values, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile(values, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(quantile(values, 1.0), 4.0);
  EXPECT_THROW(quantile(values, 1.5), Error);
  const std::vector<int> prompt = {0, 1, 0, 1};
  EXPECT_EQ(quantile_per_prompt(values, prompt, 2, 0.5), (std::vector<double>{3.5, 1.5}));
  EXPECT_THROW(quantile_per_prompt(values, prompt, 3, 0.5), Error);
  // Two models: plain sum 1 + 5 = 6; transformed: log sigma(1 - 0) + log sigma(5 - 10).
  EXPECT_EQ(sum_rewards({{1.0}, {5.0}}), std::vector<double>{6.0});
  const auto t = sum_transformed_rewards({{1.0}, {5.0}}, {{0.0}, {10.0}});
  EXPECT_NEAR(t[0], -std::log1p(std::exp(-1.0)) - std::log1p(std::exp(5.0)), 1e-12);
  // The AND: one model far below its reference dominates the transformed sum, not the plain one.
  const auto plain = sum_rewards({{12.0, 3.0}, {-4.0, 3.0}});
  const auto anded = sum_transformed_rewards({{12.0, 3.0}, {-4.0, 3.0}}, {{0.0, 0.0}, {0.0, 0.0}});
  EXPECT_GT(plain[0], plain[1]);
  EXPECT_LT(anded[0], anded[1]);
}

TEST(ScoringTest, EvaluationByHand) {
  // p = 0.8 (a won), 0.3 (a won: wrong), 0.6 (tie: not in the accuracy), weights 1, 2, 1.
  const PairEvaluation e = evaluate_pairs({0.8, 0.3, 0.6}, {1.0, 1.0, 0.5}, {1.0, 2.0, 1.0}, 2);
  EXPECT_NEAR(e.log_likelihood,
              std::log(0.8) + 2 * std::log(0.3) + 0.5 * std::log(0.6) + 0.5 * std::log(0.4), 1e-12);
  EXPECT_NEAR(e.mean_log_likelihood, e.log_likelihood / 4.0, 1e-15);
  EXPECT_NEAR(e.accuracy, 1.0 / 3.0, 1e-15);
  // Bin [0, 0.5): p 0.3, o 1, weight 2 -> |0.3 - 1|; bin [0.5, 1]: weights 1, 1 -> mean p 0.7,
  // mean o 0.75. ECE = (2/4) 0.7 + (2/4) 0.05.
  EXPECT_NEAR(e.expected_calibration_error, 0.5 * 0.7 + 0.5 * 0.05, 1e-12);
  EXPECT_NEAR(e.bins[1].mean_predicted, 0.7, 1e-15);
  EXPECT_THROW(evaluate_pairs({1.2}, {1.0}, {1.0}), Error);
}

TEST(ScoringTest, ReliabilityDiagramIsAPng) {
  if (find_on_path("gnuplot").empty()) GTEST_SKIP() << "gnuplot is not installed";
  const auto png = std::filesystem::temp_directory_path() / "valor-reliability-test.png";
  std::filesystem::remove(png);
  plot_reliability_diagram(evaluate_pairs({0.1, 0.4, 0.45, 0.9}, {0, 1, 0, 1}, {1, 1, 1, 1}), png,
                           "test");
  std::ifstream in(png, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  EXPECT_EQ(std::string(magic, 8), "\x89PNG\r\n\x1a\n");
  std::filesystem::remove(png);
}

TEST(EnsembleTest, MembersDifferAndTheirScoringRulesOrder) {
  const SyntheticPreferences s = make_synthetic_preferences(6, 2000, 3);
  const PairDataset data = make_pair_dataset(s.data);
  MlpOptions options;
  options.hidden = {32};
  options.max_epochs = 10;
  options.seed = 7;
  const auto members = train_mlp_ensemble(data, options, 3);
  ASSERT_EQ(members.size(), 3u);
  EXPECT_NE(members[0].parameters(), members[1].parameters());
  // Member k is the single model trained with seed + k.
  EXPECT_EQ(members[2].parameters(),
            train_mlp_reward(data, member_options(options, 2)).parameters());
  // Bootstrap members train on resamples: a different model from the same seed.
  MlpOptions bootstrap = options;
  bootstrap.bootstrap = true;
  EXPECT_NE(train_mlp_ensemble(data, bootstrap, 1)[0].parameters(), members[0].parameters());
  const auto rewards = member_rewards(members, s.data.table);
  const auto mean = ensemble_scores(rewards, EnsembleRule::kMean);
  const auto wco = ensemble_scores(rewards, EnsembleRule::kWorstCase);
  const auto uwo = ensemble_scores(rewards, EnsembleRule::kUncertaintyWeighted, 1.0);
  size_t disagreements = 0;
  for (size_t r = 0; r < mean.size(); ++r) {
    EXPECT_LE(wco[r], mean[r]);
    EXPECT_LE(uwo[r], mean[r]);
    disagreements += wco[r] < mean[r];
  }
  EXPECT_GT(disagreements, mean.size() / 2);
  // Each member learns the reward: its rewards correlate with the true ones.
  for (const auto& m : rewards) {
    double sxy = 0, sxx = 0, syy = 0, mx = 0, my = 0;
    const auto n = static_cast<double>(m.size());
    for (size_t r = 0; r < m.size(); ++r) {
      mx += m[r] / n;
      my += s.true_reward[r] / n;
    }
    for (size_t r = 0; r < m.size(); ++r) {
      sxy += (m[r] - mx) * (s.true_reward[r] - my);
      sxx += (m[r] - mx) * (m[r] - mx);
      syy += (s.true_reward[r] - my) * (s.true_reward[r] - my);
    }
    EXPECT_GT(sxy / std::sqrt(sxx * syy), 0.5);
  }
}

}  // namespace
}  // namespace valor::reward
