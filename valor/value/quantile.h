// Quantile value heads (Distributional Reinforcement Learning with Quantile Regression, QR-DQN):
// N outputs theta_i estimate the return quantiles at the midpoints tau_i = (2i + 1)/(2N).
#pragma once

#include <cstddef>
#include <span>

namespace valor::value {

// tau_i = (2i + 1)/(2n), for 0 <= i < n.
double quantile_midpoint(std::size_t i, std::size_t n);

// Fills `out` with tau_0..tau_{n-1} for n = out.size().
void quantile_midpoints(std::span<float> out);

// The value of each row of `theta` ([B, n]): the mean of its n quantiles, into `out` ([B]).
void quantile_mean(std::span<const float> theta, std::size_t n, std::span<float> out);

// Bellman targets T theta'_j = r_b + g_b theta'_{bj} for next-state quantiles `next_theta`
// ([B, N']), `rewards` and `discounts` ([B], g_b = gamma^n (1 - done_b)), into `out` ([B, N']).
// Throws valor::Error naming the batch index for a non-finite reward or quantile, or a discount
// outside [0, 1]; `out` is then left unchanged.
void quantile_bellman_target(std::span<const float> next_theta, std::span<const float> rewards,
                             std::span<const float> discounts, std::span<float> out);

// The quantile-Huber loss, averaged over the batch, of predictions `theta` ([B, N]) against
// targets `target` ([B, N'], no gradient), with u_ij = target_j - theta_i:
//   L = (1/B) sum_b (1/N') sum_i sum_j rho_{tau_i}(u_bij),
//   rho_tau(u) = |tau - 1{u < 0}| H_kappa(u) / kappa,
// H_kappa the Huber function (scalar_loss.h). For N' = N this is algorithms.md's
// (1/N) sum_i sum_j; for N' != N it is the paper's sum_i E_j. The 1/kappa is the paper's and
// vanishes at the default kappa = 1. If `grad` is non-empty ([B, N]) it receives
//   dL/dtheta_bi = -(1/B)(1/N') sum_j |tau_i - 1{u_bij < 0}| H'_kappa(u_bij) / kappa.
// Throws valor::Error naming the batch index for a non-finite prediction or target, or kappa
// not finite and positive. Allocation-free.
double quantile_huber_loss(std::span<const float> theta, std::span<const float> target,
                           std::size_t batch, std::span<float> grad = {}, double kappa = 1.0);
double quantile_huber_loss(std::span<const double> theta, std::span<const double> target,
                           std::size_t batch, std::span<double> grad = {}, double kappa = 1.0);

}  // namespace valor::value
