// A leaderboard: one rating model fitted to comparisons or rankings, with intervals, comparison
// counts and win rates per item. What `valor rank` prints and the Python module returns, so that
// both make the same fit from the same options (docs/rank.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "valor/rank/comparison_reader.h"
#include "valor/rank/rating_model.h"

namespace valor::rank {

// The models a leaderboard takes: the registry's (rating_model_names), less "davidson", which is
// model "bt" with ties "davidson".
std::vector<std::string> leaderboard_model_names();

struct LeaderboardOptions {
  // "bt" (Bradley-Terry by Newton), "thurstone", "pl" (Plackett-Luce by MM) or "elo".
  std::string model = "bt";
  // bt only: "half" (a tie is half a win for each side) or "davidson" (Davidson's tie model).
  std::string ties = "half";
  // bt: sd of the Gaussian prior on the natural-scale ratings; thurstone: sd of the prior on mu
  // and log sigma (precision 1 / prior^2; 0 keeps ThurstoneOptions' default 1e-4); pl: shape
  // a > 1 of a Gamma(a, a - 1) prior on each worth. 0: none.
  double prior = 0;
  // "elo" (400 / ln 10 * b + 1000) or "natural", for bt and pl; Elo ratings are always on the
  // Elo scale and Thurstonian utilities always natural.
  std::string scale = "elo";
  // Intervals are 95%. > 0: percentile intervals from this many bootstrap replicates (over
  // comparisons, or over rankings for a rankings input); 0: observed-information (Wald) intervals
  // for bt when `intervals`, none for the other models.
  int bootstrap = 0;
  uint64_t seed = 0;  // of the bootstrap
  double elo_k = 4.0;
  bool intervals = true;  // false: no interval (with bootstrap 0)
  int threads = 0;        // bootstrap threads, 0: all cores (the result does not depend on it)
  // bt only: the first-position (home) term, and Firth's bias reduction (rating_model.h).
  bool order_effect = false;
  bool bias_reduced = false;
  // thurstone: sd of the prior on log sigma_i (kThurstoneLogSigmaPriorSd; 0: none).
  double thurstone_log_sigma_prior_sd = kThurstoneLogSigmaPriorSd;
  // bt only: fill Leaderboard::covariance (dense, at most kMaxObservedInformationItems items).
  bool covariance = false;
};

enum class LeaderboardModel { kBradleyTerry, kDavidson, kThurstone, kPlackettLuce, kElo };

// Everything indexed by item (the order of first appearance in the data), not by rank.
struct Leaderboard {
  LeaderboardModel kind = LeaderboardModel::kBradleyTerry;
  std::string model;     // "bt", "bt-davidson", "thurstone", "pl", "elo"
  std::string scale;     // "elo" or "natural"
  std::string interval;  // how the intervals were made, or "none"
  bool rankings_input = false;
  std::vector<std::string> names;
  // The fitted parameters on the model's own scale: b (bt), mu (thurstone), log pi (pl), Elo.
  std::vector<double> natural;
  std::vector<double> rating;     // on `scale`
  std::vector<double> low, high;  // the interval on `scale`; NaN without one
  // The weight of the comparisons of each item (for rankings: of the pairwise preferences they
  // imply, each ranked item above every later and every unranked item) and the fraction won.
  std::vector<double> comparisons, win_rate;
  std::vector<double> sigma;  // thurstone: the per-item sd; empty otherwise
  double nu = 0;              // bt-davidson: the tie parameter
  // bt with the order effect: h on the natural scale and its standard error (Wald, from the
  // joint information); NaN otherwise.
  double order_effect = std::numeric_limits<double>::quiet_NaN();
  double order_effect_sd = std::numeric_limits<double>::quiet_NaN();
  // Model comparison: the log-likelihood of the data at the fit (rating_model.h; for rankings,
  // of the rankings), the deviance against one outcome distribution per ordered pair (NaN for
  // rankings), the number of free parameters and AIC = 2 k - 2 log L (NaN for Elo, which is not
  // a likelihood fit). Computed without any prior's penalty.
  double log_likelihood = 0, deviance = 0, aic = 0;
  size_t num_parameters = 0;
  // The total weight of the comparisons (or rankings); when weights_are_counts, the number of
  // comparisons they stand for (ComparisonUnits), what the bootstrap resamples.
  double total_weight = 0;
  bool weights_are_counts = true;
  // With LeaderboardOptions::covariance: the covariance of the natural-scale ratings (plus h last
  // with the order effect), row-major, covariance_dim square; under mean(b) = 0 without a prior.
  std::vector<double> covariance;
  size_t covariance_dim = 0;
  // The fitted model (pairwise input); null for rankings.
  std::shared_ptr<const FittedRatings> fitted;
  // Wall-clock seconds of the fit (with the Wald standard errors) and of the bootstrap.
  double fit_seconds = 0, interval_seconds = 0;

  // P(item i preferred to item j) under the fitted model; for Davidson's ties the expected
  // score P(win) + P(tie) / 2.
  double win_probability(size_t i, size_t j) const;
  // Item indices, best first; equal ratings keep item order.
  std::vector<size_t> order() const;
};

// Fits `data` (read_comparisons_or_rankings, or built by the caller) as `options` say.
// valor::Error, naming the option's value (never a command-line flag), for: an unknown model,
// ties or scale; Davidson ties with a model other than bt; rankings with a model other than pl;
// a pl prior that is neither 0 nor > 1; the order effect, Firth or the covariance with a model
// other than bt, Firth with a prior or Davidson ties; bootstrap < 0; observed-information intervals
// above kMaxObservedInformationItems items (checked before fitting); and the errors of the fits
// (e.g. no maximum-likelihood estimate without a prior).
Leaderboard fit_leaderboard(const InputData& data, const LeaderboardOptions& options = {});

}  // namespace valor::rank
