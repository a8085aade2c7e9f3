#include "valor/az/network.h"

#include <span>

#include "valor/core/error.h"
#include "valor/value/hl_gauss.h"

namespace valor::az {

void check_network_spec(const NetworkSpec& spec) {
  if (spec.observation.size() <= 0) fail("az: the game's observation is empty");
  if (spec.num_actions < 1) fail("az: the game has no actions");
  for (int width : spec.hidden) {
    if (width < 1) fail("az.hidden: every width must be >= 1, got {}", width);
  }
  if (spec.value_head != "scalar" && spec.value_head != "hl_gauss") {
    fail("az.value_head must be one of scalar, hl_gauss; got '{}'", spec.value_head);
  }
  if (spec.value_head == "hl_gauss") {
    if (spec.bins < 2) fail("az.bins must be >= 2, got {}", spec.bins);
    value::check_hl_gauss_sigma_ratio(spec.sigma_ratio, "az.sigma_ratio");
  }
  if (!(spec.value_weight >= 0)) fail("az.value_weight must be >= 0, got {}", spec.value_weight);
}

PolicyValueNetImpl::PolicyValueNetImpl(const NetworkSpec& spec) : spec_(spec) {
  check_network_spec(spec);
  int64_t in = spec.observation.size();
  for (size_t i = 0; i < spec.hidden.size(); ++i) {
    trunk_.push_back(
        register_module("trunk" + std::to_string(i), torch::nn::Linear(in, spec.hidden[i])));
    in = spec.hidden[i];
  }
  policy_ = register_module("policy", torch::nn::Linear(in, spec.num_actions));
  const bool hl = spec.value_head == "hl_gauss";
  value_ = register_module("value", torch::nn::Linear(in, hl ? spec.bins : 1));
  if (hl) {
    bins_.emplace(-1.0, 1.0, spec.bins);
    const auto c = bins_->centers();
    centers_ = register_buffer(
        "centers", torch::tensor(std::vector<float>(c.begin(), c.end()), torch::kFloat32));
  }
}

NetworkOutput PolicyValueNetImpl::forward(torch::Tensor observations, torch::Tensor legal) {
  torch::Tensor h = observations.reshape({observations.size(0), -1});
  for (auto& layer : trunk_) h = torch::relu(layer->forward(h));
  NetworkOutput out;
  out.policy_logits = policy_->forward(h).masked_fill(legal.logical_not(), kMaskedLogit);
  out.value_out = value_->forward(h);
  return out;
}

torch::Tensor PolicyValueNetImpl::value(const torch::Tensor& value_out) const {
  if (!bins_) return torch::tanh(value_out.squeeze(1));
  // The mean of the bin centres under softmax: a convex combination of points in [-1, 1].
  return (torch::softmax(value_out, 1) * centers_).sum(1).clamp(-1.0, 1.0);
}

LossTerms PolicyValueNetImpl::loss(const NetworkOutput& out, const torch::Tensor& policy_target,
                                   const torch::Tensor& value_target) const {
  LossTerms terms;
  terms.policy = -(policy_target * torch::log_softmax(out.policy_logits, 1)).sum(1).mean();
  if (!bins_) {
    terms.value = (torch::tanh(out.value_out.squeeze(1)) - value_target).pow(2).mean();
  } else {
    const torch::Tensor z = value_target.to(torch::kFloat32).contiguous().cpu();
    const int64_t b = z.size(0);
    const int64_t m = static_cast<int64_t>(bins_->size());
    torch::Tensor target = torch::empty({b, m}, torch::kFloat32);
    value::hl_gauss_target(
        *bins_, std::span<const float>(z.data_ptr<float>(), static_cast<size_t>(b)),
        std::span<float>(target.data_ptr<float>(), static_cast<size_t>(b * m)), spec_.sigma_ratio);
    terms.value = -(target * torch::log_softmax(out.value_out, 1)).sum(1).mean();
  }
  terms.total = terms.policy + spec_.value_weight * terms.value;
  return terms;
}

}  // namespace valor::az
