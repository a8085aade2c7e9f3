#include "valor/az/network.h"

#include <gtest/gtest.h>

#include "valor/az/network_evaluator.h"
#include "valor/core/error.h"
#include "valor/game/puct.h"
#include "valor/game/registry.h"

namespace valor::az {
namespace {

NetworkSpec spec_for(const game::State& s, const std::string& head) {
  NetworkSpec spec;
  spec.observation = s.observation_shape();
  spec.num_actions = s.num_distinct_actions();
  spec.hidden = {32, 32};
  spec.value_head = head;
  return spec;
}

NetworkSpec conv_spec_for(const game::State& s, const std::string& head) {
  NetworkSpec spec = spec_for(s, head);
  spec.trunk = "conv";
  spec.channels = 8;
  spec.blocks = 2;
  spec.value_hidden = 16;
  return spec;
}

struct Batch {
  torch::Tensor obs, legal, policy, value;
};

// Positions after a few moves of tic-tac-toe, with an arbitrary target over their legal moves.
Batch make_batch() {
  const auto& info = game::find_game("tictactoe");
  std::vector<std::unique_ptr<game::State>> states;
  for (const char* moves : {"", "5", "51", "159", "1234", "9"}) {
    states.push_back(info.state_from_moves(moves));
  }
  std::vector<const game::State*> ptrs;
  for (auto& s : states) ptrs.push_back(s.get());
  std::vector<float> obs;
  std::vector<uint8_t> legal;
  encode_states(ptrs, 18, 9, obs, legal);
  const int64_t b = static_cast<int64_t>(ptrs.size());
  Batch batch;
  batch.obs = torch::from_blob(obs.data(), {b, 18}).clone();
  batch.legal = torch::from_blob(legal.data(), {b, 9}, torch::kUInt8).to(torch::kBool);
  batch.policy = torch::zeros({b, 9});
  for (int64_t i = 0; i < b; ++i) {
    // All the mass on the first legal move.
    const int64_t first = batch.legal[i].to(torch::kInt64).argmax().item<int64_t>();
    batch.policy[i][first] = 1.0f;
  }
  batch.value = torch::tensor({0.0f, 1.0f, -1.0f, 0.5f, -0.5f, 1.0f});
  return batch;
}

TEST(AzNetwork, ShapesAndMasking) {
  for (const char* head : {"scalar", "hl_gauss"}) {
    torch::manual_seed(1);
    auto s = game::find_game("tictactoe").new_initial_state();
    PolicyValueNet net(spec_for(*s, head));
    const Batch batch = make_batch();
    const NetworkOutput out = net->forward(batch.obs, batch.legal);
    EXPECT_EQ(out.policy_logits.sizes(), (std::vector<int64_t>{6, 9}));
    EXPECT_EQ(out.value_out.size(1), std::string(head) == "scalar" ? 1 : 21);
    const torch::Tensor p = torch::softmax(out.policy_logits, 1);
    EXPECT_EQ(p.masked_select(batch.legal.logical_not()).abs().max().item<float>(), 0.0f);
    EXPECT_NEAR(p.sum(1).min().item<float>(), 1.0f, 1e-5);
    const torch::Tensor v = net->value(out.value_out);
    EXPECT_EQ(v.sizes(), (std::vector<int64_t>{6}));
    EXPECT_LE(v.abs().max().item<float>(), 1.0f);
  }
}

TEST(AzNetwork, LossDecreasesOnAFixedBatch) {
  for (const char* head : {"scalar", "hl_gauss"}) {
    torch::manual_seed(2);
    auto s = game::find_game("tictactoe").new_initial_state();
    PolicyValueNet net(spec_for(*s, head));
    torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(1e-2));
    const Batch batch = make_batch();
    const float first = net->loss(net->forward(batch.obs, batch.legal), batch.policy, batch.value)
                            .total.item<float>();
    for (int step = 0; step < 200; ++step) {
      adam.zero_grad();
      LossTerms l = net->loss(net->forward(batch.obs, batch.legal), batch.policy, batch.value);
      l.total.backward();
      adam.step();
    }
    const LossTerms last =
        net->loss(net->forward(batch.obs, batch.legal), batch.policy, batch.value);
    EXPECT_LT(last.total.item<float>(), 0.5f * first) << head;
    EXPECT_LT(last.policy.item<float>(), 0.05f) << head;
    // The fitted values come close to their targets, decoded within [-1, 1].
    const torch::Tensor v = net->value(net->forward(batch.obs, batch.legal).value_out);
    EXPECT_LE(v.abs().max().item<float>(), 1.0f) << head;
    EXPECT_LT((v - batch.value).abs().max().item<float>(), 0.2f) << head;
  }
}

TEST(AzNetwork, ConvShapesAndMaskingForFlatAndPlanarInput) {
  for (const char* head : {"scalar", "hl_gauss"}) {
    torch::manual_seed(5);
    auto s = game::find_game("tictactoe").new_initial_state();
    PolicyValueNet net(conv_spec_for(*s, head));
    const Batch batch = make_batch();
    const NetworkOutput flat = net->forward(batch.obs, batch.legal);
    const NetworkOutput planar = net->forward(batch.obs.reshape({6, 2, 3, 3}), batch.legal);
    EXPECT_EQ(flat.policy_logits.sizes(), (std::vector<int64_t>{6, 9}));
    EXPECT_EQ(flat.value_out.sizes(),
              (std::vector<int64_t>{6, std::string(head) == "scalar" ? 1 : 21}));
    EXPECT_TRUE(torch::equal(flat.policy_logits, planar.policy_logits));
    EXPECT_TRUE(torch::equal(flat.value_out, planar.value_out));
    const torch::Tensor p = torch::softmax(flat.policy_logits, 1);
    EXPECT_EQ(p.masked_select(batch.legal.logical_not()).abs().max().item<float>(), 0.0f);
    EXPECT_GT(p.masked_select(batch.legal).min().item<float>(), 0.0f);
    EXPECT_NEAR(p.sum(1).min().item<float>(), 1.0f, 1e-5);
    const torch::Tensor v = net->value(flat.value_out);
    EXPECT_EQ(v.sizes(), (std::vector<int64_t>{6}));
    EXPECT_LE(v.abs().max().item<float>(), 1.0f);
  }
}

TEST(AzNetwork, ConvOnConnectFour) {
  torch::manual_seed(6);
  const auto& info = game::find_game("connect4");
  auto a = info.state_from_moves("4");
  auto b = info.state_from_moves("4444");
  NetworkSpec spec = conv_spec_for(*a, "scalar");
  spec.channels = 64;
  spec.blocks = 4;
  spec.value_hidden = 64;
  PolicyValueNet net(spec);
  // stem 2->64 3x3, 4 blocks of two 64->64 3x3, the 1x1 head convolutions, the head layers.
  int64_t count = 0;
  for (const auto& p : net->parameters()) count += p.numel();
  const int64_t expected = (2 * 9 * 64 + 64) + 8 * (64 * 9 * 64 + 64) + (64 * 2 + 2) +
                           (2 * 42 * 7 + 7) + (64 + 1) + (42 * 64 + 64) + (64 + 1);
  EXPECT_EQ(count, expected);
  const game::State* states[] = {a.get(), b.get()};
  std::vector<float> obs;
  std::vector<uint8_t> legal;
  encode_states(states, 84, 7, obs, legal);
  const NetworkOutput out =
      net->forward(torch::from_blob(obs.data(), {2, 2, 6, 7}),
                   torch::from_blob(legal.data(), {2, 7}, torch::kUInt8).to(torch::kBool));
  EXPECT_EQ(out.policy_logits.sizes(), (std::vector<int64_t>{2, 7}));
  EXPECT_EQ(out.value_out.sizes(), (std::vector<int64_t>{2, 1}));
  EXPECT_LT(out.policy_logits.max().item<float>(), 1e6f);  // no column is full yet
}

TEST(AzNetwork, GradientsReachEveryParameter) {
  for (const char* trunk : {"mlp", "conv"}) {
    for (const char* head : {"scalar", "hl_gauss"}) {
      torch::manual_seed(7);
      auto s = game::find_game("tictactoe").new_initial_state();
      const NetworkSpec spec =
          std::string(trunk) == "mlp" ? spec_for(*s, head) : conv_spec_for(*s, head);
      PolicyValueNet net(spec);
      const Batch batch = make_batch();
      net->loss(net->forward(batch.obs, batch.legal), batch.policy, batch.value).total.backward();
      for (const auto& item : net->named_parameters()) {
        const std::string& name = item.key();
        const torch::Tensor& p = item.value();
        ASSERT_TRUE(p.grad().defined()) << trunk << " " << head << " " << name;
        EXPECT_GT(p.grad().abs().sum().item<float>(), 0.0f) << trunk << " " << head << " " << name;
        EXPECT_TRUE(torch::isfinite(p.grad()).all().item<bool>()) << name;
      }
    }
  }
}

TEST(AzNetwork, ConvLossDecreasesOnAFixedBatch) {
  torch::manual_seed(8);
  auto s = game::find_game("tictactoe").new_initial_state();
  PolicyValueNet net(conv_spec_for(*s, "hl_gauss"));
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(1e-2));
  const Batch batch = make_batch();
  const float first = net->loss(net->forward(batch.obs, batch.legal), batch.policy, batch.value)
                          .total.item<float>();
  for (int step = 0; step < 200; ++step) {
    adam.zero_grad();
    net->loss(net->forward(batch.obs, batch.legal), batch.policy, batch.value).total.backward();
    adam.step();
  }
  const LossTerms last = net->loss(net->forward(batch.obs, batch.legal), batch.policy, batch.value);
  EXPECT_LT(last.total.item<float>(), 0.5f * first);
  EXPECT_LT(last.policy.item<float>(), 0.05f);
}

