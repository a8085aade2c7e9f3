#include "valor/reward/scoring.h"

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/core/math.h"

namespace valor::reward {

EnsembleRule parse_ensemble_rule(const std::string& name) {
  if (name == "mean") return EnsembleRule::kMean;
  if (name == "wco") return EnsembleRule::kWorstCase;
  if (name == "uwo") return EnsembleRule::kUncertaintyWeighted;
  fail(
      "unknown ensemble scoring rule '{}'; accepted: mean, wco (worst case: the minimum), uwo "
      "(mean - lambda * variance)",
      name);
}

const char* ensemble_rule_name(EnsembleRule rule) {
  switch (rule) {
    case EnsembleRule::kMean:
      return "mean";
    case EnsembleRule::kWorstCase:
      return "wco";
    case EnsembleRule::kUncertaintyWeighted:
      return "uwo";
  }
  return "?";
}

std::vector<double> ensemble_scores(const std::vector<std::vector<double>>& members,
                                    EnsembleRule rule, double lambda) {
  if (members.empty()) fail("ensemble scores of no members");
  if (!(lambda >= 0.0) || !std::isfinite(lambda))
    fail("UWO lambda {} must be a finite number >= 0", lambda);
  const size_t n = members[0].size();
  for (const auto& m : members) {
    if (m.size() != n) fail("ensemble members score {} and {} inputs", n, m.size());
  }
  const auto k = static_cast<double>(members.size());
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) {
    double mean = 0.0, low = members[0][i];
    for (const auto& m : members) {
      mean += m[i] / k;
      low = std::min(low, m[i]);
    }
    double variance = 0.0;
    for (const auto& m : members) variance += (m[i] - mean) * (m[i] - mean) / k;
    switch (rule) {
      case EnsembleRule::kMean:
        out[i] = mean;
        break;
      case EnsembleRule::kWorstCase:
        out[i] = low;
        break;
      case EnsembleRule::kUncertaintyWeighted:
        out[i] = mean - lambda * variance;
        break;
    }
  }
  return out;
}

double centred_log_sigmoid(double reward, double reference) {
  return log_sigmoid(reward - reference);
}

double quantile(std::span<const double> values, double q) {
  if (values.empty()) fail("quantile of no values");
  if (!(q >= 0.0 && q <= 1.0)) fail("quantile level {} must be in [0, 1]", q);
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

std::vector<double> quantile_per_prompt(std::span<const double> rewards,
                                        std::span<const int> prompt, size_t num_prompts, double q) {
  if (rewards.size() != prompt.size())
    fail("{} rewards for {} prompt labels", rewards.size(), prompt.size());
  std::vector<std::vector<double>> groups(num_prompts);
  for (size_t i = 0; i < rewards.size(); ++i) {
    if (prompt[i] < 0 || static_cast<size_t>(prompt[i]) >= num_prompts) {
      fail("input {} has prompt index {}, outside [0, {})", i, prompt[i], num_prompts);
    }
    groups[static_cast<size_t>(prompt[i])].push_back(rewards[i]);
  }
  std::vector<double> out;
  for (size_t p = 0; p < num_prompts; ++p) {
    if (groups[p].empty()) fail("prompt {} has no scored inputs to take a reference from", p);
    out.push_back(quantile(groups[p], q));
  }
  return out;
}

namespace {
void check_lengths(const std::vector<std::vector<double>>& rewards) {
  if (rewards.empty()) fail("a combination of no reward models");
  for (const auto& r : rewards) {
    if (r.size() != rewards[0].size())
      fail("reward models score {} and {} inputs", rewards[0].size(), r.size());
  }
}
}  // namespace

std::vector<double> sum_rewards(const std::vector<std::vector<double>>& rewards) {
  check_lengths(rewards);
  std::vector<double> out(rewards[0].size(), 0.0);
  for (const auto& r : rewards) {
    for (size_t i = 0; i < r.size(); ++i) out[i] += r[i];
  }
  return out;
}

std::vector<double> sum_transformed_rewards(const std::vector<std::vector<double>>& rewards,
                                            const std::vector<std::vector<double>>& references) {
  check_lengths(rewards);
  if (references.size() != rewards.size()) {
    fail("{} reward models but {} reference lists", rewards.size(), references.size());
  }
  std::vector<double> out(rewards[0].size(), 0.0);
  for (size_t m = 0; m < rewards.size(); ++m) {
    if (references[m].size() != rewards[m].size()) {
      fail("model {}: {} rewards but {} references", m, rewards[m].size(), references[m].size());
    }
    for (size_t i = 0; i < out.size(); ++i)
      out[i] += centred_log_sigmoid(rewards[m][i], references[m][i]);
  }
  return out;
}

}  // namespace valor::reward
