// The lab's exactness tests (issue 18): with population preferences (Bradley-Terry on the gold
// reward, pairs from pi_ref x pi_ref) and a tabular policy, each method converges to its known
// optimum on an enumerable task.
#include <gtest/gtest.h>

#include <cmath>

#include "valor/align/exact.h"
#include "valor/align/pairwise.h"
#include "valor/align/testing_exact.h"
#include "valor/align/trainer.h"
#include "valor/core/error.h"

namespace valor::align {
namespace {

using testing::prompt_of;
using testing::small_task;
using testing::train_exact;
using testing::Trained;

TEST(AlignExactness, DpoConvergesToTheKlRegularisedOptimum) {
  const Task task(small_task());
  MethodOptions options;
  options.beta = 0.5;
  const Trained t = train_exact(task, "dpo", options, 3000, 0.05);
  const uint64_t n = task.shape().num_sequences();
  for (int x = 0; x < task.shape().prompts; ++x) {
    const auto optimum =
        kl_optimum(prompt_of(t.log_ref, x, n), prompt_of(t.gold, x, n), options.beta);
    EXPECT_LT(total_variation(prompt_of(t.log_pi, x, n), optimum), 1e-3) << "prompt " << x;
    EXPECT_GT(total_variation(prompt_of(t.log_ref, x, n), optimum), 0.05);  // a real move
    // The implicit reward beta log(pi / pi_ref) is r* up to a per-prompt constant.
    double mean = 0.0;
    std::vector<double> gap(n);
    for (uint64_t y = 0; y < n; ++y) {
      gap[y] = options.beta * (t.log_pi[x * n + y] - t.log_ref[x * n + y]) - t.gold[x * n + y];
      mean += gap[y] / static_cast<double>(n);
    }
    for (uint64_t y = 0; y < n; ++y)
      EXPECT_NEAR(gap[y], mean, 5e-3) << "prompt " << x << " y " << y;
  }
}

TEST(AlignExactness, IpoConvergesToItsIdentityPreferenceOptimum) {
  const Task task(small_task());
  MethodOptions options;
  options.tau = 0.5;
  const Trained t = train_exact(task, "ipo", options, 3000, 0.05);
  const uint64_t n = task.shape().num_sequences();
  for (int x = 0; x < task.shape().prompts; ++x) {
    const auto ref = prompt_of(t.log_ref, x, n);
    const auto gold = prompt_of(t.gold, x, n);
    // pi ~ pi_ref exp(P(y > mu) / tau): a KL optimum with reward P(y > mu) and beta = tau.
    std::vector<double> win(n, 0.0);
    for (uint64_t y = 0; y < n; ++y) {
      for (uint64_t z = 0; z < n; ++z) win[y] += std::exp(ref[z]) * sigmoid(gold[y] - gold[z]);
    }
    const auto optimum = kl_optimum(ref, win, options.tau);
    EXPECT_LT(total_variation(prompt_of(t.log_pi, x, n), optimum), 1e-3) << "prompt " << x;
    // and it is not DPO's optimum.
    EXPECT_GT(total_variation(optimum, kl_optimum(ref, gold, options.tau)), 1e-2);
  }
}

TEST(AlignPairLosses, DerivativesEqualFiniteDifferences) {
  MethodOptions options;
  options.beta = 0.7;
  options.tau = 0.3;
  options.label_smoothing = 0.2;
  for (const char* name : {"dpo", "cdpo", "ipo"}) {
    auto method = find_method(name).make();
    const auto& pairwise = dynamic_cast<const PairwiseMethod&>(*method);
    for (double h : {-3.0, -0.4, 0.0, 1.1, 5.0}) {
      for (double o : {0.0, 0.3, 1.0}) {
        double d = 0.0, unused = 0.0;
        pairwise.pair_loss(h, o, options, &d);
        const double e = 1e-6;
        const double fd = (pairwise.pair_loss(h + e, o, options, &unused) -
                           pairwise.pair_loss(h - e, o, options, &unused)) /
                          (2 * e);
        EXPECT_NEAR(d, fd, 1e-6) << name << " h " << h << " o " << o;
      }
    }
  }
}

TEST(AlignPairLosses, ConservativeDpoWithoutSmoothingIsDpo) {
  MethodOptions options;
  options.label_smoothing = 0.0;
  auto dpo = find_method("dpo").make();
  auto cdpo = find_method("cdpo").make();
  double a = 0.0, b = 0.0;
  EXPECT_EQ(dynamic_cast<PairwiseMethod&>(*dpo).pair_loss(0.8, 1.0, options, &a),
            dynamic_cast<PairwiseMethod&>(*cdpo).pair_loss(0.8, 1.0, options, &b));
  EXPECT_EQ(a, b);
}

TEST(AlignMethods, UnknownNamesAndBadOptionsAreErrors) {
  EXPECT_THROW(find_method("ppo2"), Error);
  MethodOptions options;
  options.beta = 0.0;
  EXPECT_THROW(check_method_options("dpo", options), Error);
  options.beta = -1.0;
  EXPECT_THROW(check_method_options("dpo", options), Error);
  options = MethodOptions{};
  options.tau = 0.0;
  EXPECT_THROW(check_method_options("ipo", options), Error);
  options = MethodOptions{};
  options.label_smoothing = 0.5;
  EXPECT_THROW(check_method_options("cdpo", options), Error);
}

}  // namespace
}  // namespace valor::align
