// Held-out evaluation of a reward model on comparisons (docs/reward.md): from the predicted
// probabilities p_i = sigma(r(a_i) - r(b_i)) and the outcomes o_i (weights w_i):
//   log-likelihood sum_i w_i [o_i log p_i + (1 - o_i) log(1 - p_i)] (and its mean per unit weight),
//   accuracy: the weight of decisive comparisons (o != 0.5) whose side with the higher predicted
//     probability won, over their total weight (a prediction of exactly 0.5 counts half),
//   expected calibration error: comparisons binned by p into `bins` equal-width bins, ECE =
//     sum_b (W_b / W) |mean_b(p) - mean_b(o)| (weighted means; ties count as o = 0.5).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace valor::reward {

struct CalibrationBin {
  double lower = 0.0, upper = 0.0;
  double weight = 0.0;          // total weight in the bin
  double mean_predicted = 0.0;  // NaN for an empty bin
  double mean_outcome = 0.0;
};

struct PairEvaluation {
  double log_likelihood = 0.0;
  double mean_log_likelihood = 0.0;  // per unit weight
  double accuracy = 0.0;
  double expected_calibration_error = 0.0;
  double total_weight = 0.0;
  std::vector<CalibrationBin> bins;
};

// valor::Error for lengths that differ, no comparisons, a probability outside [0, 1], bins < 1.
PairEvaluation evaluate_pairs(const std::vector<double>& probability,
                              const std::vector<double>& outcome, const std::vector<double>& weight,
                              int bins = 10);

// The reliability diagram (mean outcome against mean predicted probability per bin, with the
// diagonal) as a PNG drawn by gnuplot.
void plot_reliability_diagram(const PairEvaluation& evaluation, const std::filesystem::path& png,
                              const std::string& title);

}  // namespace valor::reward
