#include "valor/rank/cross_validation.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/core/random.h"
#include "valor/rank/comparisons.h"

namespace valor::rank {
namespace {

double clamp_probability(double p) { return std::clamp(p, 1e-12, 1.0 - 1e-12); }

// Units (comparisons) cross-validation cuts into folds at most: the fold assignment holds 12
// bytes per unit.
constexpr uint64_t kMaxCvUnits = 100'000'000;

// Fold of each of m units: a Fisher-Yates shuffle with the project's generator (the same folds on
// every platform), cut into `folds` near-equal parts.
std::vector<int> assign_folds(size_t m, int folds, uint64_t seed) {
  if (folds < 2) fail("cross-validation needs at least 2 folds, got {}", folds);
  if (static_cast<size_t>(folds) > m) {
    fail("cross-validation: {} folds but only {} comparisons or rankings", folds, m);
  }
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  Rng rng(seed);
  for (size_t k = m; k > 1; --k) std::swap(order[k - 1], order[rng.below(k)]);
  std::vector<int> fold_of(m);
  const auto f = static_cast<size_t>(folds);
  for (size_t pos = 0; pos < m; ++pos) fold_of[order[pos]] = static_cast<int>(pos * f / m);
  return fold_of;
}

// The held-out weight of each row in each fold: the units (ComparisonUnits) shuffled and cut into
// folds; held_out[f] lists (row, weight) in row order.
std::vector<std::vector<std::pair<size_t, double>>> held_out_by_fold(
    size_t rows, const std::function<double(size_t)>& weight, int folds, uint64_t seed) {
  const ComparisonUnits units(rows, weight);
  if (units.size() > kMaxCvUnits) {
    fail(
        "cross-validation: the weights, whole numbers and so counted as comparisons, add up to "
        "{} comparisons; folds are cut over at most {}",
        units.size(), kMaxCvUnits);
  }
  const std::vector<int> fold_of = assign_folds(units.size(), folds, seed);
  std::vector<std::vector<std::pair<size_t, double>>> out(static_cast<size_t>(folds));
  std::vector<uint64_t> count(rows, 0);
  for (int f = 0; f < folds; ++f) {
    std::fill(count.begin(), count.end(), 0);
    for (uint64_t u = 0; u < units.size(); ++u) {
      if (fold_of[u] == f) ++count[units.row(u)];
    }
    for (size_t k = 0; k < rows; ++k) {
      if (count[k] > 0) {
        out[static_cast<size_t>(f)].emplace_back(
            k, units.unit_weight(k) * static_cast<double>(count[k]));
      }
    }
  }
  return out;
}

}  // namespace

CvScore cross_validate_rankings(int num_items, const std::vector<Ranking>& rankings,
                                const CvOptions& o, const PlOptions& pl) {
  const auto held_out = held_out_by_fold(
      rankings.size(), [&](size_t k) { return rankings[k].weight; }, o.folds, o.seed);
  CvScore score;
  score.model = "pl";
  double ll = 0.0, correct = 0.0;
  std::vector<double> test_weight(rankings.size());
  for (int f = 0; f < o.folds; ++f) {
    std::fill(test_weight.begin(), test_weight.end(), 0.0);
    std::vector<Ranking> train, test;
    for (const auto& [k, w] : held_out[static_cast<size_t>(f)]) {
      test_weight[k] = w;
      test.push_back(rankings[k]);
      test.back().weight = w;
    }
    for (size_t k = 0; k < rankings.size(); ++k) {
      const double w = rankings[k].weight - test_weight[k];
      if (w > 0) {
        train.push_back(rankings[k]);
        train.back().weight = w;
      }
    }
    std::vector<double> log_pi;
    try {
      log_pi = fit_plackett_luce_mm(num_items, train, pl).log_pi;
    } catch (const Error& e) {
      score.error = fmt::format("fold {}: {}", f + 1, e.what());
      break;
    }
    ll += plackett_luce_log_likelihood(num_items, test, log_pi);
    for (const Ranking& r : test) {
      score.held_out_weight += r.weight;
      auto compare = [&](int32_t above, int32_t below) {
        const double a = log_pi[static_cast<size_t>(above)];
        const double b = log_pi[static_cast<size_t>(below)];
        score.decided += r.weight;
        correct += r.weight * (a > b ? 1.0 : (a == b ? 0.5 : 0.0));
      };
      for (size_t k = 0; k < r.order.size(); ++k) {
        for (size_t l = k + 1; l < r.order.size(); ++l) compare(r.order[k], r.order[l]);
        for (const int32_t u : r.unranked) compare(r.order[k], u);
      }
    }
  }
  if (score.error.empty()) {
    score.log_likelihood = ll / score.held_out_weight;
    score.accuracy =
        score.decided > 0 ? correct / score.decided : std::numeric_limits<double>::quiet_NaN();
  } else {
    score.log_likelihood = score.accuracy = std::numeric_limits<double>::quiet_NaN();
  }
  return score;
}

std::vector<CvScore> cross_validate(const ComparisonSet& data, const CvOptions& o) {
  const auto& all = data.comparisons();
  std::vector<std::unique_ptr<RatingModel>> models;
  for (const std::string& name : o.models) models.push_back(make_rating_model(name, o.model));
  const auto held_out = held_out_by_fold(
      all.size(), [&](size_t k) { return all[k].weight; }, o.folds, o.seed);
  const size_t m = all.size();
  const bool any_tie =
      std::any_of(all.begin(), all.end(), [](const Comparison& c) { return c.tie; });
  std::vector<CvScore> scores;
  std::vector<double> test_weight(m);
  for (const auto& model : models) {
    if (model->name() == "davidson" && !any_tie) continue;
    CvScore score;
    score.model = std::string(model->name());
    double ll = 0.0, correct = 0.0;
    for (int f = 0; f < o.folds && score.error.empty(); ++f) {
      std::fill(test_weight.begin(), test_weight.end(), 0.0);
      for (const auto& [k, w] : held_out[static_cast<size_t>(f)]) test_weight[k] = w;
      ComparisonSet train;
      for (const auto& name : data.items()) train.intern(name);
      for (size_t k = 0; k < m; ++k) {
        // File order kept (Elo). A row's weight less its held-out units: exact in whole numbers.
        const double w = all[k].weight - test_weight[k];
        if (w > 0) {
          train.comparisons().push_back(all[k]);
          train.comparisons().back().weight = w;
        }
      }
      std::unique_ptr<FittedRatings> fit;
      try {
        fit = model->fit(train);
      } catch (const Error& e) {
        score.error = fmt::format("fold {}: {}", f + 1, e.what());
        break;
      }
      const bool ties = fit->models_ties();
      for (const auto& [k, w] : held_out[static_cast<size_t>(f)]) {
        const Comparison& c = all[k];
        const OutcomeProbabilities p = fit->probabilities(c.a, c.b);
        score.held_out_weight += w;
        if (ties && c.tie) {
          ll += w * std::log(clamp_probability(p.tie));
        } else {
          ll += w * (c.outcome * std::log(clamp_probability(p.win)) +
                     (1.0 - c.outcome) * std::log(clamp_probability(p.loss)));
        }
        if (c.outcome != 0.5) {
          score.decided += w;
          if (p.win == p.loss) {
            correct += 0.5 * w;
          } else if ((p.win > p.loss) == (c.outcome > 0.5)) {
            correct += w;
          }
        }
      }
    }
    if (score.error.empty()) {
      score.log_likelihood = ll / score.held_out_weight;
      score.accuracy =
          score.decided > 0 ? correct / score.decided : std::numeric_limits<double>::quiet_NaN();
    } else {
      score.log_likelihood = score.accuracy = std::numeric_limits<double>::quiet_NaN();
    }
    scores.push_back(score);
  }
  return scores;
}

}  // namespace valor::rank
