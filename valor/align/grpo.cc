// Group Relative Policy Optimization ("DeepSeekMath: Pushing the Limits of Mathematical Reasoning
// in Open Language Models", Shao et al. 2024, eq. 3 and 4, outcome supervision): per prompt a
// group of G = group_size responses sampled from pi_old, the group-normalised advantage
//   A_i = (r_i - mean_j r_j) / (std_j r_j + eps)     (std with 1 / (G - 1), eps = 1e-4),
// the same for every token of y_i, and the objective, averaged over the n = batch_size G responses
// and their L tokens,
//   J = (1/n) sum_i (1/L) sum_t [min(rho_it A_i, clip(rho_it, 1 - clip, 1 + clip) A_i)
//                                - beta D_it],
//   rho_it = pi(y_it|...) / pi_old(y_it|...),
//   D_it = pi_ref(y_it|...) / pi(y_it|...) - log(pi_ref(y_it|...) / pi(y_it|...)) - 1,
// D the k3 estimator of KL(pi || pi_ref) (unbiased for the token KL under samples from pi, and
// >= 0), evaluated at the current pi: dD/d log pi = 1 - pi_ref / pi. Unlike rlhf.cc the KL is a
// loss term, not part of the reward. update_epochs gradient steps per batch, one per step() call.
// No population form: the normalisation by the group's std has no closed form over pi.
#include <cmath>

#include "valor/align/online.h"

namespace valor::align {
namespace {

constexpr double kStdEpsilon = 1e-4;

class Grpo final : public Method {
 public:
  std::string_view name() const override { return "grpo"; }
  double step(StepContext& context, std::vector<float>& gradient) override {
    const auto len = static_cast<size_t>(context.task.shape().length);
    const double beta = context.options.beta;
    if (epoch_ == 0) {
      sample_groups(context, context.options.group_size, sample_, batch_);
      group_advantages();
    } else {
      batch_.evaluate(context.policy, sample_.prompts, sample_.tokens);
    }
    epoch_ = (epoch_ + 1) % context.options.update_epochs;
    const double weight = 1.0 / static_cast<double>(sample_.size() * len);
    double loss = clipped_surrogate(batch_.token_log_probs(), sample_.token_log_pi, advantages_,
                                    len, context.options.clip, weight, coef_);
    loss += k3_penalty(batch_.token_log_probs(), sample_.token_log_ref, weight * beta, coef_);
    batch_.backward(context.policy, coef_, gradient);
    return loss;
  }

 private:
  void group_advantages() {
    const size_t k = sample_.group;
    advantages_.resize(sample_.size());
    for (size_t g = 0; g < sample_.size(); g += k) {
      double mean = 0.0;
      for (size_t i = g; i < g + k; ++i) mean += sample_.reward[i] / static_cast<double>(k);
      double ss = 0.0;
      for (size_t i = g; i < g + k; ++i)
        ss += (sample_.reward[i] - mean) * (sample_.reward[i] - mean);
      const double sd = std::sqrt(ss / static_cast<double>(k - 1));
      for (size_t i = g; i < g + k; ++i)
        advantages_[i] = (sample_.reward[i] - mean) / (sd + kStdEpsilon);
    }
  }

  int epoch_ = 0;
  OnlineSample sample_;
  SequenceBatch batch_;
  std::vector<double> advantages_;
  std::vector<float> coef_;
};

}  // namespace

std::unique_ptr<Method> make_grpo() { return std::make_unique<Grpo>(); }

}  // namespace valor::align
