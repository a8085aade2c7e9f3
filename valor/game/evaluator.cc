#include "valor/game/evaluator.h"

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"

namespace valor::game {

void uniform_priors(const State& state, std::vector<float>& priors) {
  priors.assign(static_cast<size_t>(state.num_distinct_actions()), 0.0f);
  int legal = 0;
  for (Action a = 0; a < state.num_distinct_actions(); ++a) legal += state.is_legal(a) ? 1 : 0;
  VALOR_CHECK(legal > 0, "evaluating a finished position");
  for (Action a = 0; a < state.num_distinct_actions(); ++a) {
    if (state.is_legal(a)) priors[static_cast<size_t>(a)] = 1.0f / static_cast<float>(legal);
  }
}

RolloutEvaluator::RolloutEvaluator(int rollouts, uint64_t seed) : rollouts_(rollouts), rng_(seed) {
  VALOR_CHECK(rollouts >= 1);
}

void RolloutEvaluator::evaluate(std::span<const State* const> states, std::span<Evaluation> out) {
  VALOR_CHECK(states.size() == out.size());
  for (size_t i = 0; i < states.size(); ++i) {
    const State& state = *states[i];
    uniform_priors(state, out[i].priors);
    const int mover = state.current_player();
    const auto scratch = state.clone();
    double total = 0.0;
    for (int r = 0; r < rollouts_; ++r) {
      played_.clear();
      while (!scratch->is_terminal()) {
        scratch->legal_actions(legal_);
        const Action a = legal_[rng_.below(legal_.size())];
        scratch->apply(a);
        played_.push_back(a);
      }
      total += scratch->player_return(mover);
      for (auto it = played_.rbegin(); it != played_.rend(); ++it) scratch->undo(*it);
    }
    out[i].value = static_cast<float>(total / rollouts_);
  }
}

SolverEvaluator::SolverEvaluator(Solver& solver, Options options)
    : solver_(solver), options_(options) {
  VALOR_CHECK(options.prior_temperature > 0.0);
}

void SolverEvaluator::evaluate(std::span<const State* const> states, std::span<Evaluation> out) {
  VALOR_CHECK(states.size() == out.size());
  for (size_t i = 0; i < states.size(); ++i) {
    const State& state = *states[i];
    VALOR_CHECK(!state.is_terminal(), "evaluating a finished position");
    int score = 0;
    if (options_.priors == Priors::kUniform) {
      uniform_priors(state, out[i].priors);
      score = solver_.solve(state);
    } else {
      const auto scores = solver_.analyze(state);
      score = -solver_.max_score() - 1;
      for (const auto& s : scores) {
        if (s) score = std::max(score, *s);
      }
      // Softmax of score / temperature, shifted by the best score for stability.
      auto& priors = out[i].priors;
      priors.assign(scores.size(), 0.0f);
      double total = 0.0;
      for (size_t a = 0; a < scores.size(); ++a) {
        if (!scores[a]) continue;
        const double w = std::exp((*scores[a] - score) / options_.prior_temperature);
        priors[a] = static_cast<float>(w);
        total += w;
      }
      for (float& p : priors) p = static_cast<float>(p / total);
    }
    out[i].value = options_.value == Value::kSign
                       ? static_cast<float>((score > 0) - (score < 0))
                       : static_cast<float>(score) / static_cast<float>(solver_.max_score());
  }
}

}  // namespace valor::game
