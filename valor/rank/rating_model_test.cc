// Generic property tests over every registered rating model (and the bt variants with an order
// effect and with Firth's bias reduction), as OpenSpiel checks every game.
#include "valor/rank/rating_model.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/core/random.h"

namespace valor::rank {
namespace {

using ::testing::HasSubstr;

struct Variant {
  std::string label;  // test name
  std::string model;  // registry name
  RatingModelOptions options;
  // |P_fit - P_true| allowed in the recovery test: the likelihood fits estimate the truth to
  // about 1 / sqrt(comparisons per pair) ~ 0.01; Thurstone's probit link differs from the logistic
  // truth by up to ~0.02; Elo's online updates with K = 4 leave noise of a few points.
  double recovery_tolerance;
};

void PrintTo(const Variant& v, std::ostream* os) { *os << v.label; }

std::vector<Variant> variants() {
  std::vector<Variant> out;
  for (const std::string& name : rating_model_names()) {
    const double tol = name == "elo" ? 0.06 : name == "thurstone" ? 0.03 : 0.02;
    out.push_back({name, name, {}, tol});
  }
  RatingModelOptions order;
  order.order_effect = true;
  out.push_back({"bt_order_effect", "bt", order, 0.02});
  RatingModelOptions firth;
  firth.bias_reduced = true;
  out.push_back({"bt_firth", "bt", firth, 0.02});
  return out;
}

// Comparisons of items with BT strengths `truth` (each pair in both orders), ties at `tie_rate`.
ComparisonSet simulate(const std::vector<double>& truth, int rounds, uint64_t seed, double tie_rate,
                       const std::vector<std::string>& names) {
  ComparisonSet set;
  for (const auto& name : names) set.intern(name);
  Rng rng(seed);
  for (int r = 0; r < rounds; ++r) {
    for (size_t i = 0; i < truth.size(); ++i) {
      for (size_t j = 0; j < truth.size(); ++j) {
        if (i == j) continue;
        const double p = sigmoid(truth[i] - truth[j]);
        const bool tie = rng.uniform() < tie_rate;
        const double outcome = tie ? 0.5 : (rng.uniform() < p ? 1.0 : 0.0);
        set.add({set.find(names[i]), set.find(names[j]), outcome, 1.0, tie});
      }
    }
  }
  return set;
}

class RatingModelTest : public ::testing::TestWithParam<Variant> {
 protected:
  std::unique_ptr<RatingModel> model() const {
    return make_rating_model(GetParam().model, GetParam().options);
  }
};

TEST_P(RatingModelTest, RecoversSimulatedWinProbabilities) {
  const std::vector<double> truth = {0.9, 0.4, 0.0, -0.5, -0.8};
  const std::vector<std::string> names = {"a", "b", "c", "d", "e"};
  const ComparisonSet data = simulate(truth, 400, 11, 0.1, names);
  const auto fit = model()->fit(data);
  ASSERT_EQ(fit->ratings().size(), truth.size());
  // Ties (rate t, drawn independently of the strengths) are half wins: the expected score of i
  // against j is (1 - t) sigmoid(b_i - b_j) + t / 2.
  for (size_t i = 0; i < truth.size(); ++i) {
    for (size_t j = 0; j < truth.size(); ++j) {
      if (i == j) continue;
      EXPECT_NEAR(fit->win_probability(static_cast<int32_t>(i), static_cast<int32_t>(j)),
                  0.9 * sigmoid(truth[i] - truth[j]) + 0.05, GetParam().recovery_tolerance)
          << names[i] << " vs " << names[j];
    }
    if (i > 0) {
      EXPECT_GT(fit->ratings()[i - 1], fit->ratings()[i]) << names[i];
    }
  }
  // Probabilities are probabilities, and the two orders of a pair are complementary where the
  // model has no order effect.
  const OutcomeProbabilities p = fit->probabilities(0, 3);
  EXPECT_NEAR(p.win + p.tie + p.loss, 1.0, 1e-12);
  EXPECT_NEAR(fit->win_probability(0, 3) + fit->win_probability(3, 0), 1.0, 1e-12);
  EXPECT_TRUE(std::isfinite(fit->log_likelihood(data)));
  EXPECT_GE(deviance(*fit, data), 0.0);
}

// Two items; a first: won, lost; b first: a won, tie. a scores 2.5 of 4.
ComparisonSet hand_case() {
  ComparisonSet set;
  const int32_t a = set.intern("a"), b = set.intern("b");
  set.add({a, b, 1.0});
  set.add({a, b, 0.0});
  set.add({b, a, 0.0});
  set.add({b, a, 0.5, 1.0, true});
  return set;
}

TEST_P(RatingModelTest, HandCase) {
  const Variant& v = GetParam();
  const ComparisonSet data = hand_case();
  const auto fit = model()->fit(data);
  double expected = 0.625;  // two items: the fit reproduces the observed score
  double tolerance = 1e-9;
  if (v.model == "elo") {
    // One pass in file order, K = 4, from 1000 each: the textbook updates.
    double ra = 1000, rb = 1000;
    for (const Comparison& c : data.comparisons()) {
      const double first = c.a == 0 ? ra : rb, second = c.a == 0 ? rb : ra;
      const double e = 1.0 / (1.0 + std::pow(10.0, (second - first) / 400.0));
      const double delta = 4.0 * (c.outcome - e);
      (c.a == 0 ? ra : rb) += delta;
      (c.a == 0 ? rb : ra) -= delta;
    }
    expected = 1.0 / (1.0 + std::pow(10.0, (rb - ra) / 400.0));
    EXPECT_NEAR(fit->ratings()[0], ra, 1e-12);
  } else if (v.options.order_effect) {
    // sigmoid(d + h) = 1/2 (a first), sigmoid(-d + h) = 1/4 (b first): d = ln 3 / 2.
    expected = sigmoid(std::log(3.0) / 2);
    EXPECT_NEAR(fit->probabilities(0, 1).win, 0.5, 1e-9);
    EXPECT_NEAR(fit->probabilities(1, 0).win, 0.25, 1e-9);
    EXPECT_NEAR(fit->order_effect, -std::log(3.0) / 2, 1e-9);
  } else if (v.options.bias_reduced) {
    // One parameter, one binomial: Firth's estimate adds half a success and half a failure.
    expected = (2.5 + 0.5) / (4 + 1);
  } else if (v.model == "thurstone") {
    tolerance = 1e-4;  // mu's default prior (precision 1e-4) shrinks a little
  } else if (v.model == "davidson") {
    // Saturated: P(a) = 2/4, P(tie) = 1/4, P(b) = 1/4.
    const OutcomeProbabilities p = fit->probabilities(0, 1);
    EXPECT_NEAR(p.win, 0.5, 1e-9);
    EXPECT_NEAR(p.tie, 0.25, 1e-9);
    EXPECT_NEAR(fit->tie_parameter, 1.0 / std::sqrt(2.0), 1e-9);  // 1/4 = nu sqrt(2)/4 ... /D
  }
  EXPECT_NEAR(fit->win_probability(0, 1), expected, tolerance);
}

TEST_P(RatingModelTest, InvariantToTheOrderOfItems) {
  const std::vector<double> truth = {0.7, 0.1, -0.2, -0.6};
  const std::vector<std::string> names = {"w", "x", "y", "z"};
  const ComparisonSet data = simulate(truth, 30, 5, 0.1, names);
  // The same comparisons, the items interned in reverse order (comparisons in the same order, as
  // Elo depends on it).
  ComparisonSet reversed;
  for (auto it = names.rbegin(); it != names.rend(); ++it) reversed.intern(*it);
  for (Comparison c : data.comparisons()) {
    c.a = reversed.find(data.name(c.a));
    c.b = reversed.find(data.name(c.b));
    reversed.add(c);
  }
  const auto one = model()->fit(data);
  const auto two = model()->fit(reversed);
  // L-BFGS (Thurstone) stops on a gradient tolerance, so the two fits agree to its accuracy;
  // Newton and MM to rounding.
  const double tol = GetParam().model == "thurstone" ? 1e-5 : 1e-9;
  for (size_t i = 0; i < names.size(); ++i) {
    const auto k = static_cast<size_t>(reversed.find(names[i]));
    EXPECT_NEAR(one->ratings()[i], two->ratings()[k], tol) << names[i];
  }
  EXPECT_NEAR(one->log_likelihood(data), two->log_likelihood(reversed), tol);
}

TEST_P(RatingModelTest, TotalsGiveTheFitOfTheExpandedRows) {
  if (GetParam().model == "elo") {
    GTEST_SKIP() << "Elo is online: w updates of one comparison are not one update of weight w";
  }
  const std::vector<double> truth = {0.5, 0.0, -0.5};
  const ComparisonSet expanded = simulate(truth, 20, 3, 0.15, {"p", "q", "r"});
  // The same comparisons as whole-number totals per (a, b, outcome, tie).
  ComparisonSet totals;
  for (const auto& name : expanded.items()) totals.intern(name);
  for (const Comparison& c : expanded.comparisons()) {
    auto& rows = totals.comparisons();
    auto it = std::find_if(rows.begin(), rows.end(), [&](const Comparison& t) {
      return t.a == c.a && t.b == c.b && t.outcome == c.outcome && t.tie == c.tie;
    });
    if (it == rows.end()) {
      totals.add(c);
    } else {
      it->weight += 1;
    }
  }
  ASSERT_LT(totals.comparisons().size(), expanded.comparisons().size() / 4);
  const auto one = model()->fit(expanded);
  const auto two = model()->fit(totals);
  const double tol = GetParam().model == "thurstone" ? 1e-5 : 1e-9;
  for (size_t i = 0; i < truth.size(); ++i) {
    EXPECT_NEAR(one->ratings()[i], two->ratings()[i], tol);
  }
  EXPECT_NEAR(one->log_likelihood(expanded), two->log_likelihood(totals), tol);
  EXPECT_NEAR(deviance(*one, expanded), deviance(*two, totals), tol);
}

INSTANTIATE_TEST_SUITE_P(AllModels, RatingModelTest, ::testing::ValuesIn(variants()),
                         [](const auto& info) { return info.param.label; });

TEST(RatingModelRegistry, NamesAndErrors) {
  EXPECT_EQ(rating_model_names(),
            (std::vector<std::string>{"bt", "davidson", "thurstone", "pl", "elo"}));
  for (const auto& name : rating_model_names()) EXPECT_EQ(make_rating_model(name)->name(), name);
  auto error_of = [](std::string_view name, const RatingModelOptions& o) -> std::string {
    try {
      make_rating_model(name, o);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_THAT(error_of("bradley", {}),
              HasSubstr("rating model 'bradley': accepted: bt, davidson, thurstone, pl, elo"));
  RatingModelOptions o;
  o.order_effect = true;
  EXPECT_THAT(error_of("thurstone", o), HasSubstr("not of 'thurstone'"));
  o = {};
  o.bias_reduced = true;
  o.prior = 1;
  EXPECT_THAT(error_of("bt", o), HasSubstr("use one or the other"));
  o = {};
  o.prior = 0.5;
  EXPECT_THAT(error_of("pl", o), HasSubstr("Gamma(a, a - 1)"));
  o = {};
  o.elo_k = 0;
  EXPECT_THAT(error_of("elo", o), HasSubstr("Elo k 0"));
}

TEST(RatingModelDeviance, ZeroForTheSaturatedTwoItemFit) {
  const ComparisonSet data = hand_case();
  RatingModelOptions order;
  order.order_effect = true;
  // Two ordered pairs, two parameters (d, h): the order-effect fit is the saturated model.
  const auto fit = make_rating_model("bt", order)->fit(data);
  EXPECT_NEAR(deviance(*fit, data), 0.0, 1e-9);
  EXPECT_EQ(fit->num_parameters(), 2u);
  // Without it, one parameter for the one unordered pair: saturated too, at a's score 0.625.
  const auto plain = make_rating_model("bt")->fit(data);
  const double p = 0.625;
  const double ll =
      1 * std::log(p) + 1 * std::log(1 - p) + 1.5 * std::log(p) + 0.5 * std::log(1 - p);
  EXPECT_NEAR(plain->log_likelihood(data), ll, 1e-12);
  EXPECT_NEAR(deviance(*plain, data), 0.0, 1e-9);
  // Its deviance against the ordered saturated model is 2 (LL_sat - LL) by hand: a first scores
  // 1 of 2, b first 0.5 of 2.
  const double sat = 2 * std::log(0.5) + 1.5 * std::log(0.75) + 0.5 * std::log(0.25);
  EXPECT_NEAR(saturated_log_likelihood(data, false, true), sat, 1e-12);
  EXPECT_GT(fit->log_likelihood(data), plain->log_likelihood(data));
}

}  // namespace
}  // namespace valor::rank
