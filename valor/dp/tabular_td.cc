#include "valor/dp/tabular_td.h"

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/core/random.h"
#include "valor/dp/solve.h"
#include "valor/value/categorical_projection.h"
#include "valor/value/hl_gauss.h"
#include "valor/value/logits.h"

namespace valor::dp {

void validate_td_options(const TdOptions& o) {
  if (!(std::isfinite(o.learning_rate) && o.learning_rate > 0)) {
    fail("tabular TD: learning_rate must be finite and > 0, got {}", o.learning_rate);
  }
  if (!(o.gamma >= 0 && o.gamma <= 1)) fail("tabular TD: gamma must be in [0, 1], got {}", o.gamma);
  if (!(o.epsilon >= 0 && o.epsilon <= 1)) {
    fail("tabular TD: epsilon must be in [0, 1], got {}", o.epsilon);
  }
  if (!(std::isfinite(o.reward_noise_sd) && o.reward_noise_sd >= 0)) {
    fail("tabular TD: reward_noise_sd must be finite and >= 0, got {}", o.reward_noise_sd);
  }
  if (o.bins < 2) fail("tabular TD: bins must be >= 2, got {}", o.bins);
  if (!(std::isfinite(o.v_min) && std::isfinite(o.v_max) && o.v_min < o.v_max)) {
    fail("tabular TD: need finite v_min < v_max, got v_min {} and v_max {}", o.v_min, o.v_max);
  }
  value::check_hl_gauss_sigma_ratio(o.sigma_ratio, "tabular TD");
  if (o.quantiles < 1) fail("tabular TD: quantiles must be >= 1, got {}", o.quantiles);
  if (o.max_episode_steps < 0) {
    fail("tabular TD: max_episode_steps must be >= 0, got {}", o.max_episode_steps);
  }
  if (o.head == value::HeadKind::kQr && o.target == TdTarget::kExpectedSarsa) {
    fail(
        "tabular TD: the qr head takes Q-learning targets only (a mixture of quantile sets is "
        "not a quantile set)");
  }
}

namespace {

const TdOptions& checked(const TdOptions& options) {
  validate_td_options(options);
  return options;
}

value::HeadSpec head_spec(const TdOptions& o) {
  value::HeadSpec spec;
  spec.kind = o.head;
  spec.v_min = o.v_min;
  spec.v_max = o.v_max;
  spec.bins = o.bins;
  spec.sigma_ratio = o.sigma_ratio;
  spec.quantiles = o.quantiles;
  spec.initial_value = o.initial_value;
  return spec;
}

}  // namespace

TabularTdLearner::TabularTdLearner(int num_states, int num_actions, const TdOptions& options)
    : options_(checked(options)),
      num_states_(num_states),
      num_actions_(num_actions),
      head_(head_spec(options)),
      k_(head_.outputs()) {
  if (num_states < 1 || num_actions < 1) {
    fail("tabular TD: need at least one state and one action, got {} and {}", num_states,
         num_actions);
  }
  const size_t pairs = static_cast<size_t>(num_states) * static_cast<size_t>(num_actions);
  outputs_.assign(pairs * k_, 0.0f);
  if (head_.categorical()) {
    const std::vector<float> start = head_.initial_logits();
    for (size_t k = 0; k < pairs; ++k) std::copy(start.begin(), start.end(), &outputs_[k * k_]);
  }
  std::vector<float> q(pairs);
  head_.q_values(outputs_, q);
  q_.assign(q.begin(), q.end());
  target_.assign(head_.target_size(), 0.0f);
  grad_.assign(k_, 0.0f);
  probs_.assign(k_, 0.0f);
  mix_.assign(k_, 0.0f);
  if (options_.head == value::HeadKind::kC51) {
    atoms_.emplace(options_.v_min, options_.v_max, options_.bins);
  }
}

std::span<const float> TabularTdLearner::outputs(int s, int a) const {
  return std::span<const float>(outputs_).subspan(index(s, a) * k_, k_);
}

int TabularTdLearner::greedy_action(int s) const {
  const size_t base = index(s, 0);
  int best = 0;
  for (int a = 1; a < num_actions_; ++a) {
    if (q_[base + static_cast<size_t>(a)] > q_[base + static_cast<size_t>(best)]) best = a;
  }
  return best;
}

double TabularTdLearner::expected_next_value(int s2) const {
  const size_t base = index(s2, 0);
  const double greedy_q = q_[base + static_cast<size_t>(greedy_action(s2))];
  const double eps = options_.epsilon;
  double mean = 0;
  for (int a = 0; a < num_actions_; ++a) mean += q_[base + static_cast<size_t>(a)];
  mean /= num_actions_;
  return (1 - eps) * greedy_q + eps * mean;
}

void TabularTdLearner::mix_next_distributions(int s2) {
  std::fill(mix_.begin(), mix_.end(), 0.0f);
  const int greedy = greedy_action(s2);
  const double eps = options_.epsilon;
  for (int b = 0; b < num_actions_; ++b) {
    const double weight = eps / num_actions_ + (b == greedy ? 1 - eps : 0.0);
    if (weight == 0) continue;
    value::softmax(outputs(s2, b), k_, probs_);
    for (size_t i = 0; i < k_; ++i) mix_[i] += static_cast<float>(weight * probs_[i]);
  }
}

void TabularTdLearner::update(int s, int a, double r, int s2, bool terminal) {
  VALOR_CHECK(
      s >= 0 && s < num_states_ && s2 >= 0 && s2 < num_states_ && a >= 0 && a < num_actions_,
      "transition ({}, {}, {}) out of range", s, a, s2);
  VALOR_CHECK(std::isfinite(r), "reward {} is not finite", r);
  const float rf = static_cast<float>(r);
  const float gf = terminal ? 0.0f : static_cast<float>(options_.gamma);
  const std::span<const float> reward(&rf, 1), discount(&gf, 1);
  if (options_.target == TdTarget::kQLearning) {
    head_.targets(outputs(s2, greedy_action(s2)), reward, discount, target_);
  } else if (options_.head == value::HeadKind::kC51) {
    mix_next_distributions(s2);
    value::project_categorical(*atoms_, mix_, reward, discount, target_);
  } else {
    // The expectation stands in for the next outputs (mse, huber) or their decoded value.
    const float expected = static_cast<float>(expected_next_value(s2));
    const std::span<const float> one(&expected, 1);
    if (head_.categorical()) {
      head_.targets(outputs(s2, 0), reward, discount, target_, nullptr, one);
    } else {
      head_.targets(one, reward, discount, target_);
    }
  }
  const size_t k = index(s, a);
  const std::span<float> out = std::span<float>(outputs_).subspan(k * k_, k_);
  head_.loss(out, target_, grad_);
  const auto lr = static_cast<float>(options_.learning_rate);
  for (size_t i = 0; i < k_; ++i) out[i] -= lr * grad_[i];
  float q = 0;
  head_.q_values(out, std::span<float>(&q, 1));
  q_[k] = q;
}

namespace {

// Max and mean |Q - Q*| over the non-terminal states.
void record_error(const TabularMdp& mdp, const std::vector<double>& q,
                  const std::vector<double>& q_star, int64_t step, TdRun& run) {
  double max_error = 0;
  double sum = 0;
  int64_t count = 0;
  const auto actions = static_cast<size_t>(mdp.num_actions);
  for (int s = 0; s < mdp.num_states; ++s) {
    if (mdp.terminal[static_cast<size_t>(s)]) continue;
    for (size_t a = 0; a < actions; ++a) {
      const size_t k = static_cast<size_t>(s) * actions + a;
      const double e = std::abs(q[k] - q_star[k]);
      max_error = std::max(max_error, e);
      sum += e;
      ++count;
    }
  }
  run.steps.push_back(step);
  run.max_error.push_back(max_error);
  run.mean_abs_error.push_back(count > 0 ? sum / static_cast<double>(count) : 0.0);
}

}  // namespace

TdRun run_tabular_td(const TabularMdp& mdp, const TdOptions& options, int64_t steps,
                     int64_t log_every, const std::vector<double>& q_star) {
  validate_td_options(options);
  if (steps < 0) fail("run_tabular_td: steps must be >= 0, got {}", steps);
  if (log_every < 1) fail("run_tabular_td: log_every must be >= 1, got {}", log_every);
  env::TabularEnv env(mdp, options.max_episode_steps, options.seed);
  const size_t pairs = static_cast<size_t>(mdp.num_states) * static_cast<size_t>(mdp.num_actions);
  if (q_star.size() != pairs) {
    fail("run_tabular_td: q_star has {} entries, the MDP '{}' has {} state-action pairs",
         q_star.size(), mdp.name, pairs);
  }
  TabularTdLearner learner(mdp.num_states, mdp.num_actions, options);
  Rng behaviour(options.seed, 1);
  Rng noise(options.seed, 2);

  TdRun run;
  const auto points = static_cast<size_t>(steps / log_every + 2);
  run.steps.reserve(points);
  run.max_error.reserve(points);
  run.mean_abs_error.reserve(points);
  // Reads the decoded table in place (q_table() would copy).
  std::vector<double> q = learner.q_table();
  record_error(mdp, q, q_star, 0, run);

  env.reset();
  run.episodes = 1;
  int s = env.state();
  const auto num_actions = static_cast<uint64_t>(mdp.num_actions);
  for (int64_t t = 1; t <= steps; ++t) {
    int a = 0;
    if (options.epsilon > 0 && behaviour.uniform() < options.epsilon) {
      a = static_cast<int>(behaviour.below(num_actions));
    } else {
      a = learner.greedy_action(s);
    }
    const env::StepResult result = env.step(a);
    double r = result.reward;
    if (options.reward_noise_sd > 0) r += options.reward_noise_sd * noise.normal();
    const int s2 = env.state();
    learner.update(s, a, r, s2, result.terminated);
    if (result.terminated || result.truncated) {
      env.reset();
      ++run.episodes;
      s = env.state();
    } else {
      s = s2;
    }
    if (t % log_every == 0 || t == steps) {
      for (int ss = 0; ss < mdp.num_states; ++ss) {
        for (int aa = 0; aa < mdp.num_actions; ++aa) {
          q[static_cast<size_t>(ss) * static_cast<size_t>(mdp.num_actions) +
            static_cast<size_t>(aa)] = learner.q(ss, aa);
        }
      }
      record_error(mdp, q, q_star, t, run);
    }
  }
  run.q = std::move(q);
  return run;
}

CompareTdReport compare_td(const TabularMdp& mdp, const std::vector<double>& noise_levels,
                           int seeds, int64_t steps, const CompareTdOptions& options) {
  validate_td_options(options.base);
  if (seeds < 1) fail("compare_td: seeds must be >= 1, got {}", seeds);
  if (noise_levels.empty()) fail("compare_td: need at least one noise level");
  for (double sd : noise_levels) {
    if (!(std::isfinite(sd) && sd >= 0)) fail("compare_td: noise level {} is not >= 0", sd);
  }
  const double gamma = options.base.gamma;
  const ValueIterationResult solved = value_iteration(mdp, gamma);
  const std::vector<double> q_star = q_from_v(mdp, solved.v, gamma);

  CompareTdReport report;
  report.gamma = gamma;
  bool first = true;
  for (int s = 0; s < mdp.num_states; ++s) {
    if (mdp.terminal[static_cast<size_t>(s)]) continue;
    for (int a = 0; a < mdp.num_actions; ++a) {
      const double v = q_star[static_cast<size_t>(s) * static_cast<size_t>(mdp.num_actions) +
                              static_cast<size_t>(a)];
      report.q_star_min = first ? v : std::min(report.q_star_min, v);
      report.q_star_max = first ? v : std::max(report.q_star_max, v);
      first = false;
    }
  }

  for (value::HeadKind head : kCompareTdHeads) {
    for (double sd : noise_levels) {
      CompareTdCell cell;
      cell.head = head;
      cell.noise_sd = sd;
      for (int i = 0; i < seeds; ++i) {
        TdOptions o = options.base;
        o.head = head;
        o.target = TdTarget::kQLearning;
        o.reward_noise_sd = sd;
        o.learning_rate = head == value::HeadKind::kMse ? options.scalar_learning_rate
                                                        : options.categorical_learning_rate;
        o.seed = options.base.seed + static_cast<uint64_t>(i);
        const TdRun run = run_tabular_td(mdp, o, steps, options.log_every, q_star);
        if (report.steps.empty()) report.steps = run.steps;
        if (cell.mean_max_error_curve.empty()) {
          cell.mean_max_error_curve.assign(run.steps.size(), 0.0);
          cell.mean_mean_abs_error_curve.assign(run.steps.size(), 0.0);
        }
        for (size_t k = 0; k < run.steps.size(); ++k) {
          cell.mean_max_error_curve[k] += run.max_error[k] / seeds;
          cell.mean_mean_abs_error_curve[k] += run.mean_abs_error[k] / seeds;
        }
        cell.final_max_error.push_back(run.max_error.back());
      }
      const std::vector<double>& e = cell.final_max_error;
      double mean = 0;
      for (double x : e) mean += x;
      mean /= static_cast<double>(e.size());
      double ss = 0;
      for (double x : e) ss += (x - mean) * (x - mean);
      cell.mean_final_max_error = mean;
      cell.sd_final_max_error =
          e.size() > 1 ? std::sqrt(ss / static_cast<double>(e.size() - 1)) : 0.0;
      cell.min_final_max_error = *std::min_element(e.begin(), e.end());
      cell.max_final_max_error = *std::max_element(e.begin(), e.end());
      report.cells.push_back(std::move(cell));
    }
  }
  return report;
}

}  // namespace valor::dp
