// The AlphaZero network's cost on Connect Four (valor/az/network.h), the MLP trunk (hidden 128
// 128) beside the conv trunk (64 channels, 4 residual blocks), one intra-op thread: a training
// minibatch of 256 positions (zero_grad, forward, loss, backward; the Adam step is left out) and
// a no-grad forward of 64 positions (an MCTS leaf batch) and of 1 (PUCT's one leaf at a time).
// Positions from random play, targets uniform over the legal moves: the cost does not depend on
// their values. Run both trunks in one process and compare ratios, not absolute times, on a
// loaded machine.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "valor/agent/torch_runtime.h"
#include "valor/az/network.h"
#include "valor/az/network_evaluator.h"
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

}  // namespace

BENCHMARK_MAIN();
