#include "valor/agent/dqn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "valor/core/error.h"

namespace valor::agent {
namespace {

// A deterministic chain: states 0..4, one-hot observations; action 1 moves right, action 0 moves
// left (state 0 stays) with reward -0.1; entering state 4 pays 1 and ends the episode.
constexpr int kStates = 5;
constexpr double kGamma = 0.9;

struct Step {
  int next;
  float reward;
  bool terminal;
};

Step chain_step(int s, int a) {
  if (a == 1) return {s + 1, s + 1 == kStates - 1 ? 1.0f : 0.0f, s + 1 == kStates - 1};
  return {std::max(s - 1, 0), -0.1f, false};
}

// Q* by value iteration to machine precision.
std::array<std::array<double, 2>, kStates - 1> exact_q() {
  std::array<double, kStates> v{};
  std::array<std::array<double, 2>, kStates - 1> q{};
  for (int iter = 0; iter < 1000; ++iter) {
    for (int s = 0; s < kStates - 1; ++s) {
      for (int a = 0; a < 2; ++a) {
        const Step st = chain_step(s, a);
        q[s][a] = st.reward + (st.terminal ? 0.0 : kGamma * v[st.next]);
      }
    }
    for (int s = 0; s < kStates - 1; ++s) v[s] = std::max(q[s][0], q[s][1]);
  }
  return q;
}

std::vector<float> one_hot(int s) {
  std::vector<float> x(kStates, 0.0f);
  x[s] = 1.0f;
  return x;
}

DqnOptions chain_options(value::HeadKind kind) {
  DqnOptions o;
  o.network.kind = "mlp";
  o.network.obs_shape = {kStates};
  o.network.num_actions = 2;
  o.network.hidden = {64};
  o.head.kind = kind;
  o.head.v_min = -1.0;
  o.head.v_max = 2.0;
  o.head.bins = 51;
  o.head.quantiles = 21;
  o.optimizer = "adam";
  o.learning_rate = 2e-3;
  o.target_update_period = 100;
  return o;
}

// A fresh MinAtar network decodes to the head's initial value for every action, whatever the
// support (the categorical heads, through their output bias), and near 0 for the regression heads
// (LibTorch's initialisation, kept as in dqn.py).
TEST(DqnAgentTest, FreshNetworkStartsAtTheInitialValue) {
  struct Case {
    double v_min, v_max, initial;
  };
  const Case cases[] = {{0, 60, 0}, {0, 60, 10}, {-10, 10, 0}, {0, 200, 50}};
  std::mt19937 gen(7);
  std::bernoulli_distribution bit(0.1);
  for (value::HeadKind kind :
       {value::HeadKind::kHuber, value::HeadKind::kMse, value::HeadKind::kTwoHot,
        value::HeadKind::kHlGauss, value::HeadKind::kC51, value::HeadKind::kQr}) {
    for (const Case& c : cases) {
      DqnOptions o;
      o.network.kind = "minatar_conv";
      o.network.obs_shape = {4, 10, 10};
      o.network.num_actions = 6;
      o.network.hidden = {128};
      o.head.kind = kind;
      o.head.v_min = c.v_min;
      o.head.v_max = c.v_max;
      o.head.bins = 121;
      o.head.initial_value = c.initial;
      DqnAgent agent(o, 3);
      const bool categorical = agent.head().categorical();
      // Categorical: (1 - e) v0 + e (middle), v0 clipped to the points (value_head.h), within
      // half a spacing (the edge bins' centres) plus what the random weights add.
      const double spacing = (c.v_max - c.v_min) / 120;
      const double e = value::kInitialUniformMass;
      const double expected = categorical ? (1 - e) * c.initial + e * (c.v_min + c.v_max) / 2 : 0.0;
      const double tolerance = categorical ? spacing : 0.5;
      std::vector<float> obs(400), q(6);
      for (int trial = 0; trial < 20; ++trial) {
        for (float& x : obs) x = bit(gen) ? 1.0f : 0.0f;
        agent.q_values(obs, q);
        for (int a = 0; a < 6; ++a) {
          EXPECT_NEAR(q[a], expected, tolerance)
              << value::head_name(kind) << " on [" << c.v_min << ", " << c.v_max << "] from "
              << c.initial << ", action " << a;
        }
      }
    }
  }
}

class ChainConvergence : public ::testing::TestWithParam<value::HeadKind> {};

// Every head, trained on all transitions of the chain with a target network, reaches Q* (greedy
// values within 0.03; Q* lies in [0.55, 1]) and the optimal policy (always right).
TEST_P(ChainConvergence, GreedyQMatchesValueIteration) {
  DqnAgent agent(chain_options(GetParam()), 3);
  ReplayBuffer replay(16, kStates, ObsStorage::kBits);
  for (int s = 0; s < kStates - 1; ++s) {
    for (int a = 0; a < 2; ++a) {
      const Step st = chain_step(s, a);
      replay.add({one_hot(s), a, st.reward, st.terminal ? 0.0f : static_cast<float>(kGamma),
                  one_hot(st.next)});
    }
  }
  Rng rng(5);
  ReplayBatch batch;
  for (int u = 0; u < 4000; ++u) {
    replay.sample(32, rng, batch);
    agent.update(batch);
  }
  const auto q_star = exact_q();
  std::vector<float> q(2);
  for (int s = 0; s < kStates - 1; ++s) {
    agent.q_values(one_hot(s), q);
    EXPECT_NEAR(q[1], q_star[s][1], 0.03) << value::head_name(GetParam()) << " state " << s;
    EXPECT_NEAR(q[0], q_star[s][0], 0.03) << value::head_name(GetParam()) << " state " << s;
    EXPECT_EQ(agent.greedy_action(one_hot(s)), 1) << value::head_name(GetParam()) << " state " << s;
  }
  EXPECT_EQ(agent.updates(), 4000);
}

INSTANTIATE_TEST_SUITE_P(AllHeads, ChainConvergence,
                         ::testing::Values(value::HeadKind::kHuber, value::HeadKind::kMse,
                                           value::HeadKind::kTwoHot, value::HeadKind::kHlGauss,
                                           value::HeadKind::kC51, value::HeadKind::kQr),
                         [](const auto& info) {
                           return std::string(value::head_name(info.param));
                         });

TEST(DqnAgent, SameSeedSameNetworkAndSavedStateContinuesIdentically) {
  DqnOptions o = chain_options(value::HeadKind::kC51);
  o.double_dqn = true;
  o.optimizer = "rmsprop_centered";
  DqnAgent a(o, 11), b(o, 11), c(o, 12);
  std::vector<float> qa(2), qb(2), qc(2);
  a.q_values(one_hot(1), qa);
  b.q_values(one_hot(1), qb);
  c.q_values(one_hot(1), qc);
  EXPECT_EQ(qa, qb);
  EXPECT_NE(qa, qc);

  ReplayBuffer replay(16, kStates, ObsStorage::kFloat32);
  for (int s = 0; s < kStates - 1; ++s) {
    replay.add({one_hot(s), 1, 0.5f, 0.9f, one_hot(s + 1)});
  }
  Rng rng(1);
  ReplayBatch batch;
  for (int u = 0; u < 30; ++u) {
    replay.sample(8, rng, batch);
    a.update(batch);
  }
  c.load_state(a.save_state());  // another seed's agent takes a's state whole
  EXPECT_EQ(c.updates(), 30);
  for (int u = 0; u < 20; ++u) {
    replay.sample(8, rng, batch);
    const double la = a.update(batch).loss;
    const double lc = c.update(batch).loss;
    ASSERT_EQ(la, lc) << "update " << u;
  }
  a.q_values(one_hot(2), qa);
  c.q_values(one_hot(2), qc);
  EXPECT_EQ(qa, qc);
}

TEST(DqnAgent, StateOfAnotherArchitectureIsRefused) {
  DqnAgent a(chain_options(value::HeadKind::kHuber), 1);
  DqnOptions wide = chain_options(value::HeadKind::kHuber);
  wide.network.hidden = {32};
  DqnAgent b(wide, 1);
  EXPECT_THROW(b.load_state(a.save_state()), Error);
  EXPECT_THROW(b.load_state("not a state"), Error);
}

TEST(DqnAgent, EpsilonGreedyExploresAtTheRequestedRate) {
  DqnAgent a(chain_options(value::HeadKind::kHuber), 1);
  Rng rng(9);
  const int greedy = a.greedy_action(one_hot(0));
  int other = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) other += a.epsilon_greedy_action(one_hot(0), 0.5, rng) != greedy;
  // With 2 actions, epsilon 0.5 picks the other action with probability 0.25 (sd 0.0068).
  EXPECT_NEAR(other / static_cast<double>(n), 0.25, 0.03);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.epsilon_greedy_action(one_hot(0), 0.0, rng), greedy);
}

