// Self-Play Preference Optimization ("A Minimaximalist Approach to Reinforcement Learning from
// Human Feedback", Swamy et al. 2024, algorithm 1): the reward of a response is its win rate
// against the other samples of the same prompt under the preference model P(y > y') =
// sigma(r(y) - r(y')),
//   w_i = (1/(k-1)) sum_{j != i} P(y_i > y_j),   k = group_size,
// an unbiased estimate of P(y_i > pi) with the policy as its own opponent (self-play), followed
// by the KL-penalised policy gradient on R_i = w_i - beta (log pi(y_i|x) - log pi_ref(y_i|x)).
//
// The baseline: the leave-one-out mean of the win rates is not independent of y_i - since
// P(a > b) + P(b > a) = 1 the group's win rates sum to k/2, so (1/(k-1)) sum_{j != i} w_j =
// (k/2 - w_i)/(k-1), and subtracting it would scale the preference term by k/(k-1). The win term
// takes the constant baseline 1/2 instead (its exact mean in a symmetric game, E_{y, y' ~ pi}
// P(y > y') = 1/2), the KL term the leave-one-out baseline:
//   A_i = (w_i - 1/2) - beta (kl_i - (1/(k-1)) sum_{j != i} kl_j),
// REINFORCE on A; the gradient is unbiased for J below at a fixed opponent.
//
// Population form: preference_game_loss with the opponent pi itself (b = 0), J = E_x [E_{y, y' ~
// pi} P(y > y') - beta KL(pi || pi_ref)], the opponent not differentiated; its stationary point
// pi ~ pi_ref exp(P(y > pi) / beta) is the beta-regularised Nash equilibrium (the minimax winner
// as beta -> 0).
#include "valor/align/online.h"

namespace valor::align {
namespace {

class Spo final : public Method {
 public:
  std::string_view name() const override { return "spo"; }
  double step(StepContext& context, std::vector<float>& gradient) override {
    const size_t k = context.options.group_size;
    const double beta = context.options.beta;
    sample_groups(context, k, sample_, batch_);
    const size_t n = sample_.size();
    std::vector<double> win(n, 0.0), kl(n);
    for (size_t g = 0; g < n; g += k) {
      for (size_t i = g; i < g + k; ++i) {
        for (size_t j = g; j < g + k; ++j) {
          if (j != i) win[i] += preference(sample_.reward[i], sample_.reward[j]);
        }
        win[i] /= static_cast<double>(k - 1);
        kl[i] = sample_.kl(i);
      }
    }
    const std::vector<double> kl_centred = leave_one_out(kl, k);
    std::vector<double> advantages(n);
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) {
      advantages[i] = (win[i] - 0.5) - beta * kl_centred[i];
      total += win[i] - beta * kl[i];
    }
    reinforce_backward(context, batch_, advantages, gradient);
    return -total / static_cast<double>(n);
  }
  double exact_loss(const ExactContext& context, std::vector<double>& coef) const override {
    return preference_game_loss(context, 0.0, coef);
  }

 private:
  OnlineSample sample_;
  SequenceBatch batch_;
};

}  // namespace

std::unique_ptr<Method> make_spo() { return std::make_unique<Spo>(); }

}  // namespace valor::align
