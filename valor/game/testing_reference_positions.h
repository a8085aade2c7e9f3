// For the game tests: valor/game/testdata/connect4_pons.txt, Connect Four positions (1-based
// moves from the empty board) and the score of each of their 7 columns from Pascal Pons's solver
// ('-': a full column). See docs/game.md for how the set was made.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace valor::game {

struct ReferencePosition {
  std::string moves;
  std::array<std::optional<int>, 7> scores;
};

// The positions with at least `min_stones` stones, in file order.
inline std::vector<ReferencePosition> reference_positions(int min_stones = 0) {
  std::ifstream in(std::string(VALOR_SOURCE_DIR) + "/valor/game/testdata/connect4_pons.txt");
  EXPECT_TRUE(in.good());
  std::vector<ReferencePosition> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    ReferencePosition r;
    fields >> r.moves;
    for (auto& s : r.scores) {
      std::string f;
      fields >> f;
      if (f != "-") s = std::stoi(f);
    }
    EXPECT_TRUE(fields) << line;
    if (static_cast<int>(r.moves.size()) >= min_stones) out.push_back(r);
  }
  return out;
}

}  // namespace valor::game
