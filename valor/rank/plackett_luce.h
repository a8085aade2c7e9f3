// Plackett-Luce model for rankings (algorithms.md section 5). Item i has worth pi_i > 0; a ranking
// r_1 > r_2 > ... > r_m of the ranked items, with U the items that were present but not ranked
// (a top-m ranking of the set {r_1..r_m} + U), has probability
//   prod_{k=1..m} pi_{r_k} / (sum_{l >= k} pi_{r_l} + sum_{u in U} pi_u),
// i.e. a sequence of choices, each from the items not chosen yet. A stage whose choice set has a
// single item (the last position of a full ranking) contributes a factor 1 and is skipped.
// Worths are identified by mean(log pi) = 0.
#pragma once

#include <cstdint>
#include <vector>

namespace valor::rank {

struct Ranking {
  std::vector<int32_t> order;     // best first
  std::vector<int32_t> unranked;  // items present but not ranked (top-k), may be empty
  double weight = 1.0;            // > 0
};

struct PlOptions {
  // 0: maximum likelihood (needs the data to determine a finite optimum; see below). > 1: a
  // Gamma(a, a - 1) prior on each pi_i (mode 1), as in Caron & Doucet (2012), which makes every
  // data set well posed; the MM step becomes pi_i <- (W_i + a - 1) / (D_i + a - 1).
  double prior_shape = 0.0;
  int max_iterations = 100000;
  double tolerance = 1e-10;     // stop when the largest change in any log pi_i is below this
  bool record_history = false;  // fill PlFit::log_likelihood_history (one entry per iteration)
};

struct PlFit {
  std::vector<double> log_pi;   // log worths, mean 0
  double log_likelihood = 0.0;  // of the data at log_pi (without the prior)
  int iterations = 0;
  bool converged = false;
  // When PlOptions::record_history: the log-likelihood (with the prior's log-density when a prior
  // is used, up to a constant: the quantity MM increases) at the start and after every iteration.
  std::vector<double> log_likelihood_history;
};

// Hunter's (2004) MM algorithm: pi_i <- W_i / D_i with W_i the weighted number of (non-trivial)
// stages at which i was chosen and D_i = sum over stages whose choice set contains i of
// weight / (sum of pi over that choice set); without a prior, pi is renormalised to mean(log pi)
// = 0 after every sweep.
//
// valor::Error for: num_items < 0; a ranking with an empty order, fewer than two items in all, an
// item index out of [0, num_items), an item listed twice (in order or unranked), or a weight not
// finite and > 0; invalid options (prior_shape not 0 and not > 1). Without a prior, also when the
// maximum-likelihood estimate is not finite: an item never ranked above any other (its MLE is at
// -infinity; this includes items that appear in no ranking) or, more generally, when the "ranked
// above" graph is not strongly connected (Hunter's Assumption 1).
PlFit fit_plackett_luce_mm(int num_items, const std::vector<Ranking>& rankings,
                           const PlOptions& options = {});

// The log-likelihood of the rankings at the given log worths (validates like the fit).
double plackett_luce_log_likelihood(int num_items, const std::vector<Ranking>& rankings,
                                    const std::vector<double>& log_pi);

}  // namespace valor::rank
