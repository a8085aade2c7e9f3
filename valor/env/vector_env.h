// N copies of an environment stepped in one call into preallocated arrays.
//
// Auto-reset: when an episode ends (terminated or truncated) on step(), the environment is reset
// at once; observations() then holds the first observation of the new episode, while
// final_observations() holds the last observation of the episode that ended (needed to bootstrap
// a truncated episode), and episode_returns()/episode_lengths() hold its totals. rewards(),
// terminated() and truncated() always describe the step just taken.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "valor/env/env.h"

namespace valor::env {

class VectorEnv {
 public:
  // All environments must share one spec (same name and shapes). `threads` >= 1 steps the batch
  // in contiguous chunks on that many threads.
  VectorEnv(std::vector<std::unique_ptr<Env>> envs, int threads = 1);

  size_t size() const { return envs_.size(); }
  const EnvSpec& spec() const { return envs_.front()->spec(); }
  size_t obs_size() const { return obs_size_; }
  int threads() const { return threads_; }

  // Seeds environment i with seed + i and resets every environment.
  void seed_and_reset(uint64_t seed);
  // Steps environment i with actions[i] (size() actions), auto-resetting finished episodes.
  void step(std::span<const int32_t> actions);

  std::span<const float> observations() const { return obs_; }              // [N, obs_size]
  std::span<const float> final_observations() const { return final_obs_; }  // valid where done
  std::span<const float> rewards() const { return rewards_; }
  std::span<const uint8_t> terminated() const { return terminated_; }
  std::span<const uint8_t> truncated() const { return truncated_; }
  // The finished episode's return and length where terminated or truncated, else 0.
  std::span<const double> episode_returns() const { return finished_return_; }
  std::span<const int64_t> episode_lengths() const { return finished_length_; }

  Env& env(size_t i) { return *envs_[i]; }

 private:
  void step_range(size_t begin, size_t end, std::span<const int32_t> actions);

  std::vector<std::unique_ptr<Env>> envs_;
  int threads_;
  size_t obs_size_;
  std::vector<float> obs_, final_obs_, rewards_;
  std::vector<uint8_t> terminated_, truncated_;
  std::vector<double> running_return_, finished_return_;
  std::vector<int64_t> running_length_, finished_length_;
  std::vector<std::exception_ptr> errors_;  // one per thread
};

}  // namespace valor::env
