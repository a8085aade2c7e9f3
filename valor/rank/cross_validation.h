// k-fold cross-validation of the pairwise models (algorithms.md section 5): the comparisons are
// shuffled (deterministically for a seed) and split into k folds of near-equal size; each model is
// fitted on k - 1 folds and scored on the held-out one. Whole-number weights are counts
// (ComparisonUnits, comparisons.h): the folds cut the expanded comparisons, so a row of pair
// totals is split across folds as its comparisons would be, and a file of totals scores as the
// file of one row per comparison does (with the units in the same order, identically).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "valor/rank/comparisons.h"
#include "valor/rank/plackett_luce.h"
#include "valor/rank/rating_model.h"

namespace valor::rank {

struct CvOptions {
  int folds = 5;      // >= 2, at most the number of units (comparisons)
  uint64_t seed = 0;  // of the shuffle
  // The options of every model scored (prior, Elo K, Thurstone's log-sigma prior, order effect
  // and Firth for bt; rating_model.h).
  RatingModelOptions model;
  // Models to score, registry names (rating_model.h); "davidson" is skipped when the data has no
  // tie.
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
  // Weighted fraction of held-out comparisons with outcome != 0.5 whose winner (outcome > 0.5: a)
  // was the model's more probable winner; a prediction of exactly 0.5 counts a half.
  double accuracy = 0.0;
  double held_out_weight = 0.0;
  double decided = 0;  // weight of the comparisons counted in `accuracy`
  std::string error;   // non-empty if some fold's fit failed (then the scores are NaN)
};

// valor::Error for folds < 2 or more folds than units, or an unknown model name (or options it
// does not take).
std::vector<CvScore> cross_validate(const ComparisonSet& data, const CvOptions& options = {});

// The same for Plackett-Luce on rankings (model "pl"): the rankings (expanded by their weights
// when these are whole numbers, as comparisons are) are shuffled and split into folds; the
// log-likelihood is per unit of held-out ranking weight (the log-probability of the whole ranking),
// and the accuracy is over the pairwise preferences each held-out ranking implies (every ranked
// item above every later ranked and every unranked item): the weighted fraction where the item
// ranked above has the larger fitted worth (equal worths count a half). `options.prior_shape` as in
// fit_plackett_luce_mm; options.folds and options.seed as above (other fields unused).
CvScore cross_validate_rankings(int num_items, const std::vector<Ranking>& rankings,
                                const CvOptions& options, const PlOptions& pl = {});

}  // namespace valor::rank
