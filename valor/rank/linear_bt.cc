#include "valor/rank/linear_bt.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/core/math.h"

namespace valor::rank {
namespace {

bool has_prior(double prior_sd) { return prior_sd > 0.0 && std::isfinite(prior_sd); }

// Relative size of an eigenvalue of the information matrix below which a direction counts as
// undetermined by the data: the differences' Gram matrix of one-hot indicators of every item
// has an exact zero eigenvalue, which rounding turns into ~1e-16 of the largest.
constexpr double kRankTolerance = 1e-10;

Eigen::VectorXd difference(const FeatureData& data, const FeatureComparison& c) {
  const size_t dim = data.table.dim;
  Eigen::VectorXd d(static_cast<Eigen::Index>(dim));
  const double* xa = data.table.row(static_cast<size_t>(c.row_a));
  const double* xb = data.table.row(static_cast<size_t>(c.row_b));
  for (size_t k = 0; k < dim; ++k) d[static_cast<Eigen::Index>(k)] = xa[k] - xb[k];
  return d;
}

struct Derivatives {
  double log_likelihood = 0.0;
  Eigen::VectorXd gradient;
  Eigen::MatrixXd information;  // negative Hessian of the log-likelihood
};

Derivatives derivatives(const FeatureData& data, const Eigen::VectorXd& beta, bool second) {
  const auto dim = static_cast<Eigen::Index>(data.table.dim);
  Derivatives out;
  out.gradient = Eigen::VectorXd::Zero(dim);
  if (second) out.information = Eigen::MatrixXd::Zero(dim, dim);
  for (const FeatureComparison& c : data.comparisons) {
    const Eigen::VectorXd d = difference(data, c);
    const double z = beta.dot(d);
    const double p = sigmoid(z);
    out.log_likelihood +=
        c.weight * (c.outcome * log_sigmoid(z) + (1.0 - c.outcome) * log_sigmoid(-z));
    out.gradient += c.weight * (c.outcome - p) * d;
    if (second)
      out.information.selfadjointView<Eigen::Lower>().rankUpdate(d, c.weight * p * (1.0 - p));
  }
  if (second) out.information = out.information.selfadjointView<Eigen::Lower>();
  return out;
}

double penalty(const Eigen::VectorXd& beta, double prior_sd) {
  return has_prior(prior_sd) ? beta.squaredNorm() / (2.0 * prior_sd * prior_sd) : 0.0;
}

// The information at beta = 0 (a quarter of the weighted Gram matrix of the differences).
// Separable comparisons drive the information along the separating direction to zero while
// Newton's steps stay finite, until sigma(z) rounds to 1 and the gradient to 0; a smallest
// eigenvalue of the information at the fit below kSeparationRatio times its value at beta = 0
// (all fitted probabilities of the comparisons along that direction beyond ~1e-8 of 0 or 1)
// marks that case.
constexpr double kSeparationRatio = 1e-8;

double smallest_eigenvalue(const Eigen::MatrixXd& m) {
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(m, Eigen::EigenvaluesOnly).eigenvalues()[0];
}

// Fails naming the column that carries the most weight in the information's null space.
void check_identifiable(const FeatureData& data) {
  const auto dim = static_cast<Eigen::Index>(data.table.dim);
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(dim, dim);
  for (const FeatureComparison& c : data.comparisons) {
    gram.selfadjointView<Eigen::Lower>().rankUpdate(difference(data, c), c.weight);
  }
  gram = gram.selfadjointView<Eigen::Lower>();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(gram);
  const Eigen::VectorXd& values = eigen.eigenvalues();
  const double largest = std::max(values.maxCoeff(), 0.0);
  if (values[0] > kRankTolerance * largest && largest > 0.0) return;
  Eigen::Index column = 0;
  eigen.eigenvectors().col(0).cwiseAbs().maxCoeff(&column);
  std::vector<std::string> involved;
  for (Eigen::Index k = 0; k < dim; ++k) {
    if (std::abs(eigen.eigenvectors()(k, 0)) > 1e-6)
      involved.push_back(data.table.names[static_cast<size_t>(k)]);
  }
  fail(
      "linear Bradley-Terry on {}: the coefficients are not identifiable: the differences x_a - "
      "x_b of the compared sides are collinear, involving feature(s) {} (a column constant over "
      "the compared items, or one-hot indicators of every item: drop one as the reference level); "
      "or set a prior",
      data.source, fmt::join(involved, ", "));
}

}  // namespace

LinearBtFit fit_linear_bt(const FeatureData& data, const LinearBtOptions& options) {
  const size_t dim = data.table.dim;
  if (dim == 0 || data.comparisons.empty())
    fail("linear Bradley-Terry: no features or no comparisons in {}", data.source);
  if (!(options.prior_sd >= 0.0))
    fail("linear Bradley-Terry: prior sd {} must be >= 0", options.prior_sd);
  const bool prior = has_prior(options.prior_sd);
  if (!prior) check_identifiable(data);
  const double precision = prior ? 1.0 / (options.prior_sd * options.prior_sd) : 0.0;

  Eigen::VectorXd beta = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim));
  Derivatives at = derivatives(data, beta, true);
  double objective = at.log_likelihood - penalty(beta, options.prior_sd);
  LinearBtFit fit;
  bool converged = false;
  while (fit.iterations < options.max_iterations) {
    ++fit.iterations;
    Eigen::MatrixXd h = at.information;
    h.diagonal().array() += precision;
    const Eigen::VectorXd g = at.gradient - precision * beta;
    const Eigen::VectorXd step = h.ldlt().solve(g);
    // Step halving: the objective is concave, so a short enough step along a Newton direction
    // increases it; 50 halvings reach the rounding of the objective.
    double scale = 1.0;
    Eigen::VectorXd next;
    Derivatives next_at;
    double next_objective = objective;
    for (int halving = 0; halving < 50; ++halving, scale *= 0.5) {
      next = beta + scale * step;
      next_at = derivatives(data, next, false);
      next_objective = next_at.log_likelihood - penalty(next, options.prior_sd);
      if (next_objective >= objective - 1e-12 * std::abs(objective)) break;
    }
    const double change = (scale * step).cwiseAbs().maxCoeff();
    beta = next;
    objective = next_objective;
    at = derivatives(data, beta, true);
    if (change < options.tolerance) {
      converged = true;
      break;
    }
  }
  if (!prior && converged) {
    const double start = smallest_eigenvalue(
        derivatives(data, Eigen::VectorXd::Zero(beta.size()), true).information);
    if (smallest_eigenvalue(at.information) < kSeparationRatio * start) converged = false;
  }
  if (!converged) {
    fail(
        "linear Bradley-Terry on {}: Newton did not converge to a finite estimate ("
        "{} iterations, largest coefficient {:.3g}): without a prior the maximum-likelihood "
        "estimate does not exist when the "
        "comparisons are separable by the features; set a prior",
        data.source, fit.iterations, beta.cwiseAbs().maxCoeff());
  }
  Eigen::MatrixXd h = at.information;
  h.diagonal().array() += precision;
  const Eigen::MatrixXd covariance = h.ldlt().solve(Eigen::MatrixXd::Identity(h.rows(), h.cols()));
  fit.names = data.table.names;
  fit.prior_sd = options.prior_sd;
  fit.log_likelihood = at.log_likelihood;
  fit.coefficients.assign(beta.data(), beta.data() + beta.size());
  for (size_t k = 0; k < dim; ++k) {
    const auto kk = static_cast<Eigen::Index>(k);
    fit.standard_errors.push_back(std::sqrt(covariance(kk, kk)));
    for (size_t l = 0; l < dim; ++l)
      fit.covariance.push_back(covariance(kk, static_cast<Eigen::Index>(l)));
  }
  return fit;
}

std::vector<double> linear_bt_rewards(const LinearBtFit& fit, const FeatureTable& table) {
  if (table.dim != fit.coefficients.size()) {
    fail("linear reward model of {} features given rows of {} features", fit.coefficients.size(),
         table.dim);
  }
  std::vector<double> rewards(table.rows());
  for (size_t r = 0; r < rewards.size(); ++r) {
    const double* x = table.row(r);
    double s = 0.0;
    for (size_t k = 0; k < table.dim; ++k) s += fit.coefficients[k] * x[k];
    rewards[r] = s;
  }
  return rewards;
}

double bt_log_likelihood(const FeatureData& data, const std::vector<double>& rewards) {
  VALOR_CHECK(rewards.size() == data.table.rows(), "{} rewards for {} rows", rewards.size(),
              data.table.rows());
  double l = 0.0;
  for (const FeatureComparison& c : data.comparisons) {
    const double z = rewards[static_cast<size_t>(c.row_a)] - rewards[static_cast<size_t>(c.row_b)];
    l += c.weight * (c.outcome * log_sigmoid(z) + (1.0 - c.outcome) * log_sigmoid(-z));
  }
  return l;
}

}  // namespace valor::rank
