#include "valor/az/trainer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>

#include "valor/az/network_io.h"
#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/game/evaluator.h"
#include "valor/game/tic_tac_toe_solver.h"

namespace valor::az {
namespace {

TrainerOptions small_options() {
  TrainerOptions o;
  o.games_per_iteration = 4;
  o.train_steps_per_iteration = 5;
  o.batch_size = 16;
  o.self_play.simulations = 8;
  return o;
}

TEST(AzSelfPlay, SamplesCarryTheVisitPolicyAndTheMoversOutcome) {
  torch::set_num_threads(1);
  Trainer trainer(small_options());
  const IterationStats stats = trainer.iterate();
  EXPECT_EQ(stats.games, 4);
  ASSERT_GT(trainer.replay().size(), 0u);
  for (size_t i = 0; i < trainer.replay().size(); ++i) {
    const Sample& s = trainer.replay().at(i);
    ASSERT_EQ(s.observation.size(), 18u);
    ASSERT_EQ(s.policy.size(), 9u);
    float sum = 0.0f;
    for (size_t a = 0; a < 9; ++a) {
      if (!s.legal[a]) {
        EXPECT_EQ(s.policy[a], 0.0f);
      }
      sum += s.policy[a];
    }
    EXPECT_NEAR(sum, 1.0f, 1e-5);
    EXPECT_TRUE(s.value == -1.0f || s.value == 0.0f || s.value == 1.0f);
  }
  // Within a game, consecutive samples are from opposite sides: their outcomes are opposite.
  const Sample& first = trainer.replay().at(0);
  const Sample& second = trainer.replay().at(1);
  EXPECT_EQ(first.value, -second.value);
}

// Records the size of every batch it is given.
class CountingEvaluator final : public game::Evaluator {
 public:
  explicit CountingEvaluator(game::Evaluator& inner) : inner_(inner) {}
  void evaluate(std::span<const game::State* const> states,
                std::span<game::Evaluation> out) override {
    sizes.push_back(static_cast<int>(states.size()));
    inner_.evaluate(states, out);
  }
  std::vector<int> sizes;

