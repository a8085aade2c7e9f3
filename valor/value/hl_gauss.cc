#include "valor/value/hl_gauss.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "valor/core/error.h"
#include "valor/value/validate.h"

namespace valor::value {
namespace {

// Beyond this many s outside the range the CDF values underflow erfc; switch to the asymptotic
// series of log Phi, which is accurate to 2e-14 relative there.
constexpr double kAsymptoticFrom = 30.0;
// Beyond this many s outside the range the edge bin holds all mass to double precision for any
// accepted ratio (the next bin is smaller by exp(-distance / ratio) at most).
constexpr double kOneHotFrom = 1e8;
constexpr double kMaxSigmaRatio = 1000.0;

// The one-sided tail 0.5 erfc(|x|/sqrt 2): Phi(x) for x < 0, 1 - Phi(x) for x >= 0, so that no
// bin mass is a difference of two numbers near 1.
double tail(double x) { return 0.5 * std::erfc(std::fabs(x) * std::numbers::sqrt2 / 2.0); }

// Phi(b) - Phi(a) for a <= b, where ta = tail(a) and tb = tail(b).
// Clamped at 0 in case erfc is not monotone in its last bit.
double normal_mass(double a, double ta, double b, double tb) {
  if (a >= 0.0) return std::max(0.0, ta - tb);
  if (b < 0.0) return std::max(0.0, tb - ta);
  return 1.0 - ta - tb;
}

// log Phi(a) - log Phi(t) for a, t <= -kAsymptoticFrom, with a_minus_t = a - t computed from the
// edges, from log Phi(x) = -x^2/2 - log(-x) - log sqrt(2 pi) + log S(x),
// S(x) = 1 - 1/x^2 + 3/x^4 - 15/x^6 + 105/x^8 - 945/x^10.
double log_normal_cdf_ratio(double a, double t, double a_minus_t) {
  const auto series = [](double x) {
    const double r = 1.0 / (x * x);
    return 1.0 + r * (-1.0 + r * (3.0 + r * (-15.0 + r * (105.0 - 945.0 * r))));
  };
  return -0.5 * a_minus_t * (a + t) - std::log(a / t) + std::log(series(a) / series(t));
}

// Target more than kAsymptoticFrom s above v_max: mass_i = Phi(x_{i+1}) - Phi(x_i) with
// x_k = (e_k - y)/s, all relative to Phi(x_m) to stay representable.
void far_above(std::span<const float> edges, double y, double s, float* row) {
  const std::size_t m = edges.size() - 1;
  const double e_m = edges[m];
  const double t = (e_m - y) / s;
  const auto log_ratio = [&](std::size_t k) {
    return log_normal_cdf_ratio((edges[k] - y) / s, t, (edges[k] - e_m) / s);
  };
  double previous = log_ratio(0);
  const double z = -std::expm1(previous);
  for (std::size_t i = 0; i < m; ++i) {
    const double next = i + 1 == m ? 0.0 : log_ratio(i + 1);
    row[i] = static_cast<float>(std::exp(next) * -std::expm1(previous - next) / z);
    previous = next;
  }
}

// Target more than kAsymptoticFrom s below v_min: by symmetry mass_i = Phi(u_i) - Phi(u_{i+1})
// with u_k = (y - e_k)/s, all relative to Phi(u_0).
void far_below(std::span<const float> edges, double y, double s, float* row) {
  const std::size_t m = edges.size() - 1;
  const double e_0 = edges[0];
  const double t = (y - e_0) / s;
  const auto log_ratio = [&](std::size_t k) {
    return log_normal_cdf_ratio((y - edges[k]) / s, t, (e_0 - edges[k]) / s);
  };
  const double z = -std::expm1(log_ratio(m));
  double previous = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    const double next = log_ratio(i + 1);
    row[i] = static_cast<float>(std::exp(previous) * -std::expm1(next - previous) / z);
    previous = next;
  }
}

}  // namespace

void hl_gauss_target(const BinSupport& bins, std::span<const float> targets, std::span<float> out,
                     double sigma_ratio) {
  const std::size_t m = bins.size();
  VALOR_CHECK(out.size() == targets.size() * m, "out has {} entries, expected {} targets x {} bins",
              out.size(), targets.size(), m);
  if (!(sigma_ratio > 0.0 && sigma_ratio <= kMaxSigmaRatio)) {
    fail(
        "hl_gauss_target: sigma_ratio = {} must be in (0, {}] (sigma / bin width; the paper uses "
        "{})",
        sigma_ratio, kMaxSigmaRatio, kDefaultHlGaussSigmaRatio);
  }
  const double s = sigma_ratio * bins.width();
  if (!std::isnormal(s)) {
    fail(
        "hl_gauss_target: sigma = sigma_ratio {} x bin width {} = {} underflows; use a larger "
        "sigma_ratio",
        sigma_ratio, bins.width(), s);
  }
  detail::require_finite("hl_gauss_target", "target", targets);
  const std::span<const float> edges = bins.edges();
  const double lowest = edges.front();
  const double highest = edges.back();
  for (std::size_t b = 0; b < targets.size(); ++b) {
    const double y = targets[b];
    float* row = out.data() + b * m;
    const double above = (y - highest) / s;
    const double below = (lowest - y) / s;
    if (above > kAsymptoticFrom || below > kAsymptoticFrom) {
      if (above > kOneHotFrom || below > kOneHotFrom) {
        std::fill(row, row + m, 0.0f);
        row[above > 0.0 ? m - 1 : 0] = 1.0f;
      } else if (above > 0.0) {
        far_above(edges, y, s, row);
      } else {
        far_below(edges, y, s, row);
      }
      continue;
    }
    const double x_0 = (lowest - y) / s;
    const double x_m = (highest - y) / s;
    const double z = normal_mass(x_0, tail(x_0), x_m, tail(x_m));
    double a = x_0;
    double ta = tail(a);
    for (std::size_t i = 0; i < m; ++i) {
      const double x = (edges[i + 1] - y) / s;
      const double tx = tail(x);
      row[i] = static_cast<float>(normal_mass(a, ta, x, tx) / z);
      a = x;
      ta = tx;
    }
  }
}

}  // namespace valor::value
