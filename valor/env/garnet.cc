#include "valor/env/garnet.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

#include "valor/core/error.h"
#include "valor/core/random.h"

namespace valor::env {

TabularMdp garnet_mdp(int states, int actions, int branching, uint64_t seed) {
  if (states < 1 || actions < 1) {
    fail("garnet: needs states >= 1 and actions >= 1, got states = {}, actions = {}", states,
         actions);
  }
  if (branching < 1 || branching > states) {
    fail("garnet: branching must be in [1, states] = [1, {}] (distinct next states), got {}",
         states, branching);
  }
  const int64_t entries = static_cast<int64_t>(states) * static_cast<int64_t>(actions) *
                          static_cast<int64_t>(branching);
  if (entries > std::numeric_limits<int32_t>::max()) {
    fail(
        "garnet: states * actions * branching = {} * {} * {} = {} transitions is too many "
        "(at most {})",
        states, actions, branching, entries, std::numeric_limits<int32_t>::max());
  }

  TabularMdp mdp = TabularMdp::with_shape(
      fmt::format("garnet-{}-{}-{}-seed{}", states, actions, branching, seed), states, actions);
  std::fill(mdp.initial_distribution.begin(), mdp.initial_distribution.end(),
            1.0 / static_cast<double>(states));

  Rng rng(seed);
  // A permutation of the states carried from row to row: a partial Fisher-Yates pass over any
  // arrangement draws a uniform ordered sample without replacement.
  std::vector<int> order(static_cast<size_t>(states));
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> cuts(static_cast<size_t>(branching) + 1);
  const size_t b = static_cast<size_t>(branching);
  for (int s = 0; s < states; ++s) {
    for (int a = 0; a < actions; ++a) {
      for (size_t i = 0; i < b; ++i) {
        const size_t j = i + static_cast<size_t>(rng.below(static_cast<uint64_t>(states) - i));
        std::swap(order[i], order[j]);
      }
      cuts[0] = 0.0;
      for (size_t i = 1; i < b; ++i) cuts[i] = rng.uniform();
      cuts[b] = 1.0;
      std::sort(cuts.begin() + 1, cuts.begin() + static_cast<std::ptrdiff_t>(b));
      const double reward = rng.uniform();
      std::vector<Transition>& row =
          mdp.rows[static_cast<size_t>(s) * static_cast<size_t>(actions) + static_cast<size_t>(a)];
      row.reserve(b);
      for (size_t i = 0; i < b; ++i) row.push_back({order[i], cuts[i + 1] - cuts[i], reward});
      std::sort(row.begin(), row.end(), [](const Transition& x, const Transition& y) {
        return x.next_state < y.next_state;
      });
    }
  }
  mdp.validate();
  return mdp;
}

}  // namespace valor::env
