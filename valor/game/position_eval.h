// How well an evaluator (a network, the solver) and the searches over it play on solver-labelled
// positions (labelled_positions.h), per bucket of stone counts (`valor az eval`, docs/az.md):
//   value sign: on decisive positions (score != 0), the fraction whose value for the player to
//     move has the sign of the score (a value of exactly 0 counts as wrong); drawn positions are
//     left out of it and summarised by their mean |value| instead;
//   outcome-preserving move: the fraction of positions where the move chosen keeps the outcome
//     (win, draw or loss: the sign of its score) that the best move has, for the raw policy
//     (argmax of the evaluator's priors over the legal actions, ties to the lower action), PUCT
//     (puct.h, no root noise, the most visited move) and Gumbel MCTS (gumbel.h, gumbel_scale 0:
//     deterministic) at each number of simulations.
// Every fraction comes with a 95% Wilson score interval.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "valor/core/math.h"
#include "valor/game/evaluator.h"
#include "valor/game/labelled_positions.h"

namespace valor::game {

struct Proportion {
  int successes = 0;
  int trials = 0;
  double rate() const { return trials == 0 ? 0.0 : static_cast<double>(successes) / trials; }
};

struct Interval {
  double low = 0.0;
  double high = 1.0;
};
// The Wilson score interval of `p` at normal quantile z (1.96: 95%); [0, 1] without trials.
Interval wilson_interval(const Proportion& p, double z = kNormalQuantile975);

struct MoveChooser {
  enum class Kind { kPolicy, kPuct, kGumbel };
  Kind kind = Kind::kPolicy;
  int simulations = 0;       // PUCT and Gumbel
  std::string name() const;  // "policy", "puct:16", "gumbel:16"
};

struct PositionEvalOptions {
  std::vector<MoveChooser> choosers;  // default: the raw policy only
  int bucket_width = 5;               // stone counts per bucket, from the fewest stones in the set
  double c_puct = 1.25;
  int gumbel_considered = 16;
  uint64_t seed = 0;  // of the searches (deterministic ones draw nothing)
};

struct BucketEval {
  int min_stones = 0;  // the bucket's range; the "all" row spans the whole set
  int max_stones = 0;
  int positions = 0;
  Proportion value_sign;  // over the decisive positions
  int drawn = 0;          // positions scored 0
  double drawn_mean_abs_value = 0.0;
  std::vector<Proportion> outcome_preserving;  // one per chooser, in options order
};

struct PositionEval {
  std::vector<std::string> choosers;  // names
  std::vector<BucketEval> buckets;    // by stone count
  BucketEval all;
};

// Throws valor::Error for options out of range (naming --sims, --bucket-width).
void check_position_eval_options(const PositionEvalOptions& options);

// `evaluator` is asked for every position (in batches) and by every search.
PositionEval evaluate_positions(const std::vector<LabelledPosition>& positions,
                                Evaluator& evaluator, const PositionEvalOptions& options);

}  // namespace valor::game
