#include "valor/align/online.h"

#include <algorithm>
#include <cmath>

#include "valor/align/exact.h"
#include "valor/core/error.h"

namespace valor::align {

void sample_groups(StepContext& context, size_t group, OnlineSample& sample,
                   SequenceBatch& policy_batch) {
  VALOR_CHECK(context.reward != nullptr, "online methods need a reward function");
  VALOR_CHECK(group >= 1);
  const size_t groups = context.options.batch_size;
  const auto prompts = static_cast<uint64_t>(context.task.shape().prompts);
  const auto len = static_cast<size_t>(context.task.shape().length);
  sample.groups = groups;
  sample.group = group;
  sample.prompts.resize(groups * group);
  for (size_t g = 0; g < groups; ++g) {
    const auto x = static_cast<int32_t>(context.rng.below(prompts));
    std::fill_n(sample.prompts.begin() + static_cast<std::ptrdiff_t>(g * group), group, x);
  }
  const size_t n = sample.size();
  sample_sequences(context.policy, sample.prompts, context.rng, sample.tokens);
  sample.reward.resize(n);
  context.reward->score(sample.prompts, sample.tokens, sample.reward.data());

  SequenceBatch reference;
  reference.evaluate(context.reference, sample.prompts, sample.tokens);
  sample.token_log_ref = reference.token_log_probs();
  policy_batch.evaluate(context.policy, sample.prompts, sample.tokens);
  sample.token_log_pi = policy_batch.token_log_probs();
  sample.log_pi.resize(n);
  sample.log_ref.resize(n);
  for (size_t i = 0; i < n; ++i) {
    sample.log_pi[i] = policy_batch.sequence_log_prob(i);
    sample.log_ref[i] = reference.sequence_log_prob(i);
  }
  VALOR_CHECK(sample.token_log_pi.size() == n * len);
}

void sample_geometric_mixture(Policy& policy, Policy& reference, double b,
                              std::span<const int32_t> prompts, Rng& rng,
                              std::vector<uint8_t>& tokens) {
  const auto len = static_cast<size_t>(policy.shape().length);
  const auto v = static_cast<size_t>(policy.shape().vocab);
  const size_t n = prompts.size();
  tokens.assign(n * len, 0);
  std::vector<int32_t> positions(n);
  std::vector<float> pi(n * v), ref(n * v);
  std::vector<double> mixed(v);
  for (size_t t = 0; t < len; ++t) {
    std::fill(positions.begin(), positions.end(), static_cast<int32_t>(t));
    const NodeBatch nodes{prompts, positions, tokens};
    policy.logits(nodes, pi.data());
    reference.logits(nodes, ref.data());
    for (size_t i = 0; i < n; ++i) {
      // Logits are log-probabilities up to a per-node constant, so mixing logits mixes the
      // conditionals geometrically: softmax((1-b) l_pi + b l_ref) ~ pi^(1-b) pi_ref^b.
      for (size_t k = 0; k < v; ++k) {
        mixed[k] = (1.0 - b) * static_cast<double>(pi[i * v + k]) +
                   b * static_cast<double>(ref[i * v + k]);
      }
      const double top = *std::max_element(mixed.begin(), mixed.end());
      double z = 0.0;
      for (double& m : mixed) z += (m = std::exp(m - top));
      tokens[i * len + t] = static_cast<uint8_t>(rng.weighted_index(mixed, z));
    }
  }
}

std::vector<double> leave_one_out(std::span<const double> values, size_t group) {
  VALOR_CHECK(group >= 2 && values.size() % group == 0, "{} values in groups of {}", values.size(),
              group);
  std::vector<double> out(values.size());
  const auto others = static_cast<double>(group - 1);
  for (size_t g = 0; g < values.size(); g += group) {
    double total = 0.0;
    for (size_t i = g; i < g + group; ++i) total += values[i];
    for (size_t i = g; i < g + group; ++i) out[i] = values[i] - (total - values[i]) / others;
  }
  return out;
}

void reinforce_backward(StepContext& context, SequenceBatch& policy_batch,
                        std::span<const double> advantages, std::vector<float>& gradient) {
  const size_t n = policy_batch.size();
  const auto len = static_cast<size_t>(context.task.shape().length);
  VALOR_CHECK(advantages.size() == n);
  std::vector<float> coef(n * len);
  for (size_t i = 0; i < n; ++i) {
    // d/d log pi(y_it | ...) of -(1/n) A_i sum_t log pi(y_it | ...).
    std::fill_n(coef.begin() + static_cast<std::ptrdiff_t>(i * len), len,
                static_cast<float>(-advantages[i] / static_cast<double>(n)));
  }
  policy_batch.backward(context.policy, coef, gradient);
}

double clipped_surrogate(std::span<const float> token_log_pi, std::span<const float> token_log_old,
                         std::span<const double> advantages, size_t length, double clip,
                         double weight, std::vector<float>& coef) {
  VALOR_CHECK(token_log_pi.size() == token_log_old.size() &&
              token_log_pi.size() == advantages.size() * length);
  coef.assign(token_log_pi.size(), 0.0f);
  double loss = 0.0;
  for (size_t i = 0; i < advantages.size(); ++i) {
    const double a = advantages[i];
    for (size_t t = 0; t < length; ++t) {
      const size_t j = i * length + t;
      const double rho =
          std::exp(static_cast<double>(token_log_pi[j]) - static_cast<double>(token_log_old[j]));
      const double clipped = std::clamp(rho, 1.0 - clip, 1.0 + clip);
      const double unclipped_term = rho * a, clipped_term = clipped * a;
      if (unclipped_term <= clipped_term) {
        loss -= weight * unclipped_term;
        coef[j] = static_cast<float>(-weight * rho * a);  // d rho / d log pi = rho
      } else {
        loss -= weight * clipped_term;  // constant in pi: no gradient
      }
    }
  }
  return loss;
}

double k3_penalty(std::span<const float> token_log_pi, std::span<const float> token_log_ref,
                  double weight, std::vector<float>& coef) {
  VALOR_CHECK(token_log_pi.size() == token_log_ref.size() && coef.size() == token_log_pi.size());
  double loss = 0.0;
  for (size_t j = 0; j < coef.size(); ++j) {
    const double log_ratio =
        static_cast<double>(token_log_ref[j]) - static_cast<double>(token_log_pi[j]);
    const double ratio = std::exp(log_ratio);
    loss += weight * (ratio - log_ratio - 1.0);
    coef[j] += static_cast<float>(weight * (1.0 - ratio));
  }
  return loss;
}

double preference(double reward_a, double reward_b) { return sigmoid(reward_a - reward_b); }

double kl_regularised_loss(const SequenceShape& shape, std::span<const double> log_pi,
                           std::span<const double> log_ref, std::span<const double> utility,
                           double beta, std::vector<double>& coef) {
  VALOR_CHECK(log_pi.size() == log_ref.size() && log_pi.size() == utility.size());
  VALOR_CHECK(log_pi.size() == shape.num_sequences() * static_cast<uint64_t>(shape.prompts));
  const auto prompts = static_cast<double>(shape.prompts);
  coef.assign(log_pi.size(), 0.0);
  double loss = 0.0;
  for (size_t j = 0; j < log_pi.size(); ++j) {
    const double p = std::exp(log_pi[j]);
    if (p == 0.0) continue;  // the limit of p log p
    const double kl = log_pi[j] - log_ref[j];
    loss -= p * (utility[j] - beta * kl) / prompts;
    coef[j] = -p * (utility[j] - beta * kl - beta) / prompts;
  }
  return loss;
}

std::vector<double> token_mixture_log_probs(const SequenceShape& shape,
                                            std::span<const double> log_pi,
                                            std::span<const double> log_ref, double b) {
  const auto v = static_cast<size_t>(shape.vocab);
  const auto len = static_cast<size_t>(shape.length);
  VALOR_CHECK(log_pi.size() == shape.num_sequences() && log_ref.size() == log_pi.size());
  // marginal[t][j]: log-probability of the level-t prefix j (t = 0..L), for pi and pi_ref.
  auto marginals = [&](std::span<const double> log_p) {
    std::vector<std::vector<double>> m(len + 1);
    m[len].assign(log_p.begin(), log_p.end());
    for (size_t t = len; t-- > 0;) {
      m[t].resize(m[t + 1].size() / v);
      for (size_t j = 0; j < m[t].size(); ++j) {
        m[t][j] = log_sum_exp(std::span<const double>(m[t + 1]).subspan(j * v, v));
      }
    }
    return m;
  };
  const auto mp = marginals(log_pi), mr = marginals(log_ref);
  // Forward over the levels: log pi_mu of each level-(t+1) prefix.
  std::vector<double> level(1, 0.0), next, mixed(v);
  for (size_t t = 0; t < len; ++t) {
    next.resize(level.size() * v);
    for (size_t j = 0; j < level.size(); ++j) {
      for (size_t k = 0; k < v; ++k) {
        const double cond_pi = mp[t + 1][j * v + k] - mp[t][j];
        const double cond_ref = mr[t + 1][j * v + k] - mr[t][j];
        mixed[k] = (1.0 - b) * cond_pi + b * cond_ref;
      }
      const double log_z = log_sum_exp(mixed);
      for (size_t k = 0; k < v; ++k) next[j * v + k] = level[j] + mixed[k] - log_z;
    }
    level.swap(next);
  }
  return level;
}

std::vector<double> win_rates(std::span<const double> log_opponent,
                              std::span<const double> reward) {
  VALOR_CHECK(log_opponent.size() == reward.size());
  std::vector<double> w(reward.size(), 0.0);
  for (size_t z = 0; z < reward.size(); ++z) {
    const double q = std::exp(log_opponent[z]);
    if (q == 0.0) continue;
    for (size_t y = 0; y < reward.size(); ++y) w[y] += q * preference(reward[y], reward[z]);
  }
  return w;
}

double preference_game_loss(const ExactContext& context, double mixture,
                            std::vector<double>& coef) {
  const uint64_t n = context.shape.num_sequences();
  std::vector<double> utility(context.log_pi.size());
  for (int x = 0; x < context.shape.prompts; ++x) {
    const size_t base = static_cast<size_t>(x) * n;
    const auto log_pi = context.log_pi.subspan(base, n);
    const auto log_ref = context.log_ref.subspan(base, n);
    const std::vector<double> opponent =
        mixture == 0.0 ? std::vector<double>(log_pi.begin(), log_pi.end())
                       : token_mixture_log_probs(context.shape, log_pi, log_ref, mixture);
    const std::vector<double> w = win_rates(opponent, context.reward.subspan(base, n));
    std::copy(w.begin(), w.end(), utility.begin() + static_cast<std::ptrdiff_t>(base));
  }
  return kl_regularised_loss(context.shape, context.log_pi, context.log_ref, utility,
                             context.options.beta, coef);
}

}  // namespace valor::align
