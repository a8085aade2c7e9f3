// Generic property tests over every registered environment, as OpenSpiel checks every game.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <vector>

#include "valor/core/error.h"
#include "valor/core/random.h"
#include "valor/core/testing_allocation_counter.h"
#include "valor/env/registry.h"
#include "valor/env/vector_env.h"

namespace valor::env {
namespace {

std::vector<std::string> all_env_names() {
  std::vector<std::string> names;
  for (const auto& info : list_envs()) names.push_back(info.name);
  return names;
}

class EnvPropertyTest : public ::testing::TestWithParam<std::string> {
 protected:
  // Runs `steps` random steps (policy seeded by `seed`), resetting on episode end; returns the
  // concatenated observations, rewards and flags.
  static std::vector<double> trace(Env& e, uint64_t seed, int steps) {
    std::vector<double> out;
    std::vector<float> obs(e.spec().obs_size());
    Rng policy(seed, 7);
    e.seed(seed);
    e.reset();
    for (int t = 0; t < steps; ++t) {
      const auto r = e.step(static_cast<int>(policy.below(e.spec().num_actions)));
      e.observe(obs);
      out.insert(out.end(), obs.begin(), obs.end());
      out.push_back(r.reward);
      out.push_back(r.terminated);
      out.push_back(r.truncated);
      if (r.terminated || r.truncated) e.reset();
    }
    return out;
  }
};

TEST_P(EnvPropertyTest, ResetIsDeterministicPerSeed) {
  auto a = make_env(GetParam());
  auto b = make_env(GetParam());
  EXPECT_EQ(trace(*a, 5, 600), trace(*b, 5, 600));
  // Re-seeding the same object restarts the same stream.
  const auto first = trace(*a, 9, 300);
  trace(*a, 10, 50);
  EXPECT_EQ(trace(*a, 9, 300), first);
}

TEST_P(EnvPropertyTest, DifferentSeedsGiveDifferentTrajectories) {
  auto e = make_env(GetParam());
  EXPECT_NE(trace(*e, 1, 600), trace(*e, 2, 600));
}

TEST_P(EnvPropertyTest, ObservationsHaveTheDeclaredShapeAndRange) {
  auto e = make_env(GetParam());
  const EnvSpec& spec = e->spec();
  ASSERT_GT(spec.num_actions, 0);
  ASSERT_EQ(spec.obs_low.size(), spec.obs_size());
  ASSERT_EQ(spec.obs_high.size(), spec.obs_size());
  std::vector<float> obs(spec.obs_size(), NAN);
  Rng policy(3, 7);
  e->seed(3);
  e->reset();
  for (int t = 0; t < 2000; ++t) {
    e->observe(obs);
    for (size_t i = 0; i < obs.size(); ++i) {
      ASSERT_TRUE(std::isfinite(obs[i])) << "step " << t << " element " << i;
      ASSERT_GE(obs[i], spec.obs_low[i]) << "step " << t << " element " << i;
      ASSERT_LE(obs[i], spec.obs_high[i]) << "step " << t << " element " << i;
    }
    const auto r = e->step(static_cast<int>(policy.below(spec.num_actions)));
    ASSERT_TRUE(std::isfinite(r.reward));
    if (spec.max_episode_steps == 0) {
      ASSERT_FALSE(r.truncated);
    }
    if (r.terminated || r.truncated) e->reset();
  }
}

TEST_P(EnvPropertyTest, NoStepAfterTheEpisodeEndsWithoutReset) {
  auto e = make_env(GetParam());
  Rng policy(4, 7);
  e->seed(4);
  e->reset();
  bool ended = false;
  for (int t = 0; t < 200000 && !ended; ++t) {
    const auto r = e->step(static_cast<int>(policy.below(e->spec().num_actions)));
    ended = r.terminated || r.truncated;
  }
  if (!ended) GTEST_SKIP() << "no episode ended within 200000 random steps";
  EXPECT_THROW(e->step(0), Error);
  e->reset();
  EXPECT_NO_THROW(e->step(0));
}

TEST_P(EnvPropertyTest, ActionsOutOfRangeAreErrors) {
  auto e = make_env(GetParam());
  e->reset();
  EXPECT_THROW(e->step(-1), Error);
  EXPECT_THROW(e->step(e->spec().num_actions), Error);
}

// A vector of environments (1 or 2 threads) matches the same environments stepped one by one,
// and its episode statistics are the sums of the rewards it reported.
TEST_P(EnvPropertyTest, VectorEnvMatchesSingleEnvsAndCountsEpisodes) {
  constexpr size_t kN = 5;
  constexpr int kSteps = 800;
  for (int threads : {1, 2}) {
    std::vector<std::unique_ptr<Env>> envs, singles;
    for (size_t i = 0; i < kN; ++i) {
      envs.push_back(make_env(GetParam()));
      singles.push_back(make_env(GetParam()));
    }
    VectorEnv vec(std::move(envs), threads);
    vec.seed_and_reset(100);
    const size_t d = vec.obs_size();
    std::vector<float> obs(d);
    for (size_t i = 0; i < kN; ++i) {
      singles[i]->seed(100 + i);
      singles[i]->reset();
    }
    std::vector<double> returns(kN, 0.0);
    std::vector<int64_t> lengths(kN, 0);
    size_t episodes = 0;
    Rng policy(1, 7);
    std::vector<int32_t> actions(kN);
    for (int t = 0; t < kSteps; ++t) {
      for (auto& a : actions) a = static_cast<int32_t>(policy.below(vec.spec().num_actions));
      vec.step(actions);
      for (size_t i = 0; i < kN; ++i) {
        const auto r = singles[i]->step(actions[i]);
        ASSERT_EQ(vec.rewards()[i], r.reward) << "threads " << threads << " env " << i;
        ASSERT_EQ(vec.terminated()[i] != 0, r.terminated);
        ASSERT_EQ(vec.truncated()[i] != 0, r.truncated);
        returns[i] += r.reward;
        lengths[i] += 1;
        singles[i]->observe(obs);
        if (r.terminated || r.truncated) {
          ++episodes;
          ASSERT_TRUE(std::equal(obs.begin(), obs.end(), vec.final_observations().begin() + i * d));
          ASSERT_DOUBLE_EQ(vec.episode_returns()[i], returns[i]);
          ASSERT_EQ(vec.episode_lengths()[i], lengths[i]);
          returns[i] = 0;
          lengths[i] = 0;
          singles[i]->reset();
          singles[i]->observe(obs);
        } else {
          ASSERT_EQ(vec.episode_lengths()[i], 0);
        }
        ASSERT_TRUE(std::equal(obs.begin(), obs.end(), vec.observations().begin() + i * d))
            << "threads " << threads << " env " << i << " step " << t;
      }
    }
    RecordProperty("episodes_" + std::to_string(threads), static_cast<int>(episodes));
  }
}

TEST_P(EnvPropertyTest, SteppingAllocatesNothing) {
  for (int threads : {1, 2}) {
    std::vector<std::unique_ptr<Env>> envs;
    for (int i = 0; i < 8; ++i) envs.push_back(make_env(GetParam()));
    VectorEnv vec(std::move(envs), threads);
    vec.seed_and_reset(7);
    std::vector<int32_t> actions(vec.size());
    Rng policy(2, 7);
    auto run = [&](int steps) {
      for (int t = 0; t < steps; ++t) {
        for (auto& a : actions) a = static_cast<int32_t>(policy.below(vec.spec().num_actions));
        vec.step(actions);
      }
    };
    run(200);  // warm up
    const long before = valor::test_alloc::allocations();
    run(3000);
    EXPECT_EQ(valor::test_alloc::allocations() - before, 0) << "threads " << threads;
  }
}

TEST(EnvRegistryTest, UnknownNamesListTheValidOnes) {
  try {
    make_env("pong");
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown environment 'pong'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("breakout"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(AllEnvs, EnvPropertyTest, ::testing::ValuesIn(all_env_names()),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return s;
                         });

}  // namespace
}  // namespace valor::env
