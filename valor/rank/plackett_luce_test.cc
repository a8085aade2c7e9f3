#include "valor/rank/plackett_luce.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "valor/core/error.h"
#include "valor/core/random.h"

namespace valor::rank {
namespace {

TEST(PlackettLuceTest, TwoItemsClosedForm) {
  // a ranked above b 3 of 4 times: log pi_a - log pi_b = ln 3.
  std::vector<Ranking> rankings = {
      {{0, 1}, {}, 1.0}, {{0, 1}, {}, 1.0}, {{0, 1}, {}, 1.0}, {{1, 0}, {}, 1.0}};
  const PlFit fit = fit_plackett_luce_mm(2, rankings);
  ASSERT_TRUE(fit.converged);
  EXPECT_NEAR(fit.log_pi[0] - fit.log_pi[1], std::log(3.0), 1e-8);
  EXPECT_NEAR(fit.log_pi[0] + fit.log_pi[1], 0.0, 1e-12);
  EXPECT_NEAR(fit.log_likelihood, 3 * std::log(0.75) + std::log(0.25), 1e-9);
  // Weights act as counts; a top-1 of {a, b} is the same as a full ranking of two.
  const std::vector<Ranking> weighted = {{{0}, {1}, 3.0}, {{1, 0}, {}, 1.0}};
  EXPECT_NEAR(fit_plackett_luce_mm(2, weighted).log_pi[0], fit.log_pi[0], 1e-8);
}

// Bradley-Terry by Newton's method on b with b_0 fixed at 0 (then centred), for the pairwise case.
std::vector<double> bradley_terry_newton(int n, const std::vector<Ranking>& pairs) {
  std::vector<double> b(static_cast<size_t>(n), 0.0);
  const int m = n - 1;  // free parameters b_1..b_{n-1}
  for (int iter = 0; iter < 100; ++iter) {
    std::vector<double> g(static_cast<size_t>(m), 0.0);
    std::vector<double> h(static_cast<size_t>(m * m), 0.0);
    for (const Ranking& r : pairs) {
      const int w = r.order[0];
      const int l = r.order[1];
      const double p =
          1.0 / (1.0 + std::exp(b[static_cast<size_t>(l)] - b[static_cast<size_t>(w)]));
      const double q = p * (1 - p) * r.weight;
      if (w > 0) g[static_cast<size_t>(w - 1)] += r.weight * (1 - p);
      if (l > 0) g[static_cast<size_t>(l - 1)] -= r.weight * (1 - p);
      for (int x : {w, l}) {
        for (int y : {w, l}) {
          if (x == 0 || y == 0) continue;
          h[static_cast<size_t>((x - 1) * m + (y - 1))] += (x == y ? q : -q);
        }
      }
    }
    // Solve h d = g by Gaussian elimination (h is the negative Hessian, positive definite).
    std::vector<double> d = g;
    for (int c = 0; c < m; ++c) {
      for (int r = c + 1; r < m; ++r) {
        const double f = h[static_cast<size_t>(r * m + c)] / h[static_cast<size_t>(c * m + c)];
        for (int k = c; k < m; ++k)
          h[static_cast<size_t>(r * m + k)] -= f * h[static_cast<size_t>(c * m + k)];
        d[static_cast<size_t>(r)] -= f * d[static_cast<size_t>(c)];
      }
    }
    for (int c = m - 1; c >= 0; --c) {
      for (int k = c + 1; k < m; ++k)
        d[static_cast<size_t>(c)] -= h[static_cast<size_t>(c * m + k)] * d[static_cast<size_t>(k)];
      d[static_cast<size_t>(c)] /= h[static_cast<size_t>(c * m + c)];
    }
    for (int i = 0; i < m; ++i) b[static_cast<size_t>(i + 1)] += d[static_cast<size_t>(i)];
  }
  const double mean = std::accumulate(b.begin(), b.end(), 0.0) / n;
  for (double& v : b) v -= mean;
  return b;
}

TEST(PlackettLuceTest, PairwiseRankingsEqualBradleyTerry) {
  Rng rng(11);
  const int n = 5;
  std::vector<Ranking> pairs;
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      for (int t = 0; t < 6; ++t) {
        const bool i_wins = rng.bernoulli(0.4 + 0.05 * (j - i));
        pairs.push_back({i_wins ? std::vector<int32_t>{i, j} : std::vector<int32_t>{j, i},
                         {},
                         0.5 + rng.uniform()});
      }
    }
  }
  const PlFit fit = fit_plackett_luce_mm(n, pairs);
  ASSERT_TRUE(fit.converged);
  const std::vector<double> bt = bradley_terry_newton(n, pairs);
  for (int i = 0; i < n; ++i)
    EXPECT_NEAR(fit.log_pi[static_cast<size_t>(i)], bt[static_cast<size_t>(i)], 1e-7);
}

// A full ranking drawn from PL by Gumbel-max: sort by log pi_i + Gumbel noise, descending.
Ranking sample_ranking(const std::vector<double>& log_pi, Rng& rng) {
  std::vector<double> key(log_pi.size());
  for (size_t i = 0; i < key.size(); ++i) {
    double u = rng.uniform();
    while (u == 0.0) u = rng.uniform();
    key[i] = log_pi[i] - std::log(-std::log(u));
  }
  Ranking r;
  r.order.resize(key.size());
  std::iota(r.order.begin(), r.order.end(), 0);
  std::sort(r.order.begin(), r.order.end(), [&](int32_t x, int32_t y) {
    return key[static_cast<size_t>(x)] > key[static_cast<size_t>(y)];
  });
  return r;
}

