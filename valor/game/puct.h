// MCTS with the PUCT rule of AlphaZero ("A general reinforcement learning algorithm that masters
// chess, shogi and Go through self-play", Silver et al. 2018): from a node, the child maximising
//   Q(a) + c_puct * P(a) * sqrt(max(1, sum_b N(b))) / (1 + N(a)),
// Q the mean backed-up value for the player choosing (unvisited_value before any visit), P the
// evaluator's prior. For self-play, Dirichlet noise on the root priors and a move drawn with
// probability proportional to N(a)^(1/temperature).
#pragma once

#include <cstdint>

#include "valor/core/random.h"
#include "valor/game/evaluator.h"
#include "valor/game/search_tree.h"

namespace valor::game {

struct PuctOptions {
  int simulations = 800;  // evaluations after the root's
  double c_puct = 1.25;   // AlphaZero's c_init (its slowly growing c_base term is left out)
  // Root noise: P <- (1 - fraction) P + fraction Dir(alpha). AlphaZero: fraction 0.25 in
  // self-play, alpha 0.3 for chess, 0.03 for Go (about 10 / typical number of legal moves).
  double dirichlet_fraction = 0.0;
  double dirichlet_alpha = 0.3;
  // 0: play the most visited move (ties: higher Q, then the lower action); > 0: draw a move with
  // probability proportional to N^(1/temperature).
  double temperature = 0.0;
  double unvisited_value = 0.0;  // Q of a child not yet visited
};

class PuctSearch {
 public:
  // `evaluator` must outlive the search; every random choice draws from Rng(seed).
  PuctSearch(Evaluator& evaluator, PuctOptions options, uint64_t seed);
  // Searches `state` (non-terminal); result.policy is the visit distribution N(a) / sum N.
  SearchResult search(const State& state);
  // The tree of the last search.
  const SearchTree& tree() const { return tree_; }

 private:
  Evaluator& evaluator_;
  PuctOptions options_;
  Rng rng_;
  SearchTree tree_;
  std::vector<double> noise_;
};

}  // namespace valor::game
