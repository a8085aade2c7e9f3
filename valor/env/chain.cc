#include "valor/env/chain.h"

#include <fmt/format.h>

#include <cmath>

#include "valor/core/error.h"

namespace valor::env {
namespace {

// Adds probability p of (next_state, reward) to `row`, merging with an equal outcome.
void add_outcome(std::vector<Transition>& row, int next_state, double p, double reward) {
  if (p == 0.0) return;
  for (Transition& t : row) {
    if (t.next_state == next_state && t.reward == reward) {
      t.probability += p;
      return;
    }
  }
  row.push_back({next_state, p, reward});
}

}  // namespace

TabularMdp chain_mdp(int n, const ChainOptions& options) {
  if (n < 2) fail("chain: n must be at least 2, got {}", n);
  if (!(options.slip >= 0.0 && options.slip <= 1.0)) {
    fail("chain: slip must be in [0, 1], got {}", options.slip);
  }
  if (!std::isfinite(options.end_reward) || !std::isfinite(options.back_reward)) {
    fail("chain: end_reward and back_reward must be finite, got {} and {}", options.end_reward,
         options.back_reward);
  }
  TabularMdp mdp = TabularMdp::with_shape(fmt::format("chain-{}", n), n, 2);
  mdp.action_names = {"back", "forward"};
  mdp.initial_distribution[0] = 1.0;
  for (int s = 0; s < n; ++s) {
    const int forward_next = s + 1 < n ? s + 1 : s;
    const double forward_reward = s + 1 < n ? 0.0 : options.end_reward;
    for (int a = 0; a < 2; ++a) {
      std::vector<Transition>& row = mdp.rows[static_cast<size_t>(s * 2 + a)];
      const double p_back = a == kChainBack ? 1.0 - options.slip : options.slip;
      const double p_forward = a == kChainForward ? 1.0 - options.slip : options.slip;
      add_outcome(row, 0, p_back, options.back_reward);
      add_outcome(row, forward_next, p_forward, forward_reward);
    }
  }
  mdp.validate();
  return mdp;
}

}  // namespace valor::env
