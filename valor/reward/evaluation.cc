#include "valor/reward/evaluation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "valor/core/error.h"
#include "valor/core/gnuplot.h"

namespace valor::reward {

PairEvaluation evaluate_pairs(const std::vector<double>& probability,
                              const std::vector<double>& outcome, const std::vector<double>& weight,
                              int bins) {
  if (probability.size() != outcome.size() || probability.size() != weight.size()) {
    fail("evaluation: {} probabilities, {} outcomes, {} weights", probability.size(),
         outcome.size(), weight.size());
  }
  if (probability.empty()) fail("evaluation of no comparisons");
  if (bins < 1) fail("calibration bins {} must be >= 1", bins);
  PairEvaluation e;
  e.bins.resize(static_cast<size_t>(bins));
  double decisive = 0.0, correct = 0.0;
  for (size_t i = 0; i < probability.size(); ++i) {
    const double p = probability[i], o = outcome[i], w = weight[i];
    if (!(p >= 0.0 && p <= 1.0))
      fail("evaluation: probability {} of comparison {} is outside [0, 1]", p, i);
    // log(0) only where the outcome gives it no weight.
    const double ll =
        (o > 0.0 ? o * std::log(p) : 0.0) + (o < 1.0 ? (1.0 - o) * std::log1p(-p) : 0.0);
    e.log_likelihood += w * ll;
    e.total_weight += w;
    if (o != 0.5) {
      decisive += w;
      const bool a_won = o > 0.5;
      correct += w * (p == 0.5 ? 0.5 : ((p > 0.5) == a_won ? 1.0 : 0.0));
    }
    const auto b = std::min(static_cast<size_t>(p * bins), static_cast<size_t>(bins - 1));
    e.bins[b].weight += w;
    e.bins[b].mean_predicted += w * p;
    e.bins[b].mean_outcome += w * o;
  }
  e.mean_log_likelihood = e.log_likelihood / e.total_weight;
  e.accuracy = decisive > 0.0 ? correct / decisive : std::numeric_limits<double>::quiet_NaN();
  for (size_t b = 0; b < e.bins.size(); ++b) {
    CalibrationBin& bin = e.bins[b];
    bin.lower = static_cast<double>(b) / bins;
    bin.upper = static_cast<double>(b + 1) / bins;
    if (bin.weight > 0.0) {
      bin.mean_predicted /= bin.weight;
      bin.mean_outcome /= bin.weight;
      e.expected_calibration_error +=
          bin.weight / e.total_weight * std::abs(bin.mean_predicted - bin.mean_outcome);
    } else {
      bin.mean_predicted = bin.mean_outcome = std::numeric_limits<double>::quiet_NaN();
    }
  }
  return e;
}

void plot_reliability_diagram(const PairEvaluation& evaluation, const std::filesystem::path& png,
                              const std::string& title) {
  std::string data;
  for (const CalibrationBin& bin : evaluation.bins) {
    if (bin.weight > 0.0) {
      data += fmt::format("{:.17g} {:.17g} {:.17g}\n", bin.mean_predicted, bin.mean_outcome,
                          bin.weight);
    }
  }
  GnuplotFigure figure(640, 560, 10);
  const std::string file = figure.add_data("bins.dat", data);
  figure.render(
      fmt::format("set title {}\nset xlabel 'predicted P(a preferred)'\n"
                  "set ylabel 'observed frequency'\nset xrange [0:1]\nset yrange [0:1]\n"
                  "set key top left\nset grid\n"
                  "plot x title 'perfect calibration' lt 0, {} using 1:2 with linespoints "
                  "pt 7 title sprintf('bins (ECE %.4f)', {:.17g})\n",
                  gnuplot_quote(title), file, evaluation.expected_calibration_error),
      png);
}

}  // namespace valor::reward
