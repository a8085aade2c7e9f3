#include "valor/rank/davidson.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "valor/core/error.h"
#include "valor/core/random.h"

namespace valor::rank {
namespace {

void add_n(ComparisonSet& set, int32_t a, int32_t b, double outcome, int times) {
  for (int k = 0; k < times; ++k) set.add({a, b, outcome, 1.0, outcome == 0.5});
}

// Two items, 3 wins of a, 1 of b, 2 ties: three outcomes and two free parameters, so the fit
// reproduces the observed frequencies: P(a wins) = 3/6, P(b wins) = 1/6, P(tie) = 2/6. With
// x = exp(d/2): x^2 = 3/1 and nu = T / sqrt(W L) = 2 / sqrt(3).
TEST(DavidsonTest, TwoItemsByHand) {
  ComparisonSet set;
  set.intern("a");
  set.intern("b");
  add_n(set, 0, 1, 1.0, 2);
  add_n(set, 1, 0, 0.0, 1);  // b vs a, a won
  add_n(set, 1, 0, 1.0, 1);  // b won
  add_n(set, 0, 1, 0.5, 1);
  add_n(set, 1, 0, 0.5, 1);
  const DavidsonFit fit = bradley_terry_davidson(set);
  ASSERT_TRUE(fit.converged);
  EXPECT_NEAR(fit.ratings[0] - fit.ratings[1], std::log(3.0), 1e-9);
  EXPECT_NEAR(fit.ratings[0] + fit.ratings[1], 0.0, 1e-12);
  EXPECT_NEAR(fit.nu, 2.0 / std::sqrt(3.0), 1e-9);
  const auto p = davidson_probabilities(fit.ratings[0], fit.ratings[1], fit.nu);
  EXPECT_NEAR(p.win, 3.0 / 6.0, 1e-9);
  EXPECT_NEAR(p.loss, 1.0 / 6.0, 1e-9);
  EXPECT_NEAR(p.tie, 2.0 / 6.0, 1e-9);
  const double ll = 3 * std::log(0.5) + std::log(1.0 / 6.0) + 2 * std::log(2.0 / 6.0);
  EXPECT_NEAR(fit.log_likelihood, ll, 1e-9);
  EXPECT_NEAR(davidson_log_likelihood(set, fit.ratings, fit.nu), ll, 1e-9);
}

TEST(DavidsonTest, ProbabilitiesFollowTheDefinition) {
  const double bi = 0.7, bj = -0.4, nu = 1.3;
  const double pi = std::exp(bi), pj = std::exp(bj), s = nu * std::sqrt(pi * pj);
  const auto p = davidson_probabilities(bi, bj, nu);
  EXPECT_NEAR(p.win, pi / (pi + pj + s), 1e-15);
  EXPECT_NEAR(p.loss, pj / (pi + pj + s), 1e-15);
  EXPECT_NEAR(p.tie, s / (pi + pj + s), 1e-15);
  // Far apart ratings stay finite.
  const auto far = davidson_probabilities(800.0, -800.0, 0.5);
  EXPECT_NEAR(far.win, 1.0, 1e-12);
  EXPECT_GE(far.tie, 0.0);
}

ComparisonSet simulate(const std::vector<double>& b, double nu, int n, uint64_t seed) {
  ComparisonSet set;
  for (size_t i = 0; i < b.size(); ++i) set.intern(fmt::format("item{}", i));
  Rng rng(seed);
  for (int k = 0; k < n; ++k) {
    const auto a = static_cast<int32_t>(rng.below(b.size()));
    auto c = static_cast<int32_t>(rng.below(b.size() - 1));
    if (c >= a) ++c;
    const auto p = davidson_probabilities(b[static_cast<size_t>(a)], b[static_cast<size_t>(c)], nu);
    const double u = rng.uniform();
    const double outcome = u < p.win ? 1.0 : (u < p.win + p.tie ? 0.5 : 0.0);
    set.add({a, c, outcome, 1.0, outcome == 0.5});
  }
  return set;
}

TEST(DavidsonTest, RecoversSimulatedParameters) {
  const std::vector<double> truth = {1.0, 0.5, 0.1, -0.3, -0.5, -0.8};  // mean 0
  const double nu = 0.8;
  const ComparisonSet set = simulate(truth, nu, 30000, 17);
  const DavidsonFit fit = bradley_terry_davidson(set);
  ASSERT_TRUE(fit.converged);
  const auto sd = davidson_sd(set, fit);
  for (size_t i = 0; i < truth.size(); ++i) {
    EXPECT_NEAR(fit.ratings[i], truth[i], 4 * sd[i]) << i;
    EXPECT_LT(sd[i], 0.05) << i;
  }
  EXPECT_NEAR(fit.nu, nu, 0.05);
  // The fit is the maximum: the likelihood at the truth is not higher.
  EXPECT_GE(fit.log_likelihood, davidson_log_likelihood(set, truth, nu));
}

// The sparse (conjugate-gradient) Newton steps reach the dense fit, with and without a prior, on
// a sparse graph large enough for kAuto to pick them; and on the small cases of this file.
TEST(DavidsonTest, SparseSolverEqualsDense) {
  std::vector<double> truth(300);
  Rng rng(8);
  for (double& x : truth) x = rng.normal();
  const ComparisonSet set = simulate(truth, 0.6, 9000, 23);
  for (const double prior_sd : {0.0, 1.0}) {
    BtOptions dense, sparse, automatic;
    dense.prior_sd = sparse.prior_sd = automatic.prior_sd = prior_sd;
    dense.solver = BtSolver::kDense;
    sparse.solver = BtSolver::kSparse;
    const DavidsonFit d = bradley_terry_davidson(set, dense);
    const DavidsonFit s = bradley_terry_davidson(set, sparse);
    const DavidsonFit a = bradley_terry_davidson(set, automatic);
    ASSERT_TRUE(d.converged);
    ASSERT_TRUE(s.converged);
    EXPECT_NEAR(s.nu, d.nu, 1e-10);
    for (size_t i = 0; i < truth.size(); ++i) {
      EXPECT_NEAR(s.ratings[i], d.ratings[i], 1e-10) << i;
      EXPECT_EQ(a.ratings[i], s.ratings[i]) << i;
    }
    EXPECT_NEAR(s.log_likelihood, d.log_likelihood, 1e-8 * std::abs(d.log_likelihood));
  }
  const std::vector<double> small = {1.0, 0.5, 0.1, -0.3, -0.5, -0.8};
  const ComparisonSet few = simulate(small, 0.8, 3000, 17);
  BtOptions sparse;
  sparse.solver = BtSolver::kSparse;
  const DavidsonFit s = bradley_terry_davidson(few, sparse);
  const DavidsonFit d = bradley_terry_davidson(few);
  for (size_t i = 0; i < small.size(); ++i) EXPECT_NEAR(s.ratings[i], d.ratings[i], 1e-10) << i;
  EXPECT_NEAR(s.nu, d.nu, 1e-10);
}

TEST(DavidsonTest, PriorGivesZeroGradientAndShrinks) {
  const std::vector<double> truth = {1.5, 0.0, -1.5};
  const ComparisonSet set = simulate(truth, 0.5, 60, 3);
  BtOptions options;
  options.prior_sd = 0.5;
  const DavidsonFit fit = bradley_terry_davidson(set, options);
  ASSERT_TRUE(fit.converged);
  // Penalised objective is stationary: check by central differences in each b_i and in log nu.
  auto objective = [&](std::vector<double> b, double nu) {
    double pen = 0.0;
    for (double x : b) pen += x * x / (2 * 0.25);
    return davidson_log_likelihood(set, b, nu) - pen;
  };
  const double h = 1e-6;
  for (size_t i = 0; i < 3; ++i) {
    auto up = fit.ratings, down = fit.ratings;
    up[i] += h;
    down[i] -= h;
    EXPECT_NEAR((objective(up, fit.nu) - objective(down, fit.nu)) / (2 * h), 0.0, 1e-5) << i;
  }
  const double t = std::log(fit.nu);
  EXPECT_NEAR(
      (objective(fit.ratings, std::exp(t + h)) - objective(fit.ratings, std::exp(t - h))) / (2 * h),
      0.0, 1e-5);
  const DavidsonFit mle = bradley_terry_davidson(set);
  EXPECT_LT(fit.ratings[0], mle.ratings[0]);
}

TEST(DavidsonTest, NoTiesOrOnlyTiesAreExplainedErrors) {
  ComparisonSet set;
  set.intern("a");
  set.intern("b");
  add_n(set, 0, 1, 1.0, 2);
  add_n(set, 0, 1, 0.0, 1);
  try {
    bradley_terry_davidson(set);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("no tie"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("--ties half"));
  }
  ComparisonSet ties;
  ties.intern("a");
  ties.intern("b");
  add_n(ties, 0, 1, 0.5, 3);
  EXPECT_THROW(bradley_terry_davidson(ties), Error);
}

TEST(DavidsonTest, DisconnectedNeedsPrior) {
  ComparisonSet set;
  for (const char* name : {"a", "b", "c", "d"}) set.intern(name);
  add_n(set, 0, 1, 1.0, 1);
  add_n(set, 0, 1, 0.5, 1);
  add_n(set, 1, 0, 1.0, 1);
  add_n(set, 2, 3, 1.0, 1);
  add_n(set, 3, 2, 1.0, 1);
  EXPECT_THROW(bradley_terry_davidson(set), Error);
  BtOptions options;
  options.prior_sd = 1.0;
  const DavidsonFit fit = bradley_terry_davidson(set, options);
  EXPECT_TRUE(fit.converged);
  EXPECT_EQ(davidson_sd(set, fit, options).size(), 4u);
}

}  // namespace
}  // namespace valor::rank
