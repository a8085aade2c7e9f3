#include "valor/game/sampling.h"

#include <cmath>

#include "valor/core/error.h"

namespace valor::game {

double sample_gamma(Rng& rng, double shape) {
  VALOR_CHECK(shape > 0.0 && std::isfinite(shape), "Gamma shape {}", shape);
  if (shape < 1.0) {
    // Gamma(a) = Gamma(a + 1) * U^(1/a).
    double u = rng.uniform();
    while (u == 0.0) u = rng.uniform();
    return sample_gamma(rng, shape + 1.0) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  while (true) {
    const double x = rng.normal();
    const double t = 1.0 + c * x;
    if (t <= 0.0) continue;
    const double v = t * t * t;
    const double u = rng.uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0.0 && std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

void sample_dirichlet(Rng& rng, double alpha, std::span<double> out) {
  double total = 0.0;
  for (double& x : out) {
    x = sample_gamma(rng, alpha);
    total += x;
  }
  if (total <= 0.0) {  // every Gamma underflowed (tiny alpha): all mass on one coordinate
    for (double& x : out) x = 0.0;
    out[rng.below(out.size())] = 1.0;
    return;
  }
  for (double& x : out) x /= total;
}

double sample_gumbel(Rng& rng) {
  double u = rng.uniform();
  while (u == 0.0) u = rng.uniform();
  return -std::log(-std::log(u));
}

}  // namespace valor::game