 private:
  game::Evaluator& inner_;
};

// Valid samples: a distribution over the legal moves, outcomes in {-1, 0, 1} that alternate with
// the mover and agree with the game's outcome for player 0 (who moves first).
void expect_valid_game(const GameRecord& r, size_t actions) {
  ASSERT_FALSE(r.samples.empty());
  EXPECT_TRUE(r.return0 == -1.0 || r.return0 == 0.0 || r.return0 == 1.0);
  for (size_t i = 0; i < r.samples.size(); ++i) {
    const Sample& s = r.samples[i];
    ASSERT_EQ(s.policy.size(), actions);
    float sum = 0.0f;
    for (size_t a = 0; a < actions; ++a) {
      if (!s.legal[a]) {
        EXPECT_EQ(s.policy[a], 0.0f);
      }
      sum += s.policy[a];
    }
    EXPECT_NEAR(sum, 1.0f, 1e-5);
    EXPECT_EQ(s.value, static_cast<float>(i % 2 == 0 ? r.return0 : -r.return0));
  }
}

bool same_games(const std::vector<GameRecord>& a, const std::vector<GameRecord>& b) {
  if (a.size() != b.size()) return false;
  for (size_t g = 0; g < a.size(); ++g) {
    if (a[g].return0 != b[g].return0 || a[g].samples.size() != b[g].samples.size()) return false;
    for (size_t i = 0; i < a[g].samples.size(); ++i) {
      const Sample& x = a[g].samples[i];
      const Sample& y = b[g].samples[i];
      if (x.observation != y.observation || x.legal != y.legal || x.policy != y.policy ||
          x.value != y.value)
        return false;
    }
  }
  return true;
}

TEST(AzSelfPlay, LockstepGamesAreTheSequentialOnesWithABatchIndependentEvaluator) {
  const game::GameInfo& info = game::find_game("tictactoe");
  game::TicTacToeSolver solver;
  game::SolverEvaluator exact(solver, {});  // a function of the state alone
  const std::vector<uint64_t> seeds = {3, 1, 4, 1, 5, 9, 2};
  for (const int leaf_batch : {1, 4}) {
    SCOPED_TRACE(leaf_batch);
    SelfPlayOptions o;
    o.simulations = 24;
    o.leaf_batch = leaf_batch;
    o.temperature_moves = 9;
    std::vector<GameRecord> sequential;
    for (const uint64_t seed : seeds) sequential.push_back(play_game(info, exact, o, seed));
    CountingEvaluator counting(exact);
    const std::vector<GameRecord> lockstep = play_games(info, counting, o, seeds, 4);
    EXPECT_TRUE(same_games(sequential, lockstep));
    for (const GameRecord& r : lockstep) expect_valid_game(r, 9);
    // The leaves of several games went to the evaluator together.
    EXPECT_GT(*std::max_element(counting.sizes.begin(), counting.sizes.end()), leaf_batch);
    EXPECT_EQ(counting.sizes[0], 4);  // the four first roots
    EXPECT_LE(*std::max_element(counting.sizes.begin(), counting.sizes.end()), 4 * leaf_batch);
  }
}

// Random openings: self-play starts after 0..N random moves, which give no samples; an opening
// that ends the game is drawn again, so every game has searched moves.
TEST(AzSelfPlay, RandomOpeningsStartSelfPlayFromRandomPositions) {
  const game::GameInfo& info = game::find_game("tictactoe");
  game::TicTacToeSolver solver;
  game::SolverEvaluator exact(solver, {});
  std::vector<uint64_t> seeds;
  for (uint64_t s = 0; s < 60; ++s) seeds.push_back(s);
  for (const int n : {4, 9}) {
    SCOPED_TRACE(n);
    SelfPlayOptions o;
    o.simulations = 16;
    o.random_opening_moves = n;
    const std::vector<GameRecord> games = play_games(info, exact, o, seeds, 8);
    std::set<int> opening_lengths;
    for (const GameRecord& r : games) {
      ASSERT_FALSE(r.samples.empty());
      // The stones on the board at the first searched position: the opening's length.
      float stones = 0;
      for (const float x : r.samples.front().observation) stones += x;
      const int k = static_cast<int>(stones);
      EXPECT_LE(k, n);
      opening_lengths.insert(k);
      // The first searched position's mover is player k % 2; outcomes alternate from there.
      EXPECT_EQ(r.samples.front().value, static_cast<float>(k % 2 == 0 ? r.return0 : -r.return0));
      for (size_t i = 0; i < r.samples.size(); ++i) {
        EXPECT_EQ(r.samples[i].value,
                  static_cast<float>(i % 2 == 0 ? 1 : -1) * r.samples.front().value);
      }
    }
    EXPECT_GE(opening_lengths.size(), 4u);  // many opening lengths, 0 among them
    EXPECT_TRUE(opening_lengths.contains(0));
    // Lockstep and sequential games agree with openings too, and the seed decides the opening.
    std::vector<GameRecord> sequential;
    for (const uint64_t seed : seeds) sequential.push_back(play_game(info, exact, o, seed));
    EXPECT_TRUE(same_games(sequential, games));
  }
  SelfPlayOptions bad;
  bad.random_opening_moves = -1;
  try {
    check_self_play_options(bad);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("az.random_opening_moves"), std::string::npos);
  }
}

// value_target_mix: the same games (the mix does not touch play), each sample's target
// (1 - lambda) z + lambda q, with z from lambda = 0 (an outcome) and q from lambda = 1 (the
// search's root value: in [-1, 1], and not the outcome everywhere).
TEST(AzSelfPlay, ValueTargetMixesTheOutcomeWithTheRootValue) {
  const game::GameInfo& info = game::find_game("tictactoe");
  game::TicTacToeSolver solver;
  game::SolverEvaluator exact(solver, {});
  std::vector<uint64_t> seeds;
  for (uint64_t s = 0; s < 30; ++s) seeds.push_back(s);
  SelfPlayOptions o;
  o.simulations = 16;
  o.random_opening_moves = 4;
  const auto with = [&](double mix) {
    SelfPlayOptions m = o;
    m.value_target_mix = mix;
    return play_games(info, exact, m, seeds, 4);
  };
  const std::vector<GameRecord> outcome = with(0.0), root = with(1.0), half = with(0.25);
  int differ = 0;
  for (size_t g = 0; g < seeds.size(); ++g) {
    ASSERT_EQ(root[g].samples.size(), outcome[g].samples.size());
    ASSERT_EQ(half[g].samples.size(), outcome[g].samples.size());
    EXPECT_EQ(root[g].return0, outcome[g].return0);
    for (size_t i = 0; i < outcome[g].samples.size(); ++i) {
      const float z = outcome[g].samples[i].value, q = root[g].samples[i].value;
      EXPECT_EQ(root[g].samples[i].policy, outcome[g].samples[i].policy);
      EXPECT_EQ(half[g].samples[i].observation, outcome[g].samples[i].observation);
      EXPECT_TRUE(z == -1.0f || z == 0.0f || z == 1.0f);
      EXPECT_GE(q, -1.0f);
      EXPECT_LE(q, 1.0f);
      EXPECT_FLOAT_EQ(half[g].samples[i].value, static_cast<float>(0.75 * z + 0.25 * q));
      if (q != z) ++differ;
    }
  }
  EXPECT_GT(differ, 20);
  SelfPlayOptions bad;
  for (const double mix : {-0.1, 1.5, std::nan("")}) {
    bad.value_target_mix = mix;
    try {
      check_self_play_options(bad);
      FAIL() << mix;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("az.value_target_mix (--value-target-mix) must be in "
                                           "[0, 1]"),
                std::string::npos);
    }
  }
}

