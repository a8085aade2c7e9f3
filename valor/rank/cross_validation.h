// k-fold cross-validation of the pairwise models (algorithms.md section 5): the comparisons are
// shuffled (deterministically for a seed) and split into k folds of near-equal size; each model is
// fitted on k - 1 folds and scored on the held-out one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "valor/rank/comparisons.h"
#include "valor/rank/plackett_luce.h"

namespace valor::rank {

struct CvOptions {
  int folds = 5;                      // >= 2, at most the number of comparisons
  uint64_t seed = 0;                  // of the shuffle
  double prior_sd = 0.0;              // Gaussian prior sd for bt / davidson; 0: maximum likelihood
  double elo_k = 4.0;                 // Elo's K
  double thurstone_precision = 1e-4;  // ThurstoneOptions::prior_precision
  // Models to score, any of "bt" (ties as half wins), "davidson" (Bradley-Terry with Davidson
  // ties; skipped when the data has no tie), "thurstone", "elo".
  std::vector<std::string> models = {"bt", "davidson", "thurstone", "elo"};
};

struct CvScore {
  std::string model;
  // Held-out log-likelihood per unit of held-out weight, summed over the folds' comparisons:
  //   w [o log p + (1 - o) log(1 - p)]  with p the model's P(a preferred to b), clamped to
  //   [1e-12, 1 - 1e-12];
  // for "davidson", a comparison recorded as a tie scores w log P(tie) and any other one
  // w [o log P(a wins) + (1 - o) log P(b wins)] (the three-outcome likelihood, so it is not on
  // the same footing as the others on data with ties).
  double log_likelihood = 0.0;
  // Fraction of held-out comparisons with outcome != 0.5 whose winner (outcome > 0.5: a) was the
  // model's more probable winner; a prediction of exactly 0.5 counts a half.
  double accuracy = 0.0;
  double held_out_weight = 0.0;
  size_t decided = 0;  // comparisons counted in `accuracy`
  std::string error;   // non-empty if some fold's fit failed (then the scores are NaN)
};

// valor::Error for folds < 2 or more folds than comparisons, or an unknown model name.
std::vector<CvScore> cross_validate(const ComparisonSet& data, const CvOptions& options = {});

// The same for Plackett-Luce on rankings (model "pl"): the rankings are shuffled and split into
// folds; the log-likelihood is per unit of held-out ranking weight (the log-probability of the
// whole ranking), and the accuracy is over the pairwise preferences each held-out ranking implies
// (every ranked item above every later ranked and every unranked item): the fraction where the
// item ranked above has the larger fitted worth (equal worths count a half). `options.prior_shape`
// as in fit_plackett_luce_mm; options.folds and options.seed as above (other fields unused).
CvScore cross_validate_rankings(int num_items, const std::vector<Ranking>& rankings,
                                const CvOptions& options, const PlOptions& pl = {});

}  // namespace valor::rank
