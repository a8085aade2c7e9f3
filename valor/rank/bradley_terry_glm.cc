#include "valor/rank/bradley_terry_glm.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/rank/bradley_terry.h"

namespace valor::rank {
namespace {

// The comparisons of one ordered pair (a first), summed.
struct OrderedTotal {
  int32_t a = 0, b = 0;
  double n = 0.0;  // total weight
  double y = 0.0;  // weighted score of a
};

std::vector<OrderedTotal> ordered_totals(const ComparisonSet& data) {
  std::vector<OrderedTotal> rows;
  std::unordered_map<uint64_t, size_t> index;
  for (const Comparison& c : data.comparisons()) {
    const uint64_t key = (static_cast<uint64_t>(c.a) << 32) | static_cast<uint32_t>(c.b);
    const auto [it, added] = index.try_emplace(key, rows.size());
    if (added) rows.push_back({c.a, c.b});
    rows[it->second].n += c.weight;
    rows[it->second].y += c.weight * c.outcome;
  }
  return rows;
}

// Step-halving limit (the step is then 2^-60 of Newton's: no progress).
constexpr int kMaxHalvings = 60;

class Model {
 public:
  Model(const ComparisonSet& data, const BtGlmOptions& o)
      : rows_(ordered_totals(data)),
        n_(data.num_items()),
        dim_(n_ + (o.order_effect ? 1 : 0)),
        order_(o.order_effect),
        precision_(o.prior_sd > 0 ? 1.0 / (o.prior_sd * o.prior_sd) : 0.0) {}

  size_t dim() const { return dim_; }

  double eta(const OrderedTotal& r, const Eigen::VectorXd& t) const {
    return t(r.a) - t(r.b) + (order_ ? t(static_cast<Eigen::Index>(n_)) : 0.0);
  }

  double log_likelihood(const Eigen::VectorXd& t) const {
    double ll = 0.0;
    for (const auto& r : rows_) {
      const double e = eta(r, t);
      if (r.y > 0) ll += r.y * log_sigmoid(e);
      if (r.n - r.y > 0) ll += (r.n - r.y) * log_sigmoid(-e);
    }
    return ll;
  }

  double penalty(const Eigen::VectorXd& t) const {
    return 0.5 * precision_ * t.head(static_cast<Eigen::Index>(n_)).squaredNorm();
  }

  // The information (Fisher = observed for the logistic link) made invertible: the prior's
  // precision on the b block, or without a prior c v v^T with v = (1, .., 1, 0), the direction
  // in which shifting every b changes nothing. Returns c (0 with a prior).
  double information(const Eigen::VectorXd& t, Eigen::MatrixXd& a) const {
    const auto d = static_cast<Eigen::Index>(dim_);
    const auto h = static_cast<Eigen::Index>(n_);
    a.setZero(d, d);
    for (const auto& r : rows_) {
      const double p = sigmoid(eta(r, t));
      const double c = r.n * p * (1 - p);
      a(r.a, r.a) += c;
      a(r.b, r.b) += c;
      a(r.a, r.b) -= c;
      a(r.b, r.a) -= c;
      if (order_) {
        a(h, h) += c;
        a(r.a, h) += c;
        a(h, r.a) += c;
        a(r.b, h) -= c;
        a(h, r.b) -= c;
      }
    }
    if (precision_ > 0) {
      for (Eigen::Index i = 0; i < h; ++i) a(i, i) += precision_;
      return 0.0;
    }
    const double c = std::max(a.trace(), 1.0) / static_cast<double>(n_ * n_);
    a.topLeftCorner(h, h).array() += c;
    return c;
  }

  // x_r^T m x_r.
  double quadratic(const OrderedTotal& r, const Eigen::MatrixXd& m) const {
    double q = m(r.a, r.a) + m(r.b, r.b) - 2 * m(r.a, r.b);
    if (order_) {
      const auto h = static_cast<Eigen::Index>(n_);
      q += m(h, h) + 2 * m(r.a, h) - 2 * m(r.b, h);
    }
    return q;
  }

  // The (modified, for Firth) score at t; `inverse` is the inverse of the regularised
  // information (needed for Firth's leverages only).
  Eigen::VectorXd score(const Eigen::VectorXd& t, const Eigen::MatrixXd* inverse) const {
    Eigen::VectorXd g = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dim_));
    for (const auto& r : rows_) {
      const double p = sigmoid(eta(r, t));
      double u = r.y - r.n * p;
      if (inverse != nullptr) u += r.n * p * (1 - p) * quadratic(r, *inverse) * (0.5 - p);
      g(r.a) += u;
      g(r.b) -= u;
      if (order_) g(static_cast<Eigen::Index>(n_)) += u;
    }
    if (precision_ > 0)
      g.head(static_cast<Eigen::Index>(n_)) -= precision_ * t.head(static_cast<Eigen::Index>(n_));
    return g;
  }

  void centre(Eigen::VectorXd& t) const {
    if (precision_ > 0) return;
    const auto h = static_cast<Eigen::Index>(n_);
    t.head(h).array() -= t.head(h).mean();
  }

 private:
  std::vector<OrderedTotal> rows_;
  size_t n_, dim_;
  bool order_;
  double precision_;
};

Eigen::MatrixXd invert(const Eigen::MatrixXd& a, const char* what) {
  const Eigen::LLT<Eigen::MatrixXd> llt(a);
  if (llt.info() != Eigen::Success) {
    fail(
        "Bradley-Terry{}: the information matrix is singular: the parameters are not identified "
        "by these comparisons, or their maximum-likelihood estimate is infinite (e.g. with an "
        "order effect, when the first item of every comparison wins, or of every comparison "
        "between some items); Firth's bias reduction (--firth) gives finite estimates where "
        "they are identified",
        what);
  }
  return llt.solve(Eigen::MatrixXd::Identity(a.rows(), a.cols()));
}

