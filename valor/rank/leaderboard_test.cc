#include "valor/rank/leaderboard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/rank/bradley_terry.h"
#include "valor/rank/elo.h"

namespace valor::rank {
namespace {

using ::testing::HasSubstr;

InputData battles() {
  InputData data;
  ComparisonSet& set = data.items;
  const int32_t a = set.intern("a"), b = set.intern("b"), c = set.intern("c");
  for (int k = 0; k < 3; ++k) {
    set.add({a, b});
    set.add({b, c});
    set.add({a, c});
  }
  set.add({b, a});
  set.add({c, b});
  set.add({c, a});
  set.add({a, b, 0.5, 1.0, true});
  return data;
}

std::string error_of(const InputData& data, const LeaderboardOptions& o) {
  try {
    fit_leaderboard(data, o);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Leaderboard, BradleyTerryWithWaldIntervalsOnTheEloScale) {
  const InputData data = battles();
  const Leaderboard lb = fit_leaderboard(data);
  const BtFit fit = bradley_terry_newton(data.items);
  const std::vector<double> sd = observed_information_sd(data.items, fit.ratings);
  ASSERT_EQ(lb.names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(lb.model, "bt");
  EXPECT_EQ(lb.scale, "elo");
  EXPECT_EQ(lb.interval, "observed information 95% (Wald)");
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(lb.natural[i], fit.ratings[i]);
    EXPECT_EQ(lb.rating[i], to_elo_scale(fit.ratings[i]));
    EXPECT_EQ(lb.low[i], to_elo_scale(fit.ratings[i] - 1.959963984540054 * sd[i]));
  }
  EXPECT_EQ(lb.comparisons, (std::vector<double>{9, 9, 8}));
  EXPECT_DOUBLE_EQ(lb.win_rate[0], 6.5 / 9);
  EXPECT_EQ(lb.order(), (std::vector<size_t>{0, 1, 2}));
  EXPECT_DOUBLE_EQ(lb.win_probability(0, 1), sigmoid(fit.ratings[0] - fit.ratings[1]));
}

TEST(Leaderboard, PlackettLuceOnPairsIsBradleyTerry) {
  const InputData data = battles();
  LeaderboardOptions o;
  o.scale = "natural";
  const Leaderboard bt = fit_leaderboard(data, o);
  o.model = "pl";
  const Leaderboard pl = fit_leaderboard(data, o);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(pl.rating[i], bt.rating[i], 1e-8);
  EXPECT_EQ(pl.interval, "none");
  EXPECT_TRUE(std::isnan(pl.low[0]));
  // A tie becomes half a ranking each way.
  const auto rankings = pairs_as_rankings(data.items);
  EXPECT_EQ(rankings.size(), data.items.comparisons().size() + 1);
  EXPECT_EQ(rankings.back().weight, 0.5);
}

TEST(Leaderboard, OtherModelsAndTheBootstrap) {
  const InputData data = battles();
  LeaderboardOptions o;
  o.model = "elo";
  o.elo_k = 8;
  const Leaderboard elo = fit_leaderboard(data, o);
  EXPECT_EQ(elo.natural, elo_ratings(data.items, 8));
  EXPECT_EQ(elo.scale, "elo");
  o.model = "thurstone";
  o.bootstrap = 20;
  o.seed = 3;
  const Leaderboard th = fit_leaderboard(data, o);
  EXPECT_EQ(th.scale, "natural");
  EXPECT_EQ(th.sigma.size(), 3u);
  EXPECT_EQ(th.interval, "bootstrap percentile 95% over 13 comparisons, 20 replicates, seed 3");
  for (size_t i = 0; i < 3; ++i) EXPECT_LE(th.low[i], th.high[i]);
  o.threads = 1;
  EXPECT_EQ(fit_leaderboard(data, o).low, th.low);
  o = {};
  o.ties = "davidson";
  const Leaderboard d = fit_leaderboard(data, o);
  EXPECT_EQ(d.model, "bt-davidson");
  EXPECT_GT(d.nu, 0);
}

TEST(Leaderboard, ErrorsNameTheValueNotAFlag) {
  const InputData data = battles();
  LeaderboardOptions o;
  o.model = "glicko";
  EXPECT_EQ(error_of(data, o), "rating model 'glicko': accepted: bt, thurstone, pl, elo");
  EXPECT_EQ(leaderboard_model_names(), (std::vector<std::string>{"bt", "thurstone", "pl", "elo"}));
  o = {};
  o.model = "elo";
  o.ties = "davidson";
  EXPECT_THAT(error_of(data, o), HasSubstr("use it with model 'bt'"));
  o = {};
  o.model = "pl";
  o.prior = 0.5;
  const std::string prior_message = error_of(data, o);
  EXPECT_THAT(prior_message, HasSubstr("prior 0.5: for the Plackett-Luce model"));
  EXPECT_THAT(prior_message, ::testing::Not(HasSubstr("--")));
  o = {};
  o.scale = "log";
  EXPECT_EQ(error_of(data, o), "scale 'log': accepted: natural, elo");
  InputData rankings;
  rankings.rankings_input = true;
  EXPECT_THAT(error_of(rankings, {}), HasSubstr("only the Plackett-Luce model ('pl') fits"));
  o = {};
  o.model = "thurstone";
  o.order_effect = true;
  EXPECT_EQ(error_of(data, o),
            "the order effect is available for the Bradley-Terry model ('bt') only, not "
            "'thurstone'");
  o = {};
  o.ties = "davidson";
  o.covariance = true;
  EXPECT_THAT(error_of(data, o), HasSubstr("the covariance matrix is not available with Davidson"));
  o = {};
  o.bias_reduced = true;
  o.prior = 2;
  EXPECT_THAT(error_of(data, o), HasSubstr("replaces a prior (prior 2)"));
}

TEST(Leaderboard, ModelComparisonAndCovariance) {
  const InputData data = battles();
  LeaderboardOptions o;
  o.covariance = true;
  const Leaderboard lb = fit_leaderboard(data, o);
  ASSERT_TRUE(lb.fitted);
  EXPECT_EQ(lb.log_likelihood, lb.fitted->log_likelihood(data.items));
  EXPECT_EQ(lb.num_parameters, 2u);
  EXPECT_DOUBLE_EQ(lb.aic, 4 - 2 * lb.log_likelihood);
  EXPECT_GE(lb.deviance, 0.0);
  ASSERT_EQ(lb.covariance_dim, 3u);
  // The Wald sd is the covariance's diagonal; rows of the mean-zero covariance sum to zero.
  const std::vector<double> sd = observed_information_sd(data.items, lb.natural);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(std::sqrt(lb.covariance[i * 3 + i]), sd[i], 1e-12);
    EXPECT_NEAR(lb.covariance[i * 3] + lb.covariance[i * 3 + 1] + lb.covariance[i * 3 + 2], 0.0,
                1e-12);
  }
  o.model = "elo";
  o.covariance = false;
  const Leaderboard elo = fit_leaderboard(data, o);
  EXPECT_TRUE(std::isnan(elo.aic));  // not a likelihood fit
  EXPECT_TRUE(std::isfinite(elo.log_likelihood));
}

}  // namespace
}  // namespace valor::rank
