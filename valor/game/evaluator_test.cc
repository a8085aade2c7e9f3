#include "valor/game/evaluator.h"

#include <gtest/gtest.h>

#include <cmath>

#include "valor/game/connect_four_solver.h"
#include "valor/game/tic_tac_toe.h"
#include "valor/game/tic_tac_toe_solver.h"

namespace valor::game {
namespace {

Evaluation evaluate(Evaluator& evaluator, const State& state) {
  std::vector<Evaluation> out(1);
  const State* s = &state;
  evaluator.evaluate(std::span<const State* const>(&s, 1), out);
  return out[0];
}

TEST(RolloutEvaluator, UniformPriorsAndTheMeanOutcome) {
  RolloutEvaluator rollouts(50, 1);
  // x to move with the last empty cell completing the top row: every rollout wins.
  const auto win = TicTacToeState::from_moves("14257869");
  const Evaluation e = evaluate(rollouts, win);
  EXPECT_EQ(e.value, 1.0f);
  EXPECT_EQ(e.priors[2], 1.0f);
  EXPECT_EQ(e.priors[0], 0.0f);
  // Two empty cells (3 and 9) for o: 3 blocks x and draws, 9 lets x win; value ~ -1/2.
  const auto mixed = TicTacToeState::from_moves("1425786");
  RolloutEvaluator many(4000, 2);
  const Evaluation m = evaluate(many, mixed);
  EXPECT_NEAR(m.value, -0.5, 0.05);
  EXPECT_EQ(m.priors[2], 0.5f);
  EXPECT_EQ(m.priors[8], 0.5f);
  // The evaluated state is left unchanged.
  EXPECT_EQ(mixed.moves_string(), "1425786");
}

TEST(SolverEvaluator, ValueIsTheSignOrTheScaledScore) {
  TicTacToeSolver solver;
  const auto win_in_one = TicTacToeState::from_moves("1425");  // x wins: score 3
  SolverEvaluator sign(solver, {});
  EXPECT_EQ(evaluate(sign, win_in_one).value, 1.0f);
  EXPECT_EQ(evaluate(sign, TicTacToeState()).value, 0.0f);
  SolverEvaluator scaled(solver, {SolverEvaluator::Value::kScore});
  EXPECT_FLOAT_EQ(evaluate(scaled, win_in_one).value, 3.0f / 5.0f);
  // o to move after x's corner and o's edge reply... o on 2 loses: x to move, score > 0.
  EXPECT_GT(evaluate(sign, TicTacToeState::from_moves("12")).value, 0.0f);
}

TEST(SolverEvaluator, SolverPriorsFavourTheBestMoves) {
  ConnectFourSolver solver(20);
  SolverEvaluator e(solver, {SolverEvaluator::Value::kSign, SolverEvaluator::Priors::kSolver, 1.0});
  // Column scores -5 -7 - -5 - 7 - (testdata/connect4_pons.txt): column 6 wins.
  const Evaluation ev = evaluate(e, ConnectFourState::from_moves("4147331457711545737257333155"));
  float total = 0;
  for (float p : ev.priors) total += p;
  EXPECT_NEAR(total, 1.0f, 1e-6);
  EXPECT_EQ(ev.priors[2], 0.0f);  // full
  EXPECT_NEAR(ev.priors[0] / ev.priors[1], std::exp(2.0f), 1e-3);
  EXPECT_EQ(ev.priors[0], ev.priors[3]);
  EXPECT_GT(ev.priors[5], 0.99f);
  EXPECT_EQ(ev.value, 1.0f);
}

}  // namespace
}  // namespace valor::game
