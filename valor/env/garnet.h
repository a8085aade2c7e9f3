// Garnet MDPs ("Generic Average Reward Non-stationary Environment Testbed"; Archibald, McKinnon
// & Thomas, "On the Generation of Markov Decision Processes", 1995): random MDPs with a fixed
// branching factor, the standard random test bed for value learning. docs/tabular.md ("Garnet")
// gives the exact draw order.
#pragma once

#include <cstdint>

#include "valor/env/tabular.h"

namespace valor::env {

// For every (s, a), in order s = 0..states-1, a = 0..actions-1, from one Rng(seed):
// `branching` distinct next states uniformly at random (partial Fisher-Yates), probabilities
// the gaps between branching-1 sorted uniform cut points of [0, 1], and one reward
// r(s, a) ~ U[0, 1) shared by the row's outcomes. Rows are stored by ascending next state.
// Uniform initial distribution, no terminal states (a continuing task: use a discount or a
// time limit). The same arguments give the same MDP, bit for bit.
// valor::Error unless states >= 1, actions >= 1, 1 <= branching <= states, and
// states * actions * branching <= 2^31 - 1.
TabularMdp garnet_mdp(int states, int actions, int branching, uint64_t seed);

}  // namespace valor::env
