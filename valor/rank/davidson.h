// Bradley-Terry with Davidson's (1970) model for ties (algorithms.md section 5). With worths
// pi_i = exp(b_i) and a tie parameter nu > 0:
//   P(i beats j) = pi_i / D,  P(j beats i) = pi_j / D,  P(tie) = nu sqrt(pi_i pi_j) / D,
//   D = pi_i + pi_j + nu sqrt(pi_i pi_j).
// A comparison recorded as a tie (Comparison::tie) counts as a tie; any other comparison counts
// as a win of a with weight w * outcome and a win of b with weight w * (1 - outcome), so soft
// outcomes still work. In terms of d = b_i - b_j and theta = log nu the log-likelihood of a pair
// with wins W_ij, W_ji and ties T_ij (N_ij in all) is
//   (W_ij - W_ji) d / 2 + T_ij theta - N_ij log(2 cosh(d / 2) + exp(theta)),
// concave in (b, theta), which Newton's method maximises (the optional Gaussian prior of
// BtOptions is on b only). Ratings are identified by mean(b) = 0 without a prior.
#pragma once

#include <vector>

#include "valor/rank/bradley_terry.h"
#include "valor/rank/comparisons.h"

namespace valor::rank {

struct DavidsonFit {
  std::vector<double> ratings;  // b_i, natural scale
  double nu = 0.0;              // tie parameter
  double log_likelihood = 0.0;  // of the data, without the prior's penalty
  int iterations = 0;
  bool converged = false;
};

// The three outcome probabilities of one comparison of i (rating bi) and j (rating bj).
struct DavidsonProbabilities {
  double win = 0.0;  // i beats j
  double tie = 0.0;
  double loss = 0.0;  // j beats i
};
DavidsonProbabilities davidson_probabilities(double bi, double bj, double nu);

// Newton's method with step halving on (b, log nu); each step solved densely (LDLT) or sparsely
// (conjugate gradients on the Laplacian-plus-border information) by the rule of BtOptions::solver
// (uses_sparse_solver), as for bradley_terry_newton. valor::Error when the data has no tie (the
// maximum-likelihood nu is 0: use ties as half wins instead), for invalid options, and without a
// prior when the ratings' MLE does not exist (check_bt_mle_exists, ties counting half a win to
// each side: a tie bounds the gap between two items in both directions, as in Davidson's model).
DavidsonFit bradley_terry_davidson(const ComparisonSet& comparisons, const BtOptions& options = {});

// The data log-likelihood at (ratings, nu).
double davidson_log_likelihood(const ComparisonSet& comparisons, const std::vector<double>& ratings,
                               double nu);

// Standard errors of the ratings from the observed information of (b, log nu) at the fit (nu
// treated as estimated, so its uncertainty widens the ratings' intervals); without a prior, under
// the constraint mean(b) = 0. Dense, like observed_information_sd: valor::Error above
// kMaxObservedInformationItems items, and when the comparison graph is disconnected and there is
// no prior.
std::vector<double> davidson_sd(const ComparisonSet& comparisons, const DavidsonFit& fit,
                                const BtOptions& options = {});

}  // namespace valor::rank
