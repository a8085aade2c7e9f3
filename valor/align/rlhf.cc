// RLHF by policy gradient on the KL-penalised reward (Ouyang et al. 2022, "Training language
// models to follow instructions with human feedback", eq. 2; Stiennon et al. 2020):
//   J(pi) = E_x E_{y ~ pi(.|x)} [r(x, y)] - beta KL(pi(.|x) || pi_ref(.|x)),
// maximised by pi*_beta(y|x) ~ pi_ref(y|x) exp(r(x, y) / beta). Per sampled sequence the penalty
// enters the reward, R_i = r_i - beta (log pi(y_i|x) - log pi_ref(y_i|x)), treated as a constant;
// E_pi[R grad log pi] = grad J since E_pi[grad log pi] = 0 (which also absorbs the -beta that the
// derivative of the entropy term adds).
//
// - rloo ("Back to Basics: Revisiting REINFORCE Style Optimization for Learning from Human
//   Feedback in LLMs", Ahmadian et al. 2024): k = group_size samples per prompt and the
//   leave-one-out baseline, A_i = R_i - (1/(k-1)) sum_{j != i} R_j; the loss
//   -(1/n) sum_i A_i log pi(y_i|x_i) has an unbiased gradient of -J (the baseline of y_i is
//   independent of y_i).
// - ppo ("Proximal Policy Optimization Algorithms", Schulman et al. 2017, eq. 7, in the RLHF
//   setting of Ouyang et al. 2022): the same samples, rewards and leave-one-out advantages -
//   *no value network*: the critic is replaced by the group's leave-one-out baseline, as in RLOO
//   - then update_epochs gradient steps on the batch with the token-level clipped surrogate
//   -(1/n) sum_i sum_t min(rho_it A_i, clip(rho_it, 1 - clip, 1 + clip) A_i), rho_it =
//   pi(y_it|...) / pi_old(y_it|...). Each step() call is one of those gradient steps; a new batch
//   is drawn every update_epochs calls. At the first step of a batch rho = 1, the clipping is
//   inactive, and the gradient is rloo's.
//
// Both have the population form -J (kl_regularised_loss with u = r): for ppo the surrogate at
// the on-policy point pi_old = pi has the gradient of J, so its exact form is RLHF's objective.
#include "valor/align/online.h"

namespace valor::align {
namespace {

double mean(std::span<const double> v) {
  double total = 0.0;
  for (double x : v) total += x;
  return total / static_cast<double>(v.size());
}

// R_i = r_i - beta kl_i.
std::vector<double> penalised_rewards(const OnlineSample& sample, double beta) {
  std::vector<double> r(sample.size());
  for (size_t i = 0; i < r.size(); ++i) r[i] = sample.reward[i] - beta * sample.kl(i);
  return r;
}

class Rloo final : public Method {
 public:
  std::string_view name() const override { return "rloo"; }
  double step(StepContext& context, std::vector<float>& gradient) override {
    sample_groups(context, context.options.group_size, sample_, batch_);
    const std::vector<double> r = penalised_rewards(sample_, context.options.beta);
    reinforce_backward(context, batch_, leave_one_out(r, sample_.group), gradient);
    return -mean(r);  // the estimate of -J
  }
  double exact_loss(const ExactContext& context, std::vector<double>& coef) const override {
    return kl_regularised_loss(context.shape, context.log_pi, context.log_ref, context.reward,
                               context.options.beta, coef);
  }

 private:
  OnlineSample sample_;
  SequenceBatch batch_;
};

class Ppo final : public Method {
 public:
  std::string_view name() const override { return "ppo"; }
  double step(StepContext& context, std::vector<float>& gradient) override {
    const auto len = static_cast<size_t>(context.task.shape().length);
    if (epoch_ == 0) {
      // A fresh batch from pi_old = the current policy; batch_ is its evaluation.
      sample_groups(context, context.options.group_size, sample_, batch_);
      advantages_ = leave_one_out(penalised_rewards(sample_, context.options.beta), sample_.group);
    } else {
      batch_.evaluate(context.policy, sample_.prompts, sample_.tokens);
    }
    epoch_ = (epoch_ + 1) % context.options.update_epochs;
    const double loss =
        clipped_surrogate(batch_.token_log_probs(), sample_.token_log_pi, advantages_, len,
                          context.options.clip, 1.0 / static_cast<double>(sample_.size()), coef_);
    batch_.backward(context.policy, coef_, gradient);
    return loss;
  }
  double exact_loss(const ExactContext& context, std::vector<double>& coef) const override {
    return kl_regularised_loss(context.shape, context.log_pi, context.log_ref, context.reward,
                               context.options.beta, coef);
  }

 private:
  int epoch_ = 0;
  OnlineSample sample_;
  SequenceBatch batch_;
  std::vector<double> advantages_;
  std::vector<float> coef_;
};

}  // namespace

std::unique_ptr<Method> make_rloo() { return std::make_unique<Rloo>(); }
std::unique_ptr<Method> make_ppo() { return std::make_unique<Ppo>(); }

}  // namespace valor::align
