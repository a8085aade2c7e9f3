// Adam and centered RMSProp over a network's parameters, each step one fused pass per parameter
// tensor on its raw floats. Same update rules as LibTorch's torch::optim::Adam and
// torch::optim::RMSprop(centered) (and PyTorch's, which the MinAtar reference uses), without
// their per-operation dispatch: LibTorch spends about eight tensor operations and a state lookup
// per parameter per step, a large share of a small network's update.
//
// One deliberate difference: centered RMSProp's variance estimate square_avg - grad_avg^2 is
// floored at 0 before the square root. Rounding can make it slightly negative when a gradient
// stays nearly constant; LibTorch then writes NaN into the parameter.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace valor::agent {

struct OptimizerOptions {
  std::string kind = "rmsprop_centered";  // or "adam"
  double learning_rate = 2.5e-4;
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_eps = 1e-8;
  double rmsprop_alpha = 0.95, rmsprop_eps = 0.01;
};

class Optimizer {
 public:
  // The parameters must be contiguous float32 tensors; their gradients are created (zero) here.
  // valor::Error for an unknown kind.
  Optimizer(std::vector<torch::Tensor> parameters, const OptimizerOptions& options);

  // Sets every gradient to zero (backward adds into them).
  void zero_grad();
  // The global L2 norm of the gradients; when it exceeds max_norm > 0, scales them by
  // max_norm / (norm + 1e-6), as torch.nn.utils.clip_grad_norm_ does. Returns the norm before.
  double clip_grad_norm(double max_norm);
  // One step with the current gradients.
  void step();
  int64_t steps() const { return steps_; }

  // Step count and moment estimates; load_state fails (valor::Error) on another shape or kind.
  std::string save_state() const;
  void load_state(std::string_view bytes);

 private:
  std::vector<torch::Tensor> params_;
  OptimizerOptions options_;
  // Per parameter: Adam's exp_avg and exp_avg_sq, or RMSProp's square_avg and grad_avg.
  std::vector<std::vector<float>> first_, second_;
  int64_t steps_ = 0;
};

}  // namespace valor::agent
