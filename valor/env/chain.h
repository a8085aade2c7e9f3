// The n-state chain of Strens ("A Bayesian Framework for Reinforcement Learning", 2000), a
// classic test of exploration: a small reward is always at hand, a large one only at the far end.
// docs/tabular.md ("Chain") states the model exactly.
#pragma once

#include "valor/env/tabular.h"

namespace valor::env {

inline constexpr int kChainBack = 0;
inline constexpr int kChainForward = 1;

struct ChainOptions {
  double slip = 0.2;         // probability that the other action's effect happens, in [0, 1]
  double end_reward = 10.0;  // for "forward" in the last state
  double back_reward = 2.0;  // for "back", from every state
};

// States 0..n-1, start in state 0, no terminal states (a continuing task: use a discount or a
// time limit). Action 0 "back": to state 0 with back_reward. Action 1 "forward": from state
// s < n-1 to s+1 with reward 0; in state n-1, stay with end_reward. With probability slip the
// effect of the other action happens instead. Strens' chain is chain_mdp(5, {}).
// valor::Error unless n >= 2, slip is in [0, 1] and the rewards are finite.
TabularMdp chain_mdp(int n, const ChainOptions& options = {});

}  // namespace valor::env
