// AlphaZero self-play speed on Connect Four with the network evaluator (an untrained MLP, hidden
// 128 128, one LibTorch thread), 64 PUCT simulations per move: one iteration plays 16 games
// (self_play.h play_games) with (parallel games, leaf batch) = the benchmark's arguments.
// Counters: positions_per_s (self-play samples per wall-clock second), positions_per_cpu_s (per
// second of this process's CPU time), calls (evaluator calls per
// position), leaves (leaves per evaluator call). docs/az.md has the measured ratios, e.g.
//   build/bench/az_bench --benchmark_repetitions=3
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdint>
#include <ctime>
#include <vector>

#include "valor/az/network.h"
#include "valor/az/network_evaluator.h"
#include "valor/az/self_play.h"

namespace {

using valor::az::NetworkEvaluator;
using valor::az::PolicyValueNet;

// Counts the calls and leaves that reach the network.
class Counting final : public valor::game::Evaluator {
 public:
  explicit Counting(valor::game::Evaluator& inner) : inner_(inner) {}
  void evaluate(std::span<const valor::game::State* const> states,
                std::span<valor::game::Evaluation> out) override {
    ++calls;
    leaves += static_cast<int64_t>(states.size());
    inner_.evaluate(states, out);
  }
  int64_t calls = 0;
  int64_t leaves = 0;

 private:
  valor::game::Evaluator& inner_;
};

void BM_SelfPlayConnect4(benchmark::State& state) {
  torch::set_num_threads(1);
  const auto& info = valor::game::find_game("connect4");
  torch::manual_seed(1);
  valor::az::NetworkSpec spec;
  spec.observation = info.new_initial_state()->observation_shape();
  spec.num_actions = 7;
  spec.hidden = {128, 128};
  PolicyValueNet net(spec);
  NetworkEvaluator network(net);
  Counting evaluator(network);
  valor::az::SelfPlayOptions options;
  options.simulations = 64;
  options.leaf_batch = static_cast<int>(state.range(1));
  const int parallel = static_cast<int>(state.range(0));
  std::vector<uint64_t> seeds(16);
  uint64_t next_seed = 1;
  int64_t positions = 0;
  const std::clock_t cpu_start = std::clock();
  for (auto _ : state) {
    for (uint64_t& s : seeds) s = next_seed++;
    const auto games = valor::az::play_games(info, evaluator, options, seeds, parallel);
    for (const auto& g : games) positions += static_cast<int64_t>(g.samples.size());
  }
  state.counters["positions_per_s"] =
      benchmark::Counter(static_cast<double>(positions), benchmark::Counter::kIsRate);
  // This process's CPU seconds: steadier than the wall clock on a loaded machine.
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  state.counters["positions_per_cpu_s"] = static_cast<double>(positions) / cpu;
  state.counters["calls"] = static_cast<double>(evaluator.calls) / static_cast<double>(positions);
  state.counters["leaves"] =
      static_cast<double>(evaluator.leaves) / static_cast<double>(evaluator.calls);
}
BENCHMARK(BM_SelfPlayConnect4)
    ->ArgNames({"games", "leaf_batch"})
    ->Args({1, 1})
    ->Args({1, 8})
    ->Args({16, 1})
    ->Args({16, 4})
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
