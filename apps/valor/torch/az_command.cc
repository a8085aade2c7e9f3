// `valor az train [--game G] [--iterations N] [...] [--checkpoint FILE [--resume]]`: AlphaZero
// self-play training (valor/az/trainer.h), one line per iteration; the checkpoint (network,
// Adam, replay buffer, random stream, game and network spec) is rewritten atomically after every
// iteration, and --resume continues from it: the game and network flags not given default to the
// checkpoint's, and a given one that differs is an error naming its az.* key; the training flags
// (self-play, replay, optimiser, seed) not given default to the checkpoint's too, and a given one
// that differs is used, with a line on stderr naming its az.* key.
// `valor az eval CKPT POSITIONS...`: the network, raw and under PUCT and Gumbel, against
// solver-labelled positions (game/position_eval.h). `valor az ladder CKPT... --out CSV`:
// round-robin games rated by Bradley-Terry (valor/rank).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "apps/valor/commands.h"
#include "valor/az/checkpoint_network.h"
#include "valor/az/network_agent.h"
#include "valor/az/network_evaluator.h"
#include "valor/az/network_io.h"
#include "valor/az/trainer.h"
#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/core/progress.h"
#include "valor/core/random.h"
#include "valor/game/labelled_positions.h"
#include "valor/game/position_eval.h"
#include "valor/rank/leaderboard.h"

