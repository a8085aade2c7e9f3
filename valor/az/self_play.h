// AlphaZero self-play (Silver et al. 2018): both sides play with PUCT search (game/puct.h) on the
// network evaluator, with Dirichlet noise on the root priors, moves drawn with probability
// proportional to N(a)^(1/temperature) for the first `temperature_moves` moves and the most
// visited move after. With random_opening_moves = N > 0 a game first plays k uniformly random
// legal moves, k uniform in 0..N (an opening that ends the game is drawn again), and self-play
// starts from there: those positions give no samples, and temperature_moves counts from the
// first searched move. Every searched position yields a sample (observation, legal actions, the
// root's visit distribution, the final outcome for the player who was to move there, or that
// outcome averaged with the search's root value: value_target_mix), kept in a
// replay buffer of the most recent samples from which the learner draws minibatches.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <span>
#include <vector>

#include "valor/core/random.h"
#include "valor/game/evaluator.h"
#include "valor/game/registry.h"

namespace valor::az {

struct SelfPlayOptions {
  int simulations = 32;
  double c_puct = 1.25;
  double dirichlet_fraction = 0.25;
  double dirichlet_alpha = 1.0;  // about 10 / typical legal moves (tic-tac-toe ~ 1, Connect Four)
  int temperature_moves = 4;     // moves drawn with `temperature`; then the most visited
  double temperature = 1.0;
  int leaf_batch = 1;  // PUCT leaves evaluated together per search step (game/puct.h); >= 1
  int random_opening_moves = 0;  // N: each game opens with 0..N uniformly random moves
  // lambda: a sample's value target is (1 - lambda) z + lambda q, z the final outcome and q the
  // search's root value (the mean backed-up value) for the player to move there. 0: the outcome
  // alone, as AlphaZero; averaging in the search's value lowers the target's noise.
  double value_target_mix = 0.0;
};

// Throws valor::Error naming the az.* key for a value out of range.
void check_self_play_options(const SelfPlayOptions& options);

struct Sample {
  std::vector<float> observation;
  std::vector<uint8_t> legal;  // num_actions entries, 1 where legal
  std::vector<float> policy;   // the visit distribution
  float value = 0.0f;          // the value target: the final outcome for the player to move here
                               // (mixed with the search's root value: value_target_mix)
};

struct GameRecord {
  std::vector<Sample> samples;
  double return0 = 0.0;  // the final outcome for player 0
};

// One game from the start of `game`; every random choice draws from Rng(seed).
GameRecord play_game(const game::GameInfo& game, game::Evaluator& evaluator,
                     const SelfPlayOptions& options, uint64_t seed);

// One game per seed, up to `parallel` of them in lockstep: each step gathers the pending leaves
// of every game in play (up to options.leaf_batch per game, see game/puct.h) and evaluates them
// in ONE evaluator.evaluate() call; a finished game's place goes to the next seed's game.
// records[i] is the game of seeds[i], played exactly as play_game(..., seeds[i]) would play it
// with an evaluator whose answer for a state does not depend on the rest of its batch (the
// network's can differ in the last bits with the batch size: then the games depend on
// `parallel` too, but are still determined by the seeds, options and network). parallel >= 1.
std::vector<GameRecord> play_games(const game::GameInfo& game, game::Evaluator& evaluator,
                                   const SelfPlayOptions& options, std::span<const uint64_t> seeds,
                                   int parallel);

// A game's left-right mirror (game::GameInfo::mirror_action) for the samples' tensors:
// observations with the columns of every plane reversed, action a's entry moved to action[a].
struct SampleMirror {
  game::ObservationShape shape;
  std::vector<int> action;
};
// The mirror of `info` (of its observation shape and actions); `info` must have a mirror_action.
SampleMirror sample_mirror(const game::GameInfo& info);

// The most recent `capacity` samples.
class ReplayBuffer {
 public:
  explicit ReplayBuffer(size_t capacity);
  void add(Sample sample);
  size_t size() const { return samples_.size(); }
  const Sample& at(size_t i) const { return samples_[i]; }

  struct Batch {
    torch::Tensor observations;  // [B, observation size]
    torch::Tensor legal;         // [B, A] bool
    torch::Tensor policy;        // [B, A]
    torch::Tensor value;         // [B]
  };
  // `batch_size` samples drawn uniformly with replacement; the buffer must not be empty. With
  // `mirror`, each drawn sample is replaced by its mirror image with probability 1/2 (one more
  // draw from `rng` per sample): data augmentation by the game's symmetry, as AlphaGo Zero's.
  Batch sample(Rng& rng, int batch_size, const SampleMirror* mirror = nullptr) const;

  // The samples as tensors (in storage order) and the ring position, for checkpoints.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  size_t capacity_;
  size_t next_ = 0;  // where the next sample goes once full
  std::vector<Sample> samples_;
};

}  // namespace valor::az
