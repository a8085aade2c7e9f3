// The network of a training checkpoint (trainer.h's save), for evaluation and play, with the game
// it plays: both from the checkpoint's stored description (network_io.h), so no training options
// are needed. Everything that loads a network for play goes through this one function.
#pragma once

#include <filesystem>

#include "valor/az/network.h"
#include "valor/game/registry.h"

namespace valor::az {

struct CheckpointNetwork {
  const game::GameInfo* game = nullptr;
  PolicyValueNet network{nullptr};  // in eval mode
  int iteration = 0;                // the training iterations behind it
};

// The file is read once. valor::Error naming `path` when it is missing, not a checkpoint, or of a
// game valor lacks.
CheckpointNetwork load_checkpoint_network(const std::filesystem::path& path);

}  // namespace valor::az
