// N copies of an environment stepped in one call into preallocated arrays.
//
// Auto-reset: when an episode ends (terminated or truncated) on step(), the environment is reset
// at once; observations() then holds the first observation of the new episode, while
// final_observations() holds the last observation of the episode that ended (needed to bootstrap
// a truncated episode), and episode_returns()/episode_lengths() hold its totals. rewards(),
// terminated() and truncated() always describe the step just taken.
//
// AutoresetMode::kNextStep (Gymnasium 1.x's "next_step") instead leaves a finished environment
// as it ended for one step: observations() holds the episode's last observation, with its
// terminated/truncated flags and totals; the next step() resets that environment, ignoring its
// action, and reports the first observation of the new episode with reward 0 and both flags
// false. final_observations() is not written in that mode.
//
// Observations: float (Env::observe) by default; ObsFormat::kBytes writes one byte per element
// instead (Env::observe_bytes, for environments whose observations are 0/1 such as MinAtar's
// planes), the same values without a float written, into observation_bytes().
//
// Threads: with threads > 1 the batch is cut into contiguous blocks (kBlocksPerThread per thread)
// that the caller's thread and threads - 1 persistent workers (worker_pool.h) claim one at a time;
// each environment is stepped by exactly one thread per step and writes only its own slots, so
// results are identical for every thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "valor/env/env.h"
#include "valor/env/worker_pool.h"

namespace valor::env {

enum class ObsFormat { kFloat, kBytes };
enum class AutoresetMode { kSameStep, kNextStep };

class VectorEnv {
 public:
  // Blocks per thread: enough that a thread that starts late (a worker waking up, or one whose
  // core another process holds) leaves its share to the others, few enough that claiming a block
  // (one atomic compare-exchange) stays far below its work (64 MinAtar envs on 2 threads: blocks
  // of 8 envs, 1-3 microseconds each).
  static constexpr size_t kBlocksPerThread = 4;

  // All environments must share one spec (same name and shapes). `threads` >= 1 steps the batch
  // on that many threads (the caller's and threads - 1 workers started here). kBytes:
  // valor::Error unless the environments offer byte observations (Env::offers_byte_obs).
  VectorEnv(std::vector<std::unique_ptr<Env>> envs, int threads = 1,
            ObsFormat format = ObsFormat::kFloat,
            AutoresetMode autoreset = AutoresetMode::kSameStep);
  VectorEnv(const VectorEnv&) = delete;
  VectorEnv& operator=(const VectorEnv&) = delete;

  size_t size() const { return envs_.size(); }
  const EnvSpec& spec() const { return envs_.front()->spec(); }
  size_t obs_size() const { return obs_size_; }
  int threads() const { return threads_; }
  ObsFormat obs_format() const { return format_; }
  AutoresetMode autoreset_mode() const { return autoreset_; }

  // Seeds environment i with seed + i and resets every environment.
  void seed_and_reset(uint64_t seed);
  // Resets every environment without seeding it (each goes on with its own generator's stream)
  // and writes the observations; running returns and lengths restart at 0.
  void reset();
  // Seeds environment i with `seed`, resets it and writes its observation (its running return
  // and length restart at 0). What a caller does to start an episode from a seed of its own.
  void seed_and_reset_one(size_t i, uint64_t seed);
  // Seeds environment i with `seed`, resets it and steps it with `actions`, as if the batch had
  // stepped it so since that seed: its observation, running return and length follow. False (the
  // environment left mid-replay; seed it again) when an action ended the episode.
  bool replay_one(size_t i, uint64_t seed, std::span<const int32_t> actions);
  // Steps environment i with actions[i] (size() actions), auto-resetting finished episodes (at
  // once, or with kNextStep at the next call, which ignores that environment's action).
  // Allocates nothing. valor::Error for an action out of range; an error thrown by an
  // environment (on any thread) reaches the caller.
  void step(std::span<const int32_t> actions);

  // [N, obs_size] floats with ObsFormat::kFloat (empty with kBytes); the final ones are valid
  // where an episode ended on the last step (kSameStep only; empty with kNextStep).
  std::span<const float> observations() const { return obs_; }
  std::span<const float> final_observations() const { return final_obs_; }
  // The same as bytes with ObsFormat::kBytes (empty with kFloat).
  std::span<const uint8_t> observation_bytes() const { return obs_bytes_; }
  std::span<const uint8_t> final_observation_bytes() const { return final_obs_bytes_; }
  std::span<const float> rewards() const { return rewards_; }
  std::span<const uint8_t> terminated() const { return terminated_; }
  std::span<const uint8_t> truncated() const { return truncated_; }
  // The finished episode's return and length where terminated or truncated, else 0.
  std::span<const double> episode_returns() const { return finished_return_; }
  std::span<const int64_t> episode_lengths() const { return finished_length_; }

  Env& env(size_t i) { return *envs_[i]; }

 private:
  void step_range(size_t begin, size_t end, std::span<const int32_t> actions);
  void step_range_next(size_t begin, size_t end, std::span<const int32_t> actions);
  // Writes environment i's observation into its row of the observations (or final ones).
  void observe(size_t i, bool final);

  std::vector<std::unique_ptr<Env>> envs_;
  int threads_;
  ObsFormat format_;
  AutoresetMode autoreset_;
  size_t obs_size_;
  std::vector<float> obs_, final_obs_, rewards_;
  std::vector<uint8_t> obs_bytes_, final_obs_bytes_;
  std::vector<uint8_t> terminated_, truncated_;
  std::vector<double> finished_return_;
  std::vector<int64_t> finished_length_;
  // What stepping environment i writes, one cache line each: threads stepping neighbouring
  // environments would otherwise write the same lines of rewards_, terminated_, ... at every step
  // (false sharing, which cost more than the steps). gather_slots() copies them out.
  struct alignas(64) Slot {
    double running_return = 0, finished_return = 0;
    int64_t running_length = 0, finished_length = 0;
    float reward = 0;
    uint8_t terminated = 0, truncated = 0;
    uint8_t reset_pending = 0;  // kNextStep: the episode ended on the last step
  };
  std::vector<Slot> slots_;
  void gather_slots();
  size_t blocks_ = 1;
  std::unique_ptr<WorkerPool> pool_;  // null with one thread
};

}  // namespace valor::env
