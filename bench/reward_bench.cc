// The MLP reward model's training (docs/reward.md): one epoch over 100,000 comparisons of
// 64-dimensional feature pairs, two hidden layers of 256, AdamW (lr 1e-3, weight decay 0.01),
// soft-label Bradley-Terry loss, one thread, at batch 64 and 512: valor's hand-written
// forward/backward over cblas against the same network, loss and optimiser in LibTorch (C++).
// tools/bench-reward-compare runs this beside the PyTorch script tools/bench-reward-python.py.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <vector>

#include "valor/agent/torch_runtime.h"
#include "valor/core/random.h"
#include "valor/reward/mlp_reward.h"

namespace {

using namespace valor::reward;

constexpr size_t kPairs = 100000;
constexpr size_t kDim = 64;

// Random features and labels: the cost does not depend on their values.
const PairDataset& dataset() {
  static const PairDataset data = [] {
    PairDataset d;
    d.dim = kDim;
    valor::Rng rng(3);
    d.rows.resize(2 * kPairs * kDim);
    for (float& x : d.rows) x = static_cast<float>(rng.normal());
    for (size_t i = 0; i < kPairs; ++i) {
      d.row_a.push_back(static_cast<int64_t>(2 * i));
      d.row_b.push_back(static_cast<int64_t>(2 * i + 1));
      d.outcome.push_back(rng.uniform() < 0.5 ? 1.0f : 0.0f);
      d.weight.push_back(1.0f);
    }
    return d;
  }();
  return data;
}

MlpOptions epoch_options(size_t batch) {
  MlpOptions o;
  o.hidden = {256, 256};
  o.batch_size = batch;
  o.max_epochs = 1;
  o.validation_fraction = 0.0;
  o.learning_rate = 1e-3;
  o.weight_decay = 0.01;
  return o;
}

void BM_RewardEpochValor(benchmark::State& state) {
  valor::agent::set_compute_threads(1);
  const PairDataset& data = dataset();
  const MlpOptions options = epoch_options(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    MlpTrainState s = start_mlp_training(data, options);
    continue_mlp_training(s, data, options);
    benchmark::DoNotOptimize(s.model.parameters().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kPairs));
}

void BM_RewardEpochLibTorch(benchmark::State& state) {
  valor::agent::keep_tensor_memory();
  valor::agent::set_compute_threads(1);
  const PairDataset& data = dataset();
  const auto batch = state.range(0);
  const auto rows =
      torch::from_blob(const_cast<float*>(data.rows.data()),
                       {static_cast<int64_t>(2 * kPairs), static_cast<int64_t>(kDim)});
  const auto outcome =
      torch::from_blob(const_cast<float*>(data.outcome.data()), {static_cast<int64_t>(kPairs)});
  for (auto _ : state) {
    torch::manual_seed(0);
    torch::nn::Sequential net(torch::nn::Linear(kDim, 256), torch::nn::ReLU(),
                              torch::nn::Linear(256, 256), torch::nn::ReLU(),
                              torch::nn::Linear(256, 1));
    torch::optim::AdamW adam(net->parameters(),
                             torch::optim::AdamWOptions(1e-3).weight_decay(0.01));
    const auto order = torch::randperm(static_cast<int64_t>(kPairs), torch::kLong);
    for (int64_t start = 0; start < static_cast<int64_t>(kPairs); start += batch) {
      const auto idx = order.slice(0, start, std::min<int64_t>(start + batch, kPairs));
      const auto x = torch::cat({rows.index_select(0, 2 * idx), rows.index_select(0, 2 * idx + 1)});
      const auto r = net->forward(x).squeeze(1);
      const auto n = idx.size(0);
      const auto margin = r.slice(0, 0, n) - r.slice(0, n, 2 * n);
      const auto loss =
          torch::binary_cross_entropy_with_logits(margin, outcome.index_select(0, idx));
      adam.zero_grad();
      loss.backward();
      adam.step();
    }
    benchmark::DoNotOptimize(net->parameters()[0].data_ptr<float>());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kPairs));
}

}  // namespace

BENCHMARK(BM_RewardEpochValor)
    ->Arg(64)
    ->Arg(512)
    ->Iterations(1)
    ->Repetitions(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_RewardEpochLibTorch)
    ->Arg(64)
    ->Arg(512)
    ->Iterations(1)
    ->Repetitions(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_MAIN();
