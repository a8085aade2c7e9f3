// The AlphaZero network's cost on Connect Four (valor/az/network.h), the MLP trunk (hidden 128
// 128) beside the conv trunk (64 channels, 4 residual blocks), one intra-op thread: a training
// minibatch of 256 positions (zero_grad, forward, loss, backward; the Adam step is left out) and
// a no-grad forward of 64 positions (an MCTS leaf batch) and of 1 (PUCT's one leaf at a time).
// Positions from random play, targets uniform over the legal moves: the cost does not depend on
// their values. Run both trunks in one process and compare ratios, not absolute times, on a
// loaded machine.
//
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
#include <memory>
#include <vector>

#include "valor/agent/torch_runtime.h"
#include "valor/az/network.h"
#include "valor/az/network_evaluator.h"
#include "valor/az/self_play.h"
#include "valor/core/random.h"
#include "valor/game/registry.h"

namespace {

using namespace valor::az;

NetworkSpec connect4_spec(bool conv) {
  const auto s = valor::game::find_game("connect4").new_initial_state();
  NetworkSpec spec;
  spec.observation = s->observation_shape();
  spec.num_actions = s->num_distinct_actions();
  if (conv) {
    spec.trunk = "conv";
    spec.channels = 64;
    spec.blocks = 4;
  } else {
    spec.hidden = {128, 128};
  }
  return spec;
}

struct Positions {
  torch::Tensor obs, legal, policy, value;
};

// `n` non-terminal positions after 0 to 20 random moves.
Positions random_positions(int64_t n) {
  const auto& info = valor::game::find_game("connect4");
  valor::Rng rng(11, 3);
  std::vector<std::unique_ptr<valor::game::State>> states;
  while (static_cast<int64_t>(states.size()) < n) {
    auto s = info.new_initial_state();
    const uint64_t moves = rng.next_u64() % 21;
    for (uint64_t m = 0; m < moves && !s->is_terminal(); ++m) {
      const auto legal = s->legal_actions();
      s->apply(legal[rng.next_u64() % legal.size()]);
    }
    if (!s->is_terminal()) states.push_back(std::move(s));
  }
  std::vector<const valor::game::State*> ptrs;
  for (auto& s : states) ptrs.push_back(s.get());
  std::vector<float> obs;
  std::vector<uint8_t> legal;
  encode_states(ptrs, 84, 7, obs, legal);
  Positions p;
  p.obs = torch::from_blob(obs.data(), {n, 84}).clone();
  p.legal = torch::from_blob(legal.data(), {n, 7}, torch::kUInt8).to(torch::kBool);
  p.policy = p.legal.to(torch::kFloat32);
  p.policy = p.policy / p.policy.sum(1, true);
  p.value = torch::zeros({n});
  return p;
}

void BM_TrainBatch256(benchmark::State& state, bool conv) {
  valor::agent::set_compute_threads(1);
  torch::manual_seed(1);
  PolicyValueNet net(connect4_spec(conv));
  net->train();
  const Positions p = random_positions(256);
  for (auto _ : state) {
    net->zero_grad();
    const LossTerms loss = net->loss(net->forward(p.obs, p.legal), p.policy, p.value);
    loss.total.backward();
    benchmark::DoNotOptimize(loss.total.item<float>());
  }
  state.SetItemsProcessed(state.iterations() * 256);
}

void BM_Forward(benchmark::State& state, bool conv) {
  valor::agent::set_compute_threads(1);
  torch::manual_seed(1);
  PolicyValueNet net(connect4_spec(conv));
  net->eval();
  const int64_t n = state.range(0);
  const Positions p = random_positions(n);
  torch::NoGradGuard no_grad;
  for (auto _ : state) {
    const NetworkOutput out = net->forward(p.obs, p.legal);
    benchmark::DoNotOptimize(out.policy_logits.data_ptr<float>());
    benchmark::DoNotOptimize(out.value_out.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

BENCHMARK_CAPTURE(BM_TrainBatch256, mlp, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_TrainBatch256, conv, true)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Forward, mlp, false)->Arg(64)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Forward, conv, true)->Arg(64)->Arg(1)->Unit(benchmark::kMicrosecond);

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
