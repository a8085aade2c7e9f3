#include "valor/env/vector_env.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "valor/core/error.h"
#include "valor/core/random.h"
#include "valor/env/registry.h"
#include "valor/env/throughput.h"

namespace valor::env {
namespace {

// A CartPole that throws from step() while `failing` is set: an error raised on a worker thread.
class FailingEnv : public Env {
 public:
  explicit FailingEnv(const std::atomic<bool>& failing)
      : inner_(make_env("CartPole-v1")), failing_(failing) {}
  const EnvSpec& spec() const override { return inner_->spec(); }
  void seed(uint64_t s) override { inner_->seed(s); }
  void reset() override { inner_->reset(); }
  StepResult step(int action) override {
    if (failing_.load()) fail("environment failed on purpose");
    return inner_->step(action);
  }
  void observe(std::span<float> out) const override { inner_->observe(out); }
  std::string render() const override { return inner_->render(); }

 private:
  std::unique_ptr<Env> inner_;
  const std::atomic<bool>& failing_;
};

TEST(VectorEnv, ErrorsOnAnyThreadReachTheCaller) {
  std::atomic<bool> failing{false};
  std::vector<std::unique_ptr<Env>> envs;
  for (int i = 0; i < 16; ++i) {
    if (i == 13) {
      envs.push_back(std::make_unique<FailingEnv>(failing));
    } else {
      envs.push_back(make_env("CartPole-v1"));
    }
  }
  VectorEnv vec(std::move(envs), 2);
  vec.seed_and_reset(3);
  const std::vector<int32_t> actions(16, 1);
  for (int t = 0; t < 100; ++t) {
    failing = t % 3 == 1;
    if (failing) {
      EXPECT_THROW(vec.step(actions), Error);
    } else {
      EXPECT_NO_THROW(vec.step(actions));
    }
  }
}

// replay_one rebuilds an environment's episode from its seed and actions: what a resumed training
// run does for each of its environments.
TEST(VectorEnv, ReplayOneRebuildsAnEpisode) {
  auto make = [] {
    std::vector<std::unique_ptr<Env>> envs;
    for (int i = 0; i < 3; ++i) envs.push_back(make_env("freeway"));  // episodes of 2500 steps
    return envs;
  };
  VectorEnv a(make(), 1), b(make(), 2);
  a.seed_and_reset(10);
  b.seed_and_reset(20);
  a.seed_and_reset_one(1, 99);
  Rng policy(4, 1);
  std::vector<int32_t> actions(3), history;
  for (int t = 0; t < 50; ++t) {
    for (auto& x : actions) x = static_cast<int32_t>(policy.below(6));
    a.step(actions);
    ASSERT_FALSE(a.terminated()[1] || a.truncated()[1]);
    history.push_back(actions[1]);
  }
  ASSERT_TRUE(b.replay_one(1, 99, history));
  const size_t d = a.obs_size();
  auto obs_of_1 = [d](const VectorEnv& v) {
    return std::vector<float>(v.observations().begin() + d, v.observations().begin() + 2 * d);
  };
  EXPECT_EQ(obs_of_1(a), obs_of_1(b));
  for (int t = 0; t < 3000; ++t) {
    for (auto& x : actions) x = static_cast<int32_t>(policy.below(6));
    a.step(actions);
    b.step(actions);
    ASSERT_EQ(obs_of_1(a), obs_of_1(b)) << "step " << t;
    ASSERT_EQ(a.episode_returns()[1], b.episode_returns()[1]);
    ASSERT_EQ(a.episode_lengths()[1], b.episode_lengths()[1]);
  }
  // A replay whose actions end the episode early says so.
  std::vector<int32_t> long_history(3000, 0);
  EXPECT_FALSE(b.replay_one(0, 1, long_history));
}

// ObsFormat::kBytes: the float observations' values as bytes, step by step, final observations
// included, for MinAtar and tabular environments; refused where observations are not 0/1.
TEST(VectorEnv, ByteObservationsAreTheFloatOnes) {
  for (const std::string name : {"breakout", "seaquest", "space_invaders", "frozen-lake-4x4"}) {
    auto make = [&name] {
      std::vector<std::unique_ptr<Env>> envs;
      for (int i = 0; i < 4; ++i) envs.push_back(make_env(name));
      return envs;
    };
    VectorEnv floats(make(), 1, ObsFormat::kFloat), bytes(make(), 2, ObsFormat::kBytes);
    EXPECT_EQ(bytes.obs_format(), ObsFormat::kBytes);
    EXPECT_TRUE(bytes.observations().empty() && floats.observation_bytes().empty());
    floats.seed_and_reset(8);
    bytes.seed_and_reset(8);
    auto same = [](std::span<const float> f, std::span<const uint8_t> b, const uint8_t* done,
                   size_t d) {
      for (size_t k = 0; k < f.size(); ++k) {
        if (done != nullptr && !done[k / d]) continue;
        if (b[k] != static_cast<uint8_t>(f[k]) || (f[k] != 0.0f && f[k] != 1.0f)) return false;
      }
      return true;
    };
    const size_t d = floats.obs_size();
    ASSERT_TRUE(same(floats.observations(), bytes.observation_bytes(), nullptr, d));
    Rng policy(2, 1);
    std::vector<int32_t> actions(4);
    size_t ended = 0, ones = 0;
    for (int t = 0; t < 500; ++t) {
      for (auto& a : actions) a = static_cast<int32_t>(policy.below(floats.spec().num_actions));
      floats.step(actions);
      bytes.step(actions);
      ASSERT_TRUE(same(floats.observations(), bytes.observation_bytes(), nullptr, d)) << name;
      std::vector<uint8_t> done(4);
      for (size_t i = 0; i < 4; ++i) {
        ASSERT_EQ(floats.rewards()[i], bytes.rewards()[i]);
        ASSERT_EQ(floats.terminated()[i], bytes.terminated()[i]);
        done[i] = floats.terminated()[i] | floats.truncated()[i];
        ended += done[i];
      }
      ASSERT_TRUE(
          same(floats.final_observations(), bytes.final_observation_bytes(), done.data(), d));
      for (uint8_t b : bytes.observation_bytes()) ones += b;
    }
    EXPECT_GT(ended, 0u) << name;
    EXPECT_GT(ones, 0u) << name;
  }
  std::vector<std::unique_ptr<Env>> carts;
  carts.push_back(make_env("CartPole-v1"));
  try {
    VectorEnv vec(std::move(carts), 1, ObsFormat::kBytes);
    FAIL() << "CartPole's float observations were accepted as bytes";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "CartPole-v1 has no byte observation (only environments whose observations are "
                 "0/1)");
  }
}

// reset() without a seed continues each environment's stream: the same as resetting each one alone.
TEST(VectorEnv, ResetWithoutSeedContinuesEachStream) {
  std::vector<std::unique_ptr<Env>> envs;
  for (int i = 0; i < 2; ++i) envs.push_back(make_env("breakout"));
  VectorEnv vec(std::move(envs), 1);
  vec.seed_and_reset(5);
  auto alone = make_env("breakout");
  alone->seed(6);
  alone->reset();
  const std::vector<int32_t> actions(2, 3);
  for (int t = 0; t < 5; ++t) {
    vec.step(actions);
    alone->step(3);
  }
  vec.reset();
  alone->reset();
  std::vector<float> obs(alone->spec().obs_size());
  alone->observe(obs);
  const size_t d = vec.obs_size();
  EXPECT_EQ(obs, std::vector<float>(vec.observations().begin() + d, vec.observations().end()));
  vec.step(actions);
  EXPECT_EQ(vec.episode_lengths()[1], 0);
}

// AutoresetMode::kNextStep: environment i is make_env seeded with seed + i, stepped by hand; the
// step on which its episode ends shows the last observation with the flags and totals, and the
// next step resets it (its action ignored) with reward 0 and both flags false. Same results on 1
// and 3 threads, float and byte observations.
TEST(VectorEnv, NextStepAutoresetMatchesSingleEnvironments) {
  for (const std::string name : {"breakout", "CartPole-v1", "space_invaders"}) {
    for (const int threads : {1, 3}) {
      const size_t n = 5;
      std::vector<std::unique_ptr<Env>> envs, singles;
      for (size_t i = 0; i < n; ++i) {
        envs.push_back(make_env(name));
        singles.push_back(make_env(name));
      }
      const bool bytes = name != "CartPole-v1";
      VectorEnv vec(std::move(envs), threads, bytes ? ObsFormat::kBytes : ObsFormat::kFloat,
                    AutoresetMode::kNextStep);
      EXPECT_EQ(vec.autoreset_mode(), AutoresetMode::kNextStep);
      EXPECT_TRUE(vec.final_observations().empty() && vec.final_observation_bytes().empty());
      vec.seed_and_reset(30);
      for (size_t i = 0; i < n; ++i) {
        singles[i]->seed(30 + i);
        singles[i]->reset();
      }
      const size_t d = vec.obs_size();
      std::vector<float> expected(d);
      std::vector<uint8_t> pending(n, 0);
      std::vector<double> returns(n, 0.0);
      std::vector<int64_t> lengths(n, 0);
      Rng policy(7, 1);
      std::vector<int32_t> actions(n);
      size_t ended = 0, resets = 0;
      for (int t = 0; t < 600; ++t) {
        for (auto& a : actions) a = static_cast<int32_t>(policy.below(vec.spec().num_actions));
        vec.step(actions);
        for (size_t i = 0; i < n; ++i) {
          StepResult r;
          if (pending[i]) {
            singles[i]->reset();
            pending[i] = 0;
            ++resets;
          } else {
            r = singles[i]->step(actions[i]);
            returns[i] += r.reward;
            lengths[i] += 1;
          }
          ASSERT_EQ(vec.rewards()[i], r.reward) << name << " step " << t << " env " << i;
          ASSERT_EQ(vec.terminated()[i] != 0, r.terminated) << name << " step " << t;
          ASSERT_EQ(vec.truncated()[i] != 0, r.truncated) << name << " step " << t;
          singles[i]->observe(expected);
          for (size_t k = 0; k < d; ++k) {
            const float got = bytes ? static_cast<float>(vec.observation_bytes()[i * d + k])
                                    : vec.observations()[i * d + k];
            ASSERT_EQ(got, expected[k]) << name << " step " << t << " env " << i;
          }
          if (r.terminated || r.truncated) {
            ++ended;
            pending[i] = 1;
            ASSERT_EQ(vec.episode_returns()[i], returns[i]);
            ASSERT_EQ(vec.episode_lengths()[i], lengths[i]);
            returns[i] = 0;
            lengths[i] = 0;
          } else {
            ASSERT_EQ(vec.episode_lengths()[i], 0);
          }
        }
      }
      EXPECT_GT(ended, 3u) << name;
      EXPECT_GT(resets, 3u) << name;
    }
  }
}

// With another CPU-bound process on the machine, two threads must not collapse below one (they
// did, 800x, when threads waited for each other at a spinning barrier). On two cores the busy
// process takes one; the bound is loose (a fair share would be 0.8x or more) so that a noisy
// shared machine does not fail it.
TEST(VectorEnv, TwoThreadsHoldUpBesideABusyProcess) {
  const pid_t busy = fork();
  ASSERT_GE(busy, 0);
  if (busy == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(60);
    for (uint64_t i = 0;; ++i) asm volatile("" : : "r"(i));  // a loop the compiler keeps
  }
  double one = 0, two = 0;
  for (int round = 0; round < 3; ++round) {
    one = std::max(one, measure_vector_env("breakout", {}, 64, 1, 0.2).steps_per_second());
    two = std::max(two, measure_vector_env("breakout", {}, 64, 2, 0.2).steps_per_second());
  }
  kill(busy, SIGKILL);
  waitpid(busy, nullptr, 0);
  RecordProperty("steps_per_second_1_thread", static_cast<int>(one));
  RecordProperty("steps_per_second_2_threads", static_cast<int>(two));
  EXPECT_GE(two, 0.3 * one) << "1 thread " << one << " steps/s, 2 threads " << two;
}

}  // namespace
}  // namespace valor::env
