// The network of a training checkpoint (trainer.h's save), for evaluation and play: the game and
// the network's shape are read off the checkpoint's tensors (the trunk widths, the policy's
// actions, a value head of one output (scalar) or of bins (hl_gauss)), so no training options
// are needed. An adapter until checkpoints describe themselves; everything that loads a network
// for play goes through this one function.
#pragma once

#include <filesystem>

#include "valor/az/network.h"
#include "valor/game/registry.h"

namespace valor::az {

struct CheckpointNetwork {
  const game::GameInfo* game = nullptr;
  PolicyValueNet network{nullptr};  // in eval mode
};

// valor::Error naming `path` when it is missing, not a checkpoint, or a network of no known game.
CheckpointNetwork load_checkpoint_network(const std::filesystem::path& path);

}  // namespace valor::az
