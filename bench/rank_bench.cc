// Bradley-Terry on 1M simulated comparisons among 100 items (in memory, no parsing): the Newton
// fit alone, and the fit plus 100 bootstrap replicates (the fast path bradley_terry_bootstrap on
// all cores, and the generic bootstrap_ratings that rebuilds a ComparisonSet per replicate).
// tools/bench-rank-compare runs the same workload from a CSV against scikit-learn.
// BM_BtSolver: Newton's dense (LDLT) and sparse (conjugate-gradient) steps side by side on sparse
// comparison graphs (ITEMS items, COMPARISONS random pairs, no prior): the 2,000-item graph with
// both, the 20,000-item / 1M-comparison graph sparse only (dense needs hours), and the crossover
// near kDenseNewtonMaxItems; counter max_diff = the largest |rating difference| from the dense
// fit where one is run. Interleave and repeat them, e.g.
//   build/bench/rank_bench --benchmark_filter=BtSolver --benchmark_repetitions=3
//     --benchmark_enable_random_interleaving=true
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "valor/core/random.h"
#include "valor/rank/bootstrap.h"
#include "valor/rank/bradley_terry.h"

namespace {

const valor::rank::ComparisonSet& battles() {
  static const valor::rank::ComparisonSet set = [] {
    valor::rank::ComparisonSet s;
    valor::Rng rng(12345);
    std::vector<double> truth(100);
    for (size_t i = 0; i < truth.size(); ++i) {
      truth[i] = rng.normal();
      s.intern(fmt::format("m{}", i));
    }
    s.comparisons().reserve(1000000);
    for (int k = 0; k < 1000000; ++k) {
      const auto a = static_cast<int32_t>(rng.below(100));
      const auto b = static_cast<int32_t>((a + 1 + static_cast<int32_t>(rng.below(99))) % 100);
      const double p =
          1.0 / (1.0 + std::exp(truth[static_cast<size_t>(b)] - truth[static_cast<size_t>(a)]));
      s.add({a, b, rng.uniform() < p ? 1.0 : 0.0, 1.0, false});
    }
    return s;
  }();
  return set;
}

valor::rank::BtOptions prior() {
  valor::rank::BtOptions options;
  options.prior_sd = 10.0;
  return options;
}

void BM_BtFit(benchmark::State& state) {
  const auto& data = battles();
  for (auto _ : state) {
    benchmark::DoNotOptimize(valor::rank::bradley_terry_newton(data, prior()).ratings);
  }
}
BENCHMARK(BM_BtFit)->Unit(benchmark::kMillisecond);

void BM_BtFitAndBootstrap100(benchmark::State& state) {
  const auto& data = battles();
  for (auto _ : state) {
    benchmark::DoNotOptimize(valor::rank::bradley_terry_newton(data, prior()).ratings);
    benchmark::DoNotOptimize(valor::rank::bradley_terry_bootstrap(data, prior(), 100, 1, 0.95,
                                                                  static_cast<int>(state.range(0)))
                                 .low);
  }
  state.counters["threads"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_BtFitAndBootstrap100)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BtFitAndGenericBootstrap100(benchmark::State& state) {
  const auto& data = battles();
  const valor::rank::RatingFitter fit = [](const valor::rank::ComparisonSet& s) {
    return valor::rank::bradley_terry_newton(s, prior()).ratings;
  };
  for (auto _ : state) {
    benchmark::DoNotOptimize(fit(data));
    benchmark::DoNotOptimize(valor::rank::bootstrap_ratings(data, fit, 100, 1).low);
  }
}
BENCHMARK(BM_BtFitAndGenericBootstrap100)->Unit(benchmark::kMillisecond)->UseRealTime();

// ITEMS items with N(0, 0.5^2) strengths; COMPARISONS pairs drawn uniformly, outcomes from the
// model (with ~100 comparisons per item and this spread every item wins and loses, so the
// maximum-likelihood ratings exist without a prior).
const valor::rank::ComparisonSet& sparse_graph(int items, int comparisons) {
  static std::map<std::pair<int, int>, valor::rank::ComparisonSet> cache;
  auto [it, added] = cache.try_emplace({items, comparisons});
  if (!added) return it->second;
  valor::rank::ComparisonSet& s = it->second;
  valor::Rng rng(static_cast<uint64_t>(items) * 7919 + static_cast<uint64_t>(comparisons));
  std::vector<double> truth(static_cast<size_t>(items));
  for (int i = 0; i < items; ++i) {
    truth[static_cast<size_t>(i)] = 0.5 * rng.normal();
    s.intern(fmt::format("m{}", i));
  }
  s.comparisons().reserve(static_cast<size_t>(comparisons));
  const auto n = static_cast<uint64_t>(items);
  for (int k = 0; k < comparisons; ++k) {
    const auto a = static_cast<int32_t>(rng.below(n));
    const auto b = static_cast<int32_t>((static_cast<uint64_t>(a) + 1 + rng.below(n - 1)) % n);
    const double p =
        1.0 / (1.0 + std::exp(truth[static_cast<size_t>(b)] - truth[static_cast<size_t>(a)]));
    s.add({a, b, rng.uniform() < p ? 1.0 : 0.0, 1.0, false});
  }
  return s;
}

// The dense fit of a graph, computed once (outside the timed loops).
const std::vector<double>& dense_fit(int items, int comparisons) {
  static std::map<std::pair<int, int>, std::vector<double>> cache;
  auto [it, added] = cache.try_emplace({items, comparisons});
  if (added) {
    valor::rank::BtOptions options;
    options.solver = valor::rank::BtSolver::kDense;
    it->second =
        valor::rank::bradley_terry_newton(sparse_graph(items, comparisons), options).ratings;
  }
  return it->second;
}

// Args: solver (0 dense, 1 sparse), items, comparisons.
void BM_BtSolver(benchmark::State& state) {
  const bool sparse = state.range(0) == 1;
  const auto items = static_cast<int>(state.range(1));
  const auto comparisons = static_cast<int>(state.range(2));
  const auto& data = sparse_graph(items, comparisons);
  valor::rank::BtOptions options;
  options.solver = sparse ? valor::rank::BtSolver::kSparse : valor::rank::BtSolver::kDense;
  valor::rank::BtFit fit;
  for (auto _ : state) {
    fit = valor::rank::bradley_terry_newton(data, options);
    benchmark::DoNotOptimize(fit.ratings);
  }
  state.counters["newton_iterations"] = fit.iterations;
  state.counters["converged"] = fit.converged ? 1 : 0;
  if (items <= 5000) {
    const auto& dense = dense_fit(items, comparisons);
    double worst = 0.0;
    for (size_t i = 0; i < dense.size(); ++i) {
      worst = std::max(worst, std::abs(dense[i] - fit.ratings[i]));
    }
    state.counters["max_diff"] = worst;
  }
  state.SetLabel(sparse ? "sparse" : "dense");
}
BENCHMARK(BM_BtSolver)
    ->ArgNames({"sparse", "items", "comparisons"})
    ->Args({0, 2000, 100000})
    ->Args({1, 2000, 100000})
    ->Args({1, 20000, 1000000})
    ->Args({0, 100, 5000})
    ->Args({1, 100, 5000})
    ->Args({0, 200, 10000})
    ->Args({1, 200, 10000})
    ->Args({0, 200, 200000})
    ->Args({1, 200, 200000})
    ->Args({0, 500, 25000})
    ->Args({1, 500, 25000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
