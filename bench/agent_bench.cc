// The DQN family's hot path (algorithms.md section 3): one update per head on the MinAtar
// reference network (a batch of 32 Breakout-shaped transitions) and on the CartPole preset's
// network (configs/cartpole-*.toml: MLP 128-128, Adam, Double DQN, a batch of 128), so that each
// categorical head's update reads beside the huber update of the same network; and one greedy
// action. Random observations and returns: the cost does not depend on their values.
// tools/bench-minatar-dqn-compare measures the whole learning loop against the original dqn.py.
#include <benchmark/benchmark.h>
#include <c10/core/InferenceMode.h>

#include <vector>

#include "valor/agent/dqn.h"
#include "valor/agent/torch_runtime.h"
#include "valor/agent/train.h"
#include "valor/core/presets.h"
#include "valor/core/random.h"
#include "valor/run/run_config.h"

namespace {

using namespace valor::agent;
namespace value = valor::value;

DqnOptions breakout_options(value::HeadKind head, const char* optimizer) {
  DqnOptions o;
  o.network.kind = "minatar_conv";
  o.network.obs_shape = {4, 10, 10};
  o.network.num_actions = 6;
  o.network.hidden = {128};
  o.head.kind = head;
  o.head.v_min = 0;
  o.head.v_max = 60;
  o.head.bins = 121;
  o.optimizer = optimizer;
  return o;
}

// The agent `valor train --preset PRESET` builds (CartPole-v1: obs 4, 2 actions).
TrainOptions preset_options(const char* preset) {
  valor::ConfigSchema schema;
  valor::run::declare_run_config(schema);
  declare_train_config(schema);
  valor::ConfigSources sources;
  sources.preset = preset;
  return train_options(valor::resolve_config(std::move(schema), sources));
}

// Binary observations (MinAtar) or uniform in [-1, 1] (CartPole); returns of 0 or 1 (MinAtar) or
// in [0, 3] (CartPole's 3-step returns), one terminal transition in ten.
ReplayBatch random_batch(size_t batch, size_t obs_size, int actions, bool binary, valor::Rng& rng) {
  const auto observation = [&] {
    return binary ? (rng.uniform() < 0.1 ? 1.0f : 0.0f) : static_cast<float>(2 * rng.uniform() - 1);
  };
  ReplayBatch b;
  for (size_t i = 0; i < batch * obs_size; ++i) {
    b.obs.push_back(observation());
    b.next_obs.push_back(observation());
  }
  for (size_t i = 0; i < batch; ++i) {
    b.actions.push_back(static_cast<int64_t>(rng.below(static_cast<uint64_t>(actions))));
    if (binary) {
      b.returns.push_back(rng.uniform() < 0.2 ? 1.0f : 0.0f);
      b.discounts.push_back(0.99f);
    } else {
      b.returns.push_back(static_cast<float>(3 * rng.uniform()));
      b.discounts.push_back(rng.uniform() < 0.1 ? 0.0f : 0.970299f);
    }
  }
  return b;
}

void run_updates(benchmark::State& state, const DqnOptions& options, size_t batch_size,
                 bool binary) {
  keep_tensor_memory();
  set_compute_threads(1);
  DqnAgent agent(options, 1);
  size_t obs_size = 1;
  for (int d : options.network.obs_shape) obs_size *= static_cast<size_t>(d);
  valor::Rng rng(7, 1);
  // Several batches in turn: one batch over and over drives centered RMSProp's variance estimate
  // to rounding noise (square_avg - grad_avg^2 < 0 gives NaN), which learning never does.
  std::vector<ReplayBatch> batches;
  for (int i = 0; i < 64; ++i) {
    batches.push_back(random_batch(batch_size, obs_size, options.network.num_actions, binary, rng));
  }
  size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(agent.update(batches[next]));
    next = (next + 1) % batches.size();
  }
  state.SetItemsProcessed(state.iterations());
}

// The MinAtar reference network, batch 32.
void BM_DqnUpdate(benchmark::State& state, value::HeadKind head, const char* optimizer) {
  run_updates(state, breakout_options(head, optimizer), 32, true);
}

// The CartPole preset of that head, at its batch size (128).
void BM_CartpoleUpdate(benchmark::State& state, const char* preset) {
  const TrainOptions o = preset_options(preset);
  run_updates(state, o.dqn, static_cast<size_t>(o.batch_size), false);
}

