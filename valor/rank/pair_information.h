// The negative Hessian (observed information) of a pairwise model's log-likelihood on its
// comparison graph, stored sparse, and the conjugate-gradient solve of a Newton step with it:
// the sparse path of bradley_terry_newton and bradley_terry_davidson (see BtSolver). For the
// ratings it is a weighted graph Laplacian, sum over pairs of c_ij (e_i - e_j)(e_i - e_j)^T:
// n + 2 #pairs entries, whatever the number of comparisons.
#pragma once

#include <Eigen/SparseCore>
#include <cstddef>
#include <vector>

#include "valor/rank/comparisons.h"

namespace valor::rank {

class PairInformation {
 public:
  using Matrix = Eigen::SparseMatrix<double, Eigen::RowMajor>;

  // The pattern: (i, i) for every item, (i, j) and (j, i) for every pair; with `border`, one more
  // variable (index num_items, e.g. Davidson's log nu) coupled to every item. All values zero.
  PairInformation(size_t num_items, const std::vector<PairTotals>& pairs, bool border = false);
  PairInformation(const PairInformation&) = delete;
  PairInformation& operator=(const PairInformation&) = delete;

  void set_zero();
  // Adds c (e_i - e_j)(e_i - e_j)^T for pairs[k].
  void add_pair(size_t k, double c);
  // Adds x at (index, index); index == num_items is the border variable.
  void add_diagonal(size_t index, double x) { values_[diagonal_[index]] += x; }
  // Adds x at (item, border) and (border, item).
  void add_border(size_t item, double x);

  const Matrix& matrix() const { return matrix_; }

  // Solves matrix() step = rhs by Jacobi-preconditioned conjugate gradients (Eigen) to the
  // relative residual |matrix() step - rhs| / |rhs| <= tolerance, or Eigen's iteration cap (twice
  // the size). A singular matrix is fine when rhs is in its range (a Laplacian's: rhs sums to
  // zero over the items); CG then stays in the range.
  Eigen::VectorXd solve(const Eigen::VectorXd& rhs, double tolerance) const;

 private:
  const std::vector<PairTotals>& pairs_;
  Matrix matrix_;
  double* values_ = nullptr;
  std::vector<Eigen::Index> diagonal_;      // slot of (i, i)
  std::vector<Eigen::Index> off_diagonal_;  // slots of (i, j) and (j, i) of pair k: 2k, 2k+1
  std::vector<Eigen::Index> border_;        // slots of (i, n) and (n, i): 2i, 2i+1
};

// The conjugate-gradient tolerance of a sparse Newton step with gradient norm |g|, the first
// step's being |g_0|: min(kMaxTolerance, |g| / |g_0|), at least kMinTolerance. Loose far from the
// optimum, where an exact step is wasted; shrinking with the gradient, which keeps Newton's
// quadratic convergence (inexact Newton with a forcing term O(|g|)); the floor is about where
// rounding in the matrix-vector products stops CG from making progress.
double newton_cg_tolerance(double gradient_norm, double first_gradient_norm);

}  // namespace valor::rank