// The mirror: each drawn row is its sample or the sample's mirror image (columns of the
// observation reversed, legal and policy entries moved to the mirrored actions, the same value),
// both occur, and without a mirror the draws are the plain ones.
TEST(AzReplay, MirroredBatchesHoldSamplesOrTheirMirrorImages) {
  const game::GameInfo& info = game::find_game("connect4");
  const SampleMirror mirror = sample_mirror(info);
  ASSERT_EQ(mirror.action, (std::vector<int>{6, 5, 4, 3, 2, 1, 0}));
  ReplayBuffer replay(64);
  Rng rng(3);
  for (int g = 0; g < 8; ++g) {  // samples from random positions, with an asymmetric policy
    auto state = info.new_initial_state();
    for (int m = 0; m < std::min(g + 1, 6); ++m) {  // no game ends within 6 moves
      const auto legal = state->legal_actions();
      state->apply(legal[rng.below(legal.size())]);
    }
    Sample s;
    s.observation.resize(static_cast<size_t>(state->observation_shape().size()));
    state->observation(s.observation);
    s.legal.assign(7, 0);
    s.policy.assign(7, 0.0f);
    float total = 0;
    for (const game::Action a : state->legal_actions()) {
      s.legal[static_cast<size_t>(a)] = 1;
      s.policy[static_cast<size_t>(a)] = static_cast<float>(a + 1);
      total += static_cast<float>(a + 1);
    }
    for (float& p : s.policy) p /= total;
    s.value = 0.125f * static_cast<float>(g);
    replay.add(s);
  }
  const auto row = [](const torch::Tensor& t, int64_t i) {
    const torch::Tensor r = t[i].to(torch::kFloat).contiguous();
    return std::vector<float>(r.data_ptr<float>(), r.data_ptr<float>() + r.numel());
  };
  const auto as_float = [](const auto& v) { return std::vector<float>(v.begin(), v.end()); };
  Rng draw(11);
  const ReplayBuffer::Batch b = replay.sample(draw, 256, &mirror);
  int plain = 0, mirrored = 0;
  for (int64_t i = 0; i < 256; ++i) {
    bool found = false;
    for (size_t k = 0; k < replay.size() && !found; ++k) {
      const Sample& s = replay.at(k);
      if (b.value[i].item<float>() != s.value) continue;
      found = true;
      std::vector<float> obs(s.observation.size());
      game::mirror_observation(mirror.shape, s.observation, obs);
      std::vector<float> legal(7), policy(7);
      for (size_t a = 0; a < 7; ++a) {
        legal[static_cast<size_t>(mirror.action[a])] = s.legal[a];
        policy[static_cast<size_t>(mirror.action[a])] = s.policy[a];
      }
      if (row(b.observations, i) == s.observation && row(b.policy, i) == s.policy &&
          row(b.legal, i) == as_float(s.legal)) {
        ++plain;
      } else {
        EXPECT_EQ(row(b.observations, i), obs);
        EXPECT_EQ(row(b.policy, i), policy);
        EXPECT_EQ(row(b.legal, i), legal);
        ++mirrored;
      }
    }
    EXPECT_TRUE(found);
  }
  EXPECT_GT(plain, 80);
  EXPECT_GT(mirrored, 80);
  // Without a mirror every row is its sample as stored.
  const ReplayBuffer::Batch p = replay.sample(draw, 64);
  for (int64_t i = 0; i < 64; ++i) {
    const auto g = static_cast<size_t>(std::lround(p.value[i].item<float>() / 0.125f));
    EXPECT_EQ(row(p.observations, i), replay.at(g).observation);
    EXPECT_EQ(row(p.policy, i), replay.at(g).policy);
  }
}

