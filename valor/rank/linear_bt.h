// Linear Bradley-Terry reward model on features (docs/reward.md): r(x) = beta . x and
// P(a preferred to b) = sigma(r(x_a) - r(x_b)), fitted by exact (penalised) maximum likelihood:
//   l(beta) = sum_c w_c [o_c log sigma(beta . d_c) + (1 - o_c) log sigma(-beta . d_c)]
//             - |beta|^2 / (2 s^2),   d_c = x_a - x_b,
// BradleyTerry2's `BTm(outcome, a, b, ~ x1 + x2)` without random effects. Only differences of
// features enter: a column constant across items (an intercept) and a per-prompt offset shared
// by both sides of every comparison cancel and are not identifiable (docs/reward.md).
#pragma once

#include <string>
#include <vector>

#include "valor/rank/features.h"

namespace valor::rank {

struct LinearBtOptions {
  double prior_sd = 0.0;  // s of the Gaussian prior beta_k ~ N(0, s^2); 0 (or infinity) = none
  // Newton stops when the largest |step| is below `tolerance`; quadratic convergence makes 1e-10
  // cost one or two iterations more than 1e-6.
  double tolerance = 1e-10;
  // Newton converges in ~5-15 iterations when the MLE exists; without a prior and with the
  // comparisons separable by the features the estimate runs off to infinity, and 200 iterations
  // mark that case (each step then halves the deviance, it never settles).
  int max_iterations = 200;
};

struct LinearBtFit {
  std::vector<std::string> names;       // the feature names
  std::vector<double> coefficients;     // beta
  std::vector<double> standard_errors;  // sqrt of the diagonal of the inverse negative Hessian
  std::vector<double> covariance;       // the inverse negative Hessian, dim x dim, row-major
  double log_likelihood = 0.0;          // of the data at beta, without the prior's penalty
  double prior_sd = 0.0;
  int iterations = 0;
};

// Newton's method with step halving from beta = 0; O(#comparisons dim^2 + dim^3) per iteration.
// valor::Error when the feature differences do not determine beta (collinear differences: a
// constant column, or one-hot indicators of every item with no reference level dropped; the
// message names a column involved) and no prior is set, and when Newton does not converge
// within max_iterations (no finite MLE: the comparisons are separable; suggests a prior).
LinearBtFit fit_linear_bt(const FeatureData& data, const LinearBtOptions& options = {});

// r(x) = beta . x for each row of `table` (table.dim must equal the fit's dimension).
std::vector<double> linear_bt_rewards(const LinearBtFit& fit, const FeatureTable& table);

// The log-likelihood of `data` under rewards `rewards` (one per row of data.table).
double bt_log_likelihood(const FeatureData& data, const std::vector<double>& rewards);

}  // namespace valor::rank
