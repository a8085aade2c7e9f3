// Gumbel MCTS ("Policy improvement by planning with Gumbel", Danihelka et al., ICLR 2022; the
// reference implementation is mctx's gumbel_muzero_policy). At the root: draw g(a) ~ Gumbel,
// keep the m actions with the largest g(a) + logits(a) (Gumbel-top-k sampling without
// replacement), and share the simulations among them by Sequential Halving on
// g + logits + sigma(q_hat). Below the root: the deterministic selection
// argmax_a pi'(a) - N(a) / (1 + sum_b N(b)), pi' = softmax(logits + sigma(q_hat)). Here
// q_hat is the completed Q (unvisited actions get the mixed value v_mix of the paper's Appendix
// D) rescaled to [0, 1] over the node's actions, and sigma(q_hat) = (c_visit + max_b N(b)) *
// c_scale * q_hat. The move played is the best of the most visited considered actions; the
// policy target is the improved policy pi' at the root.
#pragma once

#include <cstdint>
#include <vector>

#include "valor/core/random.h"
#include "valor/game/evaluator.h"
#include "valor/game/search_tree.h"

namespace valor::game {

struct GumbelOptions {
  int simulations = 64;             // evaluations after the root's
  int max_considered_actions = 16;  // m (the paper and mctx: 16)
  // Scale of the root Gumbel noise: 1 to act in self-play; 0 for deterministic evaluation
  // play (mctx's gumbel_scale).
  double gumbel_scale = 1.0;
  double c_visit = 50.0;  // the paper's c_visit (mctx's maxvisit_init)
  double c_scale = 1.0;  // the paper's c_scale for board games (mctx's value_scale defaults to 0.1)
};

class GumbelSearch {
 public:
  // `evaluator` must outlive the search; the Gumbel noise draws from Rng(seed).
  GumbelSearch(Evaluator& evaluator, GumbelOptions options, uint64_t seed);
  // Searches `state` (non-terminal); result.policy is the improved policy pi' at the root.
  SearchResult search(const State& state);
  // The tree of the last search.
  const SearchTree& tree() const { return tree_; }

 private:
  Evaluator& evaluator_;
  GumbelOptions options_;
  Rng rng_;
  SearchTree tree_;
};

// Sequential Halving's schedule for `simulations` visits among `considered` actions: entry i is
// the visit count an action must have to receive visit i (after mctx's
// get_sequence_of_considered_visits). Each round gives every remaining action
// max(1, floor(simulations / (ceil(log2 considered) * remaining))) visits, then halves the
// remaining actions (never below 2); one action gets every visit.
std::vector<int> sequential_halving_schedule(int considered, int simulations);

// sigma(q_hat) for the children of `node` (in child order), into `out`: completed Q-values for the
// node's player to move, rescaled to [0, 1], times (c_visit + max N) * c_scale.
void transformed_q(const SearchTree& tree, int node, const GumbelOptions& options,
                   std::vector<double>& out);

}  // namespace valor::game
