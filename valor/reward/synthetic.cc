#include "valor/reward/synthetic.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/core/random.h"

namespace valor::reward {

SyntheticPreferences make_synthetic_preferences(size_t dim, size_t pairs, uint64_t seed,
                                                uint64_t reward_seed) {
  if (dim == 0 || pairs == 0) fail("synthetic preferences need dim >= 1 and pairs >= 1");
  Rng direction_rng(reward_seed, 1);
  std::vector<std::vector<double>> u(4, std::vector<double>(dim));
  for (auto& v : u) {
    double norm = 0.0;
    for (double& x : v) {
      x = direction_rng.normal();
      norm += x * x;
    }
    for (double& x : v) x /= std::sqrt(norm);
  }
  const auto reward = [&](const double* x) {
    double p[4] = {0, 0, 0, 0};
    for (size_t k = 0; k < 4; ++k) {
      for (size_t j = 0; j < dim; ++j) p[k] += u[k][j] * x[j];
    }
    return 2.0 * std::sin(p[0]) + std::abs(p[1]) - 0.5 * p[2] * p[3];
  };
  Rng rng(seed, 2);
  SyntheticPreferences s;
  s.data.table.dim = dim;
  for (size_t j = 0; j < dim; ++j) s.data.table.names.push_back(fmt::format("x{}", j));
  s.data.table.values.resize(2 * pairs * dim);
  for (double& x : s.data.table.values) x = rng.normal();
  s.true_reward.resize(2 * pairs);
  for (size_t r = 0; r < 2 * pairs; ++r) s.true_reward[r] = reward(s.data.table.row(r));
  s.data.source =
      fmt::format("synthetic preferences (dim {}, {} pairs, seed {})", dim, pairs, seed);
  for (size_t i = 0; i < pairs; ++i) {
    rank::FeatureComparison c;
    c.row_a = static_cast<int64_t>(2 * i);
    c.row_b = static_cast<int64_t>(2 * i + 1);
    const double p = sigmoid(s.true_reward[2 * i] - s.true_reward[2 * i + 1]);
    c.outcome = rng.uniform() < p ? 1.0 : 0.0;
    s.data.comparisons.push_back(c);
    s.true_probability.push_back(p);
    s.bayes_accuracy += std::max(p, 1.0 - p) / static_cast<double>(pairs);
  }
  return s;
}

}  // namespace valor::reward