TEST(AzSelfPlay, LockstepNetworkSelfPlayIsValidAndDeterministic) {
  torch::set_num_threads(1);
  const game::GameInfo& info = game::find_game("connect4");
  torch::manual_seed(2);
  NetworkSpec spec;
  spec.observation = info.new_initial_state()->observation_shape();
  spec.num_actions = 7;
  spec.hidden = {32};
  PolicyValueNet net(spec);
  NetworkEvaluator evaluator(net);
  SelfPlayOptions o;
  o.simulations = 16;
  o.leaf_batch = 4;
  o.temperature_moves = 42;  // every move drawn: games differ with the seed
  const std::vector<uint64_t> seeds = {10, 11, 12, 13, 14};
  const auto a = play_games(info, evaluator, o, seeds, 3);
  const auto b = play_games(info, evaluator, o, seeds, 3);
  EXPECT_TRUE(same_games(a, b));
  ASSERT_EQ(a.size(), 5u);
  for (const GameRecord& r : a) expect_valid_game(r, 7);
  EXPECT_FALSE(same_games({a[0]}, {a[1]}));
  const std::vector<uint64_t> other = {20, 11, 12, 13, 14};
  EXPECT_FALSE(same_games(a, play_games(info, evaluator, o, other, 3)));
}

TEST(AzTrainer, OneGameAtATimeAndOneLeafAtATimeIsTheSequentialLoop) {
  torch::set_num_threads(1);
  TrainerOptions o = small_options();
  o.train_steps_per_iteration = 0;
  ASSERT_EQ(o.parallel_games, 1);
  ASSERT_EQ(o.self_play.leaf_batch, 1);
  Trainer trainer(o);
  trainer.iterate();
  // What the trainer did before lockstep self-play: play_game per game, seeds drawn in turn.
  torch::manual_seed(o.seed);
  Trainer fresh(o);  // the same initial network
  NetworkEvaluator evaluator(fresh.network());
  Rng rng(o.seed, 1);
  std::vector<GameRecord> games;
  for (int g = 0; g < o.games_per_iteration; ++g) {
    games.push_back(play_game(game::find_game(o.game), evaluator, o.self_play, rng.next_u64()));
  }
  size_t i = 0;
  for (const GameRecord& r : games) {
    for (const Sample& s : r.samples) {
      ASSERT_LT(i, trainer.replay().size());
      EXPECT_EQ(trainer.replay().at(i).observation, s.observation);
      EXPECT_EQ(trainer.replay().at(i).policy, s.policy);
      EXPECT_EQ(trainer.replay().at(i).value, s.value);
      ++i;
    }
  }
  EXPECT_EQ(i, trainer.replay().size());
}

TEST(AzTrainer, ParallelGamesAndLeafBatchesTrainDeterministically) {
  torch::set_num_threads(1);
  TrainerOptions o = small_options();
  o.parallel_games = 3;
  o.self_play.leaf_batch = 4;
  std::vector<torch::Tensor> params[2];
  for (int run = 0; run < 2; ++run) {
    Trainer trainer(o);
    const IterationStats stats = trainer.iterate();
    EXPECT_EQ(stats.games, 4);
    trainer.iterate();
    for (const auto& p : trainer.network()->parameters()) params[run].push_back(p.detach().clone());
  }
  for (size_t i = 0; i < params[0].size(); ++i)
    EXPECT_TRUE(torch::equal(params[0][i], params[1][i]));
}

TEST(AzTrainer, ConnectFourByConfig) {
  torch::set_num_threads(1);
  TrainerOptions o = small_options();
  o.game = "connect4";
  o.games_per_iteration = 1;
  Trainer trainer(o);
  const IterationStats stats = trainer.iterate();
  EXPECT_EQ(stats.games, 1);
  EXPECT_GE(trainer.replay().size(), 7u);
  EXPECT_EQ(trainer.replay().at(0).observation.size(), 2u * 6 * 7);
  EXPECT_EQ(trainer.replay().at(0).policy.size(), 7u);
}

// The same seed gives the same network; the mirror changes what the learner sees (the same
// games, other minibatches), so it changes the network.
TEST(AzTrainer, SameSeedSameNetwork) {
  torch::set_num_threads(1);
  std::vector<torch::Tensor> params[3];
  for (int run = 0; run < 3; ++run) {
    TrainerOptions o = small_options();
    o.mirror = run == 2 ? 1 : 0;
    Trainer trainer(o);
    trainer.iterate();
    trainer.iterate();
    for (const auto& p : trainer.network()->parameters()) params[run].push_back(p.detach().clone());
  }
  ASSERT_EQ(params[0].size(), params[1].size());
  bool mirror_differs = false;
  for (size_t i = 0; i < params[0].size(); ++i) {
    EXPECT_TRUE(torch::equal(params[0][i], params[1][i]));
    mirror_differs = mirror_differs || !torch::equal(params[0][i], params[2][i]);
  }
  EXPECT_TRUE(mirror_differs);
}

