// The DQN family (algorithms.md section 3): an online and a target Q-network, a value head, an
// optimiser and the update step. The head decides what a Q-value is and what the loss is; the
// replay (replay.h) supplies n-step returns and bootstrap discounts, so one update serves DQN,
// Double DQN, n-step, two-hot, HL-Gauss, C51 and QR-DQN alike.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "valor/agent/optimizer.h"
#include "valor/agent/q_network.h"
#include "valor/agent/replay.h"
#include "valor/core/random.h"
#include "valor/value/value_head.h"

namespace valor::agent {

struct DqnOptions {
  NetworkSpec network;  // outputs_per_action is set from the head
  value::HeadSpec head;
  bool double_dqn = false;
  int64_t target_update_period = 1000;  // updates between hard copies (when polyak_tau == 0)
  double polyak_tau = 0.0;  // > 0: target = tau * online + (1 - tau) * target per update
  std::string optimizer = "rmsprop_centered";  // or "adam"
  double learning_rate = 2.5e-4;
  double adam_eps = 1e-8;
  double rmsprop_alpha = 0.95;
  double rmsprop_eps = 0.01;
  double grad_clip_norm = 0.0;  // > 0: clip the global gradient norm to this
};

struct UpdateStats {
  double loss = 0.0;
  double grad_norm = 0.0;  // the global norm before clipping; 0 when grad_clip_norm == 0
};

class DqnAgent {
 public:
  // Builds both networks from `init_seed` (LibTorch's generator is seeded with it, so the same
  // seed gives the same initial weights). valor::Error for bad options.
  DqnAgent(const DqnOptions& options, uint64_t init_seed);

  const DqnOptions& options() const { return options_; }
  const value::ValueHead& head() const { return head_; }
  int num_actions() const { return options_.network.num_actions; }

  // Q-values of one observation (obs_size floats) into `q` (num_actions).
  void q_values(std::span<const float> obs, std::span<float> q);
  // The greedy action (lowest index among ties).
  int greedy_action(std::span<const float> obs);
  // With probability epsilon a uniformly random action, else the greedy one; draws
  // rng.uniform() once, and rng.below(num_actions) when exploring.
  int epsilon_greedy_action(std::span<const float> obs, double epsilon, Rng& rng);
  // The same for n = actions.size() observations (obs: n x obs_size floats) with their own
  // epsilons: for i = 0, 1, ... draws rng.uniform() and, when exploring, rng.below(num_actions),
  // as n calls of epsilon_greedy_action would; the greedy actions come from one batched forward
  // pass of the online network (LibTorch, so Q may differ from q_values() in float rounding).
  void epsilon_greedy_actions(std::span<const float> obs, std::span<const double> epsilon, Rng& rng,
                              std::span<int32_t> actions);

  // One gradient step on `batch`, then the target network's update (hard copy every
  // target_update_period updates, or Polyak). `range` hears the categorical heads' targets.
  UpdateStats update(const ReplayBatch& batch, value::TargetRange* range = nullptr);
  int64_t updates() const { return updates_; }

  // Networks, optimiser state and the update count.
  std::string save_state();
  // valor::Error if the bytes are not a state of an agent with the same architecture.
  void load_state(std::string_view bytes);

  QNetwork& online() { return online_; }
  QNetwork& target() { return target_; }

 private:
  torch::Tensor observations(const std::vector<float>& obs, size_t batch) const;

  DqnOptions options_;
  value::ValueHead head_;
  QNetwork online_{nullptr}, target_{nullptr};
  std::unique_ptr<Optimizer> optimizer_;
  int64_t updates_ = 0;
  std::vector<int64_t> obs_shape_;  // {obs...} without the batch dimension
  // Scratch reused by every update (no allocation once sized).
  std::vector<float> q_scratch_, next_sel_, next_q_, targets_, grad_, selected_, out_grad_,
      act_out_, act_scratch_, features_grad_;
  std::vector<int64_t> next_action_;
};

}  // namespace valor::agent
