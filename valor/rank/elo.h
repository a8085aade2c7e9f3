// Online Elo ratings (algorithms.md section 5), for comparison with arena-style leaderboards.
#pragma once

#include <vector>

#include "valor/rank/comparisons.h"

namespace valor::rank {

// The expected score of a against b, E = 1 / (1 + 10^((R_b - R_a) / 400)).
double elo_expected_score(double rating_a, double rating_b);

// Processes the comparisons once, in order. For each comparison (a, b, outcome S):
//   E = elo_expected_score(R_a, R_b),  R_a += k w (S - E),  R_b -= k w (S - E)
// where w is the comparison's weight (1 for unweighted data). Every item starts at `initial`.
// valor::Error for k < 0 or a non-finite k or initial.
std::vector<double> elo_ratings(const ComparisonSet& comparisons, double k = 4.0,
                                double initial = 1000.0);

}  // namespace valor::rank
