// The environment interface: one environment, stepped one action at a time, writing its
// observation into a caller-owned buffer (no allocation per step). VectorEnv (vector_env.h)
// steps a batch of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace valor::env {

struct EnvSpec {
  std::string name;            // the registry name, e.g. "breakout", "CartPole-v1"
  std::vector<int> obs_shape;  // shape of the float observation: {C, 10, 10} (CHW) for MinAtar
  int num_actions = 0;
  int max_episode_steps = 0;   // time limit (truncation); 0 means none
  std::vector<float> obs_low;  // per element bounds of the float observation (size obs_size())
  std::vector<float> obs_high;

  size_t obs_size() const;
};

struct StepResult {
  float reward = 0.0f;
  bool terminated = false;  // the MDP reached a terminal state: do not bootstrap
  bool truncated = false;   // the time limit cut the episode: bootstrap from the last observation
};

class Env {
 public:
  virtual ~Env() = default;

  virtual const EnvSpec& spec() const = 0;
  // Re-seeds the environment's own generator; the next reset() starts from it.
  virtual void seed(uint64_t seed) = 0;
  // Starts a new episode.
  virtual void reset() = 0;
  // Advances one step. valor::Error if the action is not in [0, num_actions) or the episode is
  // over (terminated or truncated) and reset() was not called.
  virtual StepResult step(int action) = 0;
  // Writes the current observation (obs_size() floats).
  virtual void observe(std::span<float> out) const = 0;

  // Bit-packed observation for replay storage (MinAtar); 0 when not offered.
  virtual size_t packed_obs_bytes() const { return 0; }
  virtual void observe_packed(std::span<uint8_t> out) const;

  // The observation as obs_size() bytes, element k equal to the float observation's element k,
  // offered by environments whose observations are all 0 or 1 (MinAtar's planes, tabular
  // one-hot states): no float is written. observe_bytes is valor::Error when not offered.
  virtual bool offers_byte_obs() const { return false; }
  virtual void observe_bytes(std::span<uint8_t> out) const;

  // A multi-line text picture of the current state (for `valor env render`).
  virtual std::string render() const = 0;
};

}  // namespace valor::env
