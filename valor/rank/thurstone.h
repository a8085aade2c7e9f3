// Thurstonian (Case V generalised to per-item variances) utility model for pairwise comparisons
// (algorithms.md section 5, as in "Utility Engineering"): item i has utility U_i ~ N(mu_i, s_i^2)
// and P(i preferred to j) = Phi((mu_i - mu_j) / sqrt(s_i^2 + s_j^2)).
//
// Soft outcomes are used as they are; the log-likelihood is
//   sum_c w_c [o_c log P(a_c > b_c) + (1 - o_c) log(1 - P(a_c > b_c))].
// The fit maximises it over mu and l = log s by L-BFGS (with a backtracking Armijo line search),
// with the L2 penalty (prior_precision / 2) (sum_i mu_i^2 + sum_i l_i^2): the likelihood does not
// change when mu is shifted or when mu and s are scaled together, and it has no finite optimum for
// separable data, so a small prior makes the problem well posed (equivalently, independent priors
// mu_i ~ N(0, 1/lambda) and log s_i ~ N(0, 1/lambda)). The default is tiny relative to any real
// data set; a further prior on log s_i (log_sigma_prior_sd, below) keeps the sds from
// overfitting. After fitting, mu is normalised to mean 0 and (population) standard deviation 1 and
// s is divided by the same factor, which leaves every P(i > j), and hence the log-likelihood,
// unchanged.
#pragma once

#include <vector>

#include "valor/rank/comparisons.h"

namespace valor::rank {

// Thurstone's per-item sd, with only the tiny prior above, collapses on real data
// (BradleyTerry2's icehockey: sigma from 2e-5 to 550, 5-fold held-out log-likelihood -1.19 per
// comparison, worse than a coin's -0.69). The default prior log s_i ~ N(0, 0.25^2) (each s_i
// within a factor 1.6 of 1 with 95% probability, before normalisation) was chosen by that
// cross-validation on icehockey, football and citations (docs/rank.md): held-out -0.674, -0.639,
// -0.437 (Bradley-Terry: -0.672, -0.639, -0.437); sd 0.1 scores the same within 0.001 but leaves
// the sds almost equal, 0.5 and above lose on icehockey.
inline constexpr double kThurstoneLogSigmaPriorSd = 0.25;

struct ThurstoneOptions {
  // lambda of the L2 penalty (lambda / 2) (|mu|^2 + |l|^2), >= 0. With fixed_sigma > 0 the
  // penalty on l is dropped (l is not a parameter then).
  double prior_precision = 1e-4;
  // sd of a further Gaussian prior on each l_i = log s_i (precision 1 / sd^2 added to lambda's);
  // 0: none (the raw per-item variances, which overfit). Unused with fixed_sigma > 0.
  double log_sigma_prior_sd = kThurstoneLogSigmaPriorSd;
  // > 0: every s_i is fixed at this value and only mu is fitted (the classical Case V model when
  // all are equal). 0: the s_i are fitted.
  double fixed_sigma = 0.0;
  // Normalise mu to mean 0, sd 1 (and scale s alike) after fitting. When false, mu and s are the
  // raw penalised maximum-likelihood estimates.
  bool normalize = true;
  int max_iterations = 10000;  // L-BFGS iterations
  // Converged when the largest gradient component of the penalised log-likelihood is at most
  // tolerance * max(1, total weight).
  double tolerance = 1e-9;
  int memory = 10;  // L-BFGS history length
};

struct ThurstoneFit {
  std::vector<double> mu;       // indexed like ComparisonSet items
  std::vector<double> sigma;    // s_i > 0
  double log_likelihood = 0.0;  // of the data at (mu, sigma), without the penalty
  int iterations = 0;
  bool converged = false;
};

// valor::Error for invalid options (negative prior_precision or fixed_sigma, non-finite values,
// max_iterations < 1, memory < 1). A set with no items gives an empty fit; items never compared
// get mu = 0 (before normalisation) and s = 1 (or fixed_sigma) when a prior is used.
ThurstoneFit fit_thurstone(const ComparisonSet& data, const ThurstoneOptions& options = {});

// The penalised log-likelihood that fit_thurstone maximises, at params = (mu_0..mu_{n-1},
// l_0..l_{n-1}) with s_i = exp(l_i) (or just mu when options.fixed_sigma > 0, in which case
// s_i = fixed_sigma). When gradient is not null it receives the gradient (same layout). Exposed
// for tests and diagnostics.
double thurstone_objective(const ComparisonSet& data, const ThurstoneOptions& options,
                           const std::vector<double>& params, std::vector<double>* gradient);

// P(i preferred to j) = Phi((mu_i - mu_j) / sqrt(s_i^2 + s_j^2)), Phi the standard normal CDF.
double thurstone_probability(double mu_i, double sigma_i, double mu_j, double sigma_j);

// The data log-likelihood (no penalty) at the given mu and sigma.
double thurstone_log_likelihood(const ComparisonSet& data, const std::vector<double>& mu,
                                const std::vector<double>& sigma);

}  // namespace valor::rank
