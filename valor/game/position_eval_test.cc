#include "valor/game/position_eval.h"

#include <gtest/gtest.h>

#include <cmath>

#include "valor/core/error.h"

namespace valor::game {
namespace {

// Priors: all mass on the lowest legal action; value: a constant.
class FirstLegalEvaluator final : public Evaluator {
 public:
  explicit FirstLegalEvaluator(float value) : value_(value) {}
  void evaluate(std::span<const State* const> states, std::span<Evaluation> out) override {
    for (size_t i = 0; i < states.size(); ++i) {
      out[i].priors.assign(states[i]->num_distinct_actions(), 0.0f);
      out[i].priors[states[i]->legal_actions().front()] = 1.0f;
      out[i].value = value_;
    }
  }

 private:
  float value_;
};

// The solver's value, negated.
class WrongValueEvaluator final : public Evaluator {
 public:
  explicit WrongValueEvaluator(Solver& solver) : inner_(solver, {}) {}
  void evaluate(std::span<const State* const> states, std::span<Evaluation> out) override {
    inner_.evaluate(states, out);
    for (auto& e : out) e.value = -e.value;
  }

 private:
  SolverEvaluator inner_;
};

std::vector<LabelledPosition> tictactoe_set(int count, uint64_t seed) {
  const GameInfo& game = find_game("tictactoe");
  const auto solver = game.new_solver();
  return generate_labelled_positions(game, *solver, {2, 6, count, seed});
}

int sign(int v) { return v > 0 ? 1 : v < 0 ? -1 : 0; }

TEST(PositionEval, WilsonInterval) {
  const Interval i = wilson_interval({8, 10});
  EXPECT_NEAR(i.low, 0.4902, 1e-4);
  EXPECT_NEAR(i.high, 0.9433, 1e-4);
  const Interval all = wilson_interval({50, 50});
  EXPECT_NEAR(all.low, 0.9287, 1e-4);
  EXPECT_DOUBLE_EQ(all.high, 1.0);
  const Interval none = wilson_interval({0, 0});
  EXPECT_EQ(none.low, 0.0);
  EXPECT_EQ(none.high, 1.0);
}

TEST(PositionEval, TheSolverIsPerfect) {
  const auto positions = tictactoe_set(120, 1);
  const auto solver = find_game("tictactoe").new_solver();
  SolverEvaluator evaluator(
      *solver, {SolverEvaluator::Value::kScore, SolverEvaluator::Priors::kSolver, 1.0});
  PositionEvalOptions options;
  options.choosers = {{MoveChooser::Kind::kPolicy, 0},
                      {MoveChooser::Kind::kPuct, 64},
                      {MoveChooser::Kind::kGumbel, 16}};
  options.bucket_width = 3;
  const PositionEval eval = evaluate_positions(positions, evaluator, options);
  EXPECT_EQ(eval.choosers, (std::vector<std::string>{"policy", "puct:64", "gumbel:16"}));
  ASSERT_EQ(eval.buckets.size(), 2u);
  EXPECT_EQ(eval.buckets[0].min_stones, 2);
  EXPECT_EQ(eval.buckets[0].max_stones, 4);
  EXPECT_EQ(eval.buckets[1].min_stones, 5);
  EXPECT_EQ(eval.buckets[1].max_stones, 6);
  EXPECT_EQ(eval.buckets[0].positions + eval.buckets[1].positions, 120);
  EXPECT_EQ(eval.all.positions, 120);
  EXPECT_GT(eval.all.value_sign.trials, 0);
  EXPECT_EQ(eval.all.value_sign.successes, eval.all.value_sign.trials);
  EXPECT_EQ(eval.all.drawn + eval.all.value_sign.trials, 120);
  EXPECT_DOUBLE_EQ(eval.all.drawn_mean_abs_value, 0.0);
  for (const auto& p : eval.all.outcome_preserving) {
    EXPECT_EQ(p.trials, 120);
    EXPECT_EQ(p.successes, 120);
  }
}

TEST(PositionEval, CountsWhatTheEvaluatorGetsWrong) {
  const auto positions = tictactoe_set(150, 2);
  // By hand from the labels: the lowest legal move's outcome, and the winning positions.
  int first_move_keeps = 0;
  int decisive = 0;
  int winning = 0;
  for (const auto& p : positions) {
    const Action first = p.state->legal_actions().front();
    if (sign(*p.move_scores[first]) == sign(p.score)) ++first_move_keeps;
    if (p.score != 0) ++decisive;
    if (p.score > 0) ++winning;
  }
  ASSERT_LT(first_move_keeps, 150);  // the test would prove nothing otherwise
  ASSERT_LT(winning, decisive);
  FirstLegalEvaluator evaluator(0.5f);
  const PositionEval eval = evaluate_positions(positions, evaluator, {});
  EXPECT_EQ(eval.choosers, std::vector<std::string>{"policy"});
  EXPECT_EQ(eval.all.outcome_preserving[0].successes, first_move_keeps);
  EXPECT_EQ(eval.all.value_sign.trials, decisive);
  EXPECT_EQ(eval.all.value_sign.successes, winning);
  EXPECT_DOUBLE_EQ(eval.all.drawn_mean_abs_value, 0.5);
  // A value of the wrong sign everywhere agrees nowhere.
  const auto solver = find_game("tictactoe").new_solver();
  WrongValueEvaluator wrong(*solver);
  const PositionEval bad = evaluate_positions(positions, wrong, {});
  EXPECT_EQ(bad.all.value_sign.successes, 0);
  EXPECT_EQ(bad.all.value_sign.trials, decisive);
}

TEST(PositionEval, BadOptions) {
  PositionEvalOptions options;
  options.choosers = {{MoveChooser::Kind::kPuct, 0}};
  EXPECT_THROW(check_position_eval_options(options), Error);
  options.choosers = {};
  options.bucket_width = 0;
  EXPECT_THROW(check_position_eval_options(options), Error);
}

}  // namespace
}  // namespace valor::game
