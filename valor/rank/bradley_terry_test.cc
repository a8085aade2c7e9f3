#include "valor/rank/bradley_terry.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <numbers>

#include "valor/core/error.h"
#include "valor/core/random.h"

namespace valor::rank {
namespace {

void add_n(ComparisonSet& set, int32_t a, int32_t b, double outcome, int times) {
  for (int k = 0; k < times; ++k) set.add({a, b, outcome, 1.0, outcome == 0.5});
}

double mean(const std::vector<double>& v) {
  double s = 0.0;
  for (const double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// Penalised log-likelihood written out from the definition, one comparison at a time.
double objective(const ComparisonSet& set, const std::vector<double>& b, double prior_sd) {
  double f = 0.0;
  for (const Comparison& c : set.comparisons()) {
    const double p = 1.0 / (1.0 + std::exp(-(b[c.a] - b[c.b])));
    f += c.weight * (c.outcome * std::log(p) + (1.0 - c.outcome) * std::log(1.0 - p));
  }
  if (prior_sd > 0.0) {
    for (const double x : b) f -= x * x / (2.0 * prior_sd * prior_sd);
  }
  return f;
}

BtOptions dense(double prior_sd = 0.0) {
  BtOptions options;
  options.prior_sd = prior_sd;
  options.solver = BtSolver::kDense;
  return options;
}

BtOptions sparse(double prior_sd = 0.0) {
  BtOptions options = dense(prior_sd);
  options.solver = BtSolver::kSparse;
  return options;
}

ComparisonSet random_set(uint64_t seed, int items, int comparisons) {
  ComparisonSet set;
  for (int i = 0; i < items; ++i) set.intern(fmt::format("item{}", i));
  Rng rng(seed);
  for (int k = 0; k < comparisons; ++k) {
    const auto a = static_cast<int32_t>(rng.below(static_cast<uint64_t>(items)));
    auto b = static_cast<int32_t>(rng.below(static_cast<uint64_t>(items - 1)));
    if (b >= a) ++b;
    const double u = rng.uniform();
    // Mostly hard outcomes biased by index, some ties and soft outcomes, varied weights.
    double outcome =
        u < 0.1 ? 0.5 : (u < 0.2 ? rng.uniform() : (rng.bernoulli(a < b ? 0.7 : 0.3) ? 1.0 : 0.0));
    set.add({a, b, outcome, 0.5 + rng.uniform(), outcome == 0.5});
  }
  return set;
}

TEST(BradleyTerryTest, TwoItemsThreeWinsOneLoss) {
  ComparisonSet set;
  const int32_t a = set.intern("a");
  const int32_t b = set.intern("b");
  add_n(set, a, b, 1.0, 3);
  add_n(set, b, a, 1.0, 1);
  for (const BtFit& fit : {bradley_terry_mm(set), bradley_terry_newton(set, dense()),
                           bradley_terry_newton(set, sparse())}) {
    ASSERT_TRUE(fit.converged);
    EXPECT_NEAR(fit.ratings[a] - fit.ratings[b], std::log(3.0), 1e-9);
    EXPECT_NEAR(fit.ratings[a] + fit.ratings[b], 0.0, 1e-12);
    EXPECT_NEAR(fit.log_likelihood, 3.0 * std::log(0.75) + std::log(0.25), 1e-9);
  }
}

TEST(BradleyTerryTest, TiesCountAsHalfWins) {
  ComparisonSet set;
  const int32_t a = set.intern("a");
  const int32_t b = set.intern("b");
  set.add({a, b, 1.0, 1.0, false});
  set.add({b, a, 0.5, 1.0, true});  // a: 1.5 wins, b: 0.5 wins
  for (const BtFit& fit : {bradley_terry_mm(set), bradley_terry_newton(set, dense()),
                           bradley_terry_newton(set, sparse())}) {
    EXPECT_NEAR(fit.ratings[a] - fit.ratings[b], std::log(3.0), 1e-9);
  }
  // Weights scale the counts: one a-win of weight 3 and one b-win of weight 1 is 3 : 1.
  ComparisonSet weighted;
  weighted.intern("a");
  weighted.intern("b");
  weighted.add({0, 1, 1.0, 3.0, false});
  weighted.add({0, 1, 0.0, 1.0, false});
  EXPECT_NEAR(bradley_terry_newton(weighted).ratings[0] - bradley_terry_newton(weighted).ratings[1],
              std::log(3.0), 1e-9);
}

TEST(BradleyTerryTest, ThreeItemChainByHand) {
  // Only pairs (a, b) and (b, c) are compared, so the MLE fits each pair's odds exactly:
  // b_a - b_b = ln 3, b_b - b_c = ln 2; with mean zero b_b = (ln 2 - ln 3) / 3.
  ComparisonSet set;
  const int32_t a = set.intern("a");
  const int32_t b = set.intern("b");
  const int32_t c = set.intern("c");
  add_n(set, a, b, 1.0, 3);
  add_n(set, a, b, 0.0, 1);
  add_n(set, b, c, 1.0, 2);
  add_n(set, c, b, 1.0, 1);
  const double bb = (std::log(2.0) - std::log(3.0)) / 3.0;
  for (const BtFit& fit : {bradley_terry_mm(set), bradley_terry_newton(set, dense()),
                           bradley_terry_newton(set, sparse())}) {
    EXPECT_NEAR(fit.ratings[b], bb, 1e-9);
    EXPECT_NEAR(fit.ratings[a], bb + std::log(3.0), 1e-9);
    EXPECT_NEAR(fit.ratings[c], bb - std::log(2.0), 1e-9);
  }
}

TEST(BradleyTerryTest, SymmetricCycleGivesEqualRatings) {
  ComparisonSet set;
  const int32_t a = set.intern("a");
  const int32_t b = set.intern("b");
  const int32_t c = set.intern("c");
  add_n(set, a, b, 1.0, 2);
  add_n(set, b, a, 1.0, 1);
  add_n(set, b, c, 1.0, 2);
  add_n(set, c, b, 1.0, 1);
  add_n(set, c, a, 1.0, 2);
  add_n(set, a, c, 1.0, 1);
  for (const BtFit& fit :
       {bradley_terry_newton(set, dense()), bradley_terry_newton(set, sparse())}) {
    for (const double x : fit.ratings) EXPECT_NEAR(x, 0.0, 1e-12);
  }
}

TEST(BradleyTerryTest, MmAndNewtonAgreeOnRandomData) {
  for (const uint64_t seed : {1u, 2u, 3u}) {
    const ComparisonSet set = random_set(seed, 8, 400);
    BtOptions options;
    options.tolerance = 1e-13;
    const BtFit mm = bradley_terry_mm(set, options);
    const BtFit newton = bradley_terry_newton(set, options);
    ASSERT_TRUE(mm.converged);
    ASSERT_TRUE(newton.converged);
    EXPECT_LT(newton.iterations, 30);
    for (size_t i = 0; i < set.num_items(); ++i) {
      EXPECT_NEAR(mm.ratings[i], newton.ratings[i], 1e-8) << "seed " << seed << " item " << i;
    }
    EXPECT_NEAR(mean(newton.ratings), 0.0, 1e-12);
    EXPECT_NEAR(mm.log_likelihood, newton.log_likelihood, 1e-9);
    EXPECT_NEAR(newton.log_likelihood, objective(set, newton.ratings, 0.0), 1e-8);
    // Not an easy case: the ratings are spread out.
    EXPECT_GT(newton.ratings[0] - newton.ratings[7], 0.5);
  }
}

TEST(BradleyTerryTest, NewtonWithPriorHasZeroGradient) {
  const ComparisonSet set = random_set(7, 10, 200);
  BtOptions options;
  options.prior_sd = 0.5;
  const BtFit fit = bradley_terry_newton(set, options);
  ASSERT_TRUE(fit.converged);
  const BtFit sparse_fit = bradley_terry_newton(set, sparse(0.5));
  ASSERT_TRUE(sparse_fit.converged);
  for (size_t i = 0; i < set.num_items(); ++i) {
    EXPECT_NEAR(sparse_fit.ratings[i], fit.ratings[i], 1e-12) << "item " << i;
  }
  const double h = 1e-5;
  for (size_t i = 0; i < set.num_items(); ++i) {
    std::vector<double> up = fit.ratings;
    std::vector<double> down = fit.ratings;
    up[i] += h;
    down[i] -= h;
    const double g = (objective(set, up, 0.5) - objective(set, down, 0.5)) / (2.0 * h);
    EXPECT_NEAR(g, 0.0, 1e-5) << "item " << i;
  }
  EXPECT_NEAR(mean(fit.ratings), 0.0, 1e-9);  // implied by the prior at the optimum
  // The prior shrinks: the spread is smaller than the MLE's.
  const BtFit mle = bradley_terry_newton(set);
  EXPECT_LT(fit.ratings[0] - fit.ratings[9], mle.ratings[0] - mle.ratings[9]);
  EXPECT_NEAR(fit.log_likelihood, objective(set, fit.ratings, 0.0), 1e-8);
  EXPECT_THROW(bradley_terry_mm(set, options), Error);
}

TEST(BradleyTerryTest, RecoversSimulatedRatings) {
  constexpr int kItems = 20;
  Rng rng(20240601);
  std::vector<double> truth(kItems);
  for (double& x : truth) x = rng.normal();
  const double m = mean(truth);
  for (double& x : truth) x -= m;
  ComparisonSet set;
  for (int i = 0; i < kItems; ++i) set.intern(fmt::format("m{}", i));
  for (int k = 0; k < 20000; ++k) {
    const auto a = static_cast<int32_t>(rng.below(kItems));
    auto b = static_cast<int32_t>(rng.below(kItems - 1));
    if (b >= a) ++b;
    const double p = 1.0 / (1.0 + std::exp(-(truth[a] - truth[b])));
    set.add({a, b, rng.bernoulli(p) ? 1.0 : 0.0, 1.0, false});
  }
  const BtFit fit = bradley_terry_newton(set);
  ASSERT_TRUE(fit.converged);
  const std::vector<double> sd = observed_information_sd(set, fit.ratings);
  // Each item is in ~2000 comparisons, so its standard error is about 0.05.
  double worst_z = 0.0;
  for (int i = 0; i < kItems; ++i) {
    EXPECT_NEAR(fit.ratings[i], truth[i], 0.2) << "item " << i;
    EXPECT_GT(sd[i], 0.03);
    EXPECT_LT(sd[i], 0.08);
    worst_z = std::max(worst_z, std::abs(fit.ratings[i] - truth[i]) / sd[i]);
  }
  EXPECT_LT(worst_z, 4.0);
}

TEST(BradleyTerryTest, ObservedInformationTwoItems) {
  // n comparisons between two items: Var(b_a - b_b) = 1 / (n p (1 - p)), and with the mean-zero
  // constraint b_a = (b_a - b_b) / 2, so sd(b_a) = sqrt(1 / (n p (1 - p))) / 2.
  ComparisonSet set;
  set.intern("a");
  set.intern("b");
  add_n(set, 0, 1, 1.0, 3);
  add_n(set, 0, 1, 0.0, 1);
  const BtFit fit = bradley_terry_newton(set);
  const std::vector<double> sd = observed_information_sd(set, fit.ratings);
  const double expected = std::sqrt(1.0 / (4.0 * 0.75 * 0.25)) / 2.0;
  EXPECT_NEAR(sd[0], expected, 1e-9);
  EXPECT_NEAR(sd[1], expected, 1e-9);
}

TEST(BradleyTerryTest, DisconnectedGraphNeedsPrior) {
  ComparisonSet set;
  const int32_t a = set.intern("alpha");
  const int32_t b = set.intern("beta");
  const int32_t c = set.intern("gamma");
  const int32_t d = set.intern("delta");
  add_n(set, a, b, 1.0, 2);
  add_n(set, b, a, 1.0, 1);
  add_n(set, c, d, 1.0, 2);
  add_n(set, d, c, 1.0, 1);
  try {
    bradley_terry_newton(set);
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("disconnected"), std::string::npos) << message;
    EXPECT_NE(message.find("'alpha'"), std::string::npos) << message;
    EXPECT_NE(message.find("'gamma'"), std::string::npos) << message;
    EXPECT_NE(message.find("--prior"), std::string::npos) << message;
  }
  EXPECT_THROW(bradley_terry_mm(set), Error);
  EXPECT_THROW(bradley_terry_newton(set, sparse()), Error);
  EXPECT_THROW(observed_information_sd(set, std::vector<double>(4, 0.0)), Error);
  BtOptions options;
  options.prior_sd = 1.0;
  const BtFit fit = bradley_terry_newton(set, options);
  EXPECT_TRUE(fit.converged);
  const BtFit sparse_fit = bradley_terry_newton(set, sparse(1.0));
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(sparse_fit.ratings[i], fit.ratings[i], 1e-12);
  EXPECT_GT(fit.ratings[a], fit.ratings[b]);
  EXPECT_GT(fit.ratings[c], fit.ratings[d]);
  EXPECT_NEAR(fit.ratings[a], fit.ratings[c], 1e-9);  // symmetric components
  for (const double s : observed_information_sd(set, fit.ratings, options)) {
    EXPECT_TRUE(std::isfinite(s));
  }
}

TEST(BradleyTerryTest, UndefeatedItemNeedsPrior) {
  ComparisonSet set;
  const int32_t a = set.intern("champ");
  const int32_t b = set.intern("b");
  const int32_t c = set.intern("c");
  add_n(set, a, b, 1.0, 2);
  add_n(set, c, a, 0.0, 1);  // a beats c
  add_n(set, b, c, 1.0, 1);
  add_n(set, c, b, 1.0, 1);
  for (const bool mm : {false, true}) {
    try {
      if (mm) {
        bradley_terry_mm(set);
      } else {
        bradley_terry_newton(set);
      }
      FAIL() << "expected valor::Error";
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("'champ' never loses"), std::string::npos) << message;
    }
  }
  BtOptions options;
  options.prior_sd = 2.0;
  const BtFit fit = bradley_terry_newton(set, options);
  EXPECT_TRUE(fit.converged);
  EXPECT_GT(fit.ratings[a], fit.ratings[b] + 0.5);
  EXPECT_TRUE(std::isfinite(fit.ratings[a]));
}

TEST(BradleyTerryTest, WinlessItemAndDominatingGroup) {
  ComparisonSet set;
  const int32_t a = set.intern("a");
  const int32_t b = set.intern("b");
  const int32_t c = set.intern("loser");
  add_n(set, a, b, 1.0, 1);
  add_n(set, b, a, 1.0, 1);
  add_n(set, a, c, 1.0, 1);
  try {
    bradley_terry_newton(set);
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'loser' never wins"), std::string::npos) << e.what();
  }
  // Every item wins and loses, but {c, d} never beats {a, b}: Ford's condition fails.
  ComparisonSet groups;
  for (const char* name : {"a", "b", "c", "d"}) groups.intern(name);
  add_n(groups, 0, 1, 1.0, 1);
  add_n(groups, 1, 0, 1.0, 1);
  add_n(groups, 2, 3, 1.0, 1);
  add_n(groups, 3, 2, 1.0, 1);
  add_n(groups, 0, 2, 1.0, 1);
  add_n(groups, 1, 3, 1.0, 1);
  EXPECT_THROW(bradley_terry_newton(groups), Error);
  EXPECT_THROW(bradley_terry_mm(groups), Error);
  EXPECT_THROW(check_bt_mle_exists(groups), Error);
  add_n(groups, 3, 0, 1.0, 1);  // now d beat a once: the MLE exists
  EXPECT_NO_THROW(check_bt_mle_exists(groups));
  EXPECT_TRUE(bradley_terry_newton(groups).converged);
}

// The sparse Newton-CG solver against the dense LDLT one on a sparse random graph large enough
// for kAuto to pick sparse: ties, soft outcomes and weights, with and without a prior.
TEST(BradleyTerryTest, SparseSolverEqualsDense) {
  const ComparisonSet set = random_set(11, 400, 12000);  // 30 comparisons per item
  for (const double prior_sd : {0.0, 1.0}) {
    const BtFit d = bradley_terry_newton(set, dense(prior_sd));
    const BtFit s = bradley_terry_newton(set, sparse(prior_sd));
    BtOptions automatic;
    automatic.prior_sd = prior_sd;
    const BtFit a = bradley_terry_newton(set, automatic);
    ASSERT_TRUE(d.converged);
    ASSERT_TRUE(s.converged);
    EXPECT_LT(s.iterations, 30);
    double spread = 0.0, worst = 0.0;
    for (size_t i = 0; i < set.num_items(); ++i) {
      worst = std::max(worst, std::abs(s.ratings[i] - d.ratings[i]));
      spread = std::max(spread, std::abs(d.ratings[i]));
      EXPECT_EQ(a.ratings[i], s.ratings[i]);  // 400 > kDenseNewtonMaxItems: kAuto is sparse
    }
    EXPECT_LT(worst, 1e-10) << "prior sd " << prior_sd;
    EXPECT_GT(spread, 0.3);  // not all zero
    EXPECT_NEAR(s.log_likelihood, d.log_likelihood, 1e-8 * std::abs(d.log_likelihood));
    if (prior_sd == 0.0) {
      EXPECT_NEAR(mean(s.ratings), 0.0, 1e-12);
    }
  }
}

// A chain is the worst case for CG (condition number ~ n^2) and has a closed form: on a tree the
// MLE fits every compared pair's odds exactly, b_k - b_{k+1} = ln(wins_k / losses_k).
TEST(BradleyTerryTest, SparseSolverOnALongChain) {
  constexpr int kItems = 600;
  ComparisonSet set;
  for (int i = 0; i < kItems; ++i) set.intern(fmt::format("c{}", i));
  Rng rng(5);
  std::vector<double> gap(kItems - 1);
  for (int k = 0; k + 1 < kItems; ++k) {
    const int wins = 1 + static_cast<int>(rng.below(4));
    const int losses = 1 + static_cast<int>(rng.below(4));
    add_n(set, k, k + 1, 1.0, wins);
    add_n(set, k + 1, k, 1.0, losses);
    gap[static_cast<size_t>(k)] = std::log(static_cast<double>(wins) / losses);
  }
  std::vector<double> expected(kItems, 0.0);
  for (int k = 1; k < kItems; ++k) expected[k] = expected[k - 1] - gap[k - 1];
  const double m = mean(expected);
  const BtFit fit = bradley_terry_newton(set, sparse());
  ASSERT_TRUE(fit.converged);
  for (int k = 0; k < kItems; ++k) EXPECT_NEAR(fit.ratings[k], expected[k] - m, 1e-8) << k;
}

// The standard errors against the textbook formula: the negative Hessian written out per
// comparison, inverted by an SVD (the pseudo-inverse without a prior).
TEST(BradleyTerryTest, ObservedInformationEqualsPseudoInverse) {
  const ComparisonSet set = random_set(4, 30, 900);
  for (const double prior_sd : {0.0, 0.7}) {
    BtOptions options;
    options.prior_sd = prior_sd;
    const BtFit fit = bradley_terry_newton(set, options);
    const std::vector<double> sd = observed_information_sd(set, fit.ratings, options);
    Eigen::MatrixXd h = Eigen::MatrixXd::Zero(30, 30);
    for (const Comparison& c : set.comparisons()) {
      const double p = 1.0 / (1.0 + std::exp(fit.ratings[c.b] - fit.ratings[c.a]));
      const double w = c.weight * p * (1.0 - p);
      h(c.a, c.a) += w;
      h(c.b, c.b) += w;
      h(c.a, c.b) -= w;
      h(c.b, c.a) -= w;
    }
    if (prior_sd > 0.0) h.diagonal().array() += 1.0 / (prior_sd * prior_sd);
    const Eigen::MatrixXd inverse = h.completeOrthogonalDecomposition().pseudoInverse();
    for (int i = 0; i < 30; ++i) {
      EXPECT_NEAR(sd[i], std::sqrt(inverse(i, i)), 1e-10) << "prior " << prior_sd << " item " << i;
    }
  }
}

TEST(BradleyTerryTest, ObservedInformationRefusesHugeDenseInverse) {
  ComparisonSet set;
  for (size_t i = 0; i <= kMaxObservedInformationItems; ++i) set.intern(fmt::format("i{}", i));
  BtOptions options;
  options.prior_sd = 1.0;
  try {
    observed_information_sd(set, std::vector<double>(set.num_items(), 0.0), options);
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("5001 items"), std::string::npos) << message;
    EXPECT_NE(message.find("bootstrap"), std::string::npos) << message;
  }
}

TEST(BradleyTerryTest, EloScale) {
  EXPECT_DOUBLE_EQ(to_elo_scale(0.0), 1000.0);
  EXPECT_NEAR(to_elo_scale(std::log(10.0)), 1400.0, 1e-9);
}

}  // namespace
}  // namespace valor::rank
