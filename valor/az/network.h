// The AlphaZero policy/value network (Silver et al. 2018, "A general reinforcement learning
// algorithm that masters chess, shogi and Go through self-play"), small: a trunk over a game's
// observation (state.h), either
//   mlp:  the flattened observation through fully connected layers (`hidden`, ReLU);
//   conv: AlphaZero's residual tower scaled down: a 3x3 convolution (padding 1) from the
//         observation planes to `channels`, then `blocks` residual blocks (conv 3x3, ReLU,
//         conv 3x3, plus the block's input, ReLU). No batch normalisation: training and
//         evaluation then compute the same function (MCTS evaluates one leaf at a time, where
//         batch statistics mean nothing and running averages lag), there are no running
//         statistics to checkpoint, and one thread stays bit-for-bit deterministic;
// then a policy head of logits over num_distinct_actions (illegal actions masked; conv: a 1x1
// convolution to 2 planes, flattened, a linear layer) and a value head for the player to move
// (conv: a 1x1 convolution to 1 plane, flattened, a linear layer to `value_hidden`, ReLU, then)
// that is either
//   scalar:   v = tanh(linear), loss (v - z)^2;
//   hl_gauss: m logits over m bins on [-1, 1], v = sum softmax_i c_i (c_i the bin centres), loss
//             the cross-entropy to the HL-Gauss target of z (Farebrother et al. 2024, "Stop
//             Regressing"; valor/value/hl_gauss.h).
// Loss = cross-entropy of the masked policy to the MCTS visit distribution + value_weight * value
// loss (AlphaZero's l = (z - v)^2 - pi^T log p; its L2 term is left to the optimizer).
#pragma once

#include <torch/torch.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "valor/game/state.h"
#include "valor/value/support.h"

namespace valor::az {

struct NetworkSpec {
  game::ObservationShape observation;  // the game's observation_shape()
  int num_actions = 0;                 // the game's num_distinct_actions()
  std::string trunk = "mlp";           // "mlp" or "conv"
  std::vector<int> hidden = {64, 64};  // mlp: trunk widths (ReLU)
  int channels = 64;                   // conv: channels of every 3x3 convolution
  int blocks = 4;                      // conv: residual blocks after the first convolution
  int value_hidden = 64;               // conv: the value head's hidden width
  std::string value_head = "scalar";   // "scalar" or "hl_gauss"
  int bins = 21;                       // hl_gauss bins on [-1, 1]
  double sigma_ratio = 0.75;           // hl_gauss sigma / bin width
  double value_weight = 1.0;           // weight of the value loss
};

// Throws valor::Error naming the key (az.trunk, az.hidden, az.channels, az.blocks,
// az.value_head, az.bins, az.sigma_ratio, ...)
// and its accepted values for a spec the network cannot take.
void check_network_spec(const NetworkSpec& spec);

// The logit given to illegal actions: finite, so 0 * log p stays 0, and exp underflows to 0.
inline constexpr float kMaskedLogit = -1e9f;

struct NetworkOutput {
  torch::Tensor policy_logits;  // [B, A], illegal actions at kMaskedLogit
  torch::Tensor value_out;      // [B, 1] (scalar: before tanh) or [B, bins] logits
};

struct LossTerms {
  torch::Tensor total;   // policy + value_weight * value, a scalar
  torch::Tensor policy;  // mean over the batch of -sum pi log p
  torch::Tensor value;   // mean over the batch
};

class PolicyValueNetImpl : public torch::nn::Module {
 public:
  explicit PolicyValueNetImpl(const NetworkSpec& spec);
  // observations [B, observation.size()] or [B, planes, rows, cols]; legal [B, A] bool.
  NetworkOutput forward(torch::Tensor observations, torch::Tensor legal);
  // The value for the player to move, [B], in [-1, 1].
  torch::Tensor value(const torch::Tensor& value_out) const;
  // policy_target [B, A] (a distribution over the legal actions), value_target [B] in [-1, 1].
  LossTerms loss(const NetworkOutput& out, const torch::Tensor& policy_target,
                 const torch::Tensor& value_target) const;
  const NetworkSpec& spec() const { return spec_; }
  bool categorical() const { return bins_.has_value(); }

 private:
  torch::Tensor conv_trunk(const torch::Tensor& observations);

  NetworkSpec spec_;
  std::vector<torch::nn::Linear> trunk_;                                 // mlp
  torch::nn::Conv2d stem_{nullptr};                                      // conv: planes -> channels
  std::vector<std::pair<torch::nn::Conv2d, torch::nn::Conv2d>> blocks_;  // conv
  torch::nn::Conv2d policy_conv_{nullptr};                               // conv: 1x1 to 2 planes
  torch::nn::Conv2d value_conv_{nullptr};                                // conv: 1x1 to 1 plane
  torch::nn::Linear value_hidden_{nullptr};                              // conv
  torch::nn::Linear policy_{nullptr};
  torch::nn::Linear value_{nullptr};
  std::optional<value::BinSupport> bins_;
  torch::Tensor centers_;  // [bins]
};
TORCH_MODULE(PolicyValueNet);

}  // namespace valor::az
