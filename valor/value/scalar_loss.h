// Scalar regression losses for value heads: squared error and Huber, each with its gradient.
#pragma once

#include <cmath>
#include <span>

namespace valor::value {

// The Huber function H_kappa(u) = u^2/2 for |u| <= kappa, kappa (|u| - kappa/2) otherwise.
inline double huber(double u, double kappa = 1.0) {
  const double a = std::fabs(u);
  return a <= kappa ? 0.5 * u * u : kappa * (a - 0.5 * kappa);
}

// dH_kappa/du = clip(u, -kappa, kappa).
inline double huber_derivative(double u, double kappa = 1.0) {
  return u > kappa ? kappa : (u < -kappa ? -kappa : u);
}

// L = (1/B) sum_b (y_b - Q_b)^2 / 2 over `predictions` Q [B] and `targets` y [B].
// If `grad` is non-empty ([B]) it receives dL/dQ_b = (Q_b - y_b)/B (the 1/B of the batch mean
// included). Accumulates in double. Throws valor::Error naming the batch index if a prediction
// or target is NaN or infinite.
double mse_loss(std::span<const float> predictions, std::span<const float> targets,
                std::span<float> grad = {});
double mse_loss(std::span<const double> predictions, std::span<const double> targets,
                std::span<double> grad = {});

// L = (1/B) sum_b H_kappa(Q_b - y_b); `grad` (optional, [B]) receives
// dL/dQ_b = clip(Q_b - y_b, -kappa, kappa)/B. Throws valor::Error for non-finite inputs (naming
// the batch index) or kappa not finite and positive.
double huber_loss(std::span<const float> predictions, std::span<const float> targets,
                  std::span<float> grad = {}, double kappa = 1.0);
double huber_loss(std::span<const double> predictions, std::span<const double> targets,
                  std::span<double> grad = {}, double kappa = 1.0);

}  // namespace valor::value
