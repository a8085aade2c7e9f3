#include "valor/rank/pair_information.h"

#include <Eigen/IterativeLinearSolvers>
#include <algorithm>
#include <cstdint>

namespace valor::rank {

PairInformation::PairInformation(size_t num_items, const std::vector<PairTotals>& pairs,
                                 bool border)
    : pairs_(pairs) {
  const size_t n = num_items;
  const size_t size = n + (border ? 1 : 0);
  // Each triplet's value is a code for its slot, read back after compression (small integers,
  // exact in a double): -(d+1) for the diagonal entry d, 2k+1 and 2k+2 for (i, j) and (j, i) of
  // pair k, 2P+2i+1 and 2P+2i+2 for (i, n) and (n, i).
  std::vector<Eigen::Triplet<double>> triplets;
  triplets.reserve(size + 2 * pairs.size() + (border ? 2 * n : 0));
  for (size_t d = 0; d < size; ++d) {
    const auto k = static_cast<Eigen::Index>(d);
    triplets.emplace_back(k, k, -static_cast<double>(d + 1));
  }
  for (size_t k = 0; k < pairs.size(); ++k) {
    triplets.emplace_back(pairs[k].i, pairs[k].j, static_cast<double>(2 * k + 1));
    triplets.emplace_back(pairs[k].j, pairs[k].i, static_cast<double>(2 * k + 2));
  }
  const size_t base = 2 * pairs.size();
  if (border) {
    const auto last = static_cast<Eigen::Index>(n);
    for (size_t i = 0; i < n; ++i) {
      const auto k = static_cast<Eigen::Index>(i);
      triplets.emplace_back(k, last, static_cast<double>(base + 2 * i + 1));
      triplets.emplace_back(last, k, static_cast<double>(base + 2 * i + 2));
    }
  }
  matrix_.resize(static_cast<Eigen::Index>(size), static_cast<Eigen::Index>(size));
  matrix_.setFromTriplets(triplets.begin(), triplets.end());
  matrix_.makeCompressed();
  values_ = matrix_.valuePtr();
  diagonal_.resize(size);
  off_diagonal_.resize(base);
  border_.resize(border ? 2 * n : 0);
  for (Eigen::Index s = 0; s < matrix_.nonZeros(); ++s) {
    const auto code = static_cast<int64_t>(values_[s]);
    if (code < 0) {
      diagonal_[static_cast<size_t>(-code - 1)] = s;
    } else if (static_cast<size_t>(code) <= base) {
      off_diagonal_[static_cast<size_t>(code - 1)] = s;
    } else {
      border_[static_cast<size_t>(code) - base - 1] = s;
    }
  }
  set_zero();
}

void PairInformation::set_zero() { std::fill(values_, values_ + matrix_.nonZeros(), 0.0); }

void PairInformation::add_pair(size_t k, double c) {
  const PairTotals& p = pairs_[k];
  values_[diagonal_[static_cast<size_t>(p.i)]] += c;
  values_[diagonal_[static_cast<size_t>(p.j)]] += c;
  values_[off_diagonal_[2 * k]] -= c;
  values_[off_diagonal_[2 * k + 1]] -= c;
}

void PairInformation::add_border(size_t item, double x) {
  values_[border_[2 * item]] += x;
  values_[border_[2 * item + 1]] += x;
}

Eigen::VectorXd PairInformation::solve(const Eigen::VectorXd& rhs, double tolerance) const {
  Eigen::ConjugateGradient<Matrix, Eigen::Lower | Eigen::Upper,
                           Eigen::DiagonalPreconditioner<double>>
      cg;
  cg.setTolerance(tolerance);
  cg.compute(matrix_);
  return cg.solve(rhs);
}

namespace {
constexpr double kMaxTolerance = 1e-2;
constexpr double kMinTolerance = 1e-13;
}  // namespace

double newton_cg_tolerance(double gradient_norm, double first_gradient_norm) {
  if (!(first_gradient_norm > 0.0)) return kMaxTolerance;
  return std::clamp(gradient_norm / first_gradient_norm, kMinTolerance, kMaxTolerance);
}

}  // namespace valor::rank
