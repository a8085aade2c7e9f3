// For the solver tests: plain minimax over every continuation, without pruning or a table, in
// the solvers' score convention (solver.h) — independent ground truth on small trees.
#pragma once

#include <algorithm>

#include "valor/game/solver.h"
#include "valor/game/state.h"

namespace valor::game {

// The score of `s` for the player to move, `cells` the board's cell count; `s` is restored.
inline int brute_force_score(State& s, int cells) {
  if (s.is_terminal()) return terminal_score(s, cells);
  int best = -100;
  for (const Action a : s.legal_actions()) {
    s.apply(a);
    best = std::max(best, -brute_force_score(s, cells));
    s.undo(a);
  }
  return best;
}

}  // namespace valor::game
