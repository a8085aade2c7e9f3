// Experience replay for the DQN family: n-step transitions assembled as the environment is
// stepped, stored in a fixed-capacity ring and sampled uniformly.
//
// An n-step transition starting at time t holds (s_t, a_t, R, g, s'):
//   R = sum_{k<K} gamma^k r_{t+k}, where K = n, or fewer when the episode ended first;
//   g = 0 when the episode terminated within those K steps (no bootstrapping), else gamma^K;
//   s' = s_{t+K}: the observation after the last step, also when a time limit truncated the
//   episode (truncation bootstraps from the last observation, termination does not).
// The target is then y = R + g * Q_tgt(s', a*), whatever the head.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "valor/core/random.h"

namespace valor::agent {

// One assembled transition, observations as floats.
struct Transition {
  std::vector<float> obs;
  int32_t action = 0;
  float ret = 0.0f;       // n-step return R
  float discount = 0.0f;  // bootstrap discount g
  std::vector<float> next_obs;
};

// Turns single steps into n-step transitions. Holds at most n pending steps.
class NStepAssembler {
 public:
  // valor::Error unless n >= 1 and 0 <= gamma <= 1.
  NStepAssembler(int n, double gamma);

  using Emit = std::function<void(const Transition&)>;
  // Records step (obs, action) -> (reward, terminated, truncated, next_obs). Emits the transition
  // starting n-1 steps ago once it has n steps, and at an episode end (terminated or truncated)
  // every pending transition, shortest last; the assembler is then empty for the next episode.
  void push(std::span<const float> obs, int32_t action, float reward, bool terminated,
            bool truncated, std::span<const float> next_obs, const Emit& emit);

  size_t pending() const { return pending_.size(); }
  int n() const { return n_; }

  std::string save_state() const;
  // valor::Error for bytes that are not a saved state of an assembler with the same n, or (when
  // given, > 0) whose observations are not obs_size long or whose actions are not below
  // num_actions. The assembler is unchanged on error.
  void load_state(std::string_view bytes, size_t obs_size = 0, int num_actions = 0);

 private:
  struct Step {
    std::vector<float> obs;
    int32_t action;
    float reward;
  };
  void emit_front(bool terminated, std::span<const float> next_obs, const Emit& emit);

  int n_;
  double gamma_;
  std::deque<Step> pending_;
};

// How observations are stored: as float32, or one bit per element for binary observations
// (MinAtar: 400 elements of Breakout in 50 bytes).
enum class ObsStorage { kFloat32, kBits };

// A minibatch, observations as floats: obs and next_obs [B, obs_size].
struct ReplayBatch {
  std::vector<float> obs, next_obs;
  std::vector<int64_t> actions;
  std::vector<float> returns, discounts;
  size_t size() const { return actions.size(); }
};

// Memory grows as the buffer fills, in blocks of kBlockSlots transitions, so a large capacity
// costs only what is stored.
class ReplayBuffer {
 public:
  static constexpr size_t kBlockSlots = size_t{1} << 14;

  // valor::Error for capacity or obs_size 0. Allocates nothing yet.
  ReplayBuffer(size_t capacity, size_t obs_size, ObsStorage storage);

  // Stores a transition, replacing the oldest once full. With kBits, valor::Error if an
  // observation element is not exactly 0 or 1.
  void add(const Transition& t);
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  size_t obs_size() const { return obs_size_; }
  // Bytes held by the stored transitions at full capacity.
  size_t memory_bytes() const;
  // Transitions memory is allocated for now (a multiple of kBlockSlots, or capacity()).
  size_t allocated_slots() const;

  // `batch` transitions drawn uniformly with replacement (rng.below(size()) each). valor::Error
  // if the buffer is empty.
  void sample(size_t batch, Rng& rng, ReplayBatch& out) const;

  std::string save_state() const;
  // valor::Error for bytes that are not a saved buffer of the same capacity, obs size and
  // storage, or that hold an action not below num_actions (when > 0), a non-finite return or
  // observation, or a discount outside [0, 1]. The buffer is unchanged on error.
  void load_state(std::string_view bytes, int num_actions = 0);

 private:
  struct Block {  // slots [k kBlockSlots, (k + 1) kBlockSlots) of the ring
    std::vector<uint8_t> obs, next_obs;
    std::vector<int32_t> actions;
    std::vector<float> returns, discounts;
  };
  void allocate_through(size_t slot);
  void encode(std::span<const float> obs, uint8_t* out) const;
  void decode(const uint8_t* in, float* out) const;

  size_t capacity_, obs_size_;
  ObsStorage storage_;
  size_t obs_bytes_;
  size_t size_ = 0, next_ = 0;
  std::vector<Block> blocks_;
};

}  // namespace valor::agent
