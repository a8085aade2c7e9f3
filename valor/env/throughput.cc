#include "valor/env/throughput.h"

#include <chrono>
#include <vector>

#include "valor/core/random.h"
#include "valor/env/vector_env.h"

namespace valor::env {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Throughput measure_single_env(const std::string& name, const EnvOptions& options,
                              double min_seconds, uint64_t seed) {
  auto env = make_env(name, options);
  const auto num_actions = static_cast<uint64_t>(env->spec().num_actions);
  std::vector<float> obs(env->spec().obs_size());
  Rng rng(seed, 1);
  env->seed(seed);
  env->reset();
  Throughput t{name, 1, 1, 0, 0};
  const double start = now_seconds();
  constexpr uint64_t kChunk = 2000;
  do {
    for (uint64_t k = 0; k < kChunk; ++k) {
      const StepResult r = env->step(static_cast<int>(rng.below(num_actions)));
      env->observe(obs);
      if (r.terminated || r.truncated) {
        env->reset();
        env->observe(obs);
      }
    }
    t.steps += kChunk;
    t.seconds = now_seconds() - start;
  } while (t.seconds < min_seconds);
  return t;
}

Throughput measure_vector_env(const std::string& name, const EnvOptions& options, size_t batch,
                              int threads, double min_seconds, uint64_t seed) {
  std::vector<std::unique_ptr<Env>> envs;
  for (size_t i = 0; i < batch; ++i) envs.push_back(make_env(name, options));
  VectorEnv vec(std::move(envs), threads);
  const auto num_actions = static_cast<uint64_t>(vec.spec().num_actions);
  std::vector<int32_t> actions(batch);
  Rng rng(seed, 1);
  vec.seed_and_reset(seed);
  Throughput t{name, batch, threads, 0, 0};
  const double start = now_seconds();
  constexpr uint64_t kChunk = 50;
  do {
    for (uint64_t k = 0; k < kChunk; ++k) {
      for (auto& a : actions) a = static_cast<int32_t>(rng.below(num_actions));
      vec.step(actions);
    }
    t.steps += kChunk * batch;
    t.seconds = now_seconds() - start;
  } while (t.seconds < min_seconds);
  return t;
}

}  // namespace valor::env
