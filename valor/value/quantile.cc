#include "valor/value/quantile.h"

#include "valor/core/error.h"
#include "valor/value/scalar_loss.h"
#include "valor/value/validate.h"

namespace valor::value {
namespace {

template <typename T>
double quantile_huber(std::span<const T> theta, std::span<const T> target, std::size_t batch,
                      std::span<T> grad, double kappa) {
  VALOR_CHECK(batch > 0, "batch must be positive");
  const std::size_t n = detail::batch_size(theta.size(), batch);
  const std::size_t n_target = detail::batch_size(target.size(), batch);
  VALOR_CHECK(n > 0 && n_target > 0, "need at least one quantile and one target per row");
  VALOR_CHECK(grad.empty() || grad.size() == theta.size(), "grad has {} entries, theta {}",
              grad.size(), theta.size());
  if (!(kappa > 0.0 && std::isfinite(kappa))) {
    fail("quantile_huber_loss: kappa = {} must be finite and positive (QR-DQN uses 1)", kappa);
  }
  detail::require_finite("quantile_huber_loss", "predicted quantile", theta, n);
  detail::require_finite("quantile_huber_loss", "target", target, n_target);
  const double loss_scale = 1.0 / (static_cast<double>(n_target) * kappa);
  const double grad_scale = loss_scale / static_cast<double>(batch);
  double total = 0.0;
  for (std::size_t b = 0; b < batch; ++b) {
    const T* th = theta.data() + b * n;
    const T* tg = target.data() + b * n_target;
    for (std::size_t i = 0; i < n; ++i) {
      const double tau = quantile_midpoint(i, n);
      const double theta_i = th[i];
      double loss_i = 0.0;
      double slope_i = 0.0;
      for (std::size_t j = 0; j < n_target; ++j) {
        const double u = tg[j] - theta_i;
        const double weight = u < 0.0 ? 1.0 - tau : tau;
        loss_i += weight * huber(u, kappa);
        slope_i += weight * huber_derivative(u, kappa);
      }
      total += loss_i;
      if (!grad.empty()) grad[b * n + i] = static_cast<T>(-slope_i * grad_scale);
    }
  }
  return total * loss_scale / static_cast<double>(batch);
}

}  // namespace

double quantile_midpoint(std::size_t i, std::size_t n) {
  VALOR_CHECK(i < n, "quantile index {} out of range for {} quantiles", i, n);
  return (2.0 * static_cast<double>(i) + 1.0) / (2.0 * static_cast<double>(n));
}

void quantile_midpoints(std::span<float> out) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<float>(quantile_midpoint(i, out.size()));
  }
}

void quantile_mean(std::span<const float> theta, std::size_t n, std::span<float> out) {
  const std::size_t batch = detail::batch_size(theta.size(), n);
  VALOR_CHECK(out.size() == batch, "out has {} entries for {} rows", out.size(), batch);
  for (std::size_t b = 0; b < batch; ++b) {
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += theta[b * n + i];
    out[b] = static_cast<float>(sum / static_cast<double>(n));
  }
}

void quantile_bellman_target(std::span<const float> next_theta, std::span<const float> rewards,
                             std::span<const float> discounts, std::span<float> out) {
  const std::size_t batch = rewards.size();
  VALOR_CHECK(batch > 0, "empty batch");
  VALOR_CHECK(discounts.size() == batch, "{} discounts for {} rewards", discounts.size(), batch);
  VALOR_CHECK(out.size() == next_theta.size(), "out has {} entries, next_theta {}", out.size(),
              next_theta.size());
  const std::size_t n = detail::batch_size(next_theta.size(), batch);
  detail::require_finite("quantile_bellman_target", "reward", rewards);
  detail::require_finite("quantile_bellman_target", "next-state quantile", next_theta, n);
  for (std::size_t b = 0; b < batch; ++b) {
    if (!(discounts[b] >= 0.0f && discounts[b] <= 1.0f)) {
      fail(
          "quantile_bellman_target: discount at batch index {} is {}; discounts gamma^n "
          "(1 - done) must be in [0, 1]",
          b, discounts[b]);
    }
  }
  for (std::size_t b = 0; b < batch; ++b) {
    const double r = rewards[b];
    const double g = discounts[b];
    for (std::size_t j = 0; j < n; ++j) {
      out[b * n + j] = static_cast<float>(r + g * next_theta[b * n + j]);
    }
  }
}

double quantile_huber_loss(std::span<const float> theta, std::span<const float> target,
                           std::size_t batch, std::span<float> grad, double kappa) {
  return quantile_huber(theta, target, batch, grad, kappa);
}
double quantile_huber_loss(std::span<const double> theta, std::span<const double> target,
                           std::size_t batch, std::span<double> grad, double kappa) {
  return quantile_huber(theta, target, batch, grad, kappa);
}

}  // namespace valor::value
