#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

#include "valor/core/error.h"
#include "valor/core/random.h"
#include "valor/env/minatar.h"
#include "valor/env/minatar_testing.h"

namespace valor::env {
namespace {

class MinAtarEnvTest : public ::testing::TestWithParam<std::string> {};

// The bit-packed observation (for replay storage) unpacks to exactly the float observation,
// and the float observation is the HWC grid transposed to CHW.
TEST_P(MinAtarEnvTest, PackedAndFloatObservationsAgreeWithTheGrid) {
  MinAtarEnv env(GetParam(), MinAtarOptions{}, 3);
  const size_t n = env.spec().obs_size();
  const int c_count = env.channels();
  EXPECT_EQ(env.packed_obs_bytes(), (n + 7) / 8);
  std::vector<float> obs(n), unpacked(n);
  std::vector<uint8_t> packed(env.packed_obs_bytes());
  Rng policy(1);
  env.reset();
  size_t active = 0;
  for (int t = 0; t < 1000; ++t) {
    env.observe(obs);
    env.observe_packed(packed);
    unpack_minatar_observation(packed, c_count, unpacked);
    ASSERT_EQ(obs, unpacked) << "step " << t;
    for (int c = 0; c < c_count; ++c) {
      for (int cell = 0; cell < 100; ++cell) {
        ASSERT_EQ(obs[static_cast<size_t>(c * 100 + cell)],
                  env.grid()[static_cast<size_t>(cell * c_count + c)]);
      }
    }
    for (float v : obs) active += v > 0;
    if (env.step(static_cast<int>(policy.below(6))).terminated) env.reset();
  }
  EXPECT_GT(active, 0u);
}

TEST_P(MinAtarEnvTest, MinimalActionSetMapsToTheGamesActions) {
  MinAtarOptions minimal;
  minimal.minimal_action_set = true;
  minimal.sticky_action_prob = 0;
  MinAtarOptions full;
  full.sticky_action_prob = 0;
  MinAtarEnv a(GetParam(), minimal, 5), b(GetParam(), full, 5);
  // Rebuild the mapping from the game's own list by stepping both with mapped actions.
  auto game = GetParam();
  std::vector<int> mapping;
  if (game == "breakout") mapping = {0, 1, 3};
  if (game == "asterix") mapping = {0, 1, 2, 3, 4};
  if (game == "freeway") mapping = {0, 2, 4};
  if (game == "space_invaders") mapping = {0, 1, 3, 5};
  if (game == "seaquest") mapping = {0, 1, 2, 3, 4, 5};
  ASSERT_EQ(a.spec().num_actions, static_cast<int>(mapping.size()));
  a.reset();
  b.reset();
  Rng policy(2);
  for (int t = 0; t < 500; ++t) {
    const int k = static_cast<int>(policy.below(mapping.size()));
    const auto ra = a.step(k);
    const auto rb = b.step(mapping[static_cast<size_t>(k)]);
    ASSERT_EQ(ra.reward, rb.reward);
    ASSERT_EQ(ra.terminated, rb.terminated);
    ASSERT_TRUE(std::equal(a.grid().begin(), a.grid().end(), b.grid().begin())) << "step " << t;
    if (ra.terminated) {
      a.reset();
      b.reset();
    }
  }
}

// reset() leaves nothing of the previous episode behind: a used game and a fresh one, reset from
// equal generators, play on identically.
TEST_P(MinAtarEnvTest, ResetForgetsThePreviousEpisode) {
  auto make = [&]() -> std::unique_ptr<MinAtarGame> {
    const std::string& g = GetParam();
    if (g == "asterix") return make_asterix_game(true);
    if (g == "breakout") return make_breakout_game(true);
    if (g == "freeway") return make_freeway_game(true);
    if (g == "seaquest") return make_seaquest_game(true);
    if (g == "space_invaders") return make_space_invaders_game(true);
    return nullptr;
  };
  auto used = make();
  auto fresh = make();
  ASSERT_TRUE(used && fresh);
  NumpyRandomState rng(5), actions(6);
  used->reset(rng);
  bool terminal = false;
  for (int k = 0; k < 500; ++k) used->act(static_cast<int>(actions.randint(6)), rng, terminal);
  NumpyRandomState rng_used(7), rng_fresh(7);
  used->reset(rng_used);
  fresh->reset(rng_fresh);
  bool terminal_fresh = false;
  for (int k = 0; k < 300; ++k) {
    ASSERT_EQ(testing::active_cells(*used), testing::active_cells(*fresh)) << "step " << k;
    const int a = static_cast<int>(actions.randint(6));
    ASSERT_EQ(used->act(a, rng_used, terminal), fresh->act(a, rng_fresh, terminal_fresh));
    ASSERT_EQ(terminal, terminal_fresh);
    if (terminal) {
      used->reset(rng_used);
      fresh->reset(rng_fresh);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Games, MinAtarEnvTest, ::testing::ValuesIn(minatar_game_names()),
                         [](const auto& info) { return info.param; });

TEST(MinAtarEnvOptionsTest, InvalidArgumentsAreErrors) {
  EXPECT_THROW(MinAtarEnv("pong", MinAtarOptions{}), Error);
  MinAtarOptions bad;
  bad.sticky_action_prob = 1.5;
  EXPECT_THROW(MinAtarEnv("breakout", bad), Error);
  MinAtarEnv env("breakout", MinAtarOptions{});
  EXPECT_THROW(env.seed(uint64_t{1} << 32), Error);
  EXPECT_THROW(env.step(0), Error);  // before the first reset
}

// 100,000 bit-packed Breakout observations (the replay of issue 4) take at most 20 MB.
TEST(MinAtarEnvOptionsTest, PackedBreakoutReplayFitsTwentyMegabytes) {
  MinAtarEnv env("breakout", MinAtarOptions{});
  EXPECT_LE(100000 * 2 * env.packed_obs_bytes(), 20u * 1000 * 1000);  // obs and next obs
}

}  // namespace
}  // namespace valor::env
