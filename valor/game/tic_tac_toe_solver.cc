#include "valor/game/tic_tac_toe_solver.h"

#include <algorithm>

#include "valor/core/error.h"

namespace valor::game {

namespace {
constexpr int kCells = TicTacToeState::kCells;
constexpr int8_t kUnknown = 127;
constexpr int kCodes = 19683;  // 3^9

const TicTacToeState& as_tic_tac_toe(const State& state) {
  const auto* t = dynamic_cast<const TicTacToeState*>(&state);
  VALOR_CHECK(t != nullptr, "the tic-tac-toe solver got a {} state", state.game_name());
  return *t;
}
}  // namespace

TicTacToeSolver::TicTacToeSolver() : scores_(kCodes, kUnknown) {
  TicTacToeState start;
  search(start);
}

int TicTacToeSolver::code(const TicTacToeState& state) {
  int c = 0;
  for (const int8_t owner : state.cells()) c = 3 * c + (owner + 1);
  return c;
}

int TicTacToeSolver::search(TicTacToeState& state) {
  int8_t& known = scores_[static_cast<size_t>(code(state))];
  if (known != kUnknown) return known;
  ++positions_;
  int best = 0;
  if (state.is_terminal()) {
    best = terminal_score(state, kCells);
  } else {
    best = -max_score() - 1;
    for (const Action a : state.legal_actions()) {
      state.apply(a);
      best = std::max(best, -search(state));
      state.undo(a);
    }
  }
  known = static_cast<int8_t>(best);
  return best;
}

int TicTacToeSolver::solve(const State& state) {
  const TicTacToeState& t = as_tic_tac_toe(state);
  const int8_t s = scores_[static_cast<size_t>(code(t))];
  VALOR_CHECK(s != kUnknown, "position {} is not reachable", t.moves_string());
  return s;
}

std::vector<std::optional<int>> TicTacToeSolver::analyze(const State& state) {
  TicTacToeState t = as_tic_tac_toe(state);
  std::vector<std::optional<int>> scores(kCells);
  std::vector<Action> legal;
  t.legal_actions(legal);
  for (const Action a : legal) {
    t.apply(a);
    scores[static_cast<size_t>(a)] = -solve(t);
    t.undo(a);
  }
  return scores;
}

}  // namespace valor::game