namespace valor::app {
namespace {

struct AzTrainArgs {
  az::TrainerOptions options;
  int iterations = 100;
  int snapshot_every = 0;  // also keep a copy of the checkpoint every so many iterations
  std::string checkpoint;
  bool resume = false;
  bool quiet = false;
  std::set<std::string> given;  // the flags given on the command line
};

// The game and network flags, which --resume takes from the checkpoint unless given.
constexpr const char* kNetworkFlags[] = {"--game",   "--trunk",      "--hidden", "--channels",
                                         "--blocks", "--value-head", "--bins",   "--sigma-ratio"};

// --resume: the training options not given on the command line become the checkpoint's; a given
// one that differs from the checkpoint's is used and said on stderr. A checkpoint written before
// valor stored them continues with the command line's options, and a warning says so.
void adopt_checkpoint_training(AzTrainArgs& args, const az::CheckpointInfo& info) {
  az::TrainerOptions& o = args.options;
  if (!info.training_options) {
    fmt::print(stderr,
               "warning: {} was written before valor stored its training options: the run "
               "continues with this command line's options (and the defaults of those not "
               "given), not necessarily the ones it was trained with\n",
               args.checkpoint);
    return;
  }
  const auto values = az::training_option_values(o);
  const std::map<std::string, std::string> now(values.begin(), values.end());
  for (const auto& [key, value] : az::training_options_from_text(*info.training_options)) {
    const std::string flag = az::training_option_flag(key);
    if (flag.empty() || !args.given.contains(flag)) {
      az::set_training_option(o, key, value);  // valor::Error for a key this valor lacks
    } else if (now.at(key) != value) {
      fmt::print(stderr, "az.{}: the checkpoint trained with {}, {} continues with {}\n", key,
                 value, flag, now.at(key));
    }
  }
}

// --resume: the game and network options not given on the command line become the checkpoint's,
// and so do the training options (adopt_checkpoint_training).
void adopt_checkpoint_options(AzTrainArgs& args) {
  const az::CheckpointInfo info = az::read_checkpoint_info(args.checkpoint);
  adopt_checkpoint_training(args, info);
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

// The snapshot of `checkpoint` after `iteration`: DIR/STEM.iter000120.pt for DIR/STEM.pt.
std::string snapshot_path(const std::string& checkpoint, int iteration) {
  const std::filesystem::path p(checkpoint);
  return (p.parent_path() /
          fmt::format("{}.iter{:06d}{}", p.stem().string(), iteration, p.extension().string()))
      .string();
}

int run_az_train(const AzTrainArgs& args) {
  if (args.resume && args.checkpoint.empty()) fail("--resume needs --checkpoint FILE");
  if (args.iterations < 0) fail("--iterations must be >= 0, got {}", args.iterations);
  if (args.snapshot_every < 0) {
    fail("--snapshot-every must be >= 0 (0: no snapshots), got {}", args.snapshot_every);
  }
  if (args.snapshot_every > 0 && args.checkpoint.empty()) {
    fail("--snapshot-every needs --checkpoint FILE (snapshots are kept beside it)");
  }
  if (!args.resume && !args.checkpoint.empty() && std::filesystem::exists(args.checkpoint)) {
    fail("--checkpoint {} exists: add --resume to continue it, or name a new file",
         args.checkpoint);
  }
  AzTrainArgs resolved = args;
  if (args.resume) adopt_checkpoint_options(resolved);
  az::Trainer trainer(resolved.options);
  if (args.resume) trainer.load(args.checkpoint);
  if (!args.checkpoint.empty()) {
    const auto parent = std::filesystem::path(args.checkpoint).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
  }
  const auto start = std::chrono::steady_clock::now();
  const int first_iteration = trainer.iteration();
  while (trainer.iteration() < args.iterations) {
    const std::clock_t cpu_before = std::clock();
    const az::IterationStats s = trainer.iterate();
    const double cpu = static_cast<double>(std::clock() - cpu_before) / CLOCKS_PER_SEC;
    if (!args.checkpoint.empty()) {
      trainer.save(args.checkpoint);
      if (args.snapshot_every > 0 && s.iteration % args.snapshot_every == 0) {
        trainer.save(snapshot_path(args.checkpoint, s.iteration));
      }
    }
    if (!args.quiet) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      // The ETA from this command's iterations so far (a resumed run counts from its resume).
      const double eta =
          seconds / (s.iteration - first_iteration) * (args.iterations - s.iteration);
      fmt::print(
          "iteration {} games {} mean_return0 {:.3f} policy_loss {:.4f} value_loss {:.4f} "
          "replay {} time {:.1f}s eta {} cpu {:.2f}s\n",
          s.iteration, s.games, s.mean_return0, s.policy_loss, s.value_loss, s.replay_size, seconds,
          format_duration(eta), cpu);
      std::fflush(stdout);
    }
  }
  return 0;
}

struct AzEvalArgs {
  std::string checkpoint;
  std::vector<std::string> positions;
  std::vector<int> sims = {2, 4, 8, 16, 64};
  std::vector<std::string> searches = {"puct", "gumbel"};
  game::PositionEvalOptions options;
  std::string format = "text";
  std::string json_out;  // also write the JSON document here
};

nlohmann::json proportion_json(const game::Proportion& p) {
  const game::Interval i = game::wilson_interval(p);
  return {{"successes", p.successes},
          {"trials", p.trials},
          {"rate", p.rate()},
          {"ci95", {i.low, i.high}}};
}

std::string proportion_text(const game::Proportion& p) {
  if (p.trials == 0) return "-";
  const game::Interval i = game::wilson_interval(p);
  return fmt::format("{:.3f} [{:.3f},{:.3f}]", p.rate(), i.low, i.high);
}

int run_az_eval(const AzEvalArgs& args) {
  const az::CheckpointNetwork loaded = az::load_checkpoint_network(args.checkpoint);
  game::PositionEvalOptions options = args.options;
  options.choosers = {{game::MoveChooser::Kind::kPolicy, 0}};
  for (const std::string& search : args.searches) {
    for (int sims : args.sims) {
      options.choosers.push_back(
          {search == "puct" ? game::MoveChooser::Kind::kPuct : game::MoveChooser::Kind::kGumbel,
           sims});
    }
  }
  game::check_position_eval_options(options);
  std::vector<game::LabelledPosition> positions;
  for (const std::string& file : args.positions) {
    auto read = game::read_labelled_positions_file(*loaded.game, file);
    for (auto& p : read) positions.push_back(std::move(p));
  }
  if (positions.empty()) fail("{}: no positions", fmt::join(args.positions, ", "));
  if (!args.json_out.empty()) {  // refuse before the searches, not after them
    const auto dir = std::filesystem::path(args.json_out).parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir)) {
      fail("--json {}: no directory {}", args.json_out, dir.string());
    }
  }
  az::NetworkEvaluator evaluator(loaded.network);
  const auto start = std::chrono::steady_clock::now();
  const game::PositionEval eval = game::evaluate_positions(positions, evaluator, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<const game::BucketEval*> rows;
  for (const auto& b : eval.buckets) rows.push_back(&b);
  rows.push_back(&eval.all);
  if (args.format == "json" || !args.json_out.empty()) {
    nlohmann::json buckets = nlohmann::json::array();
    for (const auto* b : rows) {
      nlohmann::json moves = nlohmann::json::object();
      for (size_t c = 0; c < eval.choosers.size(); ++c) {
        moves[eval.choosers[c]] = proportion_json(b->outcome_preserving[c]);
      }
      buckets.push_back({{"stones", {b->min_stones, b->max_stones}},
                         {"all", b == &eval.all},
                         {"positions", b->positions},
                         {"value_sign_agreement", proportion_json(b->value_sign)},
                         {"drawn", b->drawn},
                         {"drawn_mean_abs_value", b->drawn_mean_abs_value},
                         {"outcome_preserving", moves}});
    }
    const std::string doc = nlohmann::json{{"checkpoint", args.checkpoint},
                                           {"game", std::string(loaded.game->name)},
                                           {"positions", args.positions},
                                           {"interval", "Wilson score, 95%"},
                                           {"seconds", seconds},
                                           {"buckets", buckets}}
                                .dump(1) +
                            "\n";
    if (!args.json_out.empty()) write_file_atomically(args.json_out, doc);
    if (args.format == "json") {
      std::cout << doc;
      return 0;
    }
  }
  fmt::print("{} on {} ({} {} positions), {:.1f}s; rates with 95% Wilson intervals\n",
             args.checkpoint, fmt::join(args.positions, ", "), positions.size(), loaded.game->name,
             seconds);
  fmt::print(
      "value sign: agreement with the solver on decisive positions; |v| drawn: mean |value| "
      "on drawn ones\noutcome-preserving move: the chosen move keeps the best move's "
      "outcome (win/draw/loss)\n\n");
  const auto stones = [](const game::BucketEval& b) {
    return b.min_stones == b.max_stones ? std::to_string(b.min_stones)
                                        : fmt::format("{}-{}", b.min_stones, b.max_stones);
  };
  fmt::print("{:<8} {:>9} {:>7} {:<23} {:>9}\n", "stones", "positions", "drawn", "value sign",
             "|v| drawn");
  for (const auto* b : rows) {
    fmt::print("{:<8} {:>9} {:>7} {:<23} {:>9.3f}\n", b == &eval.all ? "all" : stones(*b),
               b->positions, b->drawn, proportion_text(b->value_sign), b->drawn_mean_abs_value);
  }
  fmt::print("\noutcome-preserving move\n{:<11}", "chooser");
  for (const auto* b : rows) fmt::print(" {:<23}", b == &eval.all ? "all" : stones(*b));
  fmt::print("\n");
  for (size_t c = 0; c < eval.choosers.size(); ++c) {
    fmt::print("{:<11}", eval.choosers[c]);
    for (const auto* b : rows) fmt::print(" {:<23}", proportion_text(b->outcome_preserving[c]));
    fmt::print("\n");
  }
  return 0;
}

struct AzLadderArgs {
  std::vector<std::string> checkpoints;
  std::vector<std::string> anchors;
  int games = 20;
  int sims = 0;
  int opening_moves = 2;
  uint64_t seed = 0;
  std::string out;
};

// Round-robin matches between checkpoints (az:CKPT or az:CKPT:SIMS) and anchor agents, written
// as comparisons (model_a,model_b,winner; one row a game) that `valor rank` reads, then rated by
// Bradley-Terry (ties half a win, Firth's bias reduction) on the Elo scale, 95% Wald intervals.
int run_az_ladder(const AzLadderArgs& args) {
  if (args.checkpoints.empty()) fail("az ladder needs at least one checkpoint");
  if (args.games < 2 || args.games % 2 != 0) {
    fail("--games must be an even number >= 2 (each agent moves first in half), got {}",
         args.games);
  }
  if (args.sims < 0) fail("--sims must be >= 0, got {}", args.sims);
  if (args.opening_moves < 0) fail("--opening-moves must be >= 0, got {}", args.opening_moves);
  const game::GameInfo& info = *az::load_checkpoint_network(args.checkpoints.front()).game;
  std::vector<std::string> players;
  for (const auto& c : args.checkpoints) {
    players.push_back(fmt::format("az:{}", c) +
                      (args.sims > 0 ? fmt::format(":{}", args.sims) : ""));
  }
  for (const auto& a : args.anchors) players.push_back(a);
  if (players.size() < 2) fail("az ladder needs two players at least (checkpoints and --anchor)");
  for (const auto& p : players) {
    if (p.find_first_of(",\"\n") != std::string::npos) {
      fail("player '{}': a name with a comma or a quote cannot go into the comparisons CSV", p);
    }
    az::make_any_agent(p, info, 0);  // every spec checked before any game
  }
  const Rng rng(args.seed);
  std::string csv = "model_a,model_b,winner\n";
  std::vector<game::Action> legal;
  for (size_t i = 0; i < players.size(); ++i) {
    for (size_t j = i + 1; j < players.size(); ++j) {
      Rng pair_rng = rng.split(i * players.size() + j);
      const auto a = az::make_any_agent(players[i], info, pair_rng.next_u64());
      const auto b = az::make_any_agent(players[j], info, pair_rng.next_u64());
      game::MatchResult total;
      // Each pair of games starts from one random opening, each agent moving first once.
      for (int g = 0; g < args.games; g += 2) {
        std::unique_ptr<game::State> start;
        do {
          start = info.new_initial_state();
          for (int k = 0; k < args.opening_moves && !start->is_terminal(); ++k) {
            start->legal_actions(legal);
            start->apply(legal[pair_rng.below(legal.size())]);
          }
        } while (start->is_terminal());
        const game::MatchResult r = game::play_match(*a, *b, *start, 2);
        total.wins += r.wins;
        total.draws += r.draws;
        total.losses += r.losses;
      }
      for (int k = 0; k < total.wins; ++k) csv += players[i] + "," + players[j] + ",model_a\n";
      for (int k = 0; k < total.losses; ++k) csv += players[i] + "," + players[j] + ",model_b\n";
      for (int k = 0; k < total.draws; ++k) csv += players[i] + "," + players[j] + ",tie\n";
      fmt::print("{} vs {}: {} wins, {} draws, {} losses\n", players[i], players[j], total.wins,
                 total.draws, total.losses);
      std::fflush(stdout);
    }
  }
  write_file_atomically(args.out, csv);
  const rank::InputData input = rank::read_comparisons_or_rankings(args.out);
  // bt, ties half a win, Elo scale, Wald intervals; Firth's bias reduction keeps the rating of a
  // player that never loses (or never wins) finite.
  rank::LeaderboardOptions options;
  options.bias_reduced = true;
  const rank::Leaderboard lb = rank::fit_leaderboard(input, options);
  std::vector<size_t> order(lb.names.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(),
            [&](size_t x, size_t y) { return lb.rating[x] > lb.rating[y]; });
  fmt::print(
      "\n{}: Bradley-Terry ratings (Elo scale, ties half a win, Firth's bias reduction; "
      "interval: {}); comparisons in {} (valor rank {} --firth)\n",
      info.name, lb.interval, args.out, args.out);
  for (size_t k : order) {
    fmt::print("{:>8.1f} [{:.1f}, {:.1f}]  score {:.3f}  {}\n", lb.rating[k], lb.low[k], lb.high[k],
               lb.win_rate[k], lb.names[k]);
  }
  return 0;
}

struct AzExportArgs {
  std::string checkpoint;
  std::string out;
};

// The network of a checkpoint alone (network_io.h's save_network_file), small enough to share or
// commit; az eval, az ladder and the az: agents read it as they read a checkpoint.
int run_az_export(const AzExportArgs& args) {
  if (std::filesystem::weakly_canonical(args.out) ==
      std::filesystem::weakly_canonical(args.checkpoint)) {
    fail("--out {} is the checkpoint itself; name another file", args.out);
  }
  const az::CheckpointNetwork loaded = az::load_checkpoint_network(args.checkpoint);
  az::save_network_file(args.out, loaded.game->name, loaded.network, loaded.iteration);
  fmt::print("{}: the network of {} ({}, iteration {}), {} bytes\n", args.out, args.checkpoint,
             loaded.game->name, loaded.iteration, std::filesystem::file_size(args.out));
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
  t->add_option("--random-opening-moves", o.self_play.random_opening_moves,
                "Each game opens with 0..N uniformly random moves (no samples), then self-play "
                "(default 0: from the start)");
  t->add_option("--value-target-mix", o.self_play.value_target_mix,
                "Value target (1 - X) outcome + X search's root value, X in [0, 1] (default 0: "
                "the outcome)");
  t->add_flag("--mirror", o.mirror,
              "Train on each sample or its mirror image (the game's left-right symmetry)");
  t->add_option("--parallel-games", o.parallel_games,
                "Self-play games in lockstep, their leaves evaluated in one network call");
  t->add_option("--leaf-batch", o.self_play.leaf_batch,
                "PUCT leaves per game evaluated together (virtual loss), 1 to 4096");
  t->add_option("--seed", o.seed, "Seed of the network and of self-play");
  t->add_option("--checkpoint", a->checkpoint, "Checkpoint file, rewritten after each iteration");
  t->add_flag("--resume", a->resume, "Continue from --checkpoint");
  t->add_option("--snapshot-every", a->snapshot_every,
                "Also keep a copy of the checkpoint every N iterations, as STEM.iterNNNNNN.pt "
                "beside it (default 0: none)");
  t->add_flag("--quiet", a->quiet, "No progress lines");
  t->callback([a, t, &action] {
    for (const char* flag : kNetworkFlags) {
      if (t->get_option(flag)->count() > 0) a->given.insert(flag);
    }
    for (const auto& [key, value] : az::training_option_values(a->options)) {
      const std::string flag = az::training_option_flag(key);
      if (!flag.empty() && t->get_option(flag)->count() > 0) a->given.insert(flag);
    }
    action = [a] { return run_az_train(*a); };
  });

  auto e = std::make_shared<AzEvalArgs>();
  auto* ev = az->add_subcommand(
      "eval",
      "Measure a checkpoint's network against solver-labelled positions (valor game positions): "
      "per bucket of stone counts, the value head's sign agreement on decisive positions and the "
      "fraction of moves that keep the best outcome, for the raw policy and for PUCT and Gumbel "
      "over the network at each --sims, with 95% Wilson intervals");
  ev->add_option("checkpoint", e->checkpoint, "A checkpoint of valor az train")->required();
  ev->add_option("positions", e->positions, "Files of labelled positions of the network's game")
      ->required();
  ev->add_option("--sims", e->sims, "Simulations of each search, e.g. --sims 2,4,8,16,64")
      ->delimiter(',');
  ev->add_option("--search", e->searches, "The searches: puct, gumbel (default both)")
      ->delimiter(',')
      ->check(CLI::IsMember({"puct", "gumbel"}));
  ev->add_flag(
      "--no-search", [e](int64_t) { e->searches.clear(); }, "Only the raw policy");
  ev->add_option("--bucket-width", e->options.bucket_width,
                 "Stone counts per bucket, from the fewest in the set (default 5)");
  ev->add_option("--c-puct", e->options.c_puct, "PUCT's exploration constant (default 1.25)");
  ev->add_option("--gumbel-considered", e->options.gumbel_considered,
                 "Gumbel's actions considered at the root (default 16)");
  ev->add_option("--format", e->format, "text (tables) or json")
      ->check(CLI::IsMember({"text", "json"}));
  ev->add_option("--json", e->json_out,
                 "Also write the JSON document to this file (one search for both forms)");
  ev->callback([e, &action] { action = [e] { return run_az_eval(*e); }; });

  auto l = std::make_shared<AzLadderArgs>();
  auto* la = az->add_subcommand(
      "ladder",
      "Round-robin matches between checkpoints (and anchor agents), written as a comparisons CSV "
      "for valor rank, and their Bradley-Terry ratings on the Elo scale");
  la->add_option("checkpoints", l->checkpoints, "Checkpoints of valor az train (one game)")
      ->required();
  la->add_option("--anchor", l->anchors,
                 "Also play this agent (random, mcts-rollout:SIMS, solver, ...); repeatable");
  la->add_option("--games", l->games, "Games per pair, even (default 20)");
  la->add_option("--sims", l->sims,
                 "PUCT simulations of the checkpoints' agents (default 0: the raw policy)");
  la->add_option("--opening-moves", l->opening_moves,
                 "Random moves opening each pair of games, for varied games between deterministic "
                 "agents (default 2)");
  la->add_option("--seed", l->seed, "Seed of the openings and the agents");
  la->add_option("--out", l->out, "The comparisons CSV to write")->required();
  la->callback([l, &action] { action = [l] { return run_az_ladder(*l); }; });

  auto x = std::make_shared<AzExportArgs>();
  auto* ex = az->add_subcommand(
      "export",
      "Write the network of a checkpoint alone (no optimiser, replay or random state): a small "
      "file that az eval, az ladder and az: agents read, but that cannot resume training");
  ex->add_option("checkpoint", x->checkpoint, "A checkpoint of valor az train")->required();
  ex->add_option("--out", x->out, "The network file to write")->required();
  ex->callback([x, &action] { action = [x] { return run_az_export(*x); }; });
}

}  // namespace valor::app
