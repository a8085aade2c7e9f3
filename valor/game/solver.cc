#include "valor/game/solver.h"

#include "valor/core/error.h"

namespace valor::game {

int terminal_score(const State& state, int cells) {
  VALOR_CHECK(state.is_terminal());
  const int mover = state.move_number() % 2;  // who would move next
  const double r = state.player_return(mover);
  if (r == 0.0) return 0;
  VALOR_CHECK(r < 0.0, "the player to move cannot have won");
  return -win_score(cells, state.move_number() - 1);
}

}  // namespace valor::game
