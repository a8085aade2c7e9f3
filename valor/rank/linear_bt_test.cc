#include "valor/rank/linear_bt.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/core/random.h"
#include "valor/rank/bradley_terry.h"
#include "valor/rank/comparison_reader.h"

namespace valor::rank {
namespace {

using ::testing::HasSubstr;
const std::string kData = std::string(VALOR_TESTDATA_DIR) + "/reward/";

nlohmann::json expected(const std::string& key) {
  std::ifstream in(kData + "linear_bt_expected.json");
  return nlohmann::json::parse(in).at(key);
}

// Within 1e-6 of the scipy fit of tools/linear-bt-reference.py.
void expect_reference(const LinearBtFit& fit, const nlohmann::json& reference) {
  const auto beta = reference.at("coefficients").get<std::vector<double>>();
  const auto se = reference.at("standard_errors").get<std::vector<double>>();
  ASSERT_EQ(fit.coefficients.size(), beta.size());
  for (size_t k = 0; k < beta.size(); ++k) {
    EXPECT_NEAR(fit.coefficients[k], beta[k], 1e-6) << k;
    EXPECT_NEAR(fit.standard_errors[k], se[k], 1e-6) << k;
  }
  EXPECT_NEAR(fit.log_likelihood, reference.at("log_likelihood").get<double>(), 1e-6);
}

FeatureData covariate_data() {
  ReadOptions read;
  read.col_weight = "weight";
  const ComparisonSet set = read_comparisons(kData + "covariate_comparisons.csv", read);
  return attach_item_covariates(set, "covariate_comparisons.csv",
                                read_item_covariates(kData + "covariates.csv"));
}

TEST(LinearBtTest, ItemCovariatesEqualTheScipyFit) {
  const FeatureData data = covariate_data();
  const LinearBtFit fit = fit_linear_bt(data);
  expect_reference(fit, expected("covariates"));
  EXPECT_EQ(fit.names, (std::vector<std::string>{"x1", "x2", "x3"}));
  // The log-likelihood at the fit is the one computed from the rewards.
  EXPECT_NEAR(bt_log_likelihood(data, linear_bt_rewards(fit, data.table)), fit.log_likelihood,
              1e-9);
}

TEST(LinearBtTest, PriorEqualsTheScipyFit) {
  LinearBtOptions options;
  options.prior_sd = 0.5;
  expect_reference(fit_linear_bt(covariate_data(), options), expected("covariates_prior"));
}

TEST(LinearBtTest, PerComparisonFeaturesEqualTheScipyFit) {
  FeatureReadOptions options;
  options.col_outcome = "outcome";
  options.col_prompt = "prompt";
  const FeatureData data = read_feature_comparisons(kData + "pair_features.jsonl", options);
  EXPECT_EQ(data.prompts.size(), 100u);
  expect_reference(fit_linear_bt(data), expected("pair_features"));
}

// One-hot indicators of the items, the first item the reference level (coefficient 0): the
// linear model is then the Bradley-Terry model itself, so centred coefficients are its ratings.
TEST(LinearBtTest, OneHotCovariatesEqualBradleyTerry) {
  ComparisonSet set;
  const int items = 7;
  for (int i = 0; i < items; ++i) set.intern(fmt::format("item{}", i));
  Rng rng(5);
  for (int k = 0; k < 300; ++k) {
    const auto a = static_cast<int32_t>(rng.below(items));
    auto b = static_cast<int32_t>(rng.below(items - 1));
    if (b >= a) ++b;
    const double u = rng.uniform();
    const double outcome = u < 0.1 ? 0.5 : (rng.bernoulli(sigmoid(0.3 * (a - b))) ? 1.0 : 0.0);
    set.add({a, b, outcome, 0.5 + rng.uniform(), outcome == 0.5});
  }
  ItemCovariates covariates;
  covariates.source = "one-hot";
  covariates.table.dim = items - 1;
  for (int i = 1; i < items; ++i) covariates.table.names.push_back(fmt::format("is_item{}", i));
  for (int i = 0; i < items; ++i) {
    covariates.items.push_back(set.name(i));
    for (int j = 1; j < items; ++j) covariates.table.values.push_back(i == j ? 1.0 : 0.0);
  }
  const LinearBtFit fit = fit_linear_bt(attach_item_covariates(set, "random", covariates));
  BtOptions bt;
  bt.solver = BtSolver::kDense;
  const BtFit reference = bradley_terry_newton(set, bt);
  std::vector<double> ratings{0.0};
  for (const double c : fit.coefficients) ratings.push_back(c);
  double mean = 0.0;
  for (const double r : ratings) mean += r / items;
  for (int i = 0; i < items; ++i) EXPECT_NEAR(ratings[i] - mean, reference.ratings[i], 1e-6) << i;
  EXPECT_NEAR(fit.log_likelihood, reference.log_likelihood, 1e-9);
  // The standard error of a coefficient is that of the difference to the reference item.
  for (int i = 1; i < items; ++i) EXPECT_GT(fit.standard_errors[i - 1], 0.0);

  // Every item's indicator, no reference level: not identifiable, and the message says so.
  covariates.table.dim = items;
  covariates.table.names.insert(covariates.table.names.begin(), "is_item0");
  covariates.table.values.clear();
  for (int i = 0; i < items; ++i) {
    for (int j = 0; j < items; ++j) covariates.table.values.push_back(i == j ? 1.0 : 0.0);
  }
  try {
    fit_linear_bt(attach_item_covariates(set, "random", covariates));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("not identifiable"));
    EXPECT_THAT(e.what(), HasSubstr("reference level"));
  }
  // With a prior the same design has a unique penalised optimum.
  LinearBtOptions prior;
  prior.prior_sd = 1.0;
  EXPECT_EQ(
      fit_linear_bt(attach_item_covariates(set, "random", covariates), prior).coefficients.size(),
      static_cast<size_t>(items));
}

// Items a (x = 1) and b (x = 0).
ItemCovariates two_items_x1_x0() {
  ItemCovariates covariates;
  covariates.table.dim = 1;
  covariates.table.names = {"x"};
  covariates.table.values = {1.0, 0.0};
  covariates.items = {"a", "b"};
  return covariates;
}

TEST(LinearBtTest, HandCaseOneFeatureThreeWinsOneLoss) {
  // Two items with x = 1 and x = 0: beta is the log-odds, log 3, with variance 1/(4 p (1 - p)).
  const ItemCovariates covariates = two_items_x1_x0();
  ComparisonSet set;
  set.intern("a");
  set.intern("b");
  for (int k = 0; k < 3; ++k) set.add({0, 1, 1.0});
  set.add({1, 0, 1.0});
  const LinearBtFit fit = fit_linear_bt(attach_item_covariates(set, "hand", covariates));
  EXPECT_NEAR(fit.coefficients[0], std::log(3.0), 1e-12);
  EXPECT_NEAR(fit.standard_errors[0], std::sqrt(1.0 / (4 * 0.75 * 0.25)), 1e-9);
  EXPECT_NEAR(fit.log_likelihood, 3 * std::log(0.75) + std::log(0.25), 1e-12);
}

TEST(LinearBtTest, SeparableComparisonsNeedAPrior) {
  const ItemCovariates covariates = two_items_x1_x0();
  ComparisonSet set;
  set.intern("a");
  set.intern("b");
  set.add({0, 1, 1.0});
  const FeatureData data = attach_item_covariates(set, "separable", covariates);
  try {
    fit_linear_bt(data);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("separable"));
  }
  LinearBtOptions options;
  options.prior_sd = 1.0;
  // Penalised optimum of log sigma(b) - b^2 / 2: sigma(-b) = b.
  const double b = fit_linear_bt(data, options).coefficients[0];
  EXPECT_NEAR(sigmoid(-b), b, 1e-10);
}

}  // namespace
}  // namespace valor::rank
