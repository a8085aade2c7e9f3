// The AlphaZero loop (Silver et al. 2018), synchronous and on one thread: each iteration plays
// games_per_iteration self-play games with the current network (self_play.h; parallel_games of
// them at a time in lockstep), adds their samples to the replay buffer in game order, then takes
// train_steps_per_iteration Adam steps on minibatches of the buffer (loss: network.h). Seeded: the
// same options give the same network bit for bit (one LibTorch intra-op thread, design.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "valor/az/network.h"
#include "valor/az/network_evaluator.h"
#include "valor/az/self_play.h"

namespace valor::az {

struct TrainerOptions {
  std::string game = "tictactoe";      // a game of game/registry.h
  std::string trunk = "mlp";           // or "conv" (network.h)
  std::vector<int> hidden = {64, 64};  // mlp widths
  int channels = 64;                   // conv
  int blocks = 4;                      // conv
  std::string value_head = "scalar";   // or "hl_gauss"
  int bins = 21;
  double sigma_ratio = 0.75;
  double value_weight = 1.0;
  SelfPlayOptions self_play;
  int games_per_iteration = 16;
  // Self-play games played at once in lockstep, their leaves evaluated in one network call per
  // step (self_play.h play_games); with self_play.leaf_batch, up to parallel_games * leaf_batch
  // leaves per call. 1 (and leaf_batch 1): one game after another, one leaf at a time.
  int parallel_games = 1;
  int train_steps_per_iteration = 40;
  int batch_size = 64;
  size_t replay_capacity = 4096;
  double learning_rate = 3e-3;
  double weight_decay = 1e-4;
  uint64_t seed = 1;
  // 1: the learner sees each sample or its mirror image (the game's left-right symmetry,
  // game::GameInfo::mirror_action), with probability 1/2 each (ReplayBuffer::sample); 0: as
  // played.
  int mirror = 0;
};

// Throws valor::Error naming the az.* key for a value out of range or an unknown game.
void check_trainer_options(const TrainerOptions& options);

// The options besides the game and the network (self-play, replay, optimiser, seed), which a
// checkpoint stores so that a resumed run continues with them (Trainer::save, entry
// "training_options"): one (key, value) per field, the key its az.* name without "az.", the value
// text that reads back to the same number.
std::vector<std::pair<std::string, std::string>> training_option_values(
    const TrainerOptions& options);
// The `valor az train` flag of a training option ("--lr" for learning_rate), "" for one without
// a flag (temperature) or an unknown key.
std::string training_option_flag(std::string_view key);
// Sets the field named `key` from such a value; valor::Error naming az.KEY for an unknown key or a
// value that is not a number of the field's type (ranges are check_trainer_options').
void set_training_option(TrainerOptions& options, std::string_view key, std::string_view value);
// All of them as text: "valor.az.training_options 1", then one "key value" line per field; and
// back, the (key, value) pairs in order (network_io.h's parse_key_value_text: valor::Error for
// another first line, a line without a space or a repeated key; the keys and values are checked
// by set_training_option).
std::string training_options_to_text(const TrainerOptions& options);
std::vector<std::pair<std::string, std::string>> training_options_from_text(std::string_view text);

struct IterationStats {
  int iteration = 0;  // 1-based
  int games = 0;
  double mean_return0 = 0.0;  // self-play outcome for player 0 over this iteration's games
  double policy_loss = 0.0;   // mean over this iteration's training steps
  double value_loss = 0.0;
  size_t replay_size = 0;
};

class Trainer {
 public:
  explicit Trainer(const TrainerOptions& options);
  IterationStats iterate();
  PolicyValueNet network() const { return network_; }
  const ReplayBuffer& replay() const { return replay_; }
  int iteration() const { return iteration_; }

  // Checkpoint: the game's name, the network's spec (network_io.h) and weights, the training
  // options (training_options_to_text), Adam's state, the replay buffer, the random stream and
  // the iteration count, in one file written
  // atomically (core/atomic_file.h). A trainer built with the same options and loaded from it
  // continues exactly as the saved one would have; az::load_network(path) builds the network
  // from the file alone.
  void save(const std::filesystem::path& path) const;
  // valor::Error naming the file if it is missing, not a checkpoint, or without a stored spec,
  // and naming the key (az.game, az.trunk, az.hidden, az.channels, ...) if these options'
  // game or network differ from the checkpoint's. The other options (learning rate, games,
  // steps, self-play settings) are this trainer's own and may differ: `valor az train --resume`
  // takes those not given on its command line from the checkpoint's stored training options.
  void load(const std::filesystem::path& path);

 private:
  TrainerOptions options_;
  const game::GameInfo& game_;
  PolicyValueNet network_{nullptr};
  std::unique_ptr<torch::optim::Adam> adam_;
  NetworkEvaluator evaluator_;
  ReplayBuffer replay_;
  std::optional<SampleMirror> mirror_;  // with options.mirror
  Rng rng_;
  int iteration_ = 0;
};

}  // namespace valor::az
