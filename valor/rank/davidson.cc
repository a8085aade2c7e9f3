#include "valor/rank/davidson.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

#include "valor/core/error.h"
#include "valor/rank/pair_information.h"

namespace valor::rank {
namespace {

// log(2 cosh(d / 2) + exp(theta)), without overflow.
double log_denominator(double d, double theta) {
  const double h = std::abs(d) / 2.0;
  const double top = std::max(h, theta);
  return top + std::log(std::exp(h - top) + std::exp(-h - top) + std::exp(theta - top));
}

double log_likelihood(const std::vector<PairTotals>& pairs, const std::vector<double>& b,
                      double theta) {
  double ll = 0.0;
  for (const PairTotals& p : pairs) {
    const double d = b[static_cast<size_t>(p.i)] - b[static_cast<size_t>(p.j)];
    const double n = p.decisive_i + p.decisive_j + p.ties;
    ll += (p.decisive_i - p.decisive_j) * d / 2.0 - n * log_denominator(d, theta);
    if (p.ties > 0.0) ll += p.ties * theta;
  }
  return ll;
}

double penalty(const std::vector<double>& b, double sd) {
  if (sd <= 0.0) return 0.0;
  double sum = 0.0;
  for (const double x : b) sum += x * x;
  return sum / (2.0 * sd * sd);
}

// Gradient and negative Hessian of the log-likelihood in (b_0..b_{n-1}, theta), the Hessian
// into `information` (dense) or `sparse` (when not null).
void derivatives(const std::vector<PairTotals>& pairs, const std::vector<double>& b, double theta,
                 Eigen::VectorXd& gradient, Eigen::MatrixXd& information,
                 PairInformation* sparse = nullptr) {
  const auto n = static_cast<Eigen::Index>(b.size());
  gradient.setZero(n + 1);
  if (sparse) {
    sparse->set_zero();
  } else {
    information.setZero(n + 1, n + 1);
  }
  for (size_t k = 0; k < pairs.size(); ++k) {
    const PairTotals& p = pairs[k];
    const double d = b[static_cast<size_t>(p.i)] - b[static_cast<size_t>(p.j)];
    const double total = p.decisive_i + p.decisive_j + p.ties;
    // With C = 2 cosh(d/2) + nu, all divided by C to stay finite: s = sinh(d/2) / C,
    // h = cosh(d/2) / C, t = nu / C.
    const double ld = log_denominator(d, theta);
    const double e_plus = std::exp(d / 2.0 - ld);
    const double e_minus = std::exp(-d / 2.0 - ld);
    const double t = std::exp(theta - ld);
    const double s = (e_plus - e_minus) / 2.0;
    const double h = (e_plus + e_minus) / 2.0;
    const double gd = (p.decisive_i - p.decisive_j) / 2.0 - total * s;
    const double gt = p.ties - total * t;
    const double hdd = total * (0.5 * h - s * s);  // -d2/dd2 of the pair's log-likelihood
    const double hdt = -total * s * t;             // -d2/dd dtheta
    const double htt = total * t * (1.0 - t);      // -d2/dtheta2
    gradient(p.i) += gd;
    gradient(p.j) -= gd;
    gradient(n) += gt;
    if (sparse) {
      sparse->add_pair(k, hdd);
      sparse->add_border(static_cast<size_t>(p.i), hdt);
      sparse->add_border(static_cast<size_t>(p.j), -hdt);
      sparse->add_diagonal(static_cast<size_t>(n), htt);
      continue;
    }
    information(p.i, p.i) += hdd;
    information(p.j, p.j) += hdd;
    information(p.i, p.j) -= hdd;
    information(p.j, p.i) -= hdd;
    information(p.i, n) += hdt;
    information(n, p.i) += hdt;
    information(p.j, n) -= hdt;
    information(n, p.j) -= hdt;
    information(n, n) += htt;
  }
}

double prior_sd(const BtOptions& options) {
  if (std::isnan(options.prior_sd) || options.prior_sd < 0.0) {
    fail("Bradley-Terry (Davidson ties): prior sd {} must be > 0 (or 0 for no prior)",
         options.prior_sd);
  }
  return std::isfinite(options.prior_sd) ? options.prior_sd : 0.0;
}

// Adds the gauge term (no prior) or the prior's precision to the b block of `information`;
// returns the gauge constant c (0 with a prior).
double regularise(Eigen::MatrixXd& information, size_t n, double sd) {
  const auto size = static_cast<Eigen::Index>(n);
  if (sd > 0.0) {
    for (Eigen::Index i = 0; i < size; ++i) information(i, i) += 1.0 / (sd * sd);
    return 0.0;
  }
  const double c =
      std::max(information.topLeftCorner(size, size).trace(), 1.0) / static_cast<double>(n * n);
  information.topLeftCorner(size, size).array() += c;
  return c;
}

}  // namespace

DavidsonProbabilities davidson_probabilities(double bi, double bj, double nu) {
  const double d = bi - bj;
  const double ld = log_denominator(d, std::log(nu));
  return {std::exp(d / 2.0 - ld), std::exp(std::log(nu) - ld), std::exp(-d / 2.0 - ld)};
}

DavidsonFit bradley_terry_davidson(const ComparisonSet& set, const BtOptions& options) {
  if (options.max_iterations < 1) {
    fail("Bradley-Terry: max_iterations {} must be >= 1", options.max_iterations);
  }
  if (!(options.tolerance > 0.0))
    fail("Bradley-Terry: tolerance {} must be > 0", options.tolerance);
  const double sd = prior_sd(options);
  const size_t n = set.num_items();
  DavidsonFit fit;
  fit.ratings.assign(n, 0.0);
  const std::vector<PairTotals> pairs = pair_totals(set);
  double ties = 0.0, decided = 0.0;
  for (const PairTotals& p : pairs) {
    ties += p.ties;
    decided += p.decisive_i + p.decisive_j;
  }
  if (!(ties > 0.0)) {
    fail(
        "Bradley-Terry with Davidson ties: the data has no tie, so the maximum-likelihood tie "
        "parameter nu is 0; use ties as half wins (--ties half)");
  }
  if (!(decided > 0.0)) {
    fail(
        "Bradley-Terry with Davidson ties: every comparison is a tie, so the maximum-likelihood "
        "tie parameter nu is infinite; use ties as half wins (--ties half)");
  }
  if (n == 0) return fit;
  if (sd <= 0.0) check_bt_mle_exists(set);
  std::vector<double>& b = fit.ratings;
  // Start at equal ratings and the nu that matches the tie rate there: P(tie) = nu / (2 + nu).
  const double rate = ties / (ties + decided);
  double theta = std::log(2.0 * rate / (1.0 - rate));
  double objective = log_likelihood(pairs, b, theta) - penalty(b, sd);
  Eigen::VectorXd gradient;
  Eigen::MatrixXd information;
  Eigen::VectorXd step;
  // The sparse path (see BtSolver): the b block is a weighted Laplacian, bordered by log nu's row.
  std::optional<PairInformation> sparse;
  if (uses_sparse_solver(options, n)) sparse.emplace(n, pairs, /*border=*/true);
  double first_gradient_norm = 0.0;
  const auto size = static_cast<Eigen::Index>(n);
  std::vector<double> trial(n);
  for (fit.iterations = 1; fit.iterations <= options.max_iterations; ++fit.iterations) {
    derivatives(pairs, b, theta, gradient, information, sparse ? &*sparse : nullptr);
    if (sd > 0.0) {
      for (size_t i = 0; i < n; ++i) gradient(static_cast<Eigen::Index>(i)) -= b[i] / (sd * sd);
    }
    if (sparse) {
      if (sd > 0.0) {
        for (size_t i = 0; i < n; ++i) sparse->add_diagonal(i, 1.0 / (sd * sd));
      } else {
        // Singular along (1, .., 1, 0) but consistent once the b part of the gradient sums to 0.
        gradient.head(size).array() -= gradient.head(size).mean();
      }
      const double norm = gradient.norm();
      if (fit.iterations == 1) first_gradient_norm = norm;
      step = sparse->solve(gradient, newton_cg_tolerance(norm, first_gradient_norm));
    } else {
      regularise(information, n, sd);
      const Eigen::LDLT<Eigen::MatrixXd> ldlt(information);
      VALOR_CHECK(ldlt.info() == Eigen::Success, "Davidson Newton: LDLT failed");
      step = ldlt.solve(gradient);
    }
    double t = 1.0, next_objective = 0.0, next_theta = theta;
    int halvings = 0;
    for (;; ++halvings) {
      for (size_t i = 0; i < n; ++i) trial[i] = b[i] + t * step(static_cast<Eigen::Index>(i));
      next_theta = theta + t * step(static_cast<Eigen::Index>(n));
      if (sd <= 0.0) {
        double mean = 0.0;
        for (const double x : trial) mean += x;
        mean /= static_cast<double>(n);
        for (double& x : trial) x -= mean;
      }
      next_objective = log_likelihood(pairs, trial, next_theta) - penalty(trial, sd);
      if (next_objective >= objective - 1e-12 * (1.0 + std::abs(objective)) || halvings >= 60) {
        break;
      }
      t *= 0.5;
    }
    double change = std::abs(next_theta - theta);
    for (size_t i = 0; i < n; ++i) change = std::max(change, std::abs(trial[i] - b[i]));
    b.swap(trial);
    theta = next_theta;
    objective = next_objective;
    if (change < options.tolerance && halvings == 0) {
      fit.converged = true;
      break;
    }
  }
  fit.iterations = std::min(fit.iterations, options.max_iterations);
  fit.nu = std::exp(theta);
  fit.log_likelihood = log_likelihood(pairs, b, theta);
  return fit;
}

double davidson_log_likelihood(const ComparisonSet& set, const std::vector<double>& ratings,
                               double nu) {
  if (ratings.size() != set.num_items()) {
    fail("Davidson: {} ratings given for {} items", ratings.size(), set.num_items());
  }
  if (!(nu > 0.0) || !std::isfinite(nu)) fail("Davidson: nu {} must be finite and > 0", nu);
  return log_likelihood(pair_totals(set), ratings, std::log(nu));
}

std::vector<double> davidson_sd(const ComparisonSet& set, const DavidsonFit& fit,
                                const BtOptions& options) {
  const size_t n = set.num_items();
  if (fit.ratings.size() != n) {
    fail("Davidson: {} ratings given for {} items", fit.ratings.size(), n);
  }
  const double sd = prior_sd(options);
  if (n == 0) return {};
  if (n > kMaxObservedInformationItems) {
    fail(
        "Bradley-Terry (Davidson ties): observed-information standard errors of {} items need "
        "the inverse of the dense {} x {} information matrix; they are computed for at most {} "
        "items: use bootstrap intervals, or none",
        n, n + 1, n + 1, kMaxObservedInformationItems);
  }
  if (sd <= 0.0) check_bt_mle_exists(set);
  Eigen::VectorXd gradient;
  Eigen::MatrixXd information;
  derivatives(pair_totals(set), fit.ratings, std::log(fit.nu), gradient, information);
  // With v = (1, .., 1, 0) spanning the null space: (A + c v v^T)^-1 = pinv(A) + v v^T / (c n^2).
  const double c = regularise(information, n, sd);
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(information);
  VALOR_CHECK(ldlt.info() == Eigen::Success, "Davidson: LDLT of the information failed");
  const auto size = static_cast<Eigen::Index>(n + 1);
  const Eigen::MatrixXd inverse = ldlt.solve(Eigen::MatrixXd::Identity(size, size));
  const double correction = sd > 0.0 ? 0.0 : 1.0 / (c * static_cast<double>(n * n));
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) {
    const auto k = static_cast<Eigen::Index>(i);
    const double v = inverse(k, k) - correction;
    out[i] = v > 0.0 ? std::sqrt(v) : std::numeric_limits<double>::infinity();
  }
  return out;
}

}  // namespace valor::rank