TEST(QNetwork, MinAtarShapeAndHiddenSizes) {
  NetworkSpec spec;
  spec.kind = "minatar_conv";
  spec.obs_shape = {4, 10, 10};
  spec.num_actions = 6;
  spec.outputs_per_action = 3;
  spec.hidden = {128};
  QNetwork net(spec);
  const auto out = net->forward(torch::zeros({2, 4, 10, 10}));
  EXPECT_EQ(out.size(0), 2);
  EXPECT_EQ(out.size(1), 18);
  // conv 4*16*9 + 16, linear 1024*128 + 128, output 128*18 + 18 (MinAtar's network).
  int64_t params = 0;
  for (const auto& p : net->parameters()) params += p.numel();
  EXPECT_EQ(params, 4 * 16 * 9 + 16 + 1024 * 128 + 128 + 128 * 18 + 18);
  spec.obs_shape = {4};
  EXPECT_THROW(QNetwork{spec}, Error);
  EXPECT_EQ(parse_hidden_sizes("256, 64", "k"), (std::vector<int>{256, 64}));
  EXPECT_THROW(parse_hidden_sizes("256,,64", "k"), Error);
  EXPECT_THROW(parse_hidden_sizes("0", "k"), Error);
}

// The per-frame path (plain loops) computes what the batched LibTorch forward computes, for the
// MinAtar network (odd sizes: 7 x 9 grid, 5 channels) and an MLP with a width that is not a
// multiple of 8.
TEST(QNetwork, ForwardOneMatchesForward) {
  NetworkSpec conv;
  conv.kind = "minatar_conv";
  conv.obs_shape = {5, 7, 9};
  conv.num_actions = 6;
  conv.outputs_per_action = 51;
  conv.hidden = {128};
  NetworkSpec mlp;
  mlp.kind = "mlp";
  mlp.obs_shape = {4};
  mlp.num_actions = 2;
  mlp.hidden = {100, 37};
  for (const auto& spec : {conv, mlp}) {
    torch::manual_seed(3);
    QNetwork net(spec);
    std::vector<int64_t> shape = {3};
    shape.insert(shape.end(), spec.obs_shape.begin(), spec.obs_shape.end());
    // Binary observations like MinAtar's for the conv net, Gaussian ones for the MLP.
    const auto x = spec.kind == "mlp" ? torch::randn(shape) * 2
                                      : (torch::rand(shape) < 0.3).to(torch::kFloat32);
    const auto expected = net->forward(x).detach();
    std::vector<float> out(static_cast<size_t>(expected.size(1))), scratch;
    const int64_t obs_size = x[0].numel();
    for (int64_t b = 0; b < 3; ++b) {
      const auto row = x[b].contiguous();
      net->forward_one(std::span<const float>(row.data_ptr<float>(), obs_size), out, scratch);
      double worst = 0.0, largest = 0.0;
      for (size_t i = 0; i < out.size(); ++i) {
        const double e = expected[b][static_cast<int64_t>(i)].item<float>();
        worst = std::max(worst, std::abs(out[i] - e));
        largest = std::max(largest, std::abs(e));
      }
      EXPECT_LT(worst, 1e-5) << spec.kind << " row " << b;
      EXPECT_GT(largest, 1e-2) << spec.kind;  // not trivially zero
    }
  }
}

}  // namespace
}  // namespace valor::agent
