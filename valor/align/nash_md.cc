// Nash-MD ("Nash Learning from Human Feedback", Munos et al. 2023, sections 6 and 7), the policy
// gradient form (Nash-MD-PG): a preference model P(y > y') = sigma(r(y) - r(y')) from the reward
// (Bradley-Terry); the alternative policy, the geometric mixture of the current policy and the
// reference,
//   pi_mu(y|x) ~ pi(y|x)^(1-b) pi_ref(y|x)^b,   b = mixture,
// drawn token by token with logits (1 - b) logits_pi + b logits_ref at each node (the paper's
// practical approximation of the sequence-level mixture); and a step of gradient ascent on
//   J(pi) = E_x [E_{y ~ pi, y' ~ pi_mu} P(y > y') - beta KL(pi || pi_ref)]
// with pi_mu held fixed (it is not differentiated). Per prompt, k = group_size responses y_i from
// pi and k from pi_mu; R_i = (1/k) sum_j P(y_i > y'_j) - beta (log pi(y_i|x) - log pi_ref(y_i|x));
// REINFORCE with the leave-one-out baseline over the y_i (unbiased: the baseline of y_i depends on
// the y'_j and the other y_l only, all independent of y_i).
//
// Population form: preference_game_loss with pi_mu the exact token-level mixture of the current
// pi; its stationary points satisfy pi ~ pi_ref exp(P(y > pi_mu(pi)) / beta) - the fixed-point
// equation of the paper's mirror-descent step pi_{t+1} ~ pi_mu exp(eta P(y > pi_mu)) with
// regularisation tau = beta and b = eta tau (there with the sequence-level mixture).
#include "valor/align/online.h"

namespace valor::align {
namespace {

class NashMd final : public Method {
 public:
  std::string_view name() const override { return "nash_md"; }
  double step(StepContext& context, std::vector<float>& gradient) override {
    const size_t k = context.options.group_size;
    // The policy's samples first, then the opponents' for the same prompts; sample_groups's
    // policy evaluation must be the policy's last logits() call, so it is redone below.
    sample_groups(context, k, sample_, batch_);
    sample_geometric_mixture(context.policy, context.reference, context.options.mixture,
                             sample_.prompts, context.rng, opponent_tokens_);
    opponent_reward_.resize(sample_.size());
    context.reward->score(sample_.prompts, opponent_tokens_, opponent_reward_.data());
    batch_.evaluate(context.policy, sample_.prompts, sample_.tokens);

    std::vector<double> r(sample_.size());
    double total = 0.0;
    for (size_t g = 0; g < sample_.size(); g += k) {
      for (size_t i = g; i < g + k; ++i) {
        double win = 0.0;
        for (size_t j = g; j < g + k; ++j)
          win += preference(sample_.reward[i], opponent_reward_[j]);
        r[i] = win / static_cast<double>(k) - context.options.beta * sample_.kl(i);
        total += r[i];
      }
    }
    reinforce_backward(context, batch_, leave_one_out(r, k), gradient);
    return -total / static_cast<double>(sample_.size());
  }
  double exact_loss(const ExactContext& context, std::vector<double>& coef) const override {
    return preference_game_loss(context, context.options.mixture, coef);
  }

 private:
  OnlineSample sample_;
  SequenceBatch batch_;
  std::vector<uint8_t> opponent_tokens_;
  std::vector<double> opponent_reward_;
};

}  // namespace

std::unique_ptr<Method> make_nash_md() { return std::make_unique<NashMd>(); }

}  // namespace valor::align
