#include "valor/agent/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "valor/core/error.h"

namespace valor::agent {
namespace {

// Two parameter tensors of different shapes, the same values in `a` and `b`.
std::vector<torch::Tensor> make_params(uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<torch::Tensor> p = {torch::randn({7, 5}), torch::randn({11})};
  for (auto& t : p) t.set_requires_grad(true);
  return p;
}

std::vector<torch::Tensor> clone_params(const std::vector<torch::Tensor>& from) {
  std::vector<torch::Tensor> p;
  for (const auto& t : from) p.push_back(t.detach().clone().set_requires_grad(true));
  return p;
}

// A gradient for step `t`: random, with a scale that changes over time like a real one.
void set_grads(std::vector<torch::Tensor>& p, int t) {
  torch::manual_seed(1000 + static_cast<uint64_t>(t));
  for (auto& x : p) {
    const auto g = torch::randn_like(x) * (0.1 + 0.05 * (t % 7));
    if (x.grad().defined()) {
      x.mutable_grad().copy_(g);
    } else {
      x.mutable_grad() = g;
    }
  }
}

// Steps t in [from, to) of two optimisers, each on its own copy of the parameters, with the same
// gradients.
template <typename A, typename B>
void step_both(A& a, std::vector<torch::Tensor>& pa, B& b, std::vector<torch::Tensor>& pb, int from,
               int to) {
  for (int t = from; t < to; ++t) {
    set_grads(pa, t);
    set_grads(pb, t);
    a.step();
    b.step();
  }
}

double max_relative_difference(const std::vector<torch::Tensor>& a,
                               const std::vector<torch::Tensor>& b) {
  double worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto d = ((a[i] - b[i]).abs() / (b[i].abs() + 1e-3)).max().item<double>();
    worst = std::max(worst, d);
  }
  return worst;
}

// Our fused steps follow LibTorch's update rules: 200 steps on the same gradients end within
// float rounding of torch::optim's parameters.
TEST(Optimizer, CenteredRmspropMatchesLibTorch) {
  auto ours = make_params(1);
  auto theirs = clone_params(ours);
  OptimizerOptions o;
  o.kind = "rmsprop_centered";
  o.learning_rate = 1e-2;
  o.rmsprop_alpha = 0.95;
  o.rmsprop_eps = 0.01;
  Optimizer mine(ours, o);
  torch::optim::RMSprop reference(
      theirs, torch::optim::RMSpropOptions(1e-2).alpha(0.95).eps(0.01).centered(true));
  step_both(mine, ours, reference, theirs, 0, 200);
  EXPECT_LT(max_relative_difference(ours, theirs), 1e-4);
  EXPECT_GT((ours[0] - make_params(1)[0]).abs().max().item<double>(), 0.1);  // it did move
  EXPECT_EQ(mine.steps(), 200);
}

TEST(Optimizer, AdamMatchesLibTorch) {
  auto ours = make_params(2);
  auto theirs = clone_params(ours);
  OptimizerOptions o;
  o.kind = "adam";
  o.learning_rate = 1e-2;
  o.adam_eps = 1e-8;
  Optimizer mine(ours, o);
  torch::optim::Adam reference(theirs, torch::optim::AdamOptions(1e-2).eps(1e-8));
  step_both(mine, ours, reference, theirs, 0, 200);
  EXPECT_LT(max_relative_difference(ours, theirs), 1e-4);
  EXPECT_GT((ours[0] - make_params(2)[0]).abs().max().item<double>(), 0.1);
}

// The same gradient every step drives square_avg - grad_avg^2 to rounding noise; LibTorch can
// take the square root of a negative number there. Ours floors it at 0 and stays finite.
TEST(Optimizer, CenteredRmspropStaysFiniteOnAConstantGradient) {
  auto p = make_params(3);
  OptimizerOptions o;
  o.kind = "rmsprop_centered";
  Optimizer mine(p, o);
  set_grads(p, 0);
  for (int t = 0; t < 5000; ++t) mine.step();
  for (const auto& x : p) EXPECT_TRUE(torch::isfinite(x).all().item<bool>());
}

TEST(Optimizer, ClipGradNormScalesToTheBound) {
  auto p = make_params(4);
  Optimizer mine(p, OptimizerOptions{});
  set_grads(p, 3);
  double expected = 0.0;
  for (const auto& x : p) expected += x.grad().pow(2).sum().item<double>();
  expected = std::sqrt(expected);
  ASSERT_GT(expected, 0.5);
  EXPECT_NEAR(mine.clip_grad_norm(0.5), expected, 1e-5);
  double after = 0.0;
  for (const auto& x : p) after += x.grad().pow(2).sum().item<double>();
  EXPECT_NEAR(std::sqrt(after), 0.5, 1e-5);
  EXPECT_NEAR(mine.clip_grad_norm(10.0), 0.5, 1e-5);  // under the bound: unchanged
  mine.zero_grad();
  for (const auto& x : p) EXPECT_EQ(x.grad().abs().max().item<float>(), 0.0f);
}

// A saved state continues bit for bit; states of another kind or shape are refused.
TEST(Optimizer, SaveLoadContinuesExactly) {
  OptimizerOptions o;
  o.kind = "adam";
  auto a = make_params(5);
  Optimizer first(a, o);
  for (int t = 0; t < 10; ++t) {
    set_grads(a, t);
    first.step();
  }
  auto b = clone_params(a);
  Optimizer second(b, o);
  second.load_state(first.save_state());
  EXPECT_EQ(second.steps(), 10);
  step_both(first, a, second, b, 10, 20);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i]));

  OptimizerOptions rms;
  rms.kind = "rmsprop_centered";
  Optimizer other_kind(clone_params(a), rms);
  EXPECT_THROW(other_kind.load_state(first.save_state()), Error);
  std::vector<torch::Tensor> fewer = {torch::zeros({7, 5}).set_requires_grad(true)};
  Optimizer other_shape(fewer, o);
  EXPECT_THROW(other_shape.load_state(first.save_state()), Error);
  EXPECT_THROW(other_shape.load_state("garbage"), Error);
}

TEST(Optimizer, UnknownKindIsRefused) {
  OptimizerOptions o;
  o.kind = "sgd";
  try {
    Optimizer bad(make_params(6), o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("accepted: adam, rmsprop_centered"), std::string::npos);
  }
}

}  // namespace
}  // namespace valor::agent
