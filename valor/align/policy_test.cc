#include "valor/align/policy.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <map>

#include "valor/align/exact.h"
#include "valor/core/error.h"

namespace valor::align {
namespace {

const SequenceShape kShape{3, 4, 3};

std::vector<uint8_t> random_tokens(size_t n, const SequenceShape& s, Rng& rng) {
  std::vector<uint8_t> tokens(n * static_cast<size_t>(s.length));
  for (auto& t : tokens) t = static_cast<uint8_t>(rng.below(static_cast<uint64_t>(s.vocab)));
  return tokens;
}

// The textbook path: the same network on dense one-hot features with LibTorch's autograd.
std::vector<float> autograd_gradient(const MlpPolicy& policy, std::span<const int32_t> prompts,
                                     std::span<const uint8_t> tokens, std::span<const float> coef,
                                     double* loss_out) {
  const SequenceShape& s = policy.shape();
  const auto len = static_cast<size_t>(s.length), n = prompts.size();
  const size_t f = policy.num_features();
  auto x = torch::zeros({static_cast<int64_t>(n * len), static_cast<int64_t>(f)});
  std::vector<int32_t> positions(n * len), node_prompts(n * len);
  std::vector<uint8_t> node_tokens(n * len * len);
  for (size_t i = 0; i < n; ++i) {
    for (size_t t = 0; t < len; ++t) {
      node_prompts[i * len + t] = prompts[i];
      positions[i * len + t] = static_cast<int32_t>(t);
      for (size_t k = 0; k < len; ++k) node_tokens[(i * len + t) * len + k] = tokens[i * len + k];
    }
  }
  const NodeBatch nodes{node_prompts, positions, node_tokens};
  for (size_t r = 0; r < n * len; ++r) {
    for (size_t feature : policy.active_features(nodes, r)) {
      x[static_cast<int64_t>(r)][static_cast<int64_t>(feature)] = 1.0f;
    }
  }
  std::vector<float> params = policy.parameters();
  std::vector<torch::Tensor> leaves;
  auto h = x;
  for (size_t l = 0; l < policy.num_layers(); ++l) {
    const auto in = static_cast<int64_t>(policy.layer_inputs(l));
    const auto out = static_cast<int64_t>(policy.layer_outputs(l));
    auto w = torch::from_blob(params.data() + policy.weight_offset(l),
                              {l == 0 ? in : out, l == 0 ? out : in})
                 .clone()
                 .requires_grad_(true);
    auto b =
        torch::from_blob(params.data() + policy.bias_offset(l), {out}).clone().requires_grad_(true);
    leaves.push_back(w);
    leaves.push_back(b);
    h = (l == 0 ? torch::matmul(h, w) : torch::matmul(h, w.t())) + b;
    if (l + 1 < policy.num_layers()) h = torch::relu(h);
  }
  auto log_softmax = torch::log_softmax(h, 1);
  auto index = torch::zeros({static_cast<int64_t>(n * len), 1}, torch::kLong);
  for (size_t r = 0; r < n * len; ++r) index[static_cast<int64_t>(r)][0] = tokens[r];
  auto token_lp = log_softmax.gather(1, index).squeeze(1);
  auto c = torch::from_blob(const_cast<float*>(coef.data()), {static_cast<int64_t>(coef.size())})
               .clone();
  auto loss = (token_lp * c).sum();
  loss.backward();
  *loss_out = loss.item<double>();
  std::vector<float> gradient(params.size());
  for (size_t l = 0; l < policy.num_layers(); ++l) {
    auto gw = leaves[2 * l].grad().contiguous();
    auto gb = leaves[2 * l + 1].grad().contiguous();
    std::copy(gw.data_ptr<float>(), gw.data_ptr<float>() + gw.numel(),
              gradient.begin() + static_cast<std::ptrdiff_t>(policy.weight_offset(l)));
    std::copy(gb.data_ptr<float>(), gb.data_ptr<float>() + gb.numel(),
              gradient.begin() + static_cast<std::ptrdiff_t>(policy.bias_offset(l)));
  }
  return gradient;
}

class PolicyAutograd : public ::testing::TestWithParam<std::vector<size_t>> {};

TEST_P(PolicyAutograd, HandWrittenGradientEqualsLibTorch) {
  Rng rng(7);
  MlpPolicy policy(kShape, GetParam());
  policy.initialise(rng);
  const size_t n = 9;
  std::vector<int32_t> prompts(n);
  for (auto& x : prompts) x = static_cast<int32_t>(rng.below(3));
  const auto tokens = random_tokens(n, kShape, rng);
  std::vector<float> coef(n * 3);
  for (auto& c : coef) c = static_cast<float>(rng.normal());
  SequenceBatch batch;
  batch.evaluate(policy, prompts, tokens);
  double ours = 0.0;
  for (size_t k = 0; k < coef.size(); ++k) ours += coef[k] * batch.token_log_probs()[k];
  std::vector<float> gradient;
  batch.backward(policy, coef, gradient);
  double theirs = 0.0;
  const auto reference = autograd_gradient(policy, prompts, tokens, coef, &theirs);
  EXPECT_NEAR(ours, theirs, 1e-5 * (1.0 + std::abs(theirs)));
  ASSERT_EQ(gradient.size(), reference.size());
  double worst = 0.0;
  for (size_t k = 0; k < gradient.size(); ++k) {
    worst = std::max(worst, std::abs(static_cast<double>(gradient[k] - reference[k])));
  }
  EXPECT_LT(worst, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Widths, PolicyAutograd,
                         ::testing::Values(std::vector<size_t>{}, std::vector<size_t>{16},
                                           std::vector<size_t>{16, 8}));

TEST(SequenceShape, CountsAndIndices) {
  EXPECT_EQ(kShape.num_sequences(), 64u);
  EXPECT_EQ(kShape.num_prefixes(), 1u + 4u + 16u);
  const uint8_t tokens[3] = {2, 1, 3};
  EXPECT_EQ(kShape.prefix_node(tokens, 0), 0u);
  EXPECT_EQ(kShape.prefix_node(tokens, 1), 1u + 2u);
  EXPECT_EQ(kShape.prefix_node(tokens, 2), 5u + 2u * 4u + 1u);
  EXPECT_EQ(sequence_index(kShape, tokens), 2u * 16u + 1u * 4u + 3u);
  uint8_t back[3];
  sequence_tokens(kShape, 2u * 16u + 1u * 4u + 3u, back);
  EXPECT_EQ(back[0], 2);
  EXPECT_EQ(back[1], 1);
  EXPECT_EQ(back[2], 3);
  EXPECT_THROW(MlpPolicy(SequenceShape{0, 4, 3}, {}), Error);
  EXPECT_THROW(MlpPolicy(SequenceShape{1, 1, 3}, {}), Error);
  EXPECT_THROW(MlpPolicy(SequenceShape{1, 4, 0}, {}), Error);
}

TEST(ExactDistribution, SumsToOneAndMatchesTheBatchLogProbs) {
  Rng rng(3);
  MlpPolicy policy(kShape, {12});
  policy.initialise(rng);
  ExactDistribution exact(kShape);
  exact.evaluate(policy);
  for (int x = 0; x < kShape.prompts; ++x) {
    EXPECT_NEAR(std::exp(log_sum_exp(exact.log_probs(x))), 1.0, 1e-9);
  }
  const size_t n = 20;
  std::vector<int32_t> prompts(n);
  for (auto& x : prompts) x = static_cast<int32_t>(rng.below(3));
  const auto tokens = random_tokens(n, kShape, rng);
  SequenceBatch batch;
  batch.evaluate(policy, prompts, tokens);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t y = sequence_index(kShape, tokens.data() + i * 3);
    EXPECT_NEAR(exact.log_probs(prompts[i])[y], batch.sequence_log_prob(i), 1e-5);
  }
}

TEST(ExactDistribution, BackwardEqualsTheBatchGradientOfTheSameSum) {
  // sum_{x,y} c(x, y) log pi(y|x) through the prefix tree equals the per-sequence batch path.
  Rng rng(5);
  MlpPolicy policy(kShape, {10});
  policy.initialise(rng);
  ExactDistribution exact(kShape);
  exact.evaluate(policy);
  std::vector<double> coef(exact.log_probs().size());
  for (auto& c : coef) c = rng.normal();
  std::vector<float> tree;
  exact.backward(policy, coef, tree);
  std::vector<int32_t> prompts;
  std::vector<uint8_t> tokens;
  std::vector<float> token_coef;
  for (int x = 0; x < kShape.prompts; ++x) {
    for (uint64_t y = 0; y < 64; ++y) {
      prompts.push_back(x);
      uint8_t t[3];
      sequence_tokens(kShape, y, t);
      tokens.insert(tokens.end(), t, t + 3);
      for (int k = 0; k < 3; ++k)
        token_coef.push_back(static_cast<float>(coef[static_cast<size_t>(x) * 64 + y]));
    }
  }
  SequenceBatch batch;
  batch.evaluate(policy, prompts, tokens);
  std::vector<float> flat;
  batch.backward(policy, token_coef, flat);
  ASSERT_EQ(tree.size(), flat.size());
  for (size_t k = 0; k < tree.size(); ++k) EXPECT_NEAR(tree[k], flat[k], 2e-4) << k;
}

TEST(TabularPolicy, CopyOfHoldsTheSameDistribution) {
  Rng rng(11);
  MlpPolicy policy(kShape, {8});
  policy.initialise(rng);
  TabularPolicy table = TabularPolicy::copy_of(policy);
  ExactDistribution a(kShape), b(kShape);
  a.evaluate(policy);
  b.evaluate(table);
  EXPECT_LT(total_variation(a.log_probs(), b.log_probs()), 1e-6);
  EXPECT_THROW(TabularPolicy(SequenceShape{4, 255, 6}), Error);
}

TEST(SampleSequences, FrequenciesMatchTheExactDistribution) {
  Rng rng(13);
  const SequenceShape shape{1, 3, 2};
  MlpPolicy policy(shape, {6});
  policy.initialise(rng);
  for (auto& w : policy.parameters()) w *= 4.0f;  // far from uniform
  ExactDistribution exact(shape);
  exact.evaluate(policy);
  const size_t n = 200000;
  std::vector<int32_t> prompts(n, 0);
  std::vector<uint8_t> tokens;
  sample_sequences(policy, prompts, rng, tokens);
  std::map<uint64_t, double> counts;
  for (size_t i = 0; i < n; ++i) counts[sequence_index(shape, tokens.data() + 2 * i)] += 1.0;
  for (uint64_t y = 0; y < 9; ++y) {
    const double p = std::exp(exact.log_probs(0)[y]);
    EXPECT_NEAR(counts[y] / n, p, 4.0 * std::sqrt(p * (1 - p) / n) + 1e-6) << y;
  }
}

TEST(KlOptimum, IsTheTiltedReferenceAndBeatsOtherPolicies) {
  const std::vector<double> log_ref = {std::log(0.5), std::log(0.3), std::log(0.2)};
  const std::vector<double> reward = {0.0, 1.0, 2.0};
  const double beta = 0.5;
  const auto opt = kl_optimum(log_ref, reward, beta);
  const double z = 0.5 + 0.3 * std::exp(2.0) + 0.2 * std::exp(4.0);
  EXPECT_NEAR(std::exp(opt[2]), 0.2 * std::exp(4.0) / z, 1e-12);
  auto objective = [&](std::span<const double> lp) {
    return expectation(lp, reward) - beta * kl_divergence(lp, log_ref);
  };
  EXPECT_NEAR(objective(opt), beta * std::log(z), 1e-12);  // the optimum's value is beta log Z
  const std::vector<double> other = {std::log(0.2), std::log(0.3), std::log(0.5)};
  EXPECT_LT(objective(other), objective(opt));
}

}  // namespace
}  // namespace valor::align
