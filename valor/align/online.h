// The shared machinery of the lab's online methods (rlhf.cc: rloo and ppo, grpo.cc, nash_md.cc,
// spo.cc; docs/algorithms.md section 7): groups of responses sampled from the policy per prompt,
// scored by the step's RewardFunction, with their log-probabilities under the policy and the
// frozen reference, the KL-penalised reward, baselines, the REINFORCE and PPO-clipped gradient
// coefficients, the geometric-mixture sampler of Nash-MD, and the population (exact) forms.
//
// Notation: a group is k = group_size responses y_1..y_k of one prompt x; kl_i = log pi(y_i|x) -
// log pi_ref(y_i|x) (the single-sample estimate of KL(pi || pi_ref)); R_i = r_i - beta kl_i the
// KL-penalised reward of Ouyang et al. 2022, treated as a constant (no gradient through kl_i).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "valor/align/method.h"

namespace valor::align {

// batch_size prompts (drawn uniformly, with replacement) times group responses each; row i
// answers prompts[i], the rows of a group are contiguous (group g: rows g k .. g k + k - 1).
struct OnlineSample {
  size_t groups = 0, group = 0;
  std::vector<int32_t> prompts;                    // n = groups * group
  std::vector<uint8_t> tokens;                     // n x L
  std::vector<double> reward;                      // r(x_i, y_i)
  std::vector<float> token_log_pi, token_log_ref;  // n x L, at sampling time
  std::vector<double> log_pi, log_ref;             // per sequence, at sampling time
  size_t size() const { return prompts.size(); }
  double kl(size_t i) const { return log_pi[i] - log_ref[i]; }
};

// Draws options.batch_size prompts and `group` responses each from context.policy, scores them
// with context.reward and evaluates them under pi_ref and then under the policy into
// `policy_batch` (so that policy_batch.backward() may follow directly).
void sample_groups(StepContext& context, size_t group, OnlineSample& sample,
                   SequenceBatch& policy_batch);

// Draws a response for each prompts[i] from the token-level geometric mixture pi_mu: at every
// node the next token has logits (1 - b) logits_pi + b logits_ref (Munos et al. 2023, section 7:
// the mixture is taken per token, which is what an autoregressive sampler can draw).
void sample_geometric_mixture(Policy& policy, Policy& reference, double b,
                              std::span<const int32_t> prompts, Rng& rng,
                              std::vector<uint8_t>& tokens);

// Leave-one-out baseline per group (Ahmadian et al. 2024, eq. 7 / Kool et al. 2019):
// out_i = v_i - (1 / (k - 1)) sum_{j != i, same group} v_j. k >= 2.
std::vector<double> leave_one_out(std::span<const double> values, size_t group);

// The REINFORCE step of a loss -(1/n) sum_i A_i log pi(y_i|x_i) with constant advantages A:
// adds its gradient to `gradient` (policy_batch must be the policy's last evaluation).
void reinforce_backward(StepContext& context, SequenceBatch& policy_batch,
                        std::span<const double> advantages, std::vector<float>& gradient);

// The PPO clipped surrogate per token (Schulman et al. 2017, eq. 7) with ratio rho_it =
// pi(y_it | ...) / pi_old(y_it | ...) and the sequence's advantage A_i:
//   l_it = -min(rho_it A_i, clip(rho_it, 1 - eps, 1 + eps) A_i),
// whose derivative wrt log pi(y_it | ...) is -rho_it A_i where the unclipped term is the minimum
// and 0 where the clipped one binds (A > 0 and rho > 1 + eps, or A < 0 and rho < 1 - eps).
// Writes weight * dl_it / d log pi into coef (n x L) and returns weight * sum_it l_it.
double clipped_surrogate(std::span<const float> token_log_pi, std::span<const float> token_log_old,
                         std::span<const double> advantages, size_t length, double clip,
                         double weight, std::vector<float>& coef);

// GRPO's KL penalty per token (Shao et al. 2024, eq. 4; Schulman's "k3" estimator of
// KL(pi || pi_ref) under samples from pi): D_t = pi_ref/pi - log(pi_ref/pi) - 1 >= 0, token
// probabilities, with dD_t / d log pi = 1 - pi_ref/pi. Adds weight * dD_t / d log pi to coef
// (sized like token_log_pi) and returns weight * sum_t D_t.
double k3_penalty(std::span<const float> token_log_pi, std::span<const float> token_log_ref,
                  double weight, std::vector<float>& coef);

// The Bradley-Terry preference model of Nash-MD and SPO on the reward: P(a > b) = sigma(r_a - r_b).
double preference(double reward_a, double reward_b);

// Population forms, all over the P x N tables of ExactContext (uniform prompts).
// The KL-regularised objective J(pi) = (1/P) sum_x sum_y pi(y|x) [u(x, y) - beta (log pi(y|x) -
// log pi_ref(y|x))] = E_x [E_pi u - beta KL(pi || pi_ref)], maximised by pi ~ pi_ref exp(u / beta).
// Returns the loss -J and coef[x N + y] = dL / d log pi(y|x), log pi(y|x) taken as the free
// variable (the trainer's ExactDistribution::backward maps it through the softmaxes):
//   d/d log pi(y) of pi(y) [u(y) - beta (log pi(y) - log pi_ref(y))] = pi(y) [u(y) - beta kl(y) -
//   beta],
// so coef = -(1/P) pi(y|x) (u - beta kl - beta). Any per-prompt baseline c pi(y|x) added to coef
// leaves the parameter gradient unchanged (sum_y pi(y) d log pi(y) = d sum_y pi(y) = 0), which is
// why the sampled forms may subtract one.
double kl_regularised_loss(const SequenceShape& shape, std::span<const double> log_pi,
                           std::span<const double> log_ref, std::span<const double> utility,
                           double beta, std::vector<double>& coef);

// log pi_mu(y) for one prompt from the N log-probabilities of pi and pi_ref: the token-level
// geometric mixture that sample_geometric_mixture draws from. Each node's conditional is
// recovered by marginalising the sequence probabilities, log pi(y_t | y_<t) = log pi(y_<=t) -
// log pi(y_<t), then mixed as (1 - b) log pi(. | y_<t) + b log pi_ref(. | y_<t) and renormalised.
std::vector<double> token_mixture_log_probs(const SequenceShape& shape,
                                            std::span<const double> log_pi,
                                            std::span<const double> log_ref, double b);

// w(y) = P(y > opponent) = sum_y' opponent(y') sigma(r(y) - r(y')), for one prompt.
std::vector<double> win_rates(std::span<const double> log_opponent, std::span<const double> reward);

// The population objective of a preference game step (Nash-MD with b = mixture, SPO with b = 0):
// J at a fixed opponent pi_mu (its dependence on pi is not differentiated: the methods' sampled
// gradients hold the opponent's samples fixed too), J = E_x [E_{y ~ pi, y' ~ pi_mu} P(y > y') -
// beta KL(pi || pi_ref)], i.e. kl_regularised_loss with u = P(y > pi_mu). A stationary point is a
// fixed point pi ~ pi_ref exp(P(y > pi_mu(pi)) / beta); with b = 0 it is the beta-regularised
// Nash equilibrium (the minimax winner as beta -> 0).
double preference_game_loss(const ExactContext& context, double mixture, std::vector<double>& coef);

}  // namespace valor::align
