// HL-Gauss targets: a Gaussian around the scalar target, integrated over each bin (Stop
// Regressing: Training Value Functions via Classification for Scalable Deep RL).
#pragma once

#include <span>
#include <string_view>

#include "valor/value/support.h"

namespace valor::value {

// The paper's default sigma / bin width.
inline constexpr double kDefaultHlGaussSigmaRatio = 0.75;
// The largest accepted sigma / bin width; every caller (agents, tabular TD, the config keys)
// accepts sigma_ratio in (0, kMaxHlGaussSigmaRatio].
inline constexpr double kMaxHlGaussSigmaRatio = 1000.0;

// Throws valor::Error, its message starting with `where`, unless sigma_ratio is in
// (0, kMaxHlGaussSigmaRatio] (NaN is not).
void check_hl_gauss_sigma_ratio(double sigma_ratio, std::string_view where);

// For each target y_b writes the HL-Gauss distribution over the m bins into row b of `out`
// ([B, m], row-major; `targets` is [B]). With s = sigma_ratio * w and Phi the standard normal CDF,
//   p_i = [Phi((e_{i+1} - y)/s) - Phi((e_i - y)/s)] / [Phi((e_m - y)/s) - Phi((e_0 - y)/s)],
// evaluated in double. Because the Gaussian is renormalised over the support, a target outside
// [v_min, v_max] is NOT clipped: its mass piles up in the bins next to the nearer edge and tends
// to one-hot on the edge bin (at the default ratio, 5 bin widths out the edge bin holds 0.99995).
// Tails are evaluated without underflow (complementary error function near the range, the
// asymptotic series of log Phi beyond 30 s), so every row is a distribution for any finite target.
// Window: Phi is evaluated (libmvec's vectorised erfc, vector_math.h) only at the edges within
// 6 s of y, or of the nearer end of the support when y is outside it, and taken as 0 or 1 beyond
// (off by at most Phi(-6) = 1e-9; Phi(6) is exactly 1 in float): bins beyond hold exactly 0
// instead of at most 1e-9, and a target costs about 12 sigma_ratio + 1 edges, not m + 1.
// sum p = 1; the mean sum p_i c_i is close to y when y is several s inside the range (at 3 s the
// truncation bias is below 0.005 s).
// Throws valor::Error naming the batch index if a target is NaN or infinite, or if sigma_ratio is
// not in (0, 1000]; `out` is then left unchanged. Allocation-free.
void hl_gauss_target(const BinSupport& bins, std::span<const float> targets, std::span<float> out,
                     double sigma_ratio = kDefaultHlGaussSigmaRatio);

}  // namespace valor::value
