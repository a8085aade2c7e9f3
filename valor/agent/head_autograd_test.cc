// The fast path (value_head.h: targets and dL/d(outputs) in plain C++, fed to backward) against a
// textbook reference written with torch operations and differentiated by autograd, as a
// CleanRL-style script would compute each head's loss. Same network, same batch: the targets and
// every parameter's gradient must agree, so the fast path cannot drift from the formulas.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "valor/value/value_head.h"

namespace valor::agent {
namespace {

using value::HeadKind;

constexpr int64_t kBatch = 16;
constexpr int64_t kInputs = 6;

std::vector<float> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

torch::Tensor to_tensor(const std::vector<float>& v, std::vector<int64_t> shape) {
  return torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat32).clone();
}

// The reference targets, in torch operations, from the target network's outputs at the next
// action [B, K], the returns [B] and the discounts [B].
torch::Tensor reference_targets(const value::HeadSpec& spec, const torch::Tensor& next,
                                const torch::Tensor& r, const torch::Tensor& g) {
  const double lo = spec.v_min, hi = spec.v_max;
  const int64_t m = spec.bins;
  switch (spec.kind) {
    case HeadKind::kHuber:
    case HeadKind::kMse:
      return (r + g * next.squeeze(1)).unsqueeze(1);
    case HeadKind::kQr:
      return r.unsqueeze(1) + g.unsqueeze(1) * next;
    case HeadKind::kTwoHot: {
      const torch::Tensor z = torch::linspace(lo, hi, m, torch::kFloat64);
      const torch::Tensor q = (torch::softmax(next.to(torch::kFloat64), 1) * z).sum(1);
      const torch::Tensor y = (r.to(torch::kFloat64) + g.to(torch::kFloat64) * q).clamp(lo, hi);
      const torch::Tensor pos = (y - lo) / ((hi - lo) / double(m - 1));
      const torch::Tensor k = pos.floor().clamp(0, double(m - 2));
      const torch::Tensor upper = pos - k;
      torch::Tensor p = torch::zeros({next.size(0), m}, torch::kFloat64);
      p.scatter_add_(1, k.to(torch::kLong).unsqueeze(1), (1 - upper).unsqueeze(1));
      p.scatter_add_(1, k.to(torch::kLong).unsqueeze(1) + 1, upper.unsqueeze(1));
      return p.to(torch::kFloat32);
    }
    case HeadKind::kHlGauss: {
      const double w = (hi - lo) / double(m);
      const torch::Tensor centers = torch::linspace(lo + w / 2, hi - w / 2, m, torch::kFloat64);
      const torch::Tensor q = (torch::softmax(next.to(torch::kFloat64), 1) * centers).sum(1);
      const torch::Tensor y = r.to(torch::kFloat64) + g.to(torch::kFloat64) * q;
      const torch::Tensor edges = torch::linspace(lo, hi, m + 1, torch::kFloat64);
      const double sigma = spec.sigma_ratio * w;
      const torch::Tensor cdf =
          0.5 * (1 + torch::erf((edges.unsqueeze(0) - y.unsqueeze(1)) / (sigma * std::sqrt(2.0))));
      const torch::Tensor mass = cdf.slice(1, 1) - cdf.slice(1, 0, m);
      return (mass / (cdf.select(1, m) - cdf.select(1, 0)).unsqueeze(1)).to(torch::kFloat32);
    }
    case HeadKind::kC51: {
      const double dz = (hi - lo) / double(m - 1);
      const torch::Tensor z = torch::linspace(lo, hi, m, torch::kFloat64);
      const torch::Tensor probs = torch::softmax(next.to(torch::kFloat64), 1);
      const torch::Tensor tz =
          (r.to(torch::kFloat64).unsqueeze(1) + g.to(torch::kFloat64).unsqueeze(1) * z)
              .clamp(lo, hi);
      const torch::Tensor b = (tz - lo) / dz;
      const torch::Tensor l = b.floor(), u = b.ceil();
      torch::Tensor p = torch::zeros({next.size(0), m}, torch::kFloat64);
      // Where b lands on an atom (l == u) the whole mass goes there.
      p.scatter_add_(1, l.to(torch::kLong), probs * (u - b + (l == u).to(torch::kFloat64)));
      p.scatter_add_(1, u.to(torch::kLong), probs * (b - l));
      return p.to(torch::kFloat32);
    }
  }
  return {};
}

// The reference batch-mean loss of `out` [B, K] (differentiable) against `target`.
torch::Tensor reference_loss(const value::HeadSpec& spec, const torch::Tensor& out,
                             const torch::Tensor& target) {
  switch (spec.kind) {
    case HeadKind::kHuber:
      return torch::smooth_l1_loss(out, target);  // beta 1: the Huber function with kappa 1
    case HeadKind::kMse:
      return (0.5 * (out - target).pow(2)).mean();
    case HeadKind::kTwoHot:
    case HeadKind::kHlGauss:
    case HeadKind::kC51:
      return -(target * torch::log_softmax(out, 1)).sum(1).mean();
    case HeadKind::kQr: {
      const int64_t n = out.size(1);
      const torch::Tensor tau = (torch::arange(n, torch::kFloat32) * 2 + 1) / (2.0 * n);
      const torch::Tensor u = target.unsqueeze(1) - out.unsqueeze(2);  // [B, N, N'] (i, j)
      const torch::Tensor huber = torch::where(u.abs() <= 1, 0.5 * u.pow(2), u.abs() - 0.5);
      const torch::Tensor weight = (tau.view({1, n, 1}) - (u < 0).to(torch::kFloat32)).abs();
      return (weight * huber).mean(2).sum(1).mean();
    }
  }
  return {};
}

class HeadAutograd : public ::testing::TestWithParam<HeadKind> {};

TEST_P(HeadAutograd, FastGradientEqualsAutogradOfTheTorchReference) {
  value::HeadSpec spec;
  spec.kind = GetParam();
  spec.v_min = -2.0;
  spec.v_max = 3.0;
  spec.bins = 11;
  spec.quantiles = 7;
  const value::ValueHead head(spec);
  const int64_t k = static_cast<int64_t>(head.outputs());

  torch::manual_seed(11);
  // Outputs spread widely enough that some targets leave the support and some Huber errors pass
  // kappa; a quarter of the transitions are terminal.
  torch::nn::Linear net(kInputs, k);
  torch::nn::Linear target_net(kInputs, k);
  const torch::Tensor x = torch::randn({kBatch, kInputs}) * 2;
  const torch::Tensor x_next = torch::randn({kBatch, kInputs}) * 2;
  const torch::Tensor r = torch::randn({kBatch}) * 1.5;
  const torch::Tensor g = torch::where(torch::arange(kBatch) % 4 == 0, torch::zeros({kBatch}),
                                       torch::full({kBatch}, 0.9f));
  torch::Tensor next;
  {
    torch::NoGradGuard no_grad;
    next = target_net->forward(x_next) * 3;
  }

  // Fast path: targets and dL/d(outputs) from value_head, then backward.
  const std::vector<float> next_v = to_vector(next), r_v = to_vector(r), g_v = to_vector(g);
  std::vector<float> targets(size_t(kBatch) * head.target_size());
  head.targets(next_v, r_v, g_v, targets);
  torch::Tensor out = net->forward(x);
  std::vector<float> grad_out(size_t(kBatch) * k);
  const double fast_loss = head.loss(to_vector(out), targets, grad_out);
  out.backward(to_tensor(grad_out, {kBatch, k}));
  const torch::Tensor fast_w = net->weight.grad().clone(), fast_b = net->bias.grad().clone();

  // Reference: torch ops end to end, autograd.
  net->zero_grad();
  const torch::Tensor ref_target = reference_targets(spec, next, r, g);
  const torch::Tensor ref = reference_loss(spec, net->forward(x), ref_target);
  ref.backward();

  const std::string name(value::head_name(spec.kind));
  const std::vector<float> ref_targets = to_vector(ref_target);
  ASSERT_EQ(ref_targets.size(), targets.size()) << name;
  for (size_t i = 0; i < targets.size(); ++i) {
    EXPECT_NEAR(targets[i], ref_targets[i], 2e-6 * (1 + std::abs(ref_targets[i])))
        << name << " target " << i;
  }
  EXPECT_NEAR(fast_loss, ref.item<double>(), 1e-5 * (1 + std::abs(ref.item<double>()))) << name;
  const auto check = [&](const torch::Tensor& fast, const torch::Tensor& slow, const char* what) {
    const double scale = slow.abs().max().item<double>();
    ASSERT_GT(scale, 0) << name << ": the reference gradient of the " << what << " is zero";
    EXPECT_LT((fast - slow).abs().max().item<double>(), 1e-5 * scale)
        << name << ": " << what << " gradient";
  };
  check(fast_w, net->weight.grad(), "weight");
  check(fast_b, net->bias.grad(), "bias");
}

INSTANTIATE_TEST_SUITE_P(EveryHead, HeadAutograd,
                         ::testing::Values(HeadKind::kHuber, HeadKind::kMse, HeadKind::kTwoHot,
                                           HeadKind::kHlGauss, HeadKind::kC51, HeadKind::kQr),
                         [](const auto& info) {
                           return std::string(value::head_name(info.param));
                         });

}  // namespace
}  // namespace valor::agent