// The value head's share of one update, without the networks: q_values of the target network's
// outputs for every next action (B x A rows), targets for the chosen ones, loss and gradient of the
// taken ones, on random outputs of the update's shapes. Update minus this is the networks' share.
void run_head_maths(benchmark::State& state, const DqnOptions& options, size_t batch) {
  const value::ValueHead head(options.head);
  const size_t actions = static_cast<size_t>(options.network.num_actions), k = head.outputs();
  valor::Rng rng(7, 1);
  std::vector<float> next(batch * actions * k), online(batch * k), returns(batch),
      discounts(batch, 0.99f), q(batch * actions), next_q(batch),
      targets(batch * head.target_size()), grad(batch * k);
  for (float& v : next) v = static_cast<float>(2 * rng.uniform() - 1);
  for (float& v : online) v = static_cast<float>(2 * rng.uniform() - 1);
  for (float& v : returns) v = static_cast<float>(rng.uniform());
  value::TargetRange range;
  for (auto _ : state) {
    head.q_values(next, q);
    for (size_t b = 0; b < batch; ++b) next_q[b] = q[b * actions];
    const std::span<const float> chosen(next.data(), batch * k);  // stands in for the a* rows
    head.targets(chosen, returns, discounts, targets, &range,
                 head.categorical() && !options.double_dqn ? std::span<const float>(next_q)
                                                           : std::span<const float>());
    benchmark::DoNotOptimize(head.loss(online, targets, grad));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DqnHeadMaths(benchmark::State& state, value::HeadKind head) {
  run_head_maths(state, breakout_options(head, "rmsprop_centered"), 32);
}

void BM_CartpoleHeadMaths(benchmark::State& state, const char* preset) {
  const TrainOptions o = preset_options(preset);
  run_head_maths(state, o.dqn, static_cast<size_t>(o.batch_size));
}

void BM_DqnGreedyAction(benchmark::State& state, value::HeadKind head) {
  keep_tensor_memory();
  set_compute_threads(1);
  DqnAgent agent(breakout_options(head, "rmsprop_centered"), 1);
  valor::Rng rng(7, 1);
  const ReplayBatch batch = random_batch(1, 400, 6, true, rng);
  for (auto _ : state) benchmark::DoNotOptimize(agent.greedy_action(batch.obs));
  state.SetItemsProcessed(state.iterations());
}

// One centered-RMSProp step on the MinAtar network's parameters: valor's fused optimiser against
// torch::optim::RMSprop (the same rule, one tensor operation at a time).
void BM_RmspropStep(benchmark::State& state, bool fused) {
  set_compute_threads(1);
  QNetwork net(breakout_options(value::HeadKind::kHuber, "rmsprop_centered").network);
  auto params = net->parameters();
  for (auto& p : params) p.mutable_grad() = torch::randn_like(p) * 0.01;
  OptimizerOptions o;
  Optimizer ours(params, o);
  torch::optim::RMSprop theirs(
      params, torch::optim::RMSpropOptions(o.learning_rate).alpha(0.95).eps(0.01).centered(true));
  for (auto _ : state) {
    if (fused) {
      ours.step();
    } else {
      theirs.step();
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// The network's outputs for one observation: valor's plain loops (acting) against LibTorch's
// forward on a batch of one in inference mode (what acting did before).
void BM_ForwardOne(benchmark::State& state, bool plain) {
  set_compute_threads(1);
  QNetwork net(breakout_options(value::HeadKind::kHuber, "rmsprop_centered").network);
  valor::Rng rng(7, 1);
  const ReplayBatch batch = random_batch(1, 400, 6, true, rng);
  std::vector<float> out(6), scratch;
  const auto x = torch::from_blob(const_cast<float*>(batch.obs.data()), {1, 4, 10, 10});
  for (auto _ : state) {
    if (plain) {
      net->forward_one(batch.obs, out, scratch);
      benchmark::DoNotOptimize(out.data());
    } else {
      c10::InferenceMode inference;
      benchmark::DoNotOptimize(net->forward(x).contiguous().data_ptr<float>());
    }
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_ForwardOne, valor_plain, true);
BENCHMARK_CAPTURE(BM_ForwardOne, libtorch, false);
BENCHMARK_CAPTURE(BM_RmspropStep, valor_fused, true);
BENCHMARK_CAPTURE(BM_RmspropStep, libtorch, false);
BENCHMARK_CAPTURE(BM_DqnUpdate, huber_rmsprop, value::HeadKind::kHuber, "rmsprop_centered");
BENCHMARK_CAPTURE(BM_DqnUpdate, huber_adam, value::HeadKind::kHuber, "adam");
BENCHMARK_CAPTURE(BM_DqnUpdate, two_hot_rmsprop, value::HeadKind::kTwoHot, "rmsprop_centered");
BENCHMARK_CAPTURE(BM_DqnUpdate, hl_gauss_rmsprop, value::HeadKind::kHlGauss, "rmsprop_centered");
BENCHMARK_CAPTURE(BM_DqnUpdate, c51_rmsprop, value::HeadKind::kC51, "rmsprop_centered");
BENCHMARK_CAPTURE(BM_CartpoleUpdate, huber, "cartpole-dqn");
BENCHMARK_CAPTURE(BM_CartpoleUpdate, two_hot, "cartpole-twohot");
BENCHMARK_CAPTURE(BM_CartpoleUpdate, hl_gauss, "cartpole-hlgauss");
BENCHMARK_CAPTURE(BM_CartpoleUpdate, c51, "cartpole-c51");
BENCHMARK_CAPTURE(BM_DqnHeadMaths, huber, value::HeadKind::kHuber);
BENCHMARK_CAPTURE(BM_DqnHeadMaths, two_hot, value::HeadKind::kTwoHot);
BENCHMARK_CAPTURE(BM_DqnHeadMaths, hl_gauss, value::HeadKind::kHlGauss);
BENCHMARK_CAPTURE(BM_DqnHeadMaths, c51, value::HeadKind::kC51);
BENCHMARK_CAPTURE(BM_CartpoleHeadMaths, huber, "cartpole-dqn");
BENCHMARK_CAPTURE(BM_CartpoleHeadMaths, two_hot, "cartpole-twohot");
BENCHMARK_CAPTURE(BM_CartpoleHeadMaths, hl_gauss, "cartpole-hlgauss");
BENCHMARK_CAPTURE(BM_CartpoleHeadMaths, c51, "cartpole-c51");
BENCHMARK_CAPTURE(BM_DqnGreedyAction, huber, value::HeadKind::kHuber);
BENCHMARK_CAPTURE(BM_DqnGreedyAction, c51, value::HeadKind::kC51);

}  // namespace

BENCHMARK_MAIN();
