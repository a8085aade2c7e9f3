#include "valor/az/network.h"

#include <span>

#include "valor/core/error.h"
#include "valor/value/hl_gauss.h"

namespace valor::az {

void check_network_spec(const NetworkSpec& spec) {
  if (spec.observation.size() <= 0) fail("az: the game's observation is empty");
  if (spec.num_actions < 1) fail("az: the game has no actions");
  if (spec.trunk != "mlp" && spec.trunk != "conv") {
    fail("az.trunk must be one of mlp, conv; got '{}'", spec.trunk);
  }
  if (spec.trunk == "mlp") {
    for (int width : spec.hidden) {
      if (width < 1) fail("az.hidden: every width must be >= 1, got {}", width);
    }
  } else {
    if (spec.channels < 1) fail("az.channels must be >= 1, got {}", spec.channels);
    if (spec.blocks < 0) fail("az.blocks must be >= 0, got {}", spec.blocks);
    if (spec.value_hidden < 1) fail("az.value_hidden must be >= 1, got {}", spec.value_hidden);
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

namespace {

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).padding(kernel / 2));
}

}  // namespace

PolicyValueNetImpl::PolicyValueNetImpl(const NetworkSpec& spec) : spec_(spec) {
  check_network_spec(spec);
  const bool hl = spec.value_head == "hl_gauss";
  const int64_t value_out = hl ? spec.bins : 1;
  if (spec.trunk == "mlp") {
    int64_t in = spec.observation.size();
    for (size_t i = 0; i < spec.hidden.size(); ++i) {
      trunk_.push_back(
          register_module("trunk" + std::to_string(i), torch::nn::Linear(in, spec.hidden[i])));
      in = spec.hidden[i];
    }
    policy_ = register_module("policy", torch::nn::Linear(in, spec.num_actions));
    value_ = register_module("value", torch::nn::Linear(in, value_out));
  } else {
    const int64_t c = spec.channels;
    const int64_t cells = int64_t{spec.observation.rows} * spec.observation.cols;
    stem_ = register_module("stem", conv(spec.observation.planes, c, 3));
    for (int i = 0; i < spec.blocks; ++i) {
      const std::string name = "block" + std::to_string(i);
      blocks_.emplace_back(register_module(name + "_conv1", conv(c, c, 3)),
                           register_module(name + "_conv2", conv(c, c, 3)));
    }
    policy_conv_ = register_module("policy_conv", conv(c, 2, 1));
    policy_ = register_module("policy", torch::nn::Linear(2 * cells, spec.num_actions));
    value_conv_ = register_module("value_conv", conv(c, 1, 1));
    value_hidden_ = register_module("value_hidden", torch::nn::Linear(cells, spec.value_hidden));
    value_ = register_module("value", torch::nn::Linear(spec.value_hidden, value_out));
  }
  if (hl) {
    bins_.emplace(-1.0, 1.0, spec.bins);
    const auto c = bins_->centers();
    centers_ = register_buffer(
        "centers", torch::tensor(std::vector<float>(c.begin(), c.end()), torch::kFloat32));
  }
}

torch::Tensor PolicyValueNetImpl::conv_trunk(const torch::Tensor& observations) {
  const game::ObservationShape& s = spec_.observation;
  torch::Tensor h = observations.reshape({observations.size(0), s.planes, s.rows, s.cols});
  h = torch::relu(stem_->forward(h));
  for (auto& [conv1, conv2] : blocks_) {
    h = torch::relu(h + conv2->forward(torch::relu(conv1->forward(h))));
  }
  return h;
}

NetworkOutput PolicyValueNetImpl::forward(torch::Tensor observations, torch::Tensor legal) {
  NetworkOutput out;
  torch::Tensor policy_in, value_in;
  if (spec_.trunk == "mlp") {
    torch::Tensor h = observations.reshape({observations.size(0), -1});
    for (auto& layer : trunk_) h = torch::relu(layer->forward(h));
    policy_in = h;
    value_in = h;
  } else {
    const torch::Tensor h = conv_trunk(observations);
    // No ReLU after the 1x1 convolutions: without batch normalisation, 2 planes (or 1) behind a
    // ReLU are easily all negative, and the head then passes no gradient at all.
    policy_in = policy_conv_->forward(h).flatten(1);
    value_in = torch::relu(value_hidden_->forward(value_conv_->forward(h).flatten(1)));
  }
  out.policy_logits = policy_->forward(policy_in).masked_fill(legal.logical_not(), kMaskedLogit);
  out.value_out = value_->forward(value_in);
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