// Also with the mirror and the mixed value target (the mirror's draws come from the trainer's
// stream, which the checkpoint keeps).
TEST(AzTrainer, ResumesFromACheckpointExactly) {
  torch::set_num_threads(1);
  const auto path = std::filesystem::temp_directory_path() /
                    ("valor_az_checkpoint_" + std::to_string(::getpid()) + ".pt");
  TrainerOptions options = small_options();
  options.mirror = 1;
  options.self_play.value_target_mix = 0.5;
  Trainer a(options);
  a.iterate();
  a.iterate();
  a.save(path);
  TrainerOptions other = options;
  other.seed = 99;  // a different start, replaced by the checkpoint
  Trainer b(other);
  b.load(path);
  std::filesystem::remove(path);
  EXPECT_EQ(b.iteration(), 2);
  EXPECT_EQ(b.replay().size(), a.replay().size());
  const IterationStats sa = a.iterate();
  const IterationStats sb = b.iterate();
  EXPECT_EQ(sa.mean_return0, sb.mean_return0);
  EXPECT_EQ(sa.policy_loss, sb.policy_loss);
  const auto pa = a.network()->parameters();
  const auto pb = b.network()->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i]));
  EXPECT_THROW(b.load(path), Error);  // gone: valor::Error naming it
}

// Every training option round-trips through the checkpoint's text exactly, doubles included,
// and a checkpoint carries them.
TEST(AzTrainer, TrainingOptionsRoundTripThroughTheCheckpoint) {
  TrainerOptions o = small_options();
  o.learning_rate = 0.1 + 0.2;  // not exactly 0.3: the text must keep every bit
  o.weight_decay = 1.0 / 3.0;
  o.replay_capacity = 123457;
  o.seed = 18446744073709551557ull;
  o.self_play.c_puct = 1.7;
  o.self_play.temperature = 0.6;
  o.self_play.random_opening_moves = 7;
  o.self_play.value_target_mix = 0.1;
  o.mirror = 1;
  o.parallel_games = 3;
  TrainerOptions back;  // defaults everywhere
  const auto pairs = training_options_from_text(training_options_to_text(o));
  EXPECT_EQ(pairs.size(), training_option_values(o).size());
  for (const auto& [key, value] : pairs) set_training_option(back, key, value);
  EXPECT_EQ(training_option_values(back), training_option_values(o));
  EXPECT_EQ(back.learning_rate, o.learning_rate);
  EXPECT_EQ(back.weight_decay, o.weight_decay);
  EXPECT_EQ(back.seed, o.seed);
  EXPECT_EQ(back.self_play.temperature, 0.6);
  EXPECT_EQ(back.self_play.random_opening_moves, 7);
  EXPECT_EQ(back.self_play.value_target_mix, 0.1);
  EXPECT_EQ(back.mirror, 1);
  EXPECT_EQ(back.train_steps_per_iteration, o.train_steps_per_iteration);
  // Every option but the temperature has a flag; unknown keys have none.
  for (const auto& [key, value] : pairs) {
    EXPECT_EQ(training_option_flag(key).empty(), key == "temperature") << key;
  }
  EXPECT_EQ(training_option_flag("learning_rate"), "--lr");
  EXPECT_EQ(training_option_flag("trunk"), "");
  // The network's fields are not training options.
  back.trunk = "conv";
  EXPECT_EQ(training_option_values(back), training_option_values(o));

  const auto path = std::filesystem::temp_directory_path() /
                    ("valor_az_training_options_" + std::to_string(::getpid()) + ".pt");
  Trainer t(o);
  t.save(path);
  const CheckpointInfo info = read_checkpoint_info(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(info.training_options.has_value());
  EXPECT_EQ(*info.training_options, training_options_to_text(o));

  auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] {
              set_training_option(back, "simulations", "8.5");
            }).find("az.simulations: '8.5' is not a valid value"),
            std::string::npos);
  EXPECT_NE(
      message([&] { set_training_option(back, "learning_rate", "fast"); }).find("az.learning_rate"),
      std::string::npos);
  EXPECT_NE(message([&] {
              set_training_option(back, "trunk", "conv");
            }).find("az.trunk: not a training option"),
            std::string::npos);
  EXPECT_NE(message([] {
              training_options_from_text("valor.az.training_options 2\nseed 1\n");
            }).find("the first line must be"),
            std::string::npos);
  EXPECT_NE(message([] {
              training_options_from_text("valor.az.training_options 1\nseed\n");
            }).find("not a 'key value' line"),
            std::string::npos);
}

TrainerOptions small_conv_options() {
  TrainerOptions o = small_options();
  o.trunk = "conv";
  o.channels = 8;
  o.blocks = 2;
  return o;
}

std::filesystem::path temp_checkpoint(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("valor_az_" + name + "_" + std::to_string(::getpid()) + ".pt");
}

