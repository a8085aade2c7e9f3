#include "valor/az/trainer.h"

#include <fmt/format.h>

#include <charconv>
#include <sstream>
#include <type_traits>
#include <variant>

#include "valor/az/network_io.h"
#include "valor/core/atomic_file.h"
#include "valor/core/error.h"

namespace valor::az {
namespace {

NetworkSpec network_spec(const TrainerOptions& o, const game::GameInfo& info) {
  const std::unique_ptr<game::State> s = info.new_initial_state();
  NetworkSpec spec;
  spec.observation = s->observation_shape();
  spec.num_actions = s->num_distinct_actions();
  spec.trunk = o.trunk;
  spec.hidden = o.hidden;
  spec.channels = o.channels;
  spec.blocks = o.blocks;
  spec.value_head = o.value_head;
  spec.bins = o.bins;
  spec.sigma_ratio = o.sigma_ratio;
  spec.value_weight = o.value_weight;
  return spec;
}

PolicyValueNet make_network(const TrainerOptions& o, const game::GameInfo& info) {
  check_trainer_options(o);
  torch::manual_seed(o.seed);
  return PolicyValueNet(network_spec(o, info));
}

constexpr std::string_view kTrainingOptionsHeader = "valor.az.training_options 1";

// The stored training options: their keys and fields, in the order they are written.
static_assert(std::is_same_v<size_t, uint64_t>, "az.seed is stored through a size_t field");
using FieldRef = std::variant<int*, double*, size_t*>;
struct TrainingField {
  std::string_view key, flag;
  FieldRef ref;
};
std::vector<TrainingField> training_fields(TrainerOptions& o) {
  SelfPlayOptions& s = o.self_play;
  return {{"games_per_iteration", "--games", &o.games_per_iteration},
          {"parallel_games", "--parallel-games", &o.parallel_games},
          {"train_steps_per_iteration", "--steps", &o.train_steps_per_iteration},
          {"batch_size", "--batch", &o.batch_size},
          {"replay_capacity", "--replay", &o.replay_capacity},
          {"learning_rate", "--lr", &o.learning_rate},
          {"weight_decay", "--weight-decay", &o.weight_decay},
          {"seed", "--seed", &o.seed},
          {"simulations", "--simulations", &s.simulations},
          {"c_puct", "--c-puct", &s.c_puct},
          {"dirichlet_fraction", "--dirichlet-fraction", &s.dirichlet_fraction},
          {"dirichlet_alpha", "--dirichlet-alpha", &s.dirichlet_alpha},
          {"temperature_moves", "--temperature-moves", &s.temperature_moves},
          {"temperature", "", &s.temperature},
          {"leaf_batch", "--leaf-batch", &s.leaf_batch},
          {"random_opening_moves", "--random-opening-moves", &s.random_opening_moves},
          {"value_target_mix", "--value-target-mix", &s.value_target_mix},
          {"mirror", "--mirror", &o.mirror}};
}

}  // namespace

std::vector<std::pair<std::string, std::string>> training_option_values(
    const TrainerOptions& options) {
  TrainerOptions copy = options;
  std::vector<std::pair<std::string, std::string>> out;
  for (const TrainingField& f : training_fields(copy)) {
    out.emplace_back(f.key,
                     std::visit([](auto* field) { return fmt::format("{}", *field); }, f.ref));
  }
  return out;
}

std::string training_option_flag(std::string_view key) {
  TrainerOptions any;
  for (const TrainingField& f : training_fields(any)) {
    if (f.key == key) return std::string(f.flag);
  }
  return "";
}

void set_training_option(TrainerOptions& options, std::string_view key, std::string_view value) {
  for (const auto& [name, flag, ref] : training_fields(options)) {
    if (name != key) continue;
    std::visit(
        [&](auto* field) {
          auto parsed = *field;
          const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
          if (ec != std::errc() || end != value.data() + value.size()) {
            fail("az.{}: '{}' is not a valid value", key, value);
          }
          *field = parsed;
        },
        ref);
    return;
  }
  fail("az.{}: not a training option of this valor", key);
}

std::string training_options_to_text(const TrainerOptions& options) {
  return key_value_text(kTrainingOptionsHeader, training_option_values(options));
}

std::vector<std::pair<std::string, std::string>> training_options_from_text(std::string_view text) {
  return parse_key_value_text(text, kTrainingOptionsHeader, "training options");
}

void check_trainer_options(const TrainerOptions& o) {
  const game::GameInfo& info = game::find_game(o.game);
  check_self_play_options(o.self_play);
  if (o.games_per_iteration < 1) {
    fail("az.games_per_iteration must be >= 1, got {}", o.games_per_iteration);
  }
  if (o.parallel_games < 1 || o.parallel_games > 4096) {
    fail("az.parallel_games (--parallel-games) must be in [1, 4096], got {}", o.parallel_games);
  }
  if (o.train_steps_per_iteration < 0) {
    fail("az.train_steps_per_iteration must be >= 0, got {}", o.train_steps_per_iteration);
  }
  if (o.batch_size < 1) fail("az.batch_size must be >= 1, got {}", o.batch_size);
  if (o.replay_capacity < 1) fail("az.replay_capacity must be >= 1, got {}", o.replay_capacity);
  if (!(o.learning_rate > 0)) fail("az.learning_rate must be > 0, got {}", o.learning_rate);
  if (!(o.weight_decay >= 0)) fail("az.weight_decay must be >= 0, got {}", o.weight_decay);
  if (o.mirror != 0 && o.mirror != 1) fail("az.mirror must be 0 or 1, got {}", o.mirror);
  if (o.mirror == 1 && info.mirror_action == nullptr) {
    fail("az.mirror (--mirror): the game {} has no mirror symmetry", o.game);
  }
}

Trainer::Trainer(const TrainerOptions& options)
    : options_(options),
      game_(game::find_game(options.game)),
      network_(make_network(options, game_)),
      evaluator_(network_),
      replay_(options.replay_capacity),
      rng_(options.seed, 1) {
  if (options.mirror == 1) mirror_ = sample_mirror(game_);
  check_network_spec(network_->spec());
  adam_ = std::make_unique<torch::optim::Adam>(
      network_->parameters(),
      torch::optim::AdamOptions(options.learning_rate).weight_decay(options.weight_decay));
}

IterationStats Trainer::iterate() {
  IterationStats stats;
  stats.iteration = ++iteration_;
  double return_sum = 0.0;
  // The seeds drawn in game order, as when each game drew its own before it started.
  std::vector<uint64_t> seeds(static_cast<size_t>(options_.games_per_iteration));
  for (uint64_t& seed : seeds) seed = rng_.next_u64();
  std::vector<GameRecord> records =
      play_games(game_, evaluator_, options_.self_play, seeds, options_.parallel_games);
  for (GameRecord& record : records) {
    return_sum += record.return0;
    for (Sample& s : record.samples) replay_.add(std::move(s));
    ++stats.games;
  }
  stats.mean_return0 = return_sum / stats.games;
  network_->train();
  double policy_sum = 0.0;
  double value_sum = 0.0;
  for (int step = 0; step < options_.train_steps_per_iteration; ++step) {
    const ReplayBuffer::Batch b =
        replay_.sample(rng_, options_.batch_size, mirror_ ? &*mirror_ : nullptr);
    adam_->zero_grad();
    const LossTerms loss =
        network_->loss(network_->forward(b.observations, b.legal), b.policy, b.value);
    loss.total.backward();
    adam_->step();
    policy_sum += loss.policy.item<double>();
    value_sum += loss.value.item<double>();
  }
  if (options_.train_steps_per_iteration > 0) {
    stats.policy_loss = policy_sum / options_.train_steps_per_iteration;
    stats.value_loss = value_sum / options_.train_steps_per_iteration;
  }
  stats.replay_size = replay_.size();
  return stats;
}

void Trainer::save(const std::filesystem::path& path) const {
  torch::serialize::OutputArchive archive;
  write_network_entries(archive, options_.game, network_, iteration_);
  archive.write("training_options", text_tensor(training_options_to_text(options_)));
  torch::serialize::OutputArchive adam, replay;
  adam_->save(adam);
  replay_.save(replay);
  archive.write("adam", adam);
  archive.write("replay", replay);
  archive.write("rng", text_tensor(rng_.save_state()));
  write_archive_atomically(path, archive);
}

void Trainer::load(const std::filesystem::path& path) {
  torch::serialize::InputArchive archive = read_checkpoint_archive(path);
  const NetworkSpec spec = read_archive_spec(archive, path);
  torch::Tensor game;
  archive.read("game", game);
  if (tensor_text(game) != options_.game) {
    fail("resuming '{}': az.game: the checkpoint has '{}', these options give '{}'", path.string(),
         tensor_text(game), options_.game);
  }
  if (const auto difference = network_spec_difference(spec, network_->spec())) {
    fail("resuming '{}': {}", path.string(), *difference);
  }
  torch::serialize::InputArchive net, adam, replay;
  if (!archive.try_read("adam", adam)) {
    fail(
        "resuming '{}': the file holds a network only (valor az export), without the optimiser "
        "and the replay buffer; it plays and evaluates, but training resumes from the full "
        "checkpoint",
        path.string());
  }
  archive.read("network", net);
  archive.read("replay", replay);
  network_->load(net);
  adam_->load(adam);
  replay_.load(replay);
  torch::Tensor rng, iteration;
  archive.read("rng", rng);
  archive.read("iteration", iteration);
  rng_.load_state(tensor_text(rng));
  iteration_ = static_cast<int>(iteration.item<int64_t>());
}

}  // namespace valor::az
