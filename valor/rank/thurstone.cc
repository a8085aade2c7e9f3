#include "valor/rank/thurstone.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "valor/core/error.h"
#include "valor/core/math.h"

namespace valor::rank {
namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

// log Phi(z) and the inverse Mills ratio phi(z) / Phi(z), stable in the lower tail.
struct LogPhi {
  double value;
  double mills;
};

LogPhi log_phi(double z) {
  if (z > -30.0) {
    const double cdf = normal_cdf(z);
    const double log_pdf = -0.5 * z * z - kLogSqrt2Pi;
    return {std::log(cdf), std::exp(log_pdf - std::log(cdf))};
  }
  // Asymptotic series Phi(z) ~ phi(z) / (-z) * (1 - 1/z^2 + 3/z^4 - 15/z^6) for z -> -inf.
  const double z2 = z * z;
  const double series = 1.0 - 1.0 / z2 + 3.0 / (z2 * z2) - 15.0 / (z2 * z2 * z2);
  const double log_pdf = -0.5 * z2 - kLogSqrt2Pi;
  return {log_pdf - std::log(-z) + std::log(series), -z / series};
}

void check_options(const ThurstoneOptions& o) {
  if (!(o.prior_precision >= 0.0) || !std::isfinite(o.prior_precision)) {
    fail("thurstone: prior_precision must be finite and >= 0, got {}", o.prior_precision);
  }
  if (!(o.fixed_sigma >= 0.0) || !std::isfinite(o.fixed_sigma)) {
    fail("thurstone: fixed_sigma must be finite and >= 0, got {}", o.fixed_sigma);
  }
  if (!(o.log_sigma_prior_sd >= 0.0) || !std::isfinite(o.log_sigma_prior_sd)) {
    fail("thurstone: log_sigma_prior_sd must be finite and >= 0, got {}", o.log_sigma_prior_sd);
  }
  if (o.max_iterations < 1) fail("thurstone: max_iterations must be >= 1");
  if (o.memory < 1) fail("thurstone: memory must be >= 1");
  if (!(o.tolerance > 0.0)) fail("thurstone: tolerance must be > 0");
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double max_abs(const std::vector<double>& a) {
  double m = 0.0;
  for (double v : a) m = std::max(m, std::abs(v));
  return m;
}

}  // namespace

double thurstone_objective(const ComparisonSet& data, const ThurstoneOptions& options,
                           const std::vector<double>& params, std::vector<double>* gradient) {
  const size_t n = data.num_items();
  const bool free_sigma = options.fixed_sigma <= 0.0;
  VALOR_CHECK(params.size() == (free_sigma ? 2 * n : n), "params size {}", params.size());
  if (gradient != nullptr) gradient->assign(params.size(), 0.0);
  const double fixed_var = options.fixed_sigma * options.fixed_sigma;
  double total = 0.0;
  for (const Comparison& c : data.comparisons()) {
    const auto a = static_cast<size_t>(c.a);
    const auto b = static_cast<size_t>(c.b);
    const double var_a = free_sigma ? std::exp(2.0 * params[n + a]) : fixed_var;
    const double var_b = free_sigma ? std::exp(2.0 * params[n + b]) : fixed_var;
    const double var = var_a + var_b;
    const double scale = std::sqrt(var);
    const double z = (params[a] - params[b]) / scale;
    const LogPhi win = log_phi(z);
    const LogPhi loss = log_phi(-z);
    double term = 0.0;
    double dz = 0.0;  // d term / dz
    if (c.outcome > 0.0) {
      term += c.outcome * win.value;
      dz += c.outcome * win.mills;
    }
    if (c.outcome < 1.0) {
      term += (1.0 - c.outcome) * loss.value;
      dz -= (1.0 - c.outcome) * loss.mills;
    }
    total += c.weight * term;
    if (gradient != nullptr) {
      dz *= c.weight;
      (*gradient)[a] += dz / scale;
      (*gradient)[b] -= dz / scale;
      if (free_sigma) {
        // dz / dl_a = -z var_a / var.
        (*gradient)[n + a] -= dz * z * var_a / var;
        (*gradient)[n + b] -= dz * z * var_b / var;
      }
    }
  }
  const double lambda = options.prior_precision;
  if (lambda > 0.0) {
    for (size_t i = 0; i < params.size(); ++i) {
      total -= 0.5 * lambda * params[i] * params[i];
      if (gradient != nullptr) (*gradient)[i] -= lambda * params[i];
    }
  }
  if (free_sigma && options.log_sigma_prior_sd > 0.0) {
    const double extra = 1.0 / (options.log_sigma_prior_sd * options.log_sigma_prior_sd);
    for (size_t i = n; i < 2 * n; ++i) {
      total -= 0.5 * extra * params[i] * params[i];
      if (gradient != nullptr) (*gradient)[i] -= extra * params[i];
    }
  }
  return total;
}

double thurstone_probability(double mu_i, double sigma_i, double mu_j, double sigma_j) {
  return normal_cdf((mu_i - mu_j) / std::sqrt(sigma_i * sigma_i + sigma_j * sigma_j));
}

double thurstone_log_likelihood(const ComparisonSet& data, const std::vector<double>& mu,
                                const std::vector<double>& sigma) {
  const size_t n = data.num_items();
  VALOR_CHECK(mu.size() == n && sigma.size() == n);
  std::vector<double> params(2 * n);
  for (size_t i = 0; i < n; ++i) {
    params[i] = mu[i];
    params[n + i] = std::log(sigma[i]);
  }
  ThurstoneOptions plain;
  plain.prior_precision = 0.0;
  plain.log_sigma_prior_sd = 0.0;
  return thurstone_objective(data, plain, params, nullptr);
}

ThurstoneFit fit_thurstone(const ComparisonSet& data, const ThurstoneOptions& options) {
  check_options(options);
  const size_t n = data.num_items();
  const bool free_sigma = options.fixed_sigma <= 0.0;
  ThurstoneFit fit;
  if (n == 0) {
    fit.converged = true;
    return fit;
  }
  double total_weight = 0.0;
  for (const Comparison& c : data.comparisons()) total_weight += c.weight;
  const double gtol = options.tolerance * std::max(1.0, total_weight);

  // L-BFGS minimising f = -objective.
  const size_t dim = free_sigma ? 2 * n : n;
  std::vector<double> x(dim, 0.0);
  std::vector<double> g;
  auto evaluate = [&](const std::vector<double>& at, std::vector<double>* grad) {
    const double value = -thurstone_objective(data, options, at, grad);
    for (double& v : *grad) v = -v;
    return value;
  };
  double f = evaluate(x, &g);
  std::deque<std::vector<double>> s_hist;
  std::deque<std::vector<double>> y_hist;
  std::deque<double> rho_hist;
  std::vector<double> d(dim);
  std::vector<double> x_new(dim);
  std::vector<double> g_new;
  std::vector<double> alpha;
  int stalls = 0;
  int iter = 0;
  for (; iter < options.max_iterations; ++iter) {
    if (max_abs(g) <= gtol) {
      fit.converged = true;
      break;
    }
    // Two-loop recursion: d = -H g.
    d = g;
    const size_t m = s_hist.size();
    alpha.assign(m, 0.0);
    for (size_t k = m; k-- > 0;) {
      alpha[k] = rho_hist[k] * dot(s_hist[k], d);
      for (size_t i = 0; i < dim; ++i) d[i] -= alpha[k] * y_hist[k][i];
    }
    double gamma = 1.0;
    if (m > 0) gamma = dot(s_hist[m - 1], y_hist[m - 1]) / dot(y_hist[m - 1], y_hist[m - 1]);
    for (double& v : d) v *= gamma;
    for (size_t k = 0; k < m; ++k) {
      const double beta = rho_hist[k] * dot(y_hist[k], d);
      for (size_t i = 0; i < dim; ++i) d[i] += (alpha[k] - beta) * s_hist[k][i];
    }
    for (double& v : d) v = -v;
    double slope = dot(g, d);
    double step = 1.0;
    if (m == 0 || !(slope < 0.0)) {
      // Steepest descent, first step bounded to unit length in the largest component.
      for (size_t i = 0; i < dim; ++i) d[i] = -g[i];
      slope = dot(g, d);
      s_hist.clear();
      y_hist.clear();
      rho_hist.clear();
      step = 1.0 / std::max(1.0, max_abs(g));
    }
    // Backtracking Armijo line search.
    bool accepted = false;
    double f_new = f;
    for (int tries = 0; tries < 60; ++tries) {
      for (size_t i = 0; i < dim; ++i) x_new[i] = x[i] + step * d[i];
      f_new = evaluate(x_new, &g_new);
      if (std::isfinite(f_new) && f_new <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) {
      if (!s_hist.empty()) {  // retry once from steepest descent
        s_hist.clear();
        y_hist.clear();
        rho_hist.clear();
        continue;
      }
      break;
    }
    std::vector<double> s(dim);
    std::vector<double> y(dim);
    for (size_t i = 0; i < dim; ++i) {
      s[i] = x_new[i] - x[i];
      y[i] = g_new[i] - g[i];
    }
    const double sy = dot(s, y);
    if (sy > 1e-12 * std::sqrt(dot(s, s) * dot(y, y))) {
      s_hist.push_back(std::move(s));
      y_hist.push_back(std::move(y));
      rho_hist.push_back(1.0 / sy);
      if (s_hist.size() > static_cast<size_t>(options.memory)) {
        s_hist.pop_front();
        y_hist.pop_front();
        rho_hist.pop_front();
      }
    }
    stalls = (f - f_new <= 1e-15 * std::max(1.0, std::abs(f))) ? stalls + 1 : 0;
    x.swap(x_new);
    g.swap(g_new);
    f = f_new;
    if (stalls >= 5) {  // no measurable progress: at the optimum to rounding
      fit.converged = max_abs(g) <= 1e3 * gtol;
      ++iter;
      break;
    }
  }
  fit.iterations = iter;

  fit.mu.assign(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n));
  fit.sigma.resize(n);
  for (size_t i = 0; i < n; ++i)
    fit.sigma[i] = free_sigma ? std::exp(x[n + i]) : options.fixed_sigma;
  if (options.normalize) {
    double mean = 0.0;
    for (double v : fit.mu) mean += v;
    mean /= static_cast<double>(n);
    double var = 0.0;
    for (double& v : fit.mu) {
      v -= mean;
      var += v * v;
    }
    const double sd = std::sqrt(var / static_cast<double>(n));
    if (sd > 0.0 && std::isfinite(sd)) {
      for (double& v : fit.mu) v /= sd;
      for (double& v : fit.sigma) v /= sd;
    }
  }
  fit.log_likelihood = thurstone_log_likelihood(data, fit.mu, fit.sigma);
  return fit;
}

}  // namespace valor::rank
