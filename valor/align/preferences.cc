#include "valor/align/preferences.h"

#include <algorithm>
#include <cmath>

#include "valor/align/exact.h"
#include "valor/core/error.h"

namespace valor::align {

namespace {
// Draws of the second response of a pair before giving up on getting one unlike the first.
constexpr int kMaxRedraws = 1000;
}  // namespace

void check_preference_options(const PreferenceOptions& options) {
  if (options.pairs < 1) fail("preference pairs = 0: needs at least 1");
  if (!(options.label_temperature > 0.0) || !std::isfinite(options.label_temperature)) {
    fail("label_temperature = {}: accepted a finite number > 0", options.label_temperature);
  }
  if (!(options.label_noise >= 0.0 && options.label_noise < 0.5)) {
    fail("label_noise = {}: accepted [0, 0.5)", options.label_noise);
  }
  if (!(options.tie_margin >= 0.0) || !std::isfinite(options.tie_margin)) {
    fail("tie_margin = {}: accepted a finite number >= 0", options.tie_margin);
  }
  if (options.annotators < 1) fail("annotators = 0: accepted >= 1");
  if (!(options.annotator_spread >= 0.0) || !std::isfinite(options.annotator_spread)) {
    fail("annotator_spread = {}: accepted a finite number >= 0", options.annotator_spread);
  }
}

PreferenceData make_preferences(const Task& task, const PreferenceOptions& options) {
  check_preference_options(options);
  const SequenceShape& s = task.shape();
  const auto len = static_cast<size_t>(s.length);
  Rng rng(options.seed, 5);
  MlpPolicy reference = task.reference();
  PreferenceData data;
  data.length = s.length;
  data.prompts.resize(options.pairs);
  for (auto& x : data.prompts)
    x = static_cast<int32_t>(rng.below(static_cast<uint64_t>(s.prompts)));
  sample_sequences(reference, data.prompts, rng, data.a);
  sample_sequences(reference, data.prompts, rng, data.b);
  // A response compared with itself carries no preference (its h is 0 for every policy): such
  // pairs are redrawn, so every pair compares two different responses.
  std::vector<uint8_t> again;
  for (size_t i = 0; i < options.pairs; ++i) {
    auto a = data.a.begin() + static_cast<std::ptrdiff_t>(i * len);
    auto b = data.b.begin() + static_cast<std::ptrdiff_t>(i * len);
    for (int tries = 0; std::equal(a, a + static_cast<std::ptrdiff_t>(len), b); ++tries) {
      if (tries == kMaxRedraws) {
        fail(
            "pi_ref puts almost all its mass on one response of prompt {}: {} draws gave the "
            "same response; use a larger task or a smaller task.teacher_logit_scale",
            data.prompts[i], kMaxRedraws);
      }
      sample_sequences(reference, std::span<const int32_t>(&data.prompts[i], 1), rng, again);
      std::copy(again.begin(), again.end(), b);
    }
  }
  // The annotators' personal terms c_k[x][t][v], drawn from their own streams (so adding
  // annotators leaves the responses above unchanged).
  const size_t taste_size = static_cast<size_t>(s.prompts) * len * static_cast<size_t>(s.vocab);
  std::vector<double> taste;
  if (options.annotators > 1 || options.annotator_spread > 0.0) {
    taste.resize(options.annotators * taste_size);
    for (size_t k = 0; k < options.annotators; ++k) {
      Rng taste_rng(options.seed, 100 + k);
      for (size_t j = 0; j < taste_size; ++j) taste[k * taste_size + j] = taste_rng.normal();
    }
  }
  auto annotator_reward = [&](size_t k, int32_t x, const uint8_t* y) {
    double r = task.gold_reward(x, y);
    if (taste.empty() || options.annotator_spread == 0.0) return r;
    double personal = 0.0;
    for (size_t t = 0; t < len; ++t) {
      personal += taste[k * taste_size +
                        (static_cast<size_t>(x) * len + t) * static_cast<size_t>(s.vocab) + y[t]];
    }
    return r + options.annotator_spread * personal / std::sqrt(static_cast<double>(len));
  };
  data.outcome.resize(options.pairs);
  for (size_t i = 0; i < options.pairs; ++i) {
    const size_t k =
        options.annotators > 1 ? static_cast<size_t>(rng.below(options.annotators)) : 0;
    const double margin = annotator_reward(k, data.prompts[i], data.a.data() + i * len) -
                          annotator_reward(k, data.prompts[i], data.b.data() + i * len);
    if (std::abs(margin) < options.tie_margin) {
      data.outcome[i] = 0.5f;
      continue;
    }
    bool a_wins = rng.uniform() < 1.0 / (1.0 + std::exp(-margin / options.label_temperature));
    if (options.label_noise > 0.0 && rng.uniform() < options.label_noise) a_wins = !a_wins;
    data.outcome[i] = a_wins ? 1.0f : 0.0f;
  }
  return data;
}

void check_preferences(const PreferenceData& data, const SequenceShape& shape,
                       const std::string& label) {
  if (data.size() == 0) fail("{}: no preference pairs", label);
  if (data.length != shape.length) {
    fail("{}: responses of {} tokens, the task's length is {}", label, data.length, shape.length);
  }
  const auto len = static_cast<size_t>(shape.length);
  for (size_t i = 0; i < data.size(); ++i) {
    if (data.prompts[i] < 0 || data.prompts[i] >= shape.prompts) {
      fail("{}: pair {} has prompt {}, accepted 0 to {}", label, i, data.prompts[i],
           shape.prompts - 1);
    }
    for (size_t t = 0; t < len; ++t) {
      const int ta = data.a[i * len + t], tb = data.b[i * len + t];
      if (ta >= shape.vocab || tb >= shape.vocab) {
        fail("{}: pair {} has token {}, accepted 0 to {}", label, i, std::max(ta, tb),
             shape.vocab - 1);
      }
    }
    if (!(data.outcome[i] >= 0.0f && data.outcome[i] <= 1.0f)) {
      fail("{}: pair {} has outcome {}, accepted [0, 1]", label, i, data.outcome[i]);
    }
  }
}

void GoldReward::score(std::span<const int32_t> prompts, std::span<const uint8_t> tokens,
                       double* out) const {
  const auto len = static_cast<size_t>(task_.shape().length);
  for (size_t i = 0; i < prompts.size(); ++i)
    out[i] = task_.gold_reward(prompts[i], tokens.data() + i * len);
}

ProxyReward::ProxyReward(const Task& task, std::vector<reward::MlpReward> members,
                         reward::EnsembleRule rule, double lambda)
    : task_(task), members_(std::move(members)), rule_(rule), lambda_(lambda) {
  VALOR_CHECK(!members_.empty());
  for (const auto& m : members_) {
    if (m.input_dim() != task.feature_dim()) {
      fail("a reward model with input dimension {}; the task's features have {}", m.input_dim(),
           task.feature_dim());
    }
  }
}

void ProxyReward::score(std::span<const int32_t> prompts, std::span<const uint8_t> tokens,
                        double* out) const {
  const auto len = static_cast<size_t>(task_.shape().length);
  const size_t n = prompts.size(), dim = task_.feature_dim();
  std::vector<float> x(n * dim);
  for (size_t i = 0; i < n; ++i)
    task_.features(prompts[i], tokens.data() + i * len, x.data() + i * dim);
  std::vector<std::vector<double>> rewards(members_.size(), std::vector<double>(n));
  std::vector<float> r(n);
  for (size_t k = 0; k < members_.size(); ++k) {
    members_[k].rewards(x.data(), n, r.data());
    for (size_t i = 0; i < n; ++i) rewards[k][i] = r[i];
  }
  const std::vector<double> scores = reward::ensemble_scores(rewards, rule_, lambda_);
  std::copy(scores.begin(), scores.end(), out);
}

reward::PairDataset pair_dataset(const Task& task, const PreferenceData& data) {
  const auto len = static_cast<size_t>(task.shape().length);
  const size_t n = data.size(), dim = task.feature_dim();
  reward::PairDataset out;
  out.dim = dim;
  out.rows.resize(2 * n * dim);
  out.row_a.resize(n);
  out.row_b.resize(n);
  for (size_t i = 0; i < n; ++i) {
    task.features(data.prompts[i], data.a.data() + i * len, out.rows.data() + (2 * i) * dim);
    task.features(data.prompts[i], data.b.data() + i * len, out.rows.data() + (2 * i + 1) * dim);
    out.row_a[i] = static_cast<int64_t>(2 * i);
    out.row_b[i] = static_cast<int64_t>(2 * i + 1);
  }
  out.outcome = data.outcome;
  out.weight.assign(n, 1.0f);
  return out;
}

std::vector<double> reward_table(const RewardFunction& reward, const SequenceShape& shape) {
  check_enumerable(shape);
  const uint64_t n = shape.num_sequences();
  const auto len = static_cast<size_t>(shape.length);
  std::vector<double> table(n * static_cast<uint64_t>(shape.prompts));
  std::vector<int32_t> prompts(n);
  std::vector<uint8_t> tokens(n * len);
  for (uint64_t y = 0; y < n; ++y) sequence_tokens(shape, y, tokens.data() + y * len);
  for (int x = 0; x < shape.prompts; ++x) {
    std::fill(prompts.begin(), prompts.end(), x);
    reward.score(prompts, tokens, table.data() + static_cast<uint64_t>(x) * n);
  }
  return table;
}

}  // namespace valor::align
