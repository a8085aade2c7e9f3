// The random variates search needs beyond valor::Rng's: Gamma (for Dirichlet noise), Dirichlet
// and Gumbel. Written out, like Rng's transforms, so that results do not depend on the standard
// library.
#pragma once

#include <span>

#include "valor/core/random.h"

namespace valor::game {

// Gamma(shape, 1) by Marsaglia and Tsang's method ("A simple method for generating gamma
// variables", 2000), with the U^(1/shape) boost for shape < 1. shape > 0.
double sample_gamma(Rng& rng, double shape);

// Fills `out` with one draw of the symmetric Dirichlet(alpha, ..., alpha): normalised Gammas.
void sample_dirichlet(Rng& rng, double alpha, std::span<double> out);

// Standard Gumbel: -log(-log U), U uniform on (0, 1).
double sample_gumbel(Rng& rng);

}  // namespace valor::game
