// Bradley-Terry as a logistic model on ordered pair totals, for what BradleyTerry2's BTm offers
// beyond the plain fit (docs/rank.md): a first-position (home) term fitted jointly with the
// ratings, Firth's bias-reduced estimate, and the full covariance matrix.
//
// Each comparison of a (first position) with b has P(a preferred) = sigmoid(b_a - b_b + h), with
// h = 0 unless options.order_effect. Comparisons are summed per ordered pair (a, b); soft outcomes
// (ties) count as fractional wins, as in bradley_terry.h. Ratings are identified by mean(b) = 0
// (with a prior, the penalised optimum has mean 0 by itself).
//
// Firth (1993), "Bias reduction of maximum likelihood estimates": maximise
// l(theta) + 1/2 log det I(theta), I the Fisher information of the identified parameters; for the
// logistic model this is the modified score sum_r (y_r - n_r p_r + k_r (1/2 - p_r)) x_r = 0 with
// k_r = n_r p_r (1 - p_r) x_r^T I^+ x_r the leverage of row r (the estimate of BTm(..., br = TRUE),
// which uses brglm). Finite whenever the comparison graph is connected, even when an item never
// wins or never loses.
//
// Dense: O(n^3) per iteration and 8 (n + 1)^2 bytes; valor::Error above
// kMaxObservedInformationItems items.
#pragma once

#include <cstddef>
#include <vector>

#include "valor/rank/comparisons.h"

namespace valor::rank {

struct BtGlmOptions {
  double prior_sd = 0.0;  // Gaussian prior N(0, s^2) on each b_i (not on h); 0: none
  bool order_effect = false;
  bool bias_reduced = false;  // Firth; valor::Error with a prior
  // Newton (Fisher scoring) stops when the largest step is below this: 1e-12 on ratings of
  // order 1 is rounding, and quadratic convergence reaches it within one more step.
  double tolerance = 1e-12;
  int max_iterations = 500;
};

struct BtGlmFit {
  std::vector<double> ratings;  // b_i, natural scale, mean 0 without a prior
  double order_effect = 0.0;    // h (0 without options.order_effect)
  // Covariance of (b_0..b_{n-1}[, h]) from the inverse Fisher information at the fit (with the
  // prior's precision); without a prior its Moore-Penrose inverse on the b block, i.e. the
  // covariance under mean(b) = 0. Row-major, dim x dim, dim = n (+ 1 with the order effect).
  std::vector<double> covariance;
  size_t dim = 0;
  double log_likelihood = 0.0;  // of the data, without penalty or Firth's term
  int iterations = 0;
  bool converged = false;

  double cov(size_t r, size_t c) const { return covariance[r * dim + c]; }
  // sd of b_i - b_j, the standard error for comparing two items.
  double difference_sd(size_t i, size_t j) const;
};

// valor::Error for invalid options, above kMaxObservedInformationItems items, and without prior
// or Firth when the MLE does not exist (check_bt_mle_exists); with Firth, when the comparison
// graph is disconnected; with the order effect, when every comparison puts the same items first
// in a way that leaves h unidentified is reported as a singular information.
BtGlmFit fit_bradley_terry_glm(const ComparisonSet& data, const BtGlmOptions& options = {});

// The covariance of BtGlmFit for plain ratings (no order effect, no Firth) at `ratings`, e.g. of
// bradley_terry_newton's fit: the same as fit_bradley_terry_glm's, without refitting.
std::vector<double> bradley_terry_covariance(const ComparisonSet& data,
                                             const std::vector<double>& ratings,
                                             double prior_sd = 0.0);

}  // namespace valor::rank