double log_det(const Eigen::MatrixXd& a) {
  const Eigen::LLT<Eigen::MatrixXd> llt(a);
  if (llt.info() != Eigen::Success) return -std::numeric_limits<double>::infinity();
  return 2.0 * llt.matrixLLT().diagonal().array().log().sum();
}

// The covariance from the inverse regularised information: without a prior, (I + c v v^T)^-1 =
// I^+ + v v^T / (c |v|^4) with |v|^2 = n, so 1 / (c n^2) comes off the b block.
std::vector<double> covariance(const Eigen::MatrixXd& inverse, size_t n, double c) {
  const auto d = static_cast<size_t>(inverse.rows());
  std::vector<double> out(d * d);
  const double correction = c > 0 ? 1.0 / (c * static_cast<double>(n * n)) : 0.0;
  for (size_t r = 0; r < d; ++r) {
    for (size_t k = 0; k < d; ++k) {
      out[r * d + k] = inverse(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(k)) -
                       (r < n && k < n ? correction : 0.0);
    }
  }
  return out;
}

void check_size(size_t n) {
  if (n > kMaxObservedInformationItems) {
    fail(
        "Bradley-Terry: {} items: the order effect, Firth's bias reduction and the covariance "
        "matrix use the dense {} x {} information, computed for at most {} items",
        n, n, n, kMaxObservedInformationItems);
  }
}

}  // namespace

double BtGlmFit::difference_sd(size_t i, size_t j) const {
  return std::sqrt(std::max(0.0, cov(i, i) + cov(j, j) - 2 * cov(i, j)));
}

BtGlmFit fit_bradley_terry_glm(const ComparisonSet& data, const BtGlmOptions& o) {
  if (!(o.prior_sd >= 0) || !std::isfinite(o.prior_sd)) {
    fail("Bradley-Terry: prior sd {} must be finite and >= 0 (0: none)", o.prior_sd);
  }
  if (o.bias_reduced && o.prior_sd > 0) {
    fail(
        "Bradley-Terry: Firth's bias reduction is an alternative to a prior (sd {}), not used "
        "with one",
        o.prior_sd);
  }
  if (o.max_iterations < 1 || !(o.tolerance > 0)) {
    fail("Bradley-Terry: max_iterations {} must be >= 1 and tolerance {} > 0", o.max_iterations,
         o.tolerance);
  }
  const size_t n = data.num_items();
  check_size(n);
  BtGlmFit fit;
  if (n == 0) {
    fit.converged = true;
    return fit;
  }
  if (o.prior_sd == 0) {
    if (o.bias_reduced) {
      check_bt_connected(data);
    } else {
      check_bt_mle_exists(data);
    }
  }
  const Model model(data, o);
  const auto d = static_cast<Eigen::Index>(model.dim());
  Eigen::VectorXd t = Eigen::VectorXd::Zero(d);
  Eigen::MatrixXd info, inverse;
  auto objective = [&](const Eigen::VectorXd& at) {
    double value = model.log_likelihood(at) - model.penalty(at);
    if (o.bias_reduced) {
      Eigen::MatrixXd a;
      const double c = model.information(at, a);
      // det(I + c v v^T) = pdet(I) c |v|^2: take the constant's log off.
      value += 0.5 * (log_det(a) - (c > 0 ? std::log(c * static_cast<double>(n)) : 0.0));
    }
    return value;
  };
  double current = objective(t);
  for (fit.iterations = 1; fit.iterations <= o.max_iterations; ++fit.iterations) {
    model.information(t, info);
    inverse = invert(info, o.order_effect ? " with an order effect" : "");
    const Eigen::VectorXd g = model.score(t, o.bias_reduced ? &inverse : nullptr);
    const Eigen::VectorXd step = inverse * g;
    double scale = 1.0, next = current;
    Eigen::VectorXd trial;
    int halvings = 0;
    for (;; ++halvings) {
      trial = t + scale * step;
      model.centre(trial);
      next = objective(trial);
      if (next >= current - 1e-12 * (1.0 + std::abs(current)) || halvings >= kMaxHalvings) break;
      scale *= 0.5;
    }
    const double change = (trial - t).lpNorm<Eigen::Infinity>();
    t = trial;
    current = next;
    if (change < o.tolerance && halvings == 0) {
      fit.converged = true;
      break;
    }
  }
  fit.iterations = std::min(fit.iterations, o.max_iterations);
  const double c = model.information(t, info);
  fit.dim = model.dim();
  fit.covariance = covariance(invert(info, ""), n, c);
  fit.ratings.assign(t.data(), t.data() + n);
  if (o.order_effect) fit.order_effect = t(static_cast<Eigen::Index>(n));
  fit.log_likelihood = model.log_likelihood(t);
  return fit;
}

std::vector<double> bradley_terry_covariance(const ComparisonSet& data,
                                             const std::vector<double>& ratings, double prior_sd) {
  const size_t n = data.num_items();
  check_size(n);
  if (ratings.size() != n) fail("Bradley-Terry: {} ratings given for {} items", ratings.size(), n);
  if (n == 0) return {};
  if (prior_sd == 0) check_bt_connected(data);
  BtGlmOptions o;
  o.prior_sd = prior_sd;
  const Model model(data, o);
  Eigen::VectorXd t(static_cast<Eigen::Index>(n));
  for (size_t i = 0; i < n; ++i) t(static_cast<Eigen::Index>(i)) = ratings[i];
  Eigen::MatrixXd info;
  const double c = model.information(t, info);
  return covariance(invert(info, ""), n, c);
}

}  // namespace valor::rank
