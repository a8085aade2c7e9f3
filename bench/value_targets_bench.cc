// Target construction and loss evaluation for distributional value heads, m = 51, at the batch
// sizes of a DQN update (32) and of a large batched update (1024). Items = transitions.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "valor/value/categorical_projection.h"
#include "valor/value/hl_gauss.h"
#include "valor/value/logits.h"
#include "valor/value/support.h"
#include "valor/value/two_hot.h"

namespace {

constexpr int kAtoms = 51;

// Targets over the support and 10% beyond each end, as a bootstrapped target might be.
std::vector<float> random_targets(std::size_t batch) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> value(-12.0f, 12.0f);
  std::vector<float> targets(batch);
  for (float& y : targets) y = value(rng);
  return targets;
}

std::vector<float> random_logits(std::size_t count) {
  std::mt19937_64 rng(2);
  std::normal_distribution<float> value(0.0f, 2.0f);
  std::vector<float> logits(count);
  for (float& l : logits) l = value(rng);
  return logits;
}

void BM_TwoHot(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  const valor::value::AtomSupport support(-10.0, 10.0, kAtoms);
  const std::vector<float> targets = random_targets(batch);
  std::vector<float> out(batch * kAtoms);
  for (auto _ : state) {
    valor::value::two_hot_target(support, targets, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
}

void BM_HlGauss(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  const valor::value::BinSupport bins(-10.0, 10.0, kAtoms);
  const std::vector<float> targets = random_targets(batch);
  std::vector<float> out(batch * kAtoms);
  for (auto _ : state) {
    valor::value::hl_gauss_target(bins, targets, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
}

void BM_ProjectCategorical(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  const valor::value::AtomSupport support(-10.0, 10.0, kAtoms);
  std::vector<float> next_probs(batch * kAtoms);
  valor::value::softmax(random_logits(batch * kAtoms), kAtoms, next_probs);
  const std::vector<float> rewards = random_targets(batch);
  std::vector<float> discounts(batch, 0.99f);
  for (std::size_t b = 0; b < batch; b += 10) discounts[b] = 0.0f;  // some terminal
  std::vector<float> out(batch * kAtoms);
  for (auto _ : state) {
    valor::value::project_categorical(support, next_probs, rewards, discounts, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
}

void BM_DecodeLogits(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  const valor::value::AtomSupport support(-10.0, 10.0, kAtoms);
  const std::vector<float> logits = random_logits(batch * kAtoms);
  std::vector<float> out(batch);
  for (auto _ : state) {
    valor::value::decode_logits(logits, support.atoms(), out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
}

void BM_CrossEntropyWithGradient(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  const valor::value::AtomSupport support(-10.0, 10.0, kAtoms);
  const std::vector<float> logits = random_logits(batch * kAtoms);
  std::vector<float> target(batch * kAtoms);
  valor::value::two_hot_target(support, random_targets(batch), target);
  std::vector<float> grad(batch * kAtoms);
  for (auto _ : state) {
    benchmark::DoNotOptimize(valor::value::cross_entropy_loss(logits, target, kAtoms, grad));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
}

BENCHMARK(BM_TwoHot)->Arg(32)->Arg(1024);
BENCHMARK(BM_HlGauss)->Arg(32)->Arg(1024);
BENCHMARK(BM_ProjectCategorical)->Arg(32)->Arg(1024);
BENCHMARK(BM_DecodeLogits)->Arg(32)->Arg(1024);
BENCHMARK(BM_CrossEntropyWithGradient)->Arg(32)->Arg(1024);

}  // namespace

BENCHMARK_MAIN();
