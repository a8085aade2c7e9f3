#include "valor/dp/tabular_td.h"

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/core/random.h"
#include "valor/dp/solve.h"
#include "valor/value/categorical_projection.h"
#include "valor/value/hl_gauss.h"
#include "valor/value/logits.h"
#include "valor/value/two_hot.h"

namespace valor::dp {

const char* representation_name(TdRepresentation representation) {
  switch (representation) {
    case TdRepresentation::kScalar:
      return "scalar";
    case TdRepresentation::kTwoHot:
      return "two-hot";
    case TdRepresentation::kHlGauss:
      return "hl-gauss";
    case TdRepresentation::kC51:
      return "c51";
  }
  return "?";
}

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
  if (o.max_episode_steps < 0) {
    fail("tabular TD: max_episode_steps must be >= 0, got {}", o.max_episode_steps);
  }
}

namespace {

const TdOptions& checked(const TdOptions& options) {
  validate_td_options(options);
  return options;
}

}  // namespace

TabularTdLearner::TabularTdLearner(int num_states, int num_actions, const TdOptions& options)
    : options_(checked(options)),
      num_states_(num_states),
      num_actions_(num_actions),
      atoms_(options.v_min, options.v_max, options.bins),
      bin_support_(options.v_min, options.v_max, options.bins) {
  if (num_states < 1 || num_actions < 1) {
    fail("tabular TD: need at least one state and one action, got {} and {}", num_states,
         num_actions);
  }
  const size_t pairs = static_cast<size_t>(num_states) * static_cast<size_t>(num_actions);
  q_.assign(pairs, 0.0);
  if (options_.representation == TdRepresentation::kScalar) return;
  m_ = static_cast<size_t>(options_.bins);
  std::span<const float> points = options_.representation == TdRepresentation::kHlGauss
                                      ? bin_support_.centers()
                                      : atoms_.atoms();
  values_f_.assign(points.begin(), points.end());
  values_.assign(points.begin(), points.end());
  logits_.assign(pairs * m_, 0.0);
  target_f_.assign(m_, 0.0f);
  next_f_.assign(m_, 0.0f);
  target_.assign(m_, 0.0);
  probs_.assign(m_, 0.0);
  mix_.assign(m_, 0.0);
  // Uniform softmax: every Q starts at the mean of the support points.
  double mean = 0;
  for (double v : values_) mean += v;
  mean /= static_cast<double>(m_);
  std::fill(q_.begin(), q_.end(), mean);
}

std::span<const double> TabularTdLearner::logits(int s, int a) const {
  if (m_ == 0) return {};
  return std::span<const double>(logits_).subspan(index(s, a) * m_, m_);
}

int TabularTdLearner::greedy_action(int s) const {
  const size_t base = index(s, 0);
  int best = 0;
  for (int a = 1; a < num_actions_; ++a) {
    if (q_[base + static_cast<size_t>(a)] > q_[base + static_cast<size_t>(best)]) best = a;
  }
  return best;
}

double TabularTdLearner::next_value(int s2) const {
  const size_t base = index(s2, 0);
  const int greedy = greedy_action(s2);
  const double greedy_q = q_[base + static_cast<size_t>(greedy)];
  if (options_.target == TdTarget::kQLearning) return greedy_q;
  const double eps = options_.epsilon;
  double mean = 0;
  for (int a = 0; a < num_actions_; ++a) mean += q_[base + static_cast<size_t>(a)];
  mean /= num_actions_;
  return (1 - eps) * greedy_q + eps * mean;
}

void TabularTdLearner::step_logits(size_t k) {
  const std::span<double> l = std::span<double>(logits_).subspan(k * m_, m_);
  // Batch of one: the gradient is softmax(l) - target (the target sums to 1).
  value::cross_entropy_loss(std::span<const double>(l), std::span<const double>(target_), m_,
                            std::span<double>(probs_));
  const double lr = options_.learning_rate;
  for (size_t i = 0; i < m_; ++i) l[i] -= lr * probs_[i];
  value::decode_logits(std::span<const double>(l), std::span<const double>(values_),
                       std::span<double>(&q_[k], 1));
}

void TabularTdLearner::update(int s, int a, double r, int s2, bool terminal) {
  VALOR_CHECK(
      s >= 0 && s < num_states_ && s2 >= 0 && s2 < num_states_ && a >= 0 && a < num_actions_,
      "transition ({}, {}, {}) out of range", s, a, s2);
  VALOR_CHECK(std::isfinite(r), "reward {} is not finite", r);
  const double g = terminal ? 0.0 : options_.gamma;
  const size_t k = index(s, a);
  switch (options_.representation) {
    case TdRepresentation::kScalar: {
      const double y = r + g * next_value(s2);
      q_[k] += options_.learning_rate * (y - q_[k]);
      return;
    }
    case TdRepresentation::kTwoHot:
    case TdRepresentation::kHlGauss: {
      const float y = static_cast<float>(r + g * next_value(s2));
      if (options_.representation == TdRepresentation::kTwoHot) {
        value::two_hot_target(atoms_, std::span<const float>(&y, 1), target_f_);
      } else {
        value::hl_gauss_target(bin_support_, std::span<const float>(&y, 1), target_f_,
                               options_.sigma_ratio);
      }
      std::copy(target_f_.begin(), target_f_.end(), target_.begin());
      step_logits(k);
      return;
    }
    case TdRepresentation::kC51: {
      // The next-state distribution: Z(s2, a*) or the epsilon-greedy mixture over actions.
      std::fill(mix_.begin(), mix_.end(), 0.0);
      const int greedy = greedy_action(s2);
      const double eps = options_.target == TdTarget::kQLearning ? 0.0 : options_.epsilon;
      for (int b = 0; b < num_actions_; ++b) {
        const double weight = eps / num_actions_ + (b == greedy ? 1 - eps : 0.0);
        if (weight == 0) continue;
        value::softmax(logits(s2, b), m_, std::span<double>(probs_));
        for (size_t i = 0; i < m_; ++i) mix_[i] += weight * probs_[i];
      }
      std::copy(mix_.begin(), mix_.end(), next_f_.begin());
      const float rf = static_cast<float>(r);
      const float gf = static_cast<float>(g);
      value::project_categorical(atoms_, next_f_, std::span<const float>(&rf, 1),
                                 std::span<const float>(&gf, 1), target_f_);
      std::copy(target_f_.begin(), target_f_.end(), target_.begin());
      step_logits(k);
      return;
    }
  }
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

  for (TdRepresentation representation : kAllTdRepresentations) {
    for (double sd : noise_levels) {
      CompareTdCell cell;
      cell.representation = representation;
      cell.noise_sd = sd;
      for (int i = 0; i < seeds; ++i) {
        TdOptions o = options.base;
        o.representation = representation;
        o.target = TdTarget::kQLearning;
        o.reward_noise_sd = sd;
        o.learning_rate = representation == TdRepresentation::kScalar
                              ? options.scalar_learning_rate
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