TEST(AzTrainer, ConvTrainerResumesFromACheckpointExactly) {
  torch::set_num_threads(1);
  const auto path = temp_checkpoint("conv");
  Trainer a(small_conv_options());
  a.iterate();
  a.save(path);
  TrainerOptions other = small_conv_options();
  other.seed = 99;
  Trainer b(other);
  b.load(path);
  std::filesystem::remove(path);
  EXPECT_EQ(b.iteration(), 1);
  for (int i = 0; i < 2; ++i) {
    const IterationStats sa = a.iterate();
    const IterationStats sb = b.iterate();
    EXPECT_EQ(sa.mean_return0, sb.mean_return0);
    EXPECT_EQ(sa.policy_loss, sb.policy_loss);
    EXPECT_EQ(sa.value_loss, sb.value_loss);
  }
  const auto pa = a.network()->named_parameters();
  const auto pb = b.network()->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
}

TEST(AzTrainer, LoadNetworkFromTheCheckpointAlone) {
  torch::set_num_threads(1);
  for (const char* trunk : {"mlp", "conv"}) {
    const auto path = temp_checkpoint(std::string("net_") + trunk);
    TrainerOptions o = std::string(trunk) == "conv" ? small_conv_options() : small_options();
    o.game = "connect4";
    o.games_per_iteration = 1;
    o.value_head = "hl_gauss";
    o.bins = 11;
    Trainer trainer(o);
    trainer.iterate();
    trainer.save(path);
    const CheckpointInfo info = read_checkpoint_info(path);
    EXPECT_EQ(info.game, "connect4");
    EXPECT_EQ(info.iteration, 1);
    EXPECT_EQ(info.spec.trunk, trunk);
    torch::manual_seed(123);
    const torch::Tensor before = torch::rand({1});
    torch::manual_seed(123);
    PolicyValueNet net = load_network(path);
    EXPECT_TRUE(torch::equal(torch::rand({1}), before));  // the global stream is left as it was
    std::filesystem::remove(path);
    EXPECT_FALSE(net->is_training());
    EXPECT_EQ(network_spec_difference(net->spec(), trainer.network()->spec()), std::nullopt);
    Rng rng(5);
    const ReplayBuffer::Batch batch = trainer.replay().sample(rng, 32);
    torch::NoGradGuard no_grad;
    trainer.network()->eval();
    const NetworkOutput want = trainer.network()->forward(batch.observations, batch.legal);
    const NetworkOutput got = net->forward(batch.observations, batch.legal);
    EXPECT_TRUE(torch::equal(want.policy_logits, got.policy_logits)) << trunk;
    EXPECT_TRUE(torch::equal(want.value_out, got.value_out)) << trunk;
  }
}

std::string load_error(const TrainerOptions& options, const std::filesystem::path& path) {
  try {
    Trainer t(options);
    t.load(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(AzTrainer, ResumingWithAnotherNetworkNamesTheKey) {
  torch::set_num_threads(1);
  const auto path = temp_checkpoint("differ");
  TrainerOptions conv = small_conv_options();
  conv.games_per_iteration = 1;
  conv.train_steps_per_iteration = 1;
  Trainer(conv).save(path);
  TrainerOptions o = conv;
  o.trunk = "mlp";
  EXPECT_NE(
      load_error(o, path).find("az.trunk: the checkpoint has 'conv', these options give 'mlp'"),
      std::string::npos)
      << load_error(o, path);
  o = conv;
  o.channels = 16;
  EXPECT_NE(load_error(o, path).find("az.channels"), std::string::npos);
  o = conv;
  o.blocks = 1;
  EXPECT_NE(load_error(o, path).find("az.blocks"), std::string::npos);
  o = conv;
  o.hidden = {32};
  EXPECT_NE(load_error(o, path).find("az.hidden"), std::string::npos);
  o = conv;
  o.value_head = "hl_gauss";
  EXPECT_NE(load_error(o, path).find("az.value_head"), std::string::npos);
  o = conv;
  o.game = "connect4";
  EXPECT_NE(load_error(o, path).find("az.game"), std::string::npos);
  o = conv;
  o.learning_rate = 1e-4;  // not part of the network: may change on resume
  EXPECT_EQ(load_error(o, path), "no error");
  std::filesystem::remove(path);
}

TEST(AzTrainer, RefusesFilesThatAreNotCheckpointsWithTheirSpec) {
  const auto path = temp_checkpoint("old");
  {
    // A checkpoint as written before the spec was stored: weights only.
    torch::serialize::OutputArchive archive, net;
    Trainer t(small_options());
    t.network()->save(net);
    archive.write("network", net);
    archive.save_to(path.string());
  }
  EXPECT_NE(load_error(small_options(), path).find("does not describe its network"),
            std::string::npos);
  EXPECT_THROW(load_network(path), Error);
  write_file_atomically(path, "not an archive");
  EXPECT_NE(load_error(small_options(), path).find("is not a valor az checkpoint"),
            std::string::npos);
  EXPECT_THROW(read_checkpoint_info(path), Error);
  std::filesystem::remove(path);
  EXPECT_THROW(load_network(path), Error);  // missing
}

TEST(AzTrainer, RejectsBadOptionsNamingTheKey) {
  TrainerOptions o = small_options();
  o.game = "chess";
  EXPECT_THROW(Trainer{o}, Error);
  o = small_options();
  o.self_play.temperature = 0.0;
  try {
    Trainer{o};
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("az.temperature"), std::string::npos);
  }
  o = small_options();
  o.mirror = 2;
  try {
    Trainer{o};
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("az.mirror must be 0 or 1, got 2"), std::string::npos);
  }
  for (const int bad : {0, -1, 5000}) {
    o = small_options();
    o.self_play.leaf_batch = bad;
    try {
      Trainer{o};
      FAIL();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("az.leaf_batch (--leaf-batch) must be in [1, 4096]"),
                std::string::npos);
    }
    o = small_options();
    o.parallel_games = bad;
    try {
      Trainer{o};
      FAIL();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("az.parallel_games"), std::string::npos);
    }
  }
}

