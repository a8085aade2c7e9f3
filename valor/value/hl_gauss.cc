#include "valor/value/hl_gauss.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "valor/core/error.h"
#include "valor/value/validate.h"
#include "valor/value/vector_math.h"

namespace valor::value {
namespace {

// Beyond this many s outside the range the CDF values underflow erfc; switch to the asymptotic
// series of log Phi, which is accurate to 2e-14 relative there.
constexpr double kAsymptoticFrom = 30.0;
// Beyond this many s outside the range the edge bin holds all mass to double precision for any
// accepted ratio (the next bin is smaller by exp(-distance / ratio) at most).
constexpr double kOneHotFrom = 1e8;
// Edges more than this many s from the window's center are not evaluated: Phi is taken as 0 or 1
// there, off by at most Phi(-6) = 9.9e-10 (1 - Phi(6) is below half a float ulp of 1, so Phi(6)
// is exactly 1 in float). Each bin beyond holds exactly 0 instead of at most 1e-9, and Z changes
// by at most 2e-9 relative. Stop Regressing's sigma of 0.75 bins then needs about 9 edges.
constexpr double kWindow = 6.0;
// Edges per call of normal_tail (a stack buffer; any m): consecutive chunks share an edge.
constexpr std::size_t kEdgeChunk = 64;

// Phi(b) - Phi(a) for a <= b, where ta = tail(a) and tb = tail(b); no branches, so that a loop of
// them vectorises. Clamped at 0 in case erfc is not monotone in its last bit.
double normal_mass(double a, double ta, double b, double tb) {
  const double difference = a >= 0.0 ? ta - tb : tb - ta;
  const double same_side = difference > 0.0 ? difference : 0.0;
  const bool straddles = (a < 0.0) & (b >= 0.0);
  return straddles ? 1.0 - ta - tb : same_side;
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

void check_hl_gauss_sigma_ratio(double sigma_ratio, std::string_view where) {
  if (!(sigma_ratio > 0.0 && sigma_ratio <= kMaxHlGaussSigmaRatio)) {
    fail("{}: sigma_ratio = {} must be in (0, {}] (sigma / bin width; the paper uses {})", where,
         sigma_ratio, kMaxHlGaussSigmaRatio, kDefaultHlGaussSigmaRatio);
  }
}

void hl_gauss_target(const BinSupport& bins, std::span<const float> targets, std::span<float> out,
                     double sigma_ratio) {
  const std::size_t m = bins.size();
  VALOR_CHECK(out.size() == targets.size() * m, "out has {} entries, expected {} targets x {} bins",
              out.size(), targets.size(), m);
  check_hl_gauss_sigma_ratio(sigma_ratio, "hl_gauss_target");
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
  const double inv_s = 1.0 / s;
  const double inv_w = 1.0 / bins.width();
  const double reach = kWindow * sigma_ratio;  // the window's half-width in bins
  std::fill(out.begin(), out.end(), 0.0f);
  alignas(16) double x[kEdgeChunk];
  alignas(16) double t[kEdgeChunk];
  for (std::size_t b = 0; b < targets.size(); ++b) {
    const double y = targets[b];
    float* row = out.data() + b * m;
    const double above = (y - highest) * inv_s;
    const double below = (lowest - y) * inv_s;
    if (above > kAsymptoticFrom || below > kAsymptoticFrom) {
      if (above > kOneHotFrom || below > kOneHotFrom) {
        row[above > 0.0 ? m - 1 : 0] = 1.0f;
      } else if (above > 0.0) {
        far_above(edges, y, s, row);
      } else {
        far_below(edges, y, s, row);
      }
      continue;
    }
    // The edges first..last within kWindow s of y, or of the nearer end of the support for a y
    // outside it (an edge just inside or outside the line changes nothing visible in float), and
    // one more edge on each side, whose Phi is 0 or 1: the bins across the window's ends.
    const double center = (std::clamp(y, lowest, highest) - lowest) * inv_w;
    const double from = center - reach;
    const double to = center + reach;
    const std::size_t first = from <= 0.0 ? 0 : static_cast<std::size_t>(from) + 1;
    std::size_t last = m;
    if (to < static_cast<double>(m)) {
      last = static_cast<std::size_t>(to);
      if (static_cast<double>(last) < to) ++last;
    }
    const std::size_t lo = first == 0 ? 0 : first - 1;
    const std::size_t hi = last == m ? m : last + 1;
    // Edges start.. start + n - 1 into x and their tails into t.
    const auto fill = [&](std::size_t start, std::size_t n) {
#pragma omp simd
      for (std::size_t j = 0; j < n; ++j) x[j] = (edges[start + j] - y) * inv_s;
      const std::size_t skip = start < first ? 1 : 0;
      const std::size_t keep = std::min(start + n, last + 1) - start - skip;
      normal_tail({x + skip, keep}, {t + skip, keep});
      std::fill(t, t + skip, 0.0);
      std::fill(t + skip + keep, t + n, 0.0);
    };
    std::size_t start = lo;
    std::size_t n = std::min(kEdgeChunk, hi + 1 - start);
    fill(start, n);
    // Z = Phi(x_m) - Phi(x_0), an end's tail counting as 0 outside the window.
    double tail_m = 0.0;
    if (last == m) {
      if (start + n == m + 1) {
        tail_m = t[n - 1];
      } else {
        double end = (highest - y) * inv_s;
        normal_tail({&end, 1}, {&tail_m, 1});
      }
    }
    const double inv_z = 1.0 / normal_mass((lowest - y) * inv_s, first == 0 ? t[0] : 0.0,
                                           (highest - y) * inv_s, tail_m);
    for (;;) {
      // Bin start + j - 1 lies between edges start + j - 1 and start + j.
      float* bin = row + start - 1;
#pragma omp simd
      for (std::size_t j = 1; j < n; ++j) {
        bin[j] = static_cast<float>(normal_mass(x[j - 1], t[j - 1], x[j], t[j]) * inv_z);
      }
      if (start + n == hi + 1) break;
      start += n - 1;
      n = std::min(kEdgeChunk, hi + 1 - start);
      fill(start, n);
    }
  }
}

}  // namespace valor::value
