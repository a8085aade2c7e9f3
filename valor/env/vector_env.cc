#include "valor/env/vector_env.h"

#include <omp.h>

#include <algorithm>

#include "valor/core/error.h"

namespace valor::env {

VectorEnv::VectorEnv(std::vector<std::unique_ptr<Env>> envs, int threads)
    : envs_(std::move(envs)), threads_(threads) {
  if (envs_.empty()) fail("a vector of environments needs at least one environment");
  if (threads < 1) fail("vector environment threads must be >= 1, got {}", threads);
  obs_size_ = spec().obs_size();
  for (const auto& e : envs_) {
    if (e->spec().name != spec().name || e->spec().obs_size() != obs_size_) {
      fail("a vector of environments must hold one kind: {} and {}", spec().name, e->spec().name);
    }
  }
  const size_t n = envs_.size();
  obs_.assign(n * obs_size_, 0.0f);
  final_obs_.assign(n * obs_size_, 0.0f);
  rewards_.assign(n, 0.0f);
  terminated_.assign(n, 0);
  truncated_.assign(n, 0);
  running_return_.assign(n, 0.0);
  finished_return_.assign(n, 0.0);
  running_length_.assign(n, 0);
  finished_length_.assign(n, 0);
  errors_.assign(static_cast<size_t>(threads), nullptr);
}

void VectorEnv::seed_and_reset(uint64_t seed) {
  for (size_t i = 0; i < envs_.size(); ++i) {
    envs_[i]->seed(seed + i);
    envs_[i]->reset();
    envs_[i]->observe(std::span<float>(obs_).subspan(i * obs_size_, obs_size_));
    running_return_[i] = 0;
    running_length_[i] = 0;
  }
}

void VectorEnv::step_range(size_t begin, size_t end, std::span<const int32_t> actions) {
  for (size_t i = begin; i < end; ++i) {
    Env& e = *envs_[i];
    const StepResult r = e.step(actions[i]);
    const std::span<float> obs = std::span<float>(obs_).subspan(i * obs_size_, obs_size_);
    rewards_[i] = r.reward;
    terminated_[i] = r.terminated;
    truncated_[i] = r.truncated;
    running_return_[i] += r.reward;
    running_length_[i] += 1;
    if (r.terminated || r.truncated) {
      e.observe(std::span<float>(final_obs_).subspan(i * obs_size_, obs_size_));
      finished_return_[i] = running_return_[i];
      finished_length_[i] = running_length_[i];
      running_return_[i] = 0;
      running_length_[i] = 0;
      e.reset();
    } else {
      finished_return_[i] = 0;
      finished_length_[i] = 0;
    }
    e.observe(obs);
  }
}

void VectorEnv::step(std::span<const int32_t> actions) {
  if (actions.size() != envs_.size()) {
    fail("vector step got {} actions for {} environments", actions.size(), envs_.size());
  }
  const int num_actions = spec().num_actions;
  for (size_t i = 0; i < actions.size(); ++i) {
    if (actions[i] < 0 || actions[i] >= num_actions) {
      fail("{}: action {} for environment {} out of range; accepted: 0..{}", spec().name,
           actions[i], i, num_actions - 1);
    }
  }
  const size_t n = envs_.size();
  const int chunks = static_cast<int>(std::min<size_t>(static_cast<size_t>(threads_), n));
  if (chunks == 1) {
    step_range(0, n, actions);
    return;
  }
  // An error (say, a step after an episode ended) cannot cross an OpenMP region: it is caught
  // per chunk and rethrown here.
  std::fill(errors_.begin(), errors_.end(), nullptr);
  auto& errors = errors_;
#pragma omp parallel for num_threads(chunks) schedule(static, 1)
  for (int c = 0; c < chunks; ++c) {
    const size_t begin = n * static_cast<size_t>(c) / static_cast<size_t>(chunks);
    const size_t end = n * static_cast<size_t>(c + 1) / static_cast<size_t>(chunks);
    try {
      step_range(begin, end, actions);
    } catch (...) {
      errors[static_cast<size_t>(c)] = std::current_exception();
    }
  }
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace valor::env
