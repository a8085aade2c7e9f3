// One synchronous Bellman optimality sweep (value iteration's inner step) on a Garnet MDP with
// 10,000 states, 10 actions and branching 10 (10^6 outcomes): the flattened sweep that
// value_iteration uses (dp::bellman_optimality_sweep) against a naive sweep that walks
// TabularMdp::rows (a vector of vectors) directly. Items = sweeps, so items/s = sweeps/s; the
// ratio of the two figures is the gain from flattening.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "valor/dp/solve.h"
#include "valor/env/garnet.h"

namespace {

constexpr double kGamma = 0.99;

const valor::env::TabularMdp& garnet() {
  static const valor::env::TabularMdp mdp = valor::env::garnet_mdp(10000, 10, 10, 1);
  return mdp;
}

// A starting V that is not a fixed point: a few sweeps from zero.
std::vector<double> start_values(const valor::dp::FlatModel& model) {
  std::vector<double> v(static_cast<size_t>(model.num_states), 0.0);
  std::vector<double> out(v.size());
  for (int i = 0; i < 3; ++i) {
    valor::dp::bellman_optimality_sweep(model, kGamma, v, out);
    v.swap(out);
  }
  return v;
}

double naive_sweep(const valor::env::TabularMdp& mdp, double gamma, const std::vector<double>& v,
                   std::vector<double>& out) {
  double change = 0.0;
  for (int s = 0; s < mdp.num_states; ++s) {
    double best = -std::numeric_limits<double>::infinity();
    for (int a = 0; a < mdp.num_actions; ++a) {
      double q = 0.0;
      for (const auto& t : mdp.rows[static_cast<size_t>(s * mdp.num_actions + a)]) {
        q += t.probability * (t.reward + gamma * v[static_cast<size_t>(t.next_state)]);
      }
      best = std::max(best, q);
    }
    out[static_cast<size_t>(s)] = best;
    change = std::max(change, std::abs(best - v[static_cast<size_t>(s)]));
  }
  return change;
}

void BM_FlatSweep(benchmark::State& state) {
  const valor::dp::FlatModel model = valor::dp::flatten(garnet());
  std::vector<double> v = start_values(model);
  std::vector<double> out(v.size());
  for (auto _ : state) {
    benchmark::DoNotOptimize(valor::dp::bellman_optimality_sweep(model, kGamma, v, out));
    v.swap(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FlatSweep)->Unit(benchmark::kMillisecond);

void BM_NaiveSweep(benchmark::State& state) {
  const valor::env::TabularMdp& mdp = garnet();
  std::vector<double> v = start_values(valor::dp::flatten(mdp));
  std::vector<double> out(v.size());
  for (auto _ : state) {
    benchmark::DoNotOptimize(naive_sweep(mdp, kGamma, v, out));
    v.swap(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NaiveSweep)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
