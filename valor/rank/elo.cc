#include "valor/rank/elo.h"

#include <cmath>

#include "valor/core/error.h"

namespace valor::rank {

std::vector<double> elo_ratings(const ComparisonSet& comparisons, double k, double initial) {
  if (!(std::isfinite(k) && k >= 0.0)) fail("Elo: K = {} must be finite and >= 0", k);
  if (!std::isfinite(initial)) fail("Elo: initial rating {} must be finite", initial);
  std::vector<double> r(comparisons.num_items(), initial);
  for (const Comparison& c : comparisons.comparisons()) {
    auto& ra = r[static_cast<size_t>(c.a)];
    auto& rb = r[static_cast<size_t>(c.b)];
    const double expected = 1.0 / (1.0 + std::pow(10.0, (rb - ra) / 400.0));
    const double delta = k * c.weight * (c.outcome - expected);
    ra += delta;
    rb -= delta;
  }
  return r;
}

}  // namespace valor::rank
