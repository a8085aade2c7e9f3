// The network as MCTS's evaluator (game/evaluator.h): a batch of leaves in one forward pass, in
// eval mode and without autograd; priors = softmax of the masked policy logits (exactly 0 off
// the legal actions), value = the value head's decoded value for the player to move.
#pragma once

#include <span>
#include <vector>

#include "valor/az/network.h"
#include "valor/game/evaluator.h"

namespace valor::az {

// Writes the observations of `states` into obs ([B, observation size]) and their legal actions
// into legal ([B, A], 1 where legal); the vectors are resized.
void encode_states(std::span<const game::State* const> states, int observation_size,
                   int num_actions, std::vector<float>& obs, std::vector<uint8_t>& legal);

class NetworkEvaluator final : public game::Evaluator {
 public:
  // `network` is shared (a module holder): training it changes what this evaluator returns.
  explicit NetworkEvaluator(PolicyValueNet network);
  void evaluate(std::span<const game::State* const> states,
                std::span<game::Evaluation> out) override;

 private:
  PolicyValueNet network_;
  std::vector<float> obs_;
  std::vector<uint8_t> legal_;
  std::vector<game::Action> actions_;
};

}  // namespace valor::az
