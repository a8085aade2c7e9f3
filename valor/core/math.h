// Small maths shared by every module: the logistic function and its logarithm, and the standard
// normal CDF, each in a form that neither overflows nor loses the tail for large |x|. Header-only
// (inline) since they sit in the inner loops of the rating fits; none allocates or throws.
#pragma once

#include <cmath>

namespace valor {

// The standard normal 0.975 quantile, Phi^{-1}(0.975): the half-width of a 95% normal interval in
// standard deviations.
inline constexpr double kNormalQuantile975 = 1.959963984540054;

// The logistic function sigmoid(x) = 1 / (1 + e^{-x}). Only e^{-|x|} is ever formed, so it
// cannot overflow: sigmoid(x) -> 1 for x -> +inf and -> e^x (not a rounded 0 + 1/inf) for
// x -> -inf. sigmoid(-x) = 1 - sigmoid(x). NaN gives NaN.
inline double sigmoid(double x) {
  if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

// log sigmoid(x) = -log(1 + e^{-x}) without cancellation or overflow: ~x for x -> -inf (not
// log 0 = -inf), ~-e^{-x} for x -> +inf (not log 1 = 0). NaN gives NaN.
inline double log_sigmoid(double x) {
  return x >= 0.0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
}

// The standard normal CDF Phi(x) = 0.5 erfc(-x / sqrt 2). erfc keeps the lower tail's relative
// accuracy (Phi(-30) ~ 4.9e-198, not 0 from 1 - Phi(30)); Phi underflows to 0 below about -38.
inline double normal_cdf(double x) {
  constexpr double kInvSqrt2 = 0.70710678118654752440;
  return 0.5 * std::erfc(-x * kInvSqrt2);
}

}  // namespace valor
