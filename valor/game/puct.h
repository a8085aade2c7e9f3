// MCTS with the PUCT rule of AlphaZero ("A general reinforcement learning algorithm that masters
// chess, shogi and Go through self-play", Silver et al. 2018): from a node, the child maximising
//   Q(a) + c_puct * P(a) * sqrt(max(1, sum_b N(b))) / (1 + N(a)),
// Q the mean backed-up value for the player choosing (unvisited_value before any visit), P the
// evaluator's prior. For self-play, Dirichlet noise on the root priors and a move drawn with
// probability proportional to N(a)^(1/temperature).
//
// Leaf batching (leaf_batch = k > 1): the simulations run in rounds of up to k descents from the
// root, each by the rule above with N and Q counting virtual losses: every descent adds, to
// each node of its path, one visit of value -1 for the player choosing it, so that the next
// descents of the round see those paths as worse and turn elsewhere. A descent stops at an
// unexpanded leaf or at a terminal node; a terminal node backs its true value up at once. The
// distinct leaves of the round go to the evaluator in one evaluate() call, are expanded, and
// every descent that ended at a leaf backs up that leaf's value; the virtual losses are then
// removed. A descent that reaches a leaf already pending in the round is not evaluated again:
// it still counts as one simulation and backs up that leaf's value once more (the round is not
// cut short). Every round but the last has k descents: the total is exactly `simulations`.
// With k = 1 the search is exactly the sequential one.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

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
  int leaf_batch = 1;            // descents per round, leaves evaluated together (above); >= 1
};

class PuctSearch {
 public:
  // `evaluator` must outlive the search; every random choice draws from Rng(seed).
  PuctSearch(Evaluator& evaluator, PuctOptions options, uint64_t seed);
  // Searches `state` (non-terminal); result.policy is the visit distribution N(a) / sum N.
  // The same as start(), then evaluating pending() with the evaluator and supply()ing the
  // evaluations until ready(), then finish().
  SearchResult search(const State& state);

  // The search in resumable steps, so that a caller can evaluate the leaves of several searches
  // in one evaluator call (az/self_play.h): start() begins a search of `state` (non-terminal);
  // while !ready(), pending() is the non-empty list of states to evaluate (valid until the
  // next call) and supply() takes their evaluations, in that order; once ready(), finish()
  // chooses the move and returns the result. The evaluator given to the constructor is not
  // called in this form.
  void start(const State& state);
  bool ready() const { return started_ && remaining_ == 0 && tree_.pending().empty(); }
  std::span<const State* const> pending() const { return tree_.pending(); }
  void supply(std::span<const Evaluation> evaluations);
  SearchResult finish();

  // The tree of the last search.
  const SearchTree& tree() const { return tree_; }

 private:
  Evaluator& evaluator_;
  PuctOptions options_;
  Rng rng_;
  SearchTree tree_;
  std::vector<double> noise_;
  std::vector<Evaluation> evaluations_;
  bool started_ = false;
  bool root_expanded_ = false;
  int remaining_ = 0;  // simulations not yet started
};

}  // namespace valor::game
