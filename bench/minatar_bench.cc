// MinAtar step throughput per game: random actions (with the 0.1 sticky-action draw MinAtar makes
// every step), the observation written to a buffer every step in one of three forms. The Python
// baseline for the native form is tools/bench-minatar-python.py (see docs/environments.md).
#include <benchmark/benchmark.h>

#include <vector>

#include "valor/core/random.h"
#include "valor/env/minatar.h"

namespace {

using valor::Rng;
using valor::env::MinAtarEnv;
using valor::env::MinAtarOptions;

enum Form { kNative, kPacked, kFloat };

void BM_MinAtarStep(benchmark::State& state, const char* game, Form form) {
  MinAtarEnv env(game, MinAtarOptions{}, 0);
  std::vector<uint8_t> bytes(env.grid().size()), packed(env.packed_obs_bytes());
  std::vector<float> obs(env.spec().obs_size());
  Rng policy(0, 1);
  env.reset();
  for (auto _ : state) {
    const auto r = env.step(static_cast<int>(policy.below(6)));
    if (r.terminated) env.reset();
    if (form == kNative) env.observe_grid(bytes);
    if (form == kPacked) env.observe_packed(packed);
    if (form == kFloat) env.observe(obs);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

#define VALOR_MINATAR_BENCH(game)                                   \
  BENCHMARK_CAPTURE(BM_MinAtarStep, game##_native, #game, kNative); \
  BENCHMARK_CAPTURE(BM_MinAtarStep, game##_packed, #game, kPacked); \
  BENCHMARK_CAPTURE(BM_MinAtarStep, game##_float, #game, kFloat)

VALOR_MINATAR_BENCH(asterix);
VALOR_MINATAR_BENCH(breakout);
VALOR_MINATAR_BENCH(freeway);
VALOR_MINATAR_BENCH(seaquest);
VALOR_MINATAR_BENCH(space_invaders);

}  // namespace

BENCHMARK_MAIN();
