#include "valor/env/throughput.h"

#include <chrono>
#include <vector>

#include "valor/core/error.h"
#include "valor/core/random.h"
#include "valor/env/vector_env.h"

namespace valor::env {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Random steps, writing the observation with `observe` after each step and each reset.
template <typename Observe>
void random_steps(Env& env, Rng& rng, uint64_t steps, Observe&& observe) {
  const auto num_actions = static_cast<uint64_t>(env.spec().num_actions);
  for (uint64_t k = 0; k < steps; ++k) {
    const StepResult r = env.step(static_cast<int>(rng.below(num_actions)));
    observe();
    if (r.terminated || r.truncated) {
      env.reset();
      observe();
    }
  }
}

}  // namespace

const char* observation_form_name(ObservationForm form) {
  switch (form) {
    case ObservationForm::kFloat:
      return "float";
    case ObservationForm::kPacked:
      return "packed";
    case ObservationForm::kNative:
      return "native";
    case ObservationForm::kBytes:
      return "bytes";
  }
  return "?";
}

Throughput measure_single_env(const std::string& name, const EnvOptions& options,
                              double min_seconds, uint64_t seed, ObservationForm form) {
  auto env = make_env(name, options);
  auto* minatar = dynamic_cast<MinAtarEnv*>(env.get());
  if (form == ObservationForm::kNative && minatar == nullptr) form = ObservationForm::kFloat;
  if (form == ObservationForm::kPacked && env->packed_obs_bytes() == 0) {
    fail("{} has no packed observation", name);
  }
  if (form == ObservationForm::kBytes && !env->offers_byte_obs()) {
    fail("{} has no byte observation", name);
  }
  std::vector<float> obs(env->spec().obs_size());
  std::vector<uint8_t> bytes(minatar ? minatar->grid().size() : env->packed_obs_bytes());
  std::vector<uint8_t> obs_bytes(env->spec().obs_size());
  std::vector<uint8_t> packed(env->packed_obs_bytes());
  Rng rng(seed, 1);
  env->seed(seed);
  env->reset();
  Throughput t{name, form, 1, 1, 0, 0};
  const double start = now_seconds();
  constexpr uint64_t kChunk = 2000;
  do {
    switch (form) {
      case ObservationForm::kFloat:
        random_steps(*env, rng, kChunk, [&] { env->observe(obs); });
        break;
      case ObservationForm::kPacked:
        random_steps(*env, rng, kChunk, [&] { env->observe_packed(packed); });
        break;
      case ObservationForm::kNative:
        random_steps(*env, rng, kChunk, [&] { minatar->observe_grid(bytes); });
        break;
      case ObservationForm::kBytes:
        random_steps(*env, rng, kChunk, [&] { env->observe_bytes(obs_bytes); });
        break;
    }
    t.steps += kChunk;
    t.seconds = now_seconds() - start;
  } while (t.seconds < min_seconds);
  return t;
}

Throughput measure_vector_env(const std::string& name, const EnvOptions& options, size_t batch,
                              int threads, double min_seconds, uint64_t seed,
                              ObservationForm form) {
  if (form != ObservationForm::kFloat && form != ObservationForm::kBytes) {
    fail("a vector of environments writes float or byte observations, not {}",
         observation_form_name(form));
  }
  std::vector<std::unique_ptr<Env>> envs;
  for (size_t i = 0; i < batch; ++i) envs.push_back(make_env(name, options));
  VectorEnv vec(std::move(envs), threads,
                form == ObservationForm::kBytes ? ObsFormat::kBytes : ObsFormat::kFloat);
  const auto num_actions = static_cast<uint64_t>(vec.spec().num_actions);
  std::vector<int32_t> actions(batch);
  Rng rng(seed, 1);
  vec.seed_and_reset(seed);
  Throughput t{name, form, batch, threads, 0, 0};
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
