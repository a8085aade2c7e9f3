// `valor az train [--game G] [--iterations N] [...] [--checkpoint FILE [--resume]]`: AlphaZero
// self-play training (valor/az/trainer.h), one line per iteration; the checkpoint (network,
// Adam, replay buffer, random stream, game and network spec) is rewritten atomically after every
// iteration, and --resume continues from it: the game and network flags not given default to the
// checkpoint's, and a given one that differs is an error naming its az.* key.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "apps/valor/commands.h"
#include "valor/az/network_io.h"
#include "valor/az/trainer.h"
#include "valor/core/error.h"

namespace valor::app {
namespace {

struct AzTrainArgs {
  az::TrainerOptions options;
  int iterations = 100;
  std::string checkpoint;
  bool resume = false;
  bool quiet = false;
  std::set<std::string> given;  // the game and network flags given on the command line
};

// The game and network flags, which --resume takes from the checkpoint unless given.
constexpr const char* kNetworkFlags[] = {"--game",   "--trunk",      "--hidden", "--channels",
                                         "--blocks", "--value-head", "--bins",   "--sigma-ratio"};

// --resume: the game and network options not given on the command line become the checkpoint's.
void adopt_checkpoint_network(AzTrainArgs& args) {
  const az::CheckpointInfo info = az::read_checkpoint_info(args.checkpoint);
  az::TrainerOptions& o = args.options;
  const auto take = [&](const char* flag, auto& field, const auto& value) {
    if (!args.given.contains(flag)) field = value;
  };
  take("--game", o.game, info.game);
  take("--trunk", o.trunk, info.spec.trunk);
  take("--hidden", o.hidden, info.spec.hidden);
  take("--channels", o.channels, info.spec.channels);
  take("--blocks", o.blocks, info.spec.blocks);
  take("--value-head", o.value_head, info.spec.value_head);
  take("--bins", o.bins, info.spec.bins);
  take("--sigma-ratio", o.sigma_ratio, info.spec.sigma_ratio);
  o.value_weight = info.spec.value_weight;  // no flag
}

int run_az_train(const AzTrainArgs& args) {
  if (args.resume && args.checkpoint.empty()) fail("--resume needs --checkpoint FILE");
  if (args.iterations < 0) fail("--iterations must be >= 0, got {}", args.iterations);
  if (!args.resume && !args.checkpoint.empty() && std::filesystem::exists(args.checkpoint)) {
    fail("--checkpoint {} exists: add --resume to continue it, or name a new file",
         args.checkpoint);
  }
  AzTrainArgs resolved = args;
  if (args.resume) adopt_checkpoint_network(resolved);
  az::Trainer trainer(resolved.options);
  if (args.resume) trainer.load(args.checkpoint);
  if (!args.checkpoint.empty()) {
    const auto parent = std::filesystem::path(args.checkpoint).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
  }
  const auto start = std::chrono::steady_clock::now();
  while (trainer.iteration() < args.iterations) {
    const az::IterationStats s = trainer.iterate();
    if (!args.checkpoint.empty()) trainer.save(args.checkpoint);
    if (!args.quiet) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      fmt::print(
          "iteration {} games {} mean_return0 {:.3f} policy_loss {:.4f} value_loss {:.4f} "
          "replay {} time {:.1f}s\n",
          s.iteration, s.games, s.mean_return0, s.policy_loss, s.value_loss, s.replay_size,
          seconds);
    }
  }
  return 0;
}

}  // namespace

void add_az_command(CLI::App& app, Action& action) {
  auto* az = app.add_subcommand("az", std::string(torch_command_description("az")));
  az->require_subcommand(1);
  auto a = std::make_shared<AzTrainArgs>();
  az::TrainerOptions& o = a->options;
  auto* t = az->add_subcommand("train", "AlphaZero self-play training of a policy/value network");
  t->add_option("--game", o.game, "tictactoe or connect4");
  t->add_option("--iterations", a->iterations, "Train until this many iterations in all");
  t->add_option("--games", o.games_per_iteration, "Self-play games per iteration");
  t->add_option("--steps", o.train_steps_per_iteration, "Adam steps per iteration");
  t->add_option("--batch", o.batch_size, "Samples per minibatch");
  t->add_option("--replay", o.replay_capacity, "Replay buffer capacity (samples)");
  t->add_option("--lr", o.learning_rate, "Adam learning rate");
  t->add_option("--weight-decay", o.weight_decay, "Adam's L2 weight decay");
  t->add_option("--trunk", o.trunk, "Network trunk: mlp (--hidden) or conv (--channels, --blocks)");
  t->add_option("--hidden", o.hidden, "mlp trunk widths, e.g. --hidden 64 64");
  t->add_option("--channels", o.channels, "conv trunk: channels of each 3x3 convolution");
  t->add_option("--blocks", o.blocks, "conv trunk: residual blocks");
  t->add_option("--value-head", o.value_head, "scalar (tanh, MSE) or hl_gauss")
      ->check(CLI::IsMember({"scalar", "hl_gauss"}));
  t->add_option("--bins", o.bins, "hl_gauss: bins on [-1, 1]");
  t->add_option("--sigma-ratio", o.sigma_ratio, "hl_gauss: sigma / bin width");
  t->add_option("--simulations", o.self_play.simulations, "PUCT simulations per move");
  t->add_option("--c-puct", o.self_play.c_puct, "PUCT exploration constant");
  t->add_option("--dirichlet-fraction", o.self_play.dirichlet_fraction,
                "Weight of the root's Dirichlet noise");
  t->add_option("--dirichlet-alpha", o.self_play.dirichlet_alpha, "Dirichlet concentration");
  t->add_option("--temperature-moves", o.self_play.temperature_moves,
                "Moves drawn from the visit distribution before playing the most visited");
  t->add_option("--seed", o.seed, "Seed of the network and of self-play");
  t->add_option("--checkpoint", a->checkpoint, "Checkpoint file, rewritten after each iteration");
  t->add_flag("--resume", a->resume, "Continue from --checkpoint");
  t->add_flag("--quiet", a->quiet, "No progress lines");
  t->callback([a, t, &action] {
    for (const char* flag : kNetworkFlags) {
      if (t->get_option(flag)->count() > 0) a->given.insert(flag);
    }
    action = [a] { return run_az_train(*a); };
  });
}

}  // namespace valor::app
