#include "valor/rank/elo.h"

#include <cmath>

#include "valor/core/error.h"

namespace valor::rank {

double elo_expected_score(double rating_a, double rating_b) {
  return 1.0 / (1.0 + std::pow(10.0, (rating_b - rating_a) / 400.0));
}

std::vector<double> elo_ratings(const ComparisonSet& comparisons, double k, double initial) {
  if (!(std::isfinite(k) && k >= 0.0)) fail("Elo: K = {} must be finite and >= 0", k);
  if (!std::isfinite(initial)) fail("Elo: initial rating {} must be finite", initial);
  std::vector<double> r(comparisons.num_items(), initial);
  for (const Comparison& c : comparisons.comparisons()) {
    auto& ra = r[static_cast<size_t>(c.a)];
    auto& rb = r[static_cast<size_t>(c.b)];
    const double expected = elo_expected_score(ra, rb);
    const double delta = k * c.weight * (c.outcome - expected);
    ra += delta;
    rb -= delta;
  }
  return r;
}

}  // namespace valor::rank
