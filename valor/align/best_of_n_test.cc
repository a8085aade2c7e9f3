#include "valor/align/best_of_n.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "valor/align/exact.h"
#include "valor/core/error.h"

namespace valor::align {
namespace {

TEST(BestOfN, KlApproachesLogNMinusTheContinuousGapWithoutTies) {
  // Uniform pi_ref over M responses with distinct scores: the discrete BoN KL is below
  // log N - (N - 1)/N and tends to it as M grows.
  for (int n : {2, 4, 16}) {
    const double bound = std::log(n) - (n - 1.0) / n;
    double previous = -1.0;
    for (size_t m : {10u, 1000u, 1000000u}) {
      std::vector<double> log_ref(m, -std::log(static_cast<double>(m))), proxy(m);
      for (size_t y = 0; y < m; ++y)
        proxy[y] = static_cast<double>((y * 7919) % m);  // a permutation
      const auto bon = best_of_n_log_probs(log_ref, proxy, n);
      EXPECT_NEAR(std::exp(log_sum_exp(bon)), 1.0, 1e-9);
      const double kl = kl_divergence(bon, log_ref);
      EXPECT_LE(kl, bound + 1e-12);
      EXPECT_GT(kl, previous);
      previous = kl;
      if (m == 1000000u) {
        EXPECT_NEAR(kl, bound, 1e-4) << n;
      }
    }
  }
}

TEST(BestOfN, OneDrawIsTheReferenceAndTiesShareTheirMass) {
  const std::vector<double> log_ref = {std::log(0.1), std::log(0.2), std::log(0.3), std::log(0.4)};
  const std::vector<double> proxy = {0.0, 1.0, 1.0, -1.0};
  const auto one = best_of_n_log_probs(log_ref, proxy, 1);
  for (size_t y = 0; y < 4; ++y) EXPECT_NEAR(one[y], log_ref[y], 1e-12);
  // N = 2: y3 (score -1) wins only when both draws are y3: 0.16; y0 next: 0.5^2 - 0.16 = 0.09;
  // the tie y1, y2 (mass 0.5): 1 - 0.25 = 0.75, split 0.2 : 0.3.
  const auto two = best_of_n_log_probs(log_ref, proxy, 2);
  EXPECT_NEAR(std::exp(two[3]), 0.16, 1e-12);
  EXPECT_NEAR(std::exp(two[0]), 0.09, 1e-12);
  EXPECT_NEAR(std::exp(two[1]), 0.75 * 0.4, 1e-12);
  EXPECT_NEAR(std::exp(two[2]), 0.75 * 0.6, 1e-12);
  EXPECT_THROW(best_of_n_log_probs(log_ref, proxy, 0), Error);
}

TEST(BestOfN, SampledDrawsMatchTheExactDistribution) {
  TaskSpec spec;
  spec.shape = {2, 3, 2};
  spec.reference_hidden = {8};
  spec.pretrain_steps = 100;
  const Task task(spec);
  MlpPolicy reference = task.reference();
  ExactDistribution d(task.shape());
  d.evaluate(reference);
  const GoldReward gold(task);
  const auto table = reward_table(gold, task.shape());
  const std::vector<double> log_ref(d.log_probs().begin(), d.log_probs().end());
  const BestOfNResult exact = exact_best_of_n(task.shape(), log_ref, table, table, 4);
  Rng rng(3);
  const BestOfNResult sampled = sampled_best_of_n(task, reference, gold, 4, 100000, rng);
  EXPECT_NEAR(sampled.gold, exact.gold, 0.01);
  EXPECT_NEAR(sampled.proxy, exact.gold, 0.01);
  // Best-of-4 on the gold reward beats pi_ref's expected gold reward.
  double reference_gold = 0.0;
  for (int x = 0; x < 2; ++x) {
    reference_gold +=
        expectation(d.log_probs(x), std::span<const double>(table).subspan(x * 9u, 9)) / 2;
  }
  EXPECT_GT(exact.gold, reference_gold + 0.1);
  EXPECT_GT(exact.kl, 0.0);
  EXPECT_LE(exact.kl, std::log(4.0) - 0.75 + 1e-12);
}

}  // namespace
}  // namespace valor::align
