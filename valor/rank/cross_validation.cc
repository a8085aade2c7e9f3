#include "valor/rank/cross_validation.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/core/random.h"
#include "valor/rank/bradley_terry.h"
#include "valor/rank/davidson.h"
#include "valor/rank/elo.h"
#include "valor/rank/thurstone.h"

namespace valor::rank {
namespace {

double clamp_probability(double p) { return std::clamp(p, 1e-12, 1.0 - 1e-12); }

// A fitted model's predictions: P(a wins), P(tie), P(b wins) for items a, b. Models without a
// tie outcome give P(tie) = 0 and P(b wins) = 1 - P(a wins).
using Predictor = std::function<void(int32_t a, int32_t b, double& win, double& tie, double& loss)>;

Predictor fit_model(const std::string& model, const ComparisonSet& train, const CvOptions& o) {
  BtOptions bt;
  bt.prior_sd = o.prior_sd;
  if (model == "bt") {
    auto r = bradley_terry_newton(train, bt).ratings;
    return [r](int32_t a, int32_t b, double& win, double& tie, double& loss) {
      win = sigmoid(r[static_cast<size_t>(a)] - r[static_cast<size_t>(b)]);
      tie = 0.0;
      loss = 1.0 - win;
    };
  }
  if (model == "davidson") {
    const DavidsonFit fit = bradley_terry_davidson(train, bt);
    return [fit](int32_t a, int32_t b, double& win, double& tie, double& loss) {
      const auto p = davidson_probabilities(fit.ratings[static_cast<size_t>(a)],
                                            fit.ratings[static_cast<size_t>(b)], fit.nu);
      win = p.win;
      tie = p.tie;
      loss = p.loss;
    };
  }
  if (model == "thurstone") {
    ThurstoneOptions to;
    to.prior_precision = o.thurstone_precision;
    const ThurstoneFit fit = fit_thurstone(train, to);
    return [fit](int32_t a, int32_t b, double& win, double& tie, double& loss) {
      const auto i = static_cast<size_t>(a), j = static_cast<size_t>(b);
      win = thurstone_probability(fit.mu[i], fit.sigma[i], fit.mu[j], fit.sigma[j]);
      tie = 0.0;
      loss = 1.0 - win;
    };
  }
  if (model == "elo") {
    auto r = elo_ratings(train, o.elo_k);
    return [r](int32_t a, int32_t b, double& win, double& tie, double& loss) {
      win = elo_expected_score(r[static_cast<size_t>(a)], r[static_cast<size_t>(b)]);
      tie = 0.0;
      loss = 1.0 - win;
    };
  }
  fail("cross-validation: unknown model '{}'; accepted: bt, davidson, thurstone, elo", model);
}

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

}  // namespace

CvScore cross_validate_rankings(int num_items, const std::vector<Ranking>& rankings,
                                const CvOptions& o, const PlOptions& pl) {
  const std::vector<int> fold_of = assign_folds(rankings.size(), o.folds, o.seed);
  CvScore score;
  score.model = "pl";
  double ll = 0.0, correct = 0.0;
  for (int f = 0; f < o.folds; ++f) {
    std::vector<Ranking> train, test;
    for (size_t k = 0; k < rankings.size(); ++k) {
      (fold_of[k] == f ? test : train).push_back(rankings[k]);
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
        ++score.decided;
        correct += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
      };
      for (size_t k = 0; k < r.order.size(); ++k) {
        for (size_t l = k + 1; l < r.order.size(); ++l) compare(r.order[k], r.order[l]);
        for (const int32_t u : r.unranked) compare(r.order[k], u);
      }
    }
  }
  if (score.error.empty()) {
    score.log_likelihood = ll / score.held_out_weight;
    score.accuracy = score.decided > 0 ? correct / static_cast<double>(score.decided)
                                       : std::numeric_limits<double>::quiet_NaN();
  } else {
    score.log_likelihood = score.accuracy = std::numeric_limits<double>::quiet_NaN();
  }
  return score;
}

std::vector<CvScore> cross_validate(const ComparisonSet& data, const CvOptions& o) {
  const auto& all = data.comparisons();
  const std::vector<int> fold_of = assign_folds(all.size(), o.folds, o.seed);
  const size_t m = all.size();
  const bool any_tie =
      std::any_of(all.begin(), all.end(), [](const Comparison& c) { return c.tie; });
  for (const std::string& model : o.models) {
    if (model != "bt" && model != "davidson" && model != "thurstone" && model != "elo") {
      fail("cross-validation: unknown model '{}'; accepted: bt, davidson, thurstone, elo", model);
    }
  }
  std::vector<CvScore> scores;
  for (const std::string& model : o.models) {
    if (model == "davidson" && !any_tie) continue;
    CvScore score;
    score.model = model;
    double ll = 0.0, correct = 0.0;
    for (int f = 0; f < o.folds && score.error.empty(); ++f) {
      ComparisonSet train;
      for (const auto& name : data.items()) train.intern(name);
      for (size_t k = 0; k < m; ++k) {
        if (fold_of[k] != f) train.comparisons().push_back(all[k]);  // file order kept (Elo)
      }
      Predictor predict;
      try {
        predict = fit_model(model, train, o);
      } catch (const Error& e) {
        score.error = fmt::format("fold {}: {}", f + 1, e.what());
        break;
      }
      for (size_t k = 0; k < m; ++k) {
        if (fold_of[k] != f) continue;
        const Comparison& c = all[k];
        double win = 0.0, tie = 0.0, loss = 0.0;
        predict(c.a, c.b, win, tie, loss);
        score.held_out_weight += c.weight;
        if (model == "davidson") {
          ll += c.tie ? c.weight * std::log(clamp_probability(tie))
                      : c.weight * (c.outcome * std::log(clamp_probability(win)) +
                                    (1.0 - c.outcome) * std::log(clamp_probability(loss)));
        } else {
          const double p = clamp_probability(win);
          ll += c.weight * (c.outcome * std::log(p) + (1.0 - c.outcome) * std::log(1.0 - p));
        }
        if (c.outcome != 0.5) {
          ++score.decided;
          if (win == loss) {
            correct += 0.5;
          } else if ((win > loss) == (c.outcome > 0.5)) {
            correct += 1.0;
          }
        }
      }
    }
    if (score.error.empty()) {
      score.log_likelihood = ll / score.held_out_weight;
      score.accuracy = score.decided > 0 ? correct / static_cast<double>(score.decided)
                                         : std::numeric_limits<double>::quiet_NaN();
    } else {
      score.log_likelihood = score.accuracy = std::numeric_limits<double>::quiet_NaN();
    }
    scores.push_back(score);
  }
  return scores;
}

}  // namespace valor::rank
