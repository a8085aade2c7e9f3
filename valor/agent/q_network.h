// Q-networks: the MinAtar network of the MinAtar paper (conv 16 3x3 stride 1 -> ReLU -> linear
// 128 -> ReLU -> linear), and a multilayer perceptron for vector observations. Both output
// actions * K numbers, K the value head's outputs per action (value_head.h).
#pragma once

#include <torch/torch.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "valor/agent/train_config.h"

namespace valor::agent {

struct NetworkSpec {
  std::string kind = "mlp";    // "minatar_conv" or "mlp"
  std::vector<int> obs_shape;  // {C, H, W} for minatar_conv, {D} (or any shape) for mlp
  int num_actions = 0;
  int outputs_per_action = 1;
  std::vector<int> hidden = {128, 128};  // mlp: hidden widths; minatar_conv: {linear width}
};

// "minatar_conv", "mlp"; valor::Error listing them for anything else.
void check_network_kind(std::string_view kind, std::string_view where);

class QNetworkImpl : public torch::nn::Module {
 public:
  // valor::Error for a shape the kind cannot take (minatar_conv needs C x H x W with H, W >= 3).
  explicit QNetworkImpl(const NetworkSpec& spec);
  // [B, obs...] -> [B, num_actions * outputs_per_action].
  torch::Tensor forward(torch::Tensor x);
  // The network below the output layer: [B, obs...] -> [B, H], H = hidden_width() (the input
  // flattened when there is no hidden layer). forward(x) is the output layer applied to it.
  torch::Tensor features(torch::Tensor x);
  int64_t hidden_width() const;
  // The update of a categorical head needs, of the A x K outputs of a sample, only the K of the
  // action taken: taken_outputs computes just those from the features h (B x H, row-major) and
  // the taken actions (B, each < num_actions) into out (B x K): out[b] = W_a h_b + b_a for
  // a = actions[b], the output layer's rows of that action; A times fewer multiply-adds than
  // forward(). Equal to forward()'s outputs up to float rounding (OpenBLAS over the samples of
  // each action in turn).
  void taken_outputs(std::span<const float> h, std::span<const int64_t> actions,
                     std::span<float> out);
  // Its backward, for grad = dL/d(out) (B x K) of the last taken_outputs call, whose grouping by
  // action and gathered rows of h it reuses (h must be unchanged since): adds dL/dW and dL/db to
  // the output layer's gradients (zero elsewhere than the taken actions' rows) and writes
  // dL/dh (B x H) to dh.
  void taken_outputs_backward(std::span<const float> grad, std::span<float> dh);
  // The same function for one observation (obs_size floats) into `out` (num_actions x
  // outputs_per_action), computed in plain loops on the parameters: no autograd, no operator
  // dispatch, no allocation once `scratch` is sized. Acting calls it every frame. Equal to
  // forward() up to float rounding (the sums run in another order).
  void forward_one(std::span<const float> obs, std::span<float> out, std::vector<float>& scratch);
  const NetworkSpec& spec() const { return spec_; }
  // Sets the output layer's bias to `per_action` (outputs_per_action values) for every action.
  void set_output_bias(std::span<const float> per_action);

 private:
  NetworkSpec spec_;
  torch::nn::Conv2d conv_{nullptr};
  std::vector<torch::nn::Linear> layers_;
  // taken_outputs' work space, kept for its backward: the sample order grouped by action, group
  // starts, gathered rows of h.
  std::vector<int64_t> order_, group_start_, next_;
  std::vector<float> rows_, grads_, results_;
  void group_by_action(std::span<const int64_t> actions);
};
TORCH_MODULE(QNetwork);

// Copies every parameter and buffer of `from` into `to` (same architecture).
void copy_parameters(QNetwork& to, const QNetwork& from);
// to = tau * from + (1 - tau) * to, parameter by parameter.
void polyak_update(QNetwork& to, const QNetwork& from, double tau);

}  // namespace valor::agent
