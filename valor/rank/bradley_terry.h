// Bradley-Terry model for pairwise comparisons (algorithms.md section 5), natural scale:
// P(i preferred to j) = sigma(b_i - b_j). Soft outcomes are used as they are, so a tie
// (outcome 0.5) counts as half a win for each side: the log-likelihood is
//   sum_c w_c [o_c log sigma(b_a - b_b) + (1 - o_c) log sigma(b_b - b_a)].
// An optional Gaussian prior b_i ~ N(0, s^2) adds the penalty sum_i b_i^2 / (2 s^2). Ratings are
// identified by mean(b) = 0 (with a prior the penalised optimum has mean 0 by itself).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "valor/rank/bootstrap.h"
#include "valor/rank/comparisons.h"

namespace valor::rank {

// How bradley_terry_newton solves for each Newton step.
//   kDense: the n x n negative Hessian, Eigen's LDLT: O(n^3) time and 8 n^2 bytes per iteration.
//   kSparse: the negative Hessian is the weighted Laplacian of the comparison graph (plus the
//     prior's precision on its diagonal): an Eigen sparse matrix with n + 2 #pairs entries, solved
//     by Jacobi-preconditioned conjugate gradients: O(#pairs) per CG iteration, memory O(n +
//     #pairs).
//   kAuto: dense up to kDenseNewtonMaxItems items, sparse above.
enum class BtSolver { kAuto, kDense, kSparse };

// kAuto's switch. At 200 items both solvers take milliseconds (bench/rank_bench.cc BM_BtSolver:
// dense 5 ms, sparse 4 ms with 10,000 comparisons; 17 vs 19 ms with 200,000) and agree to ~1e-16;
// below it the dense solve is exact in one factorisation whatever the graph's conditioning and
// keeps small fits as they were; above it the dense cost grows as n^3 (2,000 items: 3 s against
// 0.06 s sparse).
inline constexpr size_t kDenseNewtonMaxItems = 200;

struct BtOptions {
  double prior_sd = 0.0;              // s of the Gaussian prior; 0 (or infinity) = no prior
  int max_iterations = 100000;        // MM needs many; Newton usually stops within ~20
  double tolerance = 1e-10;           // stop when the largest change in any b_i is below this
  BtSolver solver = BtSolver::kAuto;  // Newton only
};

// Whether Newton's steps are solved sparsely for `num_items` items (options.solver; kAuto: above
// kDenseNewtonMaxItems). Bradley-Terry and its Davidson-ties variant share the rule.
bool uses_sparse_solver(const BtOptions& options, size_t num_items);

struct BtFit {
  std::vector<double> ratings;  // b_i on the natural scale, indexed like ComparisonSet items
  int iterations = 0;
  double log_likelihood = 0.0;  // of the data at `ratings`, without the prior's penalty
  bool converged = false;
};

// Hunter's (2004) MM algorithm on pi = exp(b): pi_i <- W_i / sum_j n_ij / (pi_i + pi_j), with W_i
// the weighted (fractional) wins of i and n_ij the total weight of comparisons between i and j,
// renormalised to mean(log pi) = 0 after every sweep. MM is only for the maximum-likelihood
// estimate: valor::Error when options.prior_sd > 0 (use bradley_terry_newton), and, as for any
// fit without a prior, when the MLE does not exist (see check_bt_mle_exists).
BtFit bradley_terry_mm(const ComparisonSet& comparisons, const BtOptions& options = {});

// Newton's method on the (penalised) log-likelihood, comparisons first aggregated into pair
// totals, with step halving when the objective would decrease. Each step solves H step = g with
// H the negative Hessian (see BtSolver): densely by Eigen's LDLT with the gauge handled by adding
// c 11^T to H (the step then stays mean-zero), or sparsely by conjugate gradients on the
// singular but consistent system (the gradient is made mean-zero; CG stays in H's range) to a
// relative residual that shrinks with the gradient, so convergence stays quadratic. Cost
// O(#comparisons + iterations * (#pairs + n^3)) dense, O(#comparisons + iterations * CG
// iterations * (n + #pairs)) sparse; about 10 Newton and 10-40 CG iterations on arena-like data.
// Without a prior, valor::Error when the MLE does not exist (see check_bt_mle_exists).
BtFit bradley_terry_newton(const ComparisonSet& comparisons, const BtOptions& options = {});

// The bootstrap of bradley_terry_newton: the same as bootstrap_ratings(comparisons, newton fit,
// replicates, seed, level, threads), the same draws and the same intervals up to rounding, but
// each replicate accumulates the resampled comparisons straight into pair totals instead of
// building a ComparisonSet (comparisons adding the same weight and wins to the same pair are
// grouped, each draw counts for its group), and Newton starts from the full-data fit; several
// times faster and lighter on memory.
BootstrapResult bradley_terry_bootstrap(const ComparisonSet& comparisons, const BtOptions& options,
                                        int replicates, uint64_t seed, double level = 0.95,
                                        int threads = 0 /* 0: all cores */);

// Standard errors of the ratings from the observed information at `ratings`: the square roots
// of the diagonal of the inverse negative Hessian of the penalised log-likelihood; without a
// prior, of its Moore-Penrose inverse, i.e. the covariance under the constraint mean(b) = 0.
// Computed exactly from the dense n x n matrix (Cholesky, then the diagonal of the inverse as
// column norms of the inverse factor): O(n^3) time, 24 n^2 bytes, so valor::Error above
// kMaxObservedInformationItems items (use the bootstrap there). Without a prior, valor::Error
// when the comparison graph is disconnected.
inline constexpr size_t kMaxObservedInformationItems = 5000;
std::vector<double> observed_information_sd(const ComparisonSet& comparisons,
                                            const std::vector<double>& ratings,
                                            const BtOptions& options = {});

// valor::Error unless the maximum-likelihood estimate exists and is unique (up to the mean):
// every item compared, the comparison graph connected, and (Ford's condition) no set of items
// that never loses to the rest, e.g. an item that never loses or never wins. The message names
// the items involved and suggests a prior (--prior) or more comparisons.
void check_bt_mle_exists(const ComparisonSet& comparisons);
// valor::Error (naming two items no chain of comparisons links) when the comparison graph is
// disconnected: then no rating difference across components is identified, even with Firth.
void check_bt_connected(const ComparisonSet& comparisons);

// The Elo-like scale: 400 / ln(10) * b + 1000 (a difference of 400 means odds of 10 to 1).
double to_elo_scale(double b);

}  // namespace valor::rank
