// The exact Connect Four solver on the positions of valor/game/testdata/connect4_pons.txt, by
// number of stones: early (8-12 stones, 10 positions), middle (13-20, 50) and late (21-41, 80).
// One iteration clears the bound table, then solves every position of the group in file order
// with the table shared between them (as Pascal Pons's c4solver does when fed a file). Counter
// per_position = seconds per position; counter nodes = positions searched per position.
// docs/game.md compares these figures with Pons's solver on the same positions, e.g.
//   build/bench/game_bench --benchmark_filter=Connect4Solve --benchmark_repetitions=3
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "valor/game/connect_four.h"
#include "valor/game/connect_four_solver.h"

namespace {

using valor::game::ConnectFourBoard;
using valor::game::ConnectFourSolver;
using valor::game::ConnectFourState;

std::vector<ConnectFourBoard> positions(int min_stones, int max_stones) {
  std::ifstream in(std::string(VALOR_SOURCE_DIR) + "/valor/game/testdata/connect4_pons.txt");
  std::vector<ConnectFourBoard> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::string moves = line.substr(0, line.find(' '));
    const int stones = static_cast<int>(moves.size());
    if (stones >= min_stones && stones <= max_stones) {
      out.push_back(ConnectFourState::from_moves(moves).board());
    }
  }
  return out;
}

void BM_Connect4Solve(benchmark::State& state) {
  const auto boards = positions(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  if (boards.empty()) {
    state.SkipWithError("no positions: valor/game/testdata/connect4_pons.txt not found");
    return;
  }
  ConnectFourSolver solver;
  int64_t checksum = 0;
  for (auto _ : state) {
    state.PauseTiming();
    solver.clear_table();
    solver.reset_counters();
    state.ResumeTiming();
    for (const auto& b : boards) checksum += solver.solve(b);
  }
  benchmark::DoNotOptimize(checksum);
  const auto n = static_cast<double>(boards.size());
  state.counters["positions"] = n;
  state.counters["per_position"] = benchmark::Counter(
      n, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["nodes"] = static_cast<double>(solver.nodes()) / n;
}
BENCHMARK(BM_Connect4Solve)
    ->ArgNames({"min_stones", "max_stones"})
    ->Args({8, 12})
    ->Args({13, 20})
    ->Args({21, 41})
    ->Unit(benchmark::kMillisecond);

}  // namespace
BENCHMARK_MAIN();
