// Bradley-Terry on 1M simulated comparisons among 100 items (in memory, no parsing): the Newton
// fit alone, and the fit plus 100 bootstrap replicates (the fast path bradley_terry_bootstrap on
// all cores, and the generic bootstrap_ratings that rebuilds a ComparisonSet per replicate).
// tools/bench-rank-compare runs the same workload from a CSV against scikit-learn.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cmath>
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

}  // namespace

BENCHMARK_MAIN();