// Every non-terminal position reachable from the empty board, once each.
void collect(game::State& s, std::set<std::string>& seen,
             std::vector<std::unique_ptr<game::State>>& out) {
  if (s.is_terminal() || !seen.insert(s.to_string()).second) return;
  out.push_back(s.clone());
  for (game::Action a : s.legal_actions()) {
    s.apply(a);
    collect(s, seen, out);
    s.undo(a);
  }
}

// Whether the raw policy (argmax of the masked logits), playing `side`, never loses against any
// line of perfect play (every optimal reply of the solver is tried).
bool never_loses(game::State& s, int side, PolicyValueNet& net, game::TicTacToeSolver& solver) {
  if (s.is_terminal()) return s.player_return(side) >= 0;
  if (s.current_player() == side) {
    std::vector<float> obs;
    std::vector<uint8_t> legal;
    const game::State* states[] = {&s};
    encode_states(states, 18, 9, obs, legal);
    torch::NoGradGuard no_grad;
    const NetworkOutput o =
        net->forward(torch::from_blob(obs.data(), {1, 18}),
                     torch::from_blob(legal.data(), {1, 9}, torch::kUInt8).to(torch::kBool));
    const auto a = static_cast<game::Action>(o.policy_logits.argmax(1).item<int64_t>());
    s.apply(a);
    const bool ok = never_loses(s, side, net, solver);
    s.undo(a);
    return ok;
  }
  const std::vector<std::optional<int>> scores = solver.analyze(s);
  int best = -1000;
  for (const auto& sc : scores) {
    if (sc) best = std::max(best, *sc);
  }
  for (size_t a = 0; a < scores.size(); ++a) {
    if (!scores[a] || *scores[a] != best) continue;
    s.apply(static_cast<game::Action>(a));
    const bool ok = never_loses(s, side, net, solver);
    s.undo(static_cast<game::Action>(a));
    if (!ok) return false;
  }
  return true;
}

struct Figures {
  double sign_agreement = 0.0;  // decisive positions: sign(v) == sign(solved score)
  // The mean of the sign agreement on won and on lost positions: about 0.8 of the decisive
  // positions are won for the mover, so a network with v > 0 everywhere reaches 0.8 on the
  // figure above but only 0.5 on this one.
  double balanced_sign_agreement = 0.0;
  double class_agreement = 0.0;  // all positions: v > 1/3 win, < -1/3 loss, else draw
  bool never_loses_first = false;
  bool never_loses_second = false;
  int positions = 0;
};

