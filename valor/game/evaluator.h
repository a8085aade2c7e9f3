// Evaluator: what MCTS asks about the leaves it reaches. For each non-terminal state of a batch,
// a prior over its actions and a value in [-1, 1] (the expected outcome for the player to move).
// Here: random rollouts, and the exact solver; a network evaluator lives in the torch side (az).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "valor/core/random.h"
#include "valor/game/solver.h"
#include "valor/game/state.h"

namespace valor::game {

struct Evaluation {
  // num_distinct_actions() entries: 0 off the legal actions, summing to 1 over them.
  std::vector<float> priors;
  float value = 0.0f;  // for the player to move, in [-1, 1]
};

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // Writes the evaluation of states[i] (non-terminal, left unchanged) to out[i]; out has the
  // same size, and its vectors are resized here (their capacity is reused).
  virtual void evaluate(std::span<const State* const> states, std::span<Evaluation> out) = 0;
};

// Uniform priors over the legal actions; value = the mean final return for the player to move
// over `rollouts` games played on from the state with uniformly random moves.
class RolloutEvaluator final : public Evaluator {
 public:
  RolloutEvaluator(int rollouts, uint64_t seed);
  void evaluate(std::span<const State* const> states, std::span<Evaluation> out) override;

 private:
  int rollouts_;
  Rng rng_;
  std::vector<Action> legal_;
  std::vector<Action> played_;
};

// The exact solver as an evaluator: value = sign of the solved score (kSign), or the score over
// the game's largest score (kScore, which also prefers quicker wins); priors uniform over the
// legal actions (kUniform), or a softmax of the moves' solved scores / temperature (kSolver).
class SolverEvaluator final : public Evaluator {
 public:
  enum class Value { kSign, kScore };
  enum class Priors { kUniform, kSolver };
  struct Options {
    Value value = Value::kSign;
    Priors priors = Priors::kUniform;
    double prior_temperature = 1.0;  // in score units, for kSolver
  };
  // `solver` must outlive this evaluator.
  SolverEvaluator(Solver& solver, Options options);
  void evaluate(std::span<const State* const> states, std::span<Evaluation> out) override;

 private:
  Solver& solver_;
  Options options_;
};

// Uniform priors over the legal actions of `state` into `priors` (resized).
void uniform_priors(const State& state, std::vector<float>& priors);

}  // namespace valor::game