TEST(AzNetwork, HlGaussValueStaysInRangeForExtremeLogits) {
  auto s = game::find_game("tictactoe").new_initial_state();
  PolicyValueNet net(spec_for(*s, "hl_gauss"));
  torch::Tensor logits = torch::zeros({2, 21});
  logits[0][20] = 1000.0f;
  logits[1][0] = 1000.0f;
  const torch::Tensor v = net->value(logits);
  EXPECT_LE(v.abs().max().item<float>(), 1.0f);
  EXPECT_GT(v[0].item<float>(), 0.9f);
  EXPECT_LT(v[1].item<float>(), -0.9f);
}

TEST(AzNetwork, RejectsBadSpecsNamingTheKey) {
  auto s = game::find_game("tictactoe").new_initial_state();
  NetworkSpec spec = spec_for(*s, "quantile");
  try {
    check_network_spec(spec);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("az.value_head"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("hl_gauss"), std::string::npos);
  }
  spec = spec_for(*s, "hl_gauss");
  spec.bins = 1;
  EXPECT_THROW(check_network_spec(spec), Error);
  spec = spec_for(*s, "scalar");
  spec.hidden = {0};
  EXPECT_THROW(check_network_spec(spec), Error);
  const auto message = [](const NetworkSpec& bad) {
    try {
      check_network_spec(bad);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  spec = spec_for(*s, "scalar");
  spec.trunk = "resnet";
  EXPECT_NE(message(spec).find("az.trunk must be one of mlp, conv"), std::string::npos);
  spec = conv_spec_for(*s, "scalar");
  spec.channels = 0;
  EXPECT_NE(message(spec).find("az.channels"), std::string::npos);
  spec = conv_spec_for(*s, "scalar");
  spec.blocks = -1;
  EXPECT_NE(message(spec).find("az.blocks"), std::string::npos);
  spec = conv_spec_for(*s, "scalar");
  spec.blocks = 0;  // the first convolution alone
  EXPECT_EQ(message(spec), "no error");
  spec.hidden = {0};  // not used by conv
  EXPECT_EQ(message(spec), "no error");
}

TEST(AzNetworkEvaluator, FreshNetworkGivesDistributionsOverLegalMoves) {
  for (const char* game_name : {"tictactoe", "connect4"}) {
    torch::manual_seed(3);
    const auto& info = game::find_game(game_name);
    auto a = info.state_from_moves("1");
    auto b = info.state_from_moves("12");
    PolicyValueNet net(spec_for(*a, "hl_gauss"));
    NetworkEvaluator evaluator(net);
    const game::State* states[] = {a.get(), b.get()};
    std::vector<game::Evaluation> out(2);
    evaluator.evaluate(states, out);
    for (size_t i = 0; i < 2; ++i) {
      float sum = 0.0f;
      for (size_t j = 0; j < out[i].priors.size(); ++j) {
        if (!states[i]->is_legal(static_cast<game::Action>(j))) {
          EXPECT_EQ(out[i].priors[j], 0.0f);
        } else {
          EXPECT_GT(out[i].priors[j], 0.0f);
        }
        sum += out[i].priors[j];
      }
      EXPECT_NEAR(sum, 1.0f, 1e-5);
      EXPECT_LE(std::abs(out[i].value), 1.0f);
    }
  }
}

TEST(AzNetworkEvaluator, PuctSearchRunsWithIt) {
  torch::manual_seed(4);
  auto s = game::find_game("tictactoe").state_from_moves("15");
  PolicyValueNet net(spec_for(*s, "scalar"));
  NetworkEvaluator evaluator(net);
  game::PuctOptions options;
  options.simulations = 64;
  game::PuctSearch search(evaluator, options, 5);
  const game::SearchResult r = search.search(*s);
  EXPECT_TRUE(s->is_legal(r.action));
  int visits = 0;
  for (int v : r.visits) visits += v;
  EXPECT_EQ(visits, 64);
  float sum = 0.0f;
  for (float p : r.policy) sum += p;
  EXPECT_NEAR(sum, 1.0f, 1e-5);
}

}  // namespace
}  // namespace valor::az
