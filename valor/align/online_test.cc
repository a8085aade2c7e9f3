// The online methods (rlhf.cc, grpo.cc, nash_md.cc, spo.cc): their population forms converge to
// the known optima on an enumerable task with a tabular policy, their derivatives equal finite
// differences, their sampled gradients are unbiased for the population gradient, sampled
// training raises the gold reward, and bad options are errors.
#include "valor/align/online.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "valor/align/exact.h"
#include "valor/align/testing_exact.h"
#include "valor/align/trainer.h"
#include "valor/core/error.h"

namespace valor::align {
namespace {

using testing::prompt_of;
using testing::small_task;
using testing::train_exact;
using testing::Trained;

// A tabular policy near pi_ref but not equal to it (so that the KL terms are active).
TabularPolicy perturbed_policy(const Task& task, uint64_t seed) {
  MlpPolicy reference = task.reference();
  TabularPolicy policy = TabularPolicy::copy_of(reference);
  Rng rng(seed);
  for (float& p : policy.parameters()) p += static_cast<float>(0.5 * rng.normal());
  return policy;
}

// The exact tables of a policy: log pi, log pi_ref and the gold reward.
struct Tables {
  std::vector<double> log_pi, log_ref, gold;
};
Tables tables_of(const Task& task, Policy& policy) {
  MlpPolicy reference = task.reference();
  ExactDistribution d(task.shape());
  d.evaluate(reference);
  Tables t;
  t.log_ref.assign(d.log_probs().begin(), d.log_probs().end());
  d.evaluate(policy);
  t.log_pi.assign(d.log_probs().begin(), d.log_probs().end());
  t.gold = reward_table(GoldReward(task), task.shape());
  return t;
}

// --- (a) exact convergence ---------------------------------------------------------------------

TEST(AlignOnlineExact, RlooAndPpoConvergeToTheKlRegularisedOptimum) {
  const Task task(small_task());
  MethodOptions options;
  options.beta = 0.5;
  const uint64_t n = task.shape().num_sequences();
  for (const char* method : {"rloo", "ppo"}) {
    const Trained t = train_exact(task, method, options, 3000, 0.05);
    for (int x = 0; x < task.shape().prompts; ++x) {
      const auto optimum =
          kl_optimum(prompt_of(t.log_ref, x, n), prompt_of(t.gold, x, n), options.beta);
      const double tv = total_variation(prompt_of(t.log_pi, x, n), optimum);
      std::printf("%s prompt %d: TV(pi, pi*_beta) = %.3g\n", method, x, tv);
      EXPECT_LT(tv, 1e-3) << method << " prompt " << x;
      EXPECT_GT(total_variation(prompt_of(t.log_ref, x, n), optimum), 0.05);  // a real move
    }
  }
}

// Nash-MD (mixture b) and SPO (b = 0) converge to the fixed point pi ~ pi_ref exp(P(y > pi_mu(pi))
// / beta), pi_mu computed from the trained pi.
TEST(AlignOnlineExact, PreferenceGamesConvergeToTheirFixedPoints) {
  const Task task(small_task());
  const uint64_t n = task.shape().num_sequences();
  for (const char* method : {"nash_md", "spo"}) {
    MethodOptions options;
    options.beta = 0.1;
    options.mixture = std::string(method) == "spo" ? 0.0 : 0.25;
    const Trained t = train_exact(task, method, options, 3000, 0.05);
    for (int x = 0; x < task.shape().prompts; ++x) {
      const auto log_pi = prompt_of(t.log_pi, x, n);
      const auto log_ref = prompt_of(t.log_ref, x, n);
      const std::vector<double> opponent =
          token_mixture_log_probs(task.shape(), log_pi, log_ref, options.mixture);
      const std::vector<double> w = win_rates(opponent, prompt_of(t.gold, x, n));
      const auto fixed_point = kl_optimum(log_ref, w, options.beta);
      const double tv = total_variation(log_pi, fixed_point);
      std::printf("%s prompt %d: TV(pi, fixed point) = %.3g\n", method, x, tv);
      EXPECT_LT(tv, 1e-3) << method << " prompt " << x;
      EXPECT_GT(total_variation(log_ref, fixed_point), 0.05);
      // and it is not RLHF's optimum at the same beta.
      EXPECT_GT(total_variation(log_pi, kl_optimum(log_ref, prompt_of(t.gold, x, n), options.beta)),
                0.05);
    }
  }
}

// --- (b) derivatives ---------------------------------------------------------------------------

TEST(AlignOnlineExact, KlRegularisedLossDerivativeEqualsFiniteDifferences) {
  const SequenceShape shape{2, 2, 2};
  Rng rng(3);
  std::vector<double> log_pi(8), log_ref(8), reward(8);
  for (size_t j = 0; j < 8; ++j) {
    log_pi[j] = -1.5 + 0.5 * rng.normal();  // free variables: no normalisation needed
    log_ref[j] = -1.4 + 0.5 * rng.normal();
    reward[j] = rng.normal();
  }
  MethodOptions options;
  options.beta = 0.3;
  const ExactContext context{shape, log_pi, log_ref, reward, options};
  for (const char* name : {"rloo", "ppo"}) {
    auto method = find_method(name).make();
    std::vector<double> coef, unused;
    method->exact_loss(context, coef);
    for (size_t j = 0; j < 8; ++j) {
      const double e = 1e-6;
      std::vector<double> plus = log_pi, minus = log_pi;
      plus[j] += e;
      minus[j] -= e;
      const double fd = (method->exact_loss({shape, plus, log_ref, reward, options}, unused) -
                         method->exact_loss({shape, minus, log_ref, reward, options}, unused)) /
                        (2 * e);
      EXPECT_NEAR(coef[j], fd, 1e-7) << name << " y " << j;
    }
  }
}

// Through the trainer's chain: the parameter gradient of exact_loss by ExactDistribution::backward
// equals finite differences of the loss in the tabular logits.
TEST(AlignOnlineExact, RlooParameterGradientEqualsFiniteDifferences) {
  const Task task(small_task());
  TabularPolicy policy = perturbed_policy(task, 5);
  MethodOptions options;
  options.beta = 0.3;
  auto method = find_method("rloo").make();
  Tables t = tables_of(task, policy);
  auto loss_of = [&](Policy& p, std::vector<float>* gradient) {
    ExactDistribution d(task.shape());
    d.evaluate(p);
    std::vector<double> coef;
    const double loss =
        method->exact_loss({task.shape(), d.log_probs(), t.log_ref, t.gold, options}, coef);
    if (gradient != nullptr) d.backward(p, coef, *gradient);
    return loss;
  };
  std::vector<float> gradient(policy.parameters().size(), 0.0f);
  loss_of(policy, &gradient);
  double worst = 0.0;
  for (size_t j = 0; j < policy.parameters().size(); j += 5) {
    TabularPolicy plus = policy, minus = policy;
    const float e = 1e-2f;
    plus.parameters()[j] += e;
    minus.parameters()[j] -= e;
    const double fd = (loss_of(plus, nullptr) - loss_of(minus, nullptr)) / (2.0 * e);
    worst = std::max(worst, std::abs(fd - static_cast<double>(gradient[j])));
    EXPECT_NEAR(gradient[j], fd, 2e-5) << "parameter " << j;
  }
  EXPECT_GT(worst, 0.0);
}

// The preference games' population forms are the KL-regularised loss with the win rate against
// the opponent as utility; the opponent pi_mu checked independently as a tabular policy whose
// logits are (1 - b) logits_pi + b logits_ref at every node.
TEST(AlignOnlineExact, PreferenceGameLossUsesTheWinRateAgainstTheMixture) {
  const Task task(small_task());
  TabularPolicy policy = perturbed_policy(task, 6);
  MlpPolicy reference = task.reference();
  const TabularPolicy reference_table = TabularPolicy::copy_of(reference);
  const TabularPolicy policy_table = TabularPolicy::copy_of(policy);
  const Tables t = tables_of(task, policy);
  const uint64_t n = task.shape().num_sequences();
  for (double b : {0.0, 0.3, 1.0}) {
    TabularPolicy mixed(task.shape());
    for (size_t j = 0; j < mixed.parameters().size(); ++j) {
      mixed.parameters()[j] = static_cast<float>((1.0 - b) * policy_table.parameters()[j] +
                                                 b * reference_table.parameters()[j]);
    }
    ExactDistribution d(task.shape());
    d.evaluate(mixed);
    std::vector<double> utility(t.log_pi.size());
    for (int x = 0; x < task.shape().prompts; ++x) {
      const auto mu = token_mixture_log_probs(task.shape(), prompt_of(t.log_pi, x, n),
                                              prompt_of(t.log_ref, x, n), b);
      const auto expected = d.log_probs(x);
      for (uint64_t y = 0; y < n; ++y) EXPECT_NEAR(mu[y], expected[y], 1e-5) << "b " << b;
      const auto w = win_rates(mu, prompt_of(t.gold, x, n));
      std::copy(w.begin(), w.end(), utility.begin() + static_cast<std::ptrdiff_t>(x * n));
    }
    MethodOptions options;
    options.beta = 0.2;
    options.mixture = b;
    std::vector<double> expected_coef, coef;
    const double expected_loss = kl_regularised_loss(task.shape(), t.log_pi, t.log_ref, utility,
                                                     options.beta, expected_coef);
    const ExactContext context{task.shape(), t.log_pi, t.log_ref, t.gold, options};
    const char* method = b == 0.0 ? "spo" : "nash_md";
    EXPECT_NEAR(find_method(method).make()->exact_loss(context, coef), expected_loss, 1e-12);
    for (size_t j = 0; j < coef.size(); ++j) EXPECT_NEAR(coef[j], expected_coef[j], 1e-12);
  }
}

// The per-token losses of ppo and grpo: derivatives equal central differences in log pi, and the
// clipped surrogate has no gradient exactly where the clipped term binds.
TEST(AlignOnline, ClippedSurrogateAndK3PenaltyDerivatives) {
  const size_t length = 2;
  const std::vector<double> advantages = {1.3, -0.7, 0.4};
  // Sequence i has tokens 2i, 2i + 1. Ratios: 1.5 (A > 0: clipped), 1.1 (inside), 0.6 (A < 0:
  // clipped), 1.4 (A < 0: unclipped, outside the range), 0.7 (A > 0: unclipped), 1.0.
  const std::vector<float> log_old = {-1.0f, -0.5f, -2.0f, -1.2f, -0.3f, -0.9f};
  std::vector<float> log_pi(6);
  const double ratios[] = {1.5, 1.1, 0.6, 1.4, 0.7, 1.0};
  for (size_t j = 0; j < 6; ++j) {
    log_pi[j] = log_old[j] + static_cast<float>(std::log(ratios[j]));
  }
  const std::vector<float> log_ref = {-1.1f, -0.2f, -2.5f, -1.0f, -0.6f, -0.8f};
  const double clip = 0.2, weight = 0.25;
  std::vector<float> coef, unused;
  clipped_surrogate(log_pi, log_old, advantages, length, clip, weight, coef);
  k3_penalty(log_pi, log_ref, 0.5, coef);
  auto loss_at = [&](const std::vector<float>& lp) {
    double loss = clipped_surrogate(lp, log_old, advantages, length, clip, weight, unused);
    return loss + k3_penalty(lp, log_ref, 0.5, unused);
  };
  for (size_t j = 0; j < 6; ++j) {
    std::vector<float> plus = log_pi, minus = log_pi;
    const float e = 1e-3f;
    plus[j] += e;
    minus[j] -= e;
    const double fd = (loss_at(plus) - loss_at(minus)) / (2.0 * e);
    EXPECT_NEAR(coef[j], fd, 1e-4) << "token " << j;
  }
  // Where the clipped term binds (tokens 0 and 2) only the k3 term has a gradient; outside the
  // range with the other sign of A (tokens 3 and 4) the surrogate's gradient stays.
  std::vector<float> k3_only(6, 0.0f);
  k3_penalty(log_pi, log_ref, 0.5, k3_only);
  EXPECT_NEAR(coef[0], k3_only[0], 1e-7);
  EXPECT_NEAR(coef[2], k3_only[2], 1e-7);
  EXPECT_NEAR(coef[3] - k3_only[3], weight * 1.4 * 0.7, 1e-5);
  EXPECT_NEAR(coef[4] - k3_only[4], -weight * 0.7 * 0.4, 1e-5);
  // k3 is >= 0 and zero at pi = pi_ref.
  std::vector<float> zero(2, 0.0f);
  const std::vector<float> same = {-0.4f, -1.9f};
  EXPECT_EQ(k3_penalty(same, same, 1.0, zero), 0.0);
  EXPECT_EQ(zero[0], 0.0f);
}

TEST(AlignOnlineExact, GrpoHasNoPopulationForm) {
  MethodOptions options;
  const SequenceShape shape{1, 2, 1};
  const std::vector<double> v(2, std::log(0.5));
  std::vector<double> coef;
  EXPECT_THROW(find_method("grpo").make()->exact_loss({shape, v, v, v, options}, coef), Error);
}

// The geometric-mixture sampler draws from token_mixture_log_probs.
TEST(AlignOnline, MixtureSamplerMatchesTheExactMixture) {
  const Task task(small_task());
  TabularPolicy policy = perturbed_policy(task, 7);
  MlpPolicy reference = task.reference();
  const Tables t = tables_of(task, policy);
  const uint64_t n = task.shape().num_sequences();
  const double b = 0.4;
  const size_t draws = 100000;
  std::vector<int32_t> prompts(draws, 1);
  std::vector<uint8_t> tokens;
  Rng rng(8);
  sample_geometric_mixture(policy, reference, b, prompts, rng, tokens);
  std::vector<double> counts(n, 0.0);
  for (size_t i = 0; i < draws; ++i) counts[sequence_index(task.shape(), &tokens[i * 3])] += 1.0;
  const auto mu = token_mixture_log_probs(task.shape(), prompt_of(t.log_pi, 1, n),
                                          prompt_of(t.log_ref, 1, n), b);
  double tv = 0.0, tv_pi = 0.0;
  for (uint64_t y = 0; y < n; ++y) {
    tv += 0.5 * std::abs(counts[y] / draws - std::exp(mu[y]));
    tv_pi += 0.5 * std::abs(std::exp(t.log_pi[n + y]) - std::exp(mu[y]));
  }
  EXPECT_LT(tv, 0.01);
  EXPECT_GT(tv_pi, 0.03);  // the mixture is not pi itself
}

// --- (c) unbiasedness --------------------------------------------------------------------------

// The mean of many sampled step gradients equals the population gradient: per parameter, the
// z-score of the difference (standard error from the sample variance) stays below 4.5.
TEST(AlignOnline, SampledGradientsAreUnbiased) {
  const Task task(small_task());
  const int steps = 30000;
  for (const char* name : {"rloo", "ppo", "nash_md", "spo"}) {
    TabularPolicy policy = perturbed_policy(task, 9);
    MlpPolicy reference = task.reference();
    MethodOptions options;
    options.beta = 0.4;
    options.batch_size = 8;
    options.group_size = 3;
    options.update_epochs = 1;  // ppo: every step on-policy
    options.mixture = 0.3;
    auto method = find_method(name).make();
    const Tables t = tables_of(task, policy);
    // The population gradient, and a wrong one (beta off by 25%) that the test must reject.
    auto exact_gradient = [&](const MethodOptions& o) {
      std::vector<double> coef;
      method->exact_loss({task.shape(), t.log_pi, t.log_ref, t.gold, o}, coef);
      ExactDistribution d(task.shape());
      d.evaluate(policy);
      std::vector<float> g;
      d.backward(policy, coef, g);
      return g;
    };
    const std::vector<float> exact = exact_gradient(options);
    MethodOptions wrong_options = options;
    wrong_options.beta *= 1.25;
    const std::vector<float> wrong = exact_gradient(wrong_options);

    GoldReward gold(task);
    Rng rng(10);
    StepContext context{task, policy, reference, nullptr, &gold, options, rng};
    const size_t m = policy.parameters().size();
    std::vector<double> sum(m, 0.0), sum_sq(m, 0.0);
    std::vector<float> gradient;
    for (int s = 0; s < steps; ++s) {
      gradient.assign(m, 0.0f);
      method->step(context, gradient);
      for (size_t j = 0; j < m; ++j) {
        sum[j] += gradient[j];
        sum_sq[j] += static_cast<double>(gradient[j]) * gradient[j];
      }
    }
    double worst = 0.0, worst_wrong = 0.0, exact_norm = 0.0;
    for (size_t j = 0; j < m; ++j) {
      const double mean = sum[j] / steps;
      const double var = std::max(0.0, sum_sq[j] / steps - mean * mean);
      const double se = std::sqrt(var / (steps - 1));
      exact_norm += static_cast<double>(exact[j]) * exact[j];
      if (se < 1e-9) {
        EXPECT_NEAR(mean, exact[j], 1e-6) << name << " parameter " << j;
        continue;
      }
      worst = std::max(worst, std::abs(mean - exact[j]) / se);
      worst_wrong = std::max(worst_wrong, std::abs(mean - wrong[j]) / se);
    }
    std::printf("%s: largest |z| over %zu parameters = %.2f (%.1f against beta x 1.25)\n", name, m,
                worst, worst_wrong);
    EXPECT_LT(worst, 4.5) << name;
    EXPECT_GT(worst_wrong, 8.0) << name;  // the test has the power to see a wrong gradient
    EXPECT_GT(std::sqrt(exact_norm), 1e-3) << name;  // a gradient worth testing
  }
}

// --- (d) sampled training ----------------------------------------------------------------------

TEST(AlignOnline, SampledTrainingRaisesTheGoldReward) {
  const Task task(small_task());
  for (const char* name : {"rloo", "ppo", "grpo", "nash_md", "spo"}) {
    TrainOptions train;
    train.method = name;
    train.method_options.beta = 0.05;
    train.method_options.batch_size = 16;
    train.method_options.group_size = 4;
    train.policy = "mlp";
    train.steps = 300;
    train.learning_rate = 1e-2;
    train.eval_every = 300;
    train.seed = 11;
    auto policy = initial_policy(task, "mlp");
    std::vector<Metrics> metrics;
    train_policy(task, *policy, train, nullptr, nullptr,
                 [&](const Metrics& m) { metrics.push_back(m); });
    ASSERT_EQ(metrics.size(), 2u);
    const Metrics& first = metrics.front();
    const Metrics& last = metrics.back();
    std::printf("%s: gold %.3f -> %.3f, KL %.3f, loss %.3f\n", name, first.gold, last.gold, last.kl,
                last.loss);
    EXPECT_GT(last.gold, first.gold + 0.3) << name;
    EXPECT_TRUE(std::isfinite(last.kl) && last.kl > 0.0) << name;
    EXPECT_TRUE(std::isfinite(last.loss)) << name;
  }
}

// With a tabular policy, sampled training reaches the population optimum: for rloo and ppo the
// KL-penalised reward R = r - beta log(pi / pi_ref) is constant per prompt at pi*_beta, so the
// leave-one-out advantages and the gradient noise vanish there; the preference games keep some
// noise (the win rate is not constant at their fixed point).
TEST(AlignOnline, SampledTabularTrainingReachesThePopulationOptimum) {
  const Task task(small_task());
  const uint64_t n = task.shape().num_sequences();
  for (const char* name : {"rloo", "ppo", "nash_md", "spo"}) {
    const bool game = std::string(name) == "nash_md" || std::string(name) == "spo";
    TrainOptions train;
    train.method = name;
    train.method_options.beta = 0.5;
    train.method_options.batch_size = 32;
    train.method_options.group_size = 4;
    train.policy = "tabular";
    train.steps = 3000;
    train.learning_rate = 0.01;
    train.eval_every = train.steps;
    train.seed = 11;
    auto policy = initial_policy(task, "tabular");
    train_policy(task, *policy, train, nullptr, nullptr, {});
    const Tables t = tables_of(task, *policy);
    for (int x = 0; x < task.shape().prompts; ++x) {
      const auto log_pi = prompt_of(t.log_pi, x, n);
      const auto log_ref = prompt_of(t.log_ref, x, n);
      const auto gold = prompt_of(t.gold, x, n);
      const double b = std::string(name) == "nash_md" ? train.method_options.mixture : 0.0;
      const std::vector<double> target =
          game ? kl_optimum(
                     log_ref,
                     win_rates(token_mixture_log_probs(task.shape(), log_pi, log_ref, b), gold),
                     train.method_options.beta)
               : kl_optimum(log_ref, gold, train.method_options.beta);
      const double tv = total_variation(log_pi, target);
      std::printf("%s prompt %d: sampled TV(pi, optimum) = %.2g\n", name, x, tv);
      EXPECT_LT(tv, game ? 0.01 : 0.005) << name << " prompt " << x;
      EXPECT_GT(total_variation(log_ref, target), 0.05) << name << " prompt " << x;
    }
  }
}

// --- (e) options and registry ------------------------------------------------------------------

TEST(AlignOnline, MethodsAreRegisteredAsOnline) {
  for (const char* name : {"rloo", "ppo", "grpo", "nash_md", "spo"}) {
    const MethodInfo& info = find_method(name);
    EXPECT_FALSE(info.offline) << name;
    EXPECT_EQ(info.make()->name(), name);
    EXPECT_NE(method_names().find(name), std::string::npos);
  }
}

TEST(AlignOnline, BadOptionsAreErrors) {
  for (const char* name : {"rloo", "ppo", "grpo", "nash_md", "spo"}) {
    EXPECT_NO_THROW(check_method_options(name, MethodOptions{})) << name;
    for (double beta : {0.0, -0.5, std::nan("")}) {
      MethodOptions options;
      options.beta = beta;
      EXPECT_THROW(check_method_options(name, options), Error) << name << " beta " << beta;
    }
    MethodOptions options;
    options.group_size = 1;
    EXPECT_THROW(check_method_options(name, options), Error) << name;
    options = MethodOptions{};
    options.batch_size = 0;
    EXPECT_THROW(check_method_options(name, options), Error) << name;
  }
  MethodOptions options;
  options.clip = 1.0;
  EXPECT_THROW(check_method_options("ppo", options), Error);
  options = MethodOptions{};
  options.update_epochs = 0;
  EXPECT_THROW(check_method_options("grpo", options), Error);
  options = MethodOptions{};
  options.mixture = 1.5;
  EXPECT_THROW(check_method_options("nash_md", options), Error);
  try {
    options = MethodOptions{};
    options.group_size = 1;
    check_method_options("rloo", options);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("group_size"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace valor::align
