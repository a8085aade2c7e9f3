#include "valor/agent/q_network.h"

#include <charconv>

#include "valor/core/error.h"

namespace valor::agent {

void check_network_kind(std::string_view kind, std::string_view where) {
  if (kind != "minatar_conv" && kind != "mlp") {
    fail("{}: unknown network '{}'; accepted: minatar_conv, mlp", where, kind);
  }
}

std::vector<int> parse_hidden_sizes(std::string_view text, std::string_view where) {
  std::vector<int> sizes;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string_view part = text.substr(start, comma - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    int value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value < 1 ||
        value > 65536) {
      fail(
          "{}: '{}' is not a list of layer widths; expected positive integers separated by "
          "commas, e.g. \"128,128\"",
          where, text);
    }
    sizes.push_back(value);
    start = comma + 1;
  }
  return sizes;
}

QNetworkImpl::QNetworkImpl(const NetworkSpec& spec) : spec_(spec) {
  check_network_kind(spec.kind, "network.kind");
  if (spec.num_actions < 1 || spec.outputs_per_action < 1) {
    fail("a Q-network needs at least one action and one output per action");
  }
  const int64_t outputs = int64_t{spec.num_actions} * spec.outputs_per_action;
  int64_t width = 1;
  if (spec.kind == "minatar_conv") {
    const auto& s = spec.obs_shape;
    if (s.size() != 3 || s[1] < 3 || s[2] < 3) {
      fail(
          "network.kind = minatar_conv needs observations of shape C x H x W with H, W >= 3; "
          "this environment's observations are not (use network.kind = mlp)");
    }
    if (spec.hidden.size() != 1) {
      fail("network.kind = minatar_conv takes one hidden width (network.hidden), got {}",
           spec.hidden.size());
    }
    conv_ = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(s[0], 16, 3)));
    width = int64_t{16} * (s[1] - 2) * (s[2] - 2);
  } else {
    for (int d : spec.obs_shape) width *= d;
  }
  for (size_t i = 0; i < spec.hidden.size(); ++i) {
    layers_.push_back(
        register_module("fc" + std::to_string(i), torch::nn::Linear(width, spec.hidden[i])));
    width = spec.hidden[i];
  }
  layers_.push_back(register_module("out", torch::nn::Linear(width, outputs)));
}

torch::Tensor QNetworkImpl::forward(torch::Tensor x) {
  if (conv_) x = torch::relu(conv_->forward(x));
  x = x.flatten(1);
  for (size_t i = 0; i + 1 < layers_.size(); ++i) x = torch::relu(layers_[i]->forward(x));
  return layers_.back()->forward(x);
}

void copy_parameters(QNetwork& to, const QNetwork& from) {
  torch::NoGradGuard no_grad;
  const auto src = from->parameters();
  auto dst = to->parameters();
  VALOR_CHECK(src.size() == dst.size());
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
}

void polyak_update(QNetwork& to, const QNetwork& from, double tau) {
  torch::NoGradGuard no_grad;
  const auto src = from->parameters();
  auto dst = to->parameters();
  VALOR_CHECK(src.size() == dst.size());
  for (size_t i = 0; i < src.size(); ++i) dst[i].mul_(1.0 - tau).add_(src[i], tau);
}

}  // namespace valor::agent
