// Test-only helpers for the MinAtar game tests: read a game's state grid as lists of cells.
#pragma once

#include <cstdint>
#include <vector>

#include "valor/env/minatar.h"

namespace valor::env::testing {

// Flat indices (y * 10 + x) * C + c of the true cells of the game's state grid, ascending.
inline std::vector<int> active_cells(const MinAtarGame& game) {
  std::vector<uint8_t> grid(static_cast<size_t>(100 * game.channels()));
  game.state(grid);
  std::vector<int> cells;
  for (int i = 0; i < static_cast<int>(grid.size()); ++i) {
    if (grid[static_cast<size_t>(i)]) cells.push_back(i);
  }
  return cells;
}

// Cells of channel c in the state grid, as y * 10 + x.
inline std::vector<int> channel_cells(const MinAtarGame& game, int c) {
  std::vector<int> out;
  for (int i : active_cells(game)) {
    if (i % game.channels() == c) out.push_back(i / game.channels());
  }
  return out;
}

}  // namespace valor::env::testing
