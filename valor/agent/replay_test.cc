#include "valor/agent/replay.h"

#include <gtest/gtest.h>

#include <vector>

#include "valor/core/error.h"

namespace valor::agent {
namespace {

std::vector<float> obs_of(float x) { return {x, -x}; }

struct Episode {
  std::vector<Transition> emitted;
  NStepAssembler::Emit emit() {
    return [this](const Transition& t) { emitted.push_back(t); };
  }
};

// Rewards 1, 2, 3, 4 from states 0..3; the 4th step ends the episode, by termination or by the
// time limit. n = 3, gamma = 0.5.
std::vector<Transition> run_episode(bool terminated) {
  NStepAssembler a(3, 0.5);
  Episode e;
  for (int t = 0; t < 4; ++t) {
    const bool end = t == 3;
    a.push(obs_of(t), t, static_cast<float>(t + 1), end && terminated, end && !terminated,
           obs_of(t + 1), e.emit());
    if (t < 2) {
      EXPECT_TRUE(e.emitted.empty()) << "emitted before n steps";
    }
  }
  EXPECT_EQ(a.pending(), 0u);
  return e.emitted;
}

TEST(NStepAssembler, TerminationStopsBootstrapping) {
  const auto t = run_episode(true);
  ASSERT_EQ(t.size(), 4u);
  // Full 3-step transition from state 0: 1 + 0.5 * 2 + 0.25 * 3, bootstrapped from state 3.
  EXPECT_EQ(t[0].obs, obs_of(0));
  EXPECT_FLOAT_EQ(t[0].ret, 2.75f);
  EXPECT_FLOAT_EQ(t[0].discount, 0.125f);
  EXPECT_EQ(t[0].next_obs, obs_of(3));
  // The rest end in the terminal state: no bootstrap.
  EXPECT_FLOAT_EQ(t[1].ret, 2 + 0.5f * 3 + 0.25f * 4);
  EXPECT_FLOAT_EQ(t[2].ret, 3 + 0.5f * 4);
  EXPECT_FLOAT_EQ(t[3].ret, 4.0f);
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(t[i].discount, 0.0f) << i;
    EXPECT_EQ(t[i].action, i);
    EXPECT_EQ(t[i].next_obs, obs_of(4));
  }
}

TEST(NStepAssembler, TruncationBootstrapsFromTheLastObservation) {
  const auto t = run_episode(false);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_FLOAT_EQ(t[1].discount, 0.125f);  // 3 steps
  EXPECT_FLOAT_EQ(t[2].discount, 0.25f);   // 2 steps
  EXPECT_FLOAT_EQ(t[3].discount, 0.5f);    // 1 step
  for (int i = 1; i < 4; ++i) EXPECT_EQ(t[i].next_obs, obs_of(4));
  EXPECT_FLOAT_EQ(t[3].ret, 4.0f);
}

TEST(NStepAssembler, OneStepEmitsEveryStep) {
  NStepAssembler a(1, 0.9);
  Episode e;
  a.push(obs_of(0), 1, 2.0f, false, false, obs_of(1), e.emit());
  ASSERT_EQ(e.emitted.size(), 1u);
  EXPECT_FLOAT_EQ(e.emitted[0].discount, 0.9f);
  EXPECT_FLOAT_EQ(e.emitted[0].ret, 2.0f);
}

TEST(NStepAssembler, SavedStateContinuesIdentically) {
  NStepAssembler a(3, 0.5), b(3, 0.5);
  Episode ea, eb;
  a.push(obs_of(0), 0, 1.0f, false, false, obs_of(1), ea.emit());
  a.push(obs_of(1), 1, 2.0f, false, false, obs_of(2), ea.emit());
  b.load_state(a.save_state());
  for (auto* x : {&a, &b}) {
    x->push(obs_of(2), 2, 3.0f, false, false, obs_of(3), x == &a ? ea.emit() : eb.emit());
  }
  ASSERT_EQ(ea.emitted.size(), 1u);
  ASSERT_EQ(eb.emitted.size(), 1u);
  EXPECT_EQ(ea.emitted[0].ret, eb.emitted[0].ret);
  EXPECT_EQ(ea.emitted[0].obs, eb.emitted[0].obs);
  NStepAssembler c(2, 0.5);
  EXPECT_THROW(c.load_state(a.save_state()), Error);
  EXPECT_THROW(b.load_state("junk"), Error);
}

Transition transition(size_t obs_size, int i, bool binary) {
  Transition t;
  for (size_t k = 0; k < obs_size; ++k) {
    t.obs.push_back(binary ? static_cast<float>((k * 7 + i) % 3 == 0) : 0.25f * i + k);
    t.next_obs.push_back(binary ? static_cast<float>((k + i) % 2) : -0.5f * i - k);
  }
  t.action = i % 4;
  t.ret = 0.5f * i;
  t.discount = i % 5 == 0 ? 0.0f : 0.99f;
  return t;
}

TEST(ReplayBuffer, BitPackedMinAtarBreakoutFitsTheBudget) {
  // Breakout's observation is 4 x 10 x 10 = 400 binary values: 50 bytes.
  const ReplayBuffer r(100000, 400, ObsStorage::kBits);
  EXPECT_LE(r.memory_bytes(), 20u * 1000 * 1000);
  EXPECT_EQ(r.memory_bytes(), 100000u * (2 * 50 + 12));
}

// A large capacity costs what is stored: memory comes in blocks as the buffer fills, and a buffer
// that spans several blocks (and wraps) stores, samples and restores exactly.
TEST(ReplayBuffer, MemoryGrowsAsItFills) {
  const ReplayBuffer huge(1000000000, 400, ObsStorage::kFloat32);
  EXPECT_EQ(huge.allocated_slots(), 0u);
  const size_t capacity = 2 * ReplayBuffer::kBlockSlots + 100;
  ReplayBuffer r(capacity, 3, ObsStorage::kFloat32);
  Transition t;
  t.obs = {1, 2, 3};
  t.next_obs = {4, 5, 6};
  r.add(t);
  EXPECT_EQ(r.allocated_slots(), ReplayBuffer::kBlockSlots);
  for (size_t i = 1; i < capacity + 50; ++i) {
    t.obs = {static_cast<float>(i), 0, 0};
    t.action = static_cast<int32_t>(i % 7);
    t.ret = static_cast<float>(i);
    r.add(t);
  }
  EXPECT_EQ(r.size(), capacity);
  EXPECT_EQ(r.allocated_slots(), capacity);
  ReplayBuffer copy(capacity, 3, ObsStorage::kFloat32);
  copy.load_state(r.save_state());
  EXPECT_EQ(copy.save_state(), r.save_state());
  Rng a(3), b(3);
  ReplayBatch x, y;
  r.sample(256, a, x);
  copy.sample(256, b, y);
  EXPECT_EQ(x.obs, y.obs);
  EXPECT_EQ(x.actions, y.actions);
  for (size_t k = 0; k < x.size(); ++k) {
    EXPECT_EQ(x.returns[k], x.obs[3 * k]);  // each transition's fields stay together
    EXPECT_EQ(x.actions[k], static_cast<int64_t>(x.obs[3 * k]) % 7);
  }
}

TEST(ReplayBuffer, StoresAndSamplesExactly) {
  for (const bool binary : {true, false}) {
    ReplayBuffer r(8, 13, binary ? ObsStorage::kBits : ObsStorage::kFloat32);
    for (int i = 0; i < 5; ++i) r.add(transition(13, i, binary));
    EXPECT_EQ(r.size(), 5u);
    Rng rng(7);
    ReplayBatch batch;
    r.sample(64, rng, batch);
    std::vector<int> seen(5, 0);
    for (size_t b = 0; b < batch.size(); ++b) {
      // The return identifies the transition; everything else must match it.
      const int i = static_cast<int>(batch.returns[b] * 2);
      ASSERT_GE(i, 0);
      ASSERT_LT(i, 5);
      ++seen[i];
      const Transition t = transition(13, i, binary);
      EXPECT_EQ(batch.actions[b], t.action);
      EXPECT_EQ(batch.discounts[b], t.discount);
      EXPECT_EQ(std::vector<float>(batch.obs.begin() + b * 13, batch.obs.begin() + (b + 1) * 13),
                t.obs);
      EXPECT_EQ(std::vector<float>(batch.next_obs.begin() + b * 13,
                                   batch.next_obs.begin() + (b + 1) * 13),
                t.next_obs);
    }
    for (int i = 0; i < 5; ++i) EXPECT_GT(seen[i], 0) << "transition " << i << " never sampled";
  }
}

TEST(ReplayBuffer, OverwritesTheOldestWhenFull) {
  ReplayBuffer r(3, 2, ObsStorage::kFloat32);
  for (int i = 0; i < 5; ++i) r.add(transition(2, i, false));
  EXPECT_EQ(r.size(), 3u);
  Rng rng(1);
  ReplayBatch batch;
  r.sample(200, rng, batch);
  for (float ret : batch.returns) EXPECT_GE(ret, 1.0f);  // transitions 0 and 1 are gone
}

TEST(ReplayBuffer, RejectsNonBinaryObservationsForBitStorage) {
  ReplayBuffer r(3, 2, ObsStorage::kBits);
  Transition t = transition(2, 1, true);
  t.obs[1] = 0.5f;
  EXPECT_THROW(r.add(t), Error);
}

TEST(ReplayBuffer, SavedStateSamplesIdentically) {
  ReplayBuffer a(10, 6, ObsStorage::kBits), b(10, 6, ObsStorage::kBits);
  for (int i = 0; i < 13; ++i) a.add(transition(6, i, true));
  b.load_state(a.save_state());
  Rng ra(3), rb(3);
  ReplayBatch x, y;
  a.sample(50, ra, x);
  b.sample(50, rb, y);
  EXPECT_EQ(x.obs, y.obs);
  EXPECT_EQ(x.next_obs, y.next_obs);
  EXPECT_EQ(x.returns, y.returns);
  a.add(transition(6, 20, true));
  b.add(transition(6, 20, true));
  EXPECT_EQ(a.save_state(), b.save_state());
  ReplayBuffer other(11, 6, ObsStorage::kBits);
  EXPECT_THROW(other.load_state(a.save_state()), Error);
}

}  // namespace
}  // namespace valor::agent