TEST(PlackettLuceTest, RecoversSimulatedFullRankings) {
  const std::vector<double> truth = {-1.4, -0.9, -0.5, -0.1, 0.2, 0.5, 0.9, 1.3};  // mean 0
  Rng rng(424242);
  std::vector<Ranking> rankings;
  for (int t = 0; t < 3000; ++t) rankings.push_back(sample_ranking(truth, rng));
  PlOptions options;
  options.record_history = true;
  const PlFit fit = fit_plackett_luce_mm(8, rankings, options);
  ASSERT_TRUE(fit.converged);
  for (size_t i = 0; i < truth.size(); ++i) EXPECT_NEAR(fit.log_pi[i], truth[i], 0.1) << i;
  EXPECT_GE(fit.log_likelihood, plackett_luce_log_likelihood(8, rankings, truth));
  // MM: the log-likelihood never decreases.
  ASSERT_EQ(fit.log_likelihood_history.size(), static_cast<size_t>(fit.iterations) + 1);
  for (size_t k = 1; k < fit.log_likelihood_history.size(); ++k) {
    EXPECT_GE(fit.log_likelihood_history[k], fit.log_likelihood_history[k - 1] - 1e-9) << k;
  }
  EXPECT_NEAR(fit.log_likelihood_history.back(), fit.log_likelihood, 1e-6);
}

TEST(PlackettLuceTest, TopKMonotoneAndConsistent) {
  // Top-3 of 8 items: the unranked items appear in every denominator.
  const std::vector<double> truth = {-1.0, -0.6, -0.3, 0.0, 0.1, 0.3, 0.6, 0.9};
  Rng rng(99);
  std::vector<Ranking> rankings;
  for (int t = 0; t < 4000; ++t) {
    Ranking full = sample_ranking(truth, rng);
    Ranking top;
    top.order.assign(full.order.begin(), full.order.begin() + 3);
    top.unranked.assign(full.order.begin() + 3, full.order.end());
    rankings.push_back(top);
  }
  PlOptions options;
  options.record_history = true;
  const PlFit fit = fit_plackett_luce_mm(8, rankings, options);
  ASSERT_TRUE(fit.converged);
  for (size_t i = 0; i < truth.size(); ++i) EXPECT_NEAR(fit.log_pi[i], truth[i], 0.15) << i;
  for (size_t k = 1; k < fit.log_likelihood_history.size(); ++k) {
    EXPECT_GE(fit.log_likelihood_history[k], fit.log_likelihood_history[k - 1] - 1e-9) << k;
  }
}

TEST(PlackettLuceTest, LogLikelihoodByHand) {
  // pi = (1, 2, 4): P(2 > 0 > 1) = 4/7 * 1/3; top-1 {1} of {0, 1} = 2/3.
  const std::vector<double> log_pi = {0.0, std::log(2.0), std::log(4.0)};
  const std::vector<Ranking> rankings = {{{2, 0, 1}, {}, 1.0}, {{1}, {0}, 2.0}};
  EXPECT_NEAR(plackett_luce_log_likelihood(3, rankings, log_pi),
              std::log(4.0 / 7.0 / 3.0) + 2.0 * std::log(2.0 / 3.0), 1e-12);
}

TEST(PlackettLuceTest, ErrorsAndPrior) {
  // Item 2 never ranked above anyone.
  const std::vector<Ranking> losing = {{{0, 1, 2}, {}, 1.0}, {{1, 0}, {2}, 1.0}};
  EXPECT_THROW(fit_plackett_luce_mm(3, losing), Error);
  // Item 3 absent from every ranking.
  EXPECT_THROW(fit_plackett_luce_mm(4, {{{0, 1}, {}, 1.0}, {{1, 0}, {}, 1.0}}), Error);
  // Not strongly connected: 0 and 1 always above 2 and 3.
  EXPECT_THROW(fit_plackett_luce_mm(4, {{{0, 1, 2, 3}, {}, 1.0}, {{1, 0, 3, 2}, {}, 1.0}}), Error);
  PlOptions prior;
  prior.prior_shape = 2.0;
  const PlFit fit = fit_plackett_luce_mm(3, losing, prior);
  EXPECT_TRUE(fit.converged);
  EXPECT_LT(fit.log_pi[2], fit.log_pi[0]);
  EXPECT_TRUE(std::isfinite(fit.log_pi[2]));
  // Invalid rankings.
  EXPECT_THROW(fit_plackett_luce_mm(3, {{{}, {0, 1}, 1.0}}), Error);
  EXPECT_THROW(fit_plackett_luce_mm(3, {{{0}, {}, 1.0}}), Error);
  EXPECT_THROW(fit_plackett_luce_mm(3, {{{0, 0}, {}, 1.0}}), Error);
  EXPECT_THROW(fit_plackett_luce_mm(3, {{{0, 1}, {1}, 1.0}}), Error);
  EXPECT_THROW(fit_plackett_luce_mm(3, {{{0, 3}, {}, 1.0}}), Error);
  EXPECT_THROW(fit_plackett_luce_mm(3, {{{0, -1}, {}, 1.0}}), Error);
  EXPECT_THROW(fit_plackett_luce_mm(3, {{{0, 1}, {}, 0.0}}), Error);
  EXPECT_THROW(fit_plackett_luce_mm(-1, {}), Error);
  prior.prior_shape = 0.5;
  EXPECT_THROW(fit_plackett_luce_mm(3, losing, prior), Error);
}

}  // namespace
}  // namespace valor::rank
