#include "valor/dp/segment_preferences.h"

#include <cmath>

#include "valor/core/error.h"
#include "valor/core/math.h"

namespace valor::dp {

namespace {

void check_discounted(double gamma) {
  if (!(gamma >= 0.0 && gamma < 1.0)) {
    fail("segment preferences: gamma must be in [0, 1), got {}", gamma);
  }
}

size_t pair_index(const TabularMdp& mdp, int s, int a) {
  return static_cast<size_t>(s) * static_cast<size_t>(mdp.num_actions) + static_cast<size_t>(a);
}

}  // namespace

std::string_view preference_model_name(PreferenceModel model) {
  return model == PreferenceModel::kPartialReturn ? "partial_return" : "regret";
}

std::string_view label_noise_name(LabelNoise noise) {
  return noise == LabelNoise::kNoiseless ? "noiseless" : "logistic";
}

PreferenceModel parse_preference_model(std::string_view name) {
  if (name == "partial_return") return PreferenceModel::kPartialReturn;
  if (name == "regret") return PreferenceModel::kRegret;
  fail("unknown preference model '{}' (accepted: partial_return, regret)", name);
}

LabelNoise parse_label_noise(std::string_view name) {
  if (name == "noiseless") return LabelNoise::kNoiseless;
  if (name == "logistic") return LabelNoise::kLogistic;
  fail("unknown label noise '{}' (accepted: noiseless, logistic)", name);
}

Segment sample_segment(const TabularMdp& mdp, int length, Rng& rng) {
  if (length < 1) fail("segment length must be >= 1, got {}", length);
  std::vector<int> starts;
  for (int s = 0; s < mdp.num_states; ++s) {
    if (!mdp.terminal[static_cast<size_t>(s)]) starts.push_back(s);
  }
  if (starts.empty())
    fail("tabular MDP '{}': every state is terminal, no segment starts", mdp.name);
  Segment seg;
  seg.states.reserve(static_cast<size_t>(length) + 1);
  seg.actions.reserve(static_cast<size_t>(length));
  int s = starts[rng.below(starts.size())];
  seg.states.push_back(s);
  for (int t = 0; t < length; ++t) {
    const int a = static_cast<int>(rng.below(static_cast<uint64_t>(mdp.num_actions)));
    const auto row = mdp.row(s, a);
    double u = rng.uniform();
    int next = row.back().next_state;
    for (const auto& outcome : row) {
      if (u < outcome.probability) {
        next = outcome.next_state;
        break;
      }
      u -= outcome.probability;
    }
    seg.actions.push_back(a);
    seg.states.push_back(next);
    s = next;
  }
  return seg;
}

std::vector<SegmentPair> sample_segment_pairs(const TabularMdp& mdp, int count, int length,
                                              Rng& rng) {
  if (count < 0) fail("number of segment pairs must be >= 0, got {}", count);
  // How many identical pairs in a row prove that the MDP has (almost) one segment.
  constexpr int kMaxIdenticalDraws = 1000;
  std::vector<SegmentPair> pairs;
  pairs.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    for (int tries = 0;; ++tries) {
      if (tries == kMaxIdenticalDraws) {
        fail("tabular MDP '{}': {} pairs of identical segments in a row; it has too few segments",
             mdp.name, kMaxIdenticalDraws);
      }
      SegmentPair pair{sample_segment(mdp, length, rng), sample_segment(mdp, length, rng)};
      if (!(pair.first == pair.second)) {
        pairs.push_back(std::move(pair));
        break;
      }
    }
  }
  return pairs;
}

double partial_return(const TabularMdp& mdp, const Segment& segment) {
  double sum = 0.0;
  for (size_t t = 0; t < segment.actions.size(); ++t) {
    sum += mdp.expected_reward(segment.states[t], segment.actions[t]);
  }
  return sum;
}

double segment_regret(const TabularMdp& mdp, std::span<const double> v, std::span<const double> q,
                      const Segment& segment) {
  VALOR_CHECK(v.size() == static_cast<size_t>(mdp.num_states));
  VALOR_CHECK(q.size() == v.size() * static_cast<size_t>(mdp.num_actions));
  double sum = 0.0;
  for (size_t t = 0; t < segment.actions.size(); ++t) {
    const int s = segment.states[t];
    sum += v[static_cast<size_t>(s)] - q[pair_index(mdp, s, segment.actions[t])];
  }
  return sum;
}

OptimalValues optimal_values(const TabularMdp& mdp, double gamma, Policy initial) {
  check_discounted(gamma);
  PolicyIterationResult pi = policy_iteration(mdp, gamma, std::move(initial));
  OptimalValues out;
  out.q = q_from_v(mdp, pi.v, gamma);
  out.v = std::move(pi.v);
  out.policy = std::move(pi.policy);
  return out;
}

double preference_logit(PreferenceModel model, const TabularMdp& mdp, const OptimalValues& optimal,
                        const SegmentPair& pair) {
  if (model == PreferenceModel::kPartialReturn) {
    return partial_return(mdp, pair.first) - partial_return(mdp, pair.second);
  }
  return segment_regret(mdp, optimal.v, optimal.q, pair.second) -
         segment_regret(mdp, optimal.v, optimal.q, pair.first);
}

std::vector<double> label_segment_pairs(const TabularMdp& mdp, double gamma,
                                        std::span<const SegmentPair> pairs, PreferenceModel model,
                                        LabelNoise noise, Rng& rng) {
  check_discounted(gamma);
  OptimalValues optimal;
  if (model == PreferenceModel::kRegret) optimal = optimal_values(mdp, gamma);
  std::vector<double> labels;
  labels.reserve(pairs.size());
  for (const auto& pair : pairs) {
    const double logit = preference_logit(model, mdp, optimal, pair);
    if (noise == LabelNoise::kLogistic) {
      labels.push_back(rng.bernoulli(sigmoid(logit)) ? 1.0 : 0.0);
    } else if (logit > kPreferenceTieTolerance) {
      labels.push_back(1.0);
    } else if (logit < -kPreferenceTieTolerance) {
      labels.push_back(0.0);
    } else {
      labels.push_back(0.5);
    }
  }
  return labels;
}

}  // namespace valor::dp
