#include "valor/dp/preference_reward.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "valor/core/error.h"
#include "valor/dp/delivery.h"
#include "valor/dp/testing_delivery.h"

namespace valor::dp {
namespace {

using ::testing::HasSubstr;

using testing::small_delivery;

PreferenceData labelled(const DeliveryMdp& d, int count, PreferenceModel labels, LabelNoise noise,
                        double gamma, uint64_t seed) {
  Rng rng(seed);
  PreferenceData data;
  data.pairs = sample_segment_pairs(d.mdp, count, 3, rng);
  data.labels = label_segment_pairs(d.mdp, gamma, data.pairs, labels, noise, rng);
  return data;
}

// Central differences against the analytic gradient, at a random theta (no ties between optimal
// actions, so the regret loss is differentiable there).
void expect_gradient_matches_finite_differences(PreferenceModel model, const env::TabularMdp& mdp,
                                                const RewardFeatures& features,
                                                const PreferenceData& data, double gamma,
                                                uint64_t seed) {
  Rng rng(seed);
  std::vector<double> theta(static_cast<size_t>(features.num_features));
  for (auto& t : theta) t = 2.0 * rng.normal();
  std::vector<double> grad;
  preference_loss(model, mdp, features, gamma, data, theta, &grad);
  ASSERT_EQ(grad.size(), theta.size());
  double largest = 0.0;
  for (size_t f = 0; f < theta.size(); ++f) {
    const double h = 1e-6;
    auto plus = theta, minus = theta;
    plus[f] += h;
    minus[f] -= h;
    const double fd = (preference_loss(model, mdp, features, gamma, data, plus) -
                       preference_loss(model, mdp, features, gamma, data, minus)) /
                      (2 * h);
    EXPECT_NEAR(grad[f], fd, 1e-6 + 1e-5 * std::abs(fd)) << "component " << f;
    largest = std::max(largest, std::abs(grad[f]));
  }
  EXPECT_GT(largest, 1e-4);  // not trivially zero
}

TEST(PreferenceLoss, GradientsMatchFiniteDifferencesOnLinearFeatures) {
  const auto d = small_delivery();
  for (auto labels : {PreferenceModel::kPartialReturn, PreferenceModel::kRegret}) {
    const auto data = labelled(d, 200, labels, LabelNoise::kLogistic, 0.95, 7);
    for (auto model : {PreferenceModel::kPartialReturn, PreferenceModel::kRegret}) {
      SCOPED_TRACE(std::string(preference_model_name(model)));
      expect_gradient_matches_finite_differences(model, d.mdp, d.features, data, 0.95, 11);
    }
  }
}

TEST(PreferenceLoss, GradientsMatchFiniteDifferencesOnTabularFeatures) {
  const auto d = small_delivery();
  const auto tab = RewardFeatures::tabular(d.mdp);
  EXPECT_EQ(tab.num_features, 13 * 4);  // 15 cells, goal and sheep terminal
  const auto data = labelled(d, 100, PreferenceModel::kRegret, LabelNoise::kNoiseless, 0.9, 8);
  for (auto model : {PreferenceModel::kPartialReturn, PreferenceModel::kRegret}) {
    SCOPED_TRACE(std::string(preference_model_name(model)));
    expect_gradient_matches_finite_differences(model, d.mdp, tab, data, 0.9, 12);
  }
}

TEST(PreferenceLoss, IsTheCrossEntropyOfTheModelsLogits) {
  const auto d = small_delivery();
  const auto data = labelled(d, 50, PreferenceModel::kRegret, LabelNoise::kLogistic, 0.9, 4);
  // At the true weights the regret model's logits are the true ones.
  const OptimalValues opt = optimal_values(d.mdp, 0.9);
  double expected = 0.0;
  for (size_t i = 0; i < data.pairs.size(); ++i) {
    const double z = preference_logit(PreferenceModel::kRegret, d.mdp, opt, data.pairs[i]);
    // -log p(label): -log logistic(z) = log(1 + e^-z) for label 1, log(1 + e^z) for label 0.
    ASSERT_TRUE(data.labels[i] == 0.0 || data.labels[i] == 1.0);
    expected += data.labels[i] == 1.0 ? std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
  }
  expected /= static_cast<double>(data.pairs.size());
  EXPECT_NEAR(preference_loss(PreferenceModel::kRegret, d.mdp, d.features, 0.9, data, d.weights),
              expected, 1e-10);
}

// Noiseless labels from a model, learned with the same model: the greedy policy of the learned
// reward is optimal under the true reward.
TEST(FitPreferenceReward, RecoversAnOptimalPolicyFromItsOwnNoiselessLabels) {
  const auto d = small_delivery();
  const double gamma = 0.999;
  for (auto model : {PreferenceModel::kPartialReturn, PreferenceModel::kRegret}) {
    SCOPED_TRACE(std::string(preference_model_name(model)));
    const auto data = labelled(d, 1000, model, LabelNoise::kNoiseless, gamma, 21);
    PreferenceFitOptions o;
    o.gamma = gamma;
    o.iterations = 1000;
    o.seed = 5;
    const PreferenceFit fit = fit_preference_reward(model, d.mdp, d.features, data, o);
    EXPECT_LT(fit.loss, fit.initial_loss);
    const auto score = score_learned_reward(d.mdp, d.features, fit.theta, gamma);
    EXPECT_NEAR(score.scaled_return, 1.0, 1e-9);
  }
}

TEST(FitPreferenceReward, RecoversAnOptimalPolicyWithATabularRegretModel) {
  const auto d = small_delivery();
  const double gamma = 0.99;
  const auto tab = RewardFeatures::tabular(d.mdp);
  const auto data = labelled(d, 3000, PreferenceModel::kRegret, LabelNoise::kNoiseless, gamma, 22);
  PreferenceFitOptions o;
  o.gamma = gamma;
  o.iterations = 500;
  o.learning_rate = 0.1;
  const PreferenceFit fit = fit_preference_reward(PreferenceModel::kRegret, d.mdp, tab, data, o);
  const auto score = score_learned_reward(d.mdp, tab, fit.theta, gamma);
  EXPECT_NEAR(score.scaled_return, 1.0, 1e-9);
}

TEST(ScoreLearnedReward, IsOneForTheTrueRewardAndBelowZeroForItsNegation) {
  const auto d = small_delivery();
  const auto best = score_learned_reward(d.mdp, d.features, d.weights, 0.999);
  EXPECT_NEAR(best.scaled_return, 1.0, 1e-12);
  EXPECT_NEAR(best.mean_value, best.optimal_mean_value, 1e-9);
  EXPECT_LT(best.random_mean_value, best.optimal_mean_value);
  std::vector<double> negated = d.weights;
  for (auto& w : negated) w = -w;
  EXPECT_LT(score_learned_reward(d.mdp, d.features, negated, 0.999).scaled_return, 0.0);
}

TEST(PreferenceReward, RejectsBadInput) {
  const auto d = small_delivery();
  auto data = labelled(d, 10, PreferenceModel::kRegret, LabelNoise::kNoiseless, 0.9, 1);
  EXPECT_THAT(
      [&] { preference_loss(PreferenceModel::kRegret, d.mdp, d.features, 1.0, data, d.weights); },
      ::testing::ThrowsMessage<Error>(HasSubstr("gamma must be in [0, 1)")));
  EXPECT_THAT(
      [&] {
        preference_loss(PreferenceModel::kRegret, d.mdp, d.features, 0.9, data,
                        std::vector<double>{1.0});
      },
      ::testing::ThrowsMessage<Error>(HasSubstr("theta has 1 components, the features 5")));
  data.labels[3] = 1.5;
  EXPECT_THAT(
      [&] { preference_loss(PreferenceModel::kRegret, d.mdp, d.features, 0.9, data, d.weights); },
      ::testing::ThrowsMessage<Error>(HasSubstr("label 1.5 of pair 3 is not in [0, 1]")));
  data.labels[3] = 1.0;
  data.pairs[2].second.actions[0] = 9;
  EXPECT_THAT(
      [&] { preference_loss(PreferenceModel::kRegret, d.mdp, d.features, 0.9, data, d.weights); },
      ::testing::ThrowsMessage<Error>(HasSubstr("pair 2, second segment: action 9")));
  std::vector<double> r(static_cast<size_t>(d.mdp.num_states) * 4, 0.0);
  r[4 * 4] = 1.0;  // state 4 is the goal
  EXPECT_THAT(
      [&] { with_rewards(d.mdp, r); },
      ::testing::ThrowsMessage<Error>(HasSubstr("terminal state (0,4) must have reward 0")));
  PreferenceFitOptions o;
  o.learning_rate = 0.0;
  EXPECT_THAT([&] { fit_preference_reward(PreferenceModel::kRegret, d.mdp, d.features, data, o); },
              ::testing::ThrowsMessage<Error>(HasSubstr("learning rate must be > 0")));
}

}  // namespace
}  // namespace valor::dp
