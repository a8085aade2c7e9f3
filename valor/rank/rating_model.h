// One interface for the pairwise rating models (docs/rank.md): a RatingModel fits comparisons and
// returns a FittedRatings, which gives each model's outcome probabilities, its log-likelihood and
// its number of parameters. The registry (rating_model_names, make_rating_model) is the one place
// where a model's name turns into a model; the leaderboard, cross-validation and the bootstrap
// all go through it, and one generic test suite (rating_model_test.cc) runs over every entry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "valor/rank/comparisons.h"
#include "valor/rank/plackett_luce.h"
#include "valor/rank/thurstone.h"

namespace valor::rank {

// What the registered models read; each ignores the fields it has no use for.
struct RatingModelOptions {
  // bt, davidson: sd of the Gaussian prior on the natural-scale ratings (0: none);
  // thurstone: sd of the Gaussian prior on mu and log sigma (ThurstoneOptions::prior_precision
  // = 1 / prior^2; 0: its default 1e-4);
  // pl: shape a > 1 of a Gamma(a, a - 1) prior on each worth (0: none).
  double prior = 0.0;
  // thurstone: sd of the Gaussian prior on log sigma_i; 0: no prior on log sigma beyond mu's.
  double thurstone_log_sigma_prior_sd = kThurstoneLogSigmaPriorSd;
  double elo_k = 4.0;  // elo: K
  // bt: a first-position (home) term h, P(a beats b) = sigmoid(b_a - b_b + h), with a the first
  // item of each comparison, fitted jointly with the ratings (bradley_terry_glm.h).
  bool order_effect = false;
  // bt: Firth's bias-reduced estimate (BTm(..., br = TRUE)), finite when an item never wins or
  // never loses; no prior with it.
  bool bias_reduced = false;
};

// P(a wins), P(tie), P(b wins) for a comparison with a in the first position. Models without a
// tie outcome give tie = 0 and loss = 1 - win.
struct OutcomeProbabilities {
  double win = 0.0;
  double tie = 0.0;
  double loss = 0.0;
};

class FittedRatings {
 public:
  virtual ~FittedRatings() = default;

  // The fitted parameter of each item on the model's own scale (b, mu, log pi, Elo), indexed
  // like the ComparisonSet's items.
  const std::vector<double>& ratings() const { return ratings_; }
  // Outcome probabilities of a comparison of item a (first position) with item b.
  virtual OutcomeProbabilities probabilities(int32_t a, int32_t b) const = 0;
  // P(i preferred to j) on neutral ground (without an order effect); for a model with ties the
  // expected score P(win) + P(tie) / 2. What the win-probability matrix shows.
  virtual double win_probability(int32_t i, int32_t j) const;
  // Whether ties are an outcome of their own (Davidson), which log_likelihood scores as P(tie).
  virtual bool models_ties() const { return false; }
  // The free parameters (identifiable ones: n - 1 ratings, plus an order effect, a tie
  // parameter, n - 1 Thurstone sds); for AIC = 2 k - 2 log L.
  virtual size_t num_parameters() const = 0;
  // Whether the fit maximises a likelihood (false for Elo, whose AIC is then undefined).
  virtual bool likelihood_fit() const { return true; }

  // sum_c w_c [o_c log P(a wins) + (1 - o_c) log P(b wins)]; for models_ties(), a comparison
  // recorded as a tie scores w log P(tie). Probabilities are used as they are (0 gives -inf).
  double log_likelihood(const ComparisonSet& data) const;

  // Parameters beyond the ratings, where the model has them (NaN or empty otherwise).
  double tie_parameter = std::numeric_limits<double>::quiet_NaN();  // davidson: nu
  std::vector<double> item_sd;                                      // thurstone: sigma per item
  double order_effect = std::numeric_limits<double>::quiet_NaN();   // bt with the order effect: h
  // bt with the order effect or Firth: the covariance of (b[, h]) (bradley_terry_glm.h),
  // row-major; empty otherwise.
  std::vector<double> covariance;

 protected:
  std::vector<double> ratings_;
};

class RatingModel {
 public:
  virtual ~RatingModel() = default;
  virtual std::string_view name() const = 0;
  // Thread-safe (the bootstrap fits replicates in parallel). valor::Error when the model has no
  // estimate on `data` (e.g. no maximum-likelihood ratings without a prior).
  virtual std::unique_ptr<FittedRatings> fit(const ComparisonSet& data) const = 0;
};

// The registered models: "bt" (Bradley-Terry by Newton, ties as half wins), "davidson"
// (Bradley-Terry with Davidson's ties), "thurstone", "pl" (Plackett-Luce on pairs), "elo".
std::vector<std::string> rating_model_names();
// valor::Error for an unknown name (listing the accepted ones) and for options the model cannot
// take (order_effect or bias_reduced with a model other than bt, bias_reduced with a prior, a pl
// prior that is neither 0 nor > 1, a non-positive Elo K, negative priors).
std::unique_ptr<RatingModel> make_rating_model(std::string_view name,
                                               const RatingModelOptions& options = {});

// 2 (log L_saturated - log L): the saturated model has one outcome distribution (win/loss
// fractions, plus ties for models_ties()) per pair of items, per ordered pair (first, second)
// when the fit has an order effect. So the deviance does not change when identical comparisons
// are merged into one weighted row, nor (without an order effect) when a and b are swapped; a
// fit with an order effect has another saturated model, so compare it with one without by
// log-likelihood or AIC, not deviance. (BTm's deviance is against one probability per binomial
// row: the same when its rows are these pairs.)
double deviance(const FittedRatings& fit, const ComparisonSet& data);
// The log-likelihood of that saturated model: per unordered pair, or per ordered one.
double saturated_log_likelihood(const ComparisonSet& data, bool ties_apart, bool ordered);

// Each comparison as rankings of two for Plackett-Luce: "a > b" with weight w * outcome and
// "b > a" with weight w * (1 - outcome), so a tie is half a ranking each way (Plackett-Luce on
// pairs is then Bradley-Terry with ties as half wins).
std::vector<Ranking> pairs_as_rankings(const ComparisonSet& data);

}  // namespace valor::rank