Figures measure(PolicyValueNet& net) {
  game::TicTacToeSolver solver;
  auto root = game::find_game("tictactoe").new_initial_state();
  std::set<std::string> seen;
  std::vector<std::unique_ptr<game::State>> states;
  collect(*root, seen, states);
  std::vector<const game::State*> ptrs;
  for (auto& s : states) ptrs.push_back(s.get());
  std::vector<float> obs;
  std::vector<uint8_t> legal;
  encode_states(ptrs, 18, 9, obs, legal);
  const int64_t n = static_cast<int64_t>(ptrs.size());
  torch::NoGradGuard no_grad;
  net->eval();
  const torch::Tensor v =
      net->value(
             net->forward(torch::from_blob(obs.data(), {n, 18}),
                          torch::from_blob(legal.data(), {n, 9}, torch::kUInt8).to(torch::kBool))
                 .value_out)
          .contiguous();
  int decisive = 0, sign_ok = 0, class_ok = 0, won = 0, won_ok = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int score = solver.solve(*ptrs[static_cast<size_t>(i)]);
    const float value = v[i].item<float>();
    const int predicted = value > 1.0f / 3 ? 1 : (value < -1.0f / 3 ? -1 : 0);
    const int truth = (score > 0) - (score < 0);
    if (truth != 0) {
      ++decisive;
      if ((value > 0) == (truth > 0)) ++sign_ok;
      if (truth > 0) {
        ++won;
        if (value > 0) ++won_ok;
      }
    }
    if (predicted == truth) ++class_ok;
  }
  Figures f;
  f.positions = static_cast<int>(n);
  f.sign_agreement = static_cast<double>(sign_ok) / decisive;
  const int lost = decisive - won;
  const int lost_ok = sign_ok - won_ok;
  f.balanced_sign_agreement =
      0.5 * (static_cast<double>(won_ok) / won + static_cast<double>(lost_ok) / lost);
  f.class_agreement = static_cast<double>(class_ok) / static_cast<double>(n);
  f.never_loses_first = never_loses(*root, 0, net, solver);
  f.never_loses_second = never_loses(*root, 1, net, solver);
  return f;
}

TrainerOptions learn_options(const std::string& head) {
  TrainerOptions o;
  o.value_head = head;
  o.games_per_iteration = 16;
  o.train_steps_per_iteration = 40;
  o.self_play.simulations = 32;
  // Moves drawn from the visit distribution all game long: the buffer then covers far more of
  // the positions the figure is measured on (with 4 such moves: 0.75 at 30 iterations).
  o.self_play.temperature_moves = 9;
  o.seed = 7;
  return o;
}

// Trains with `o` for `iterations` and asserts the value sign agreement (balanced: the mean over
// won and lost positions) reaches `threshold`, which the untrained network must not reach.
void learn(const std::string& name, const TrainerOptions& o, int iterations, double threshold,
           bool balanced) {
  torch::set_num_threads(1);
  Trainer trainer(o);
  PolicyValueNet net = trainer.network();
  const Figures untrained = measure(net);
  net->train();
  const auto start = std::chrono::steady_clock::now();
  IterationStats stats;
  for (int i = 0; i < iterations; ++i) stats = trainer.iterate();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Figures f = measure(net);
  std::printf(
      "[AzLearn %s] %d iterations, %.1f s; %d positions; value sign agreement on decisive "
      "positions %.3f (untrained %.3f), balanced %.3f (untrained %.3f), win/draw/loss class "
      "agreement %.3f; raw policy never loses as first %d, as second %d; last losses policy %.3f "
      "value %.3f\n",
      name.c_str(), iterations, seconds, f.positions, f.sign_agreement, untrained.sign_agreement,
      f.balanced_sign_agreement, untrained.balanced_sign_agreement, f.class_agreement,
      f.never_loses_first, f.never_loses_second, stats.policy_loss, stats.value_loss);
  const double figure = balanced ? f.balanced_sign_agreement : f.sign_agreement;
  const double untrained_figure =
      balanced ? untrained.balanced_sign_agreement : untrained.sign_agreement;
  EXPECT_LT(untrained_figure, threshold);
  EXPECT_GE(figure, threshold);
}

// Measured (Release, one thread, 2026-12-06): seed 7 gives 0.896 (scalar) and 0.894 (hl_gauss)
// in about 5.5 s each; seeds 1-4 gave 0.81-0.90. The raw policy never lost as the first
// player in 9 of those 10 runs and always lost some line as the second: not asserted.
TEST(AzLearn, TicTacToeScalarValueSignAgreesWithTheSolver) {
  learn("scalar", learn_options("scalar"), 100, 0.8, false);
}
TEST(AzLearn, TicTacToeHlGaussValueSignAgreesWithTheSolver) {
  learn("hl_gauss", learn_options("hl_gauss"), 100, 0.8, false);
}

// The conv trunk, small (16 channels, 2 blocks) and 40 iterations to keep the test short. Its
// untrained network has v > 0 nearly everywhere: 0.818 plain sign agreement, which is why this
// test asserts the balanced figure (untrained 0.500). Measured (Release, one thread, loaded
// machine, 2026-12-06, seed 7): balanced 0.704 / 0.690 / 0.780 / 0.808 / 0.793 after 10 / 20 /
// 30 / 40 / 50 iterations (plain 0.692 / 0.809 / 0.796 / 0.865 / 0.836), about 0.8 s an
// iteration.
TEST(AzLearn, TicTacToeConvValueSignAgreesWithTheSolver) {
  TrainerOptions o = learn_options("scalar");
  o.trunk = "conv";
  o.channels = 16;
  o.blocks = 2;
  learn("conv", o, 40, 0.7, true);
}

}  // namespace
}  // namespace valor::az
