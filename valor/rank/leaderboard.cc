#include "valor/rank/leaderboard.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/rank/bootstrap.h"
#include "valor/rank/bradley_terry.h"
#include "valor/rank/bradley_terry_glm.h"
#include "valor/rank/davidson.h"
#include "valor/rank/plackett_luce.h"
#include "valor/rank/thurstone.h"

namespace valor::rank {
namespace {

// The 97.5% point of the standard normal: 95% Wald intervals.

void check_options(const InputData& data, const LeaderboardOptions& o) {
  const std::vector<std::string> models = leaderboard_model_names();
  if (std::find(models.begin(), models.end(), o.model) == models.end()) {
    fail("rating model '{}': accepted: {}", o.model, fmt::join(models, ", "));
  }
  if (o.ties != "half" && o.ties != "davidson") {
    fail("ties '{}': accepted: half, davidson", o.ties);
  }
  if (o.ties == "davidson" && o.model != "bt") {
    fail("ties 'davidson' is Bradley-Terry's tie model: use it with model 'bt', not '{}'", o.model);
  }
  if (o.scale != "elo" && o.scale != "natural") {
    fail("scale '{}': accepted: natural, elo", o.scale);
  }
  if (data.rankings_input && o.model != "pl") {
    fail("the data holds rankings, which only the Plackett-Luce model ('pl') fits, not '{}'",
         o.model);
  }
  if (!(o.prior >= 0) || !std::isfinite(o.prior)) {
    fail("prior {}: must be finite and >= 0 (0: none)", o.prior);
  }
  if (o.model == "pl" && o.prior != 0 && !(o.prior > 1)) {
    fail(
        "prior {}: for the Plackett-Luce model the prior is the shape a > 1 of a Gamma(a, a - 1) "
        "prior on each worth (0: none)",
        o.prior);
  }
  if (o.bootstrap < 0) fail("bootstrap replicates {}: must be >= 0 (0: none)", o.bootstrap);
  if ((o.order_effect || o.bias_reduced || o.covariance) && o.model != "bt") {
    fail("{} is available for the Bradley-Terry model ('bt') only, not '{}'",
         o.order_effect   ? "the order effect"
         : o.bias_reduced ? "Firth's bias reduction"
                          : "the covariance matrix",
         o.model);
  }
  if ((o.order_effect || o.bias_reduced || o.covariance) && o.ties == "davidson") {
    fail("{} is not available with Davidson ties (ties 'davidson'); use ties 'half'",
         o.order_effect   ? "the order effect"
         : o.bias_reduced ? "Firth's bias reduction"
                          : "the covariance matrix");
  }
  if (o.bias_reduced && o.prior > 0) {
    fail("Firth's bias reduction replaces a prior (prior {}): use one or the other, not both",
         o.prior);
  }
  if ((o.order_effect || o.bias_reduced || o.covariance) &&
      data.items.num_items() > kMaxObservedInformationItems) {
    fail(
        "{} items: the order effect, Firth's bias reduction and the covariance matrix use the "
        "dense information matrix, computed for at most {} items",
        data.items.num_items(), kMaxObservedInformationItems);
  }
  if (!(o.elo_k > 0) || !std::isfinite(o.elo_k)) fail("Elo k {}: must be finite and > 0", o.elo_k);
  const size_t n = data.items.num_items();
  if (o.model == "bt" && o.bootstrap == 0 && o.intervals && n > kMaxObservedInformationItems) {
    fail(
        "{} items: observed-information (Wald) intervals need the inverse of the dense {} x {} "
        "information matrix, computed for at most {} items; fit without intervals (the fit "
        "itself is sparse and fast), or with bootstrap replicates for percentile intervals",
        n, n, n, kMaxObservedInformationItems);
  }
}

}  // namespace

std::vector<std::string> leaderboard_model_names() {
  std::vector<std::string> out = rating_model_names();
  std::erase(out, "davidson");  // ties = "davidson" with model "bt"
  return out;
}

double Leaderboard::win_probability(size_t i, size_t j) const {
  if (fitted) return fitted->win_probability(static_cast<int32_t>(i), static_cast<int32_t>(j));
  return sigmoid(natural[i] - natural[j]);  // Plackett-Luce on rankings
}

std::vector<size_t> Leaderboard::order() const {
  std::vector<size_t> out(rating.size());
  std::iota(out.begin(), out.end(), size_t{0});
  std::stable_sort(out.begin(), out.end(),
                   [this](size_t a, size_t b) { return rating[a] > rating[b]; });
  return out;
}

Leaderboard fit_leaderboard(const InputData& input, const LeaderboardOptions& o) {
  check_options(input, o);
  const auto start = std::chrono::steady_clock::now();
  auto seconds_since_start = [start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const ComparisonSet& data = input.items;
  const std::vector<Ranking>& rankings = input.rankings;
  const size_t n = data.num_items();
  const bool wald = (o.model == "bt") && o.bootstrap == 0 && o.intervals;

  Leaderboard lb;
  lb.rankings_input = input.rankings_input;
  lb.names = data.items();
  lb.model = o.model;
  const bool davidson = o.model == "bt" && o.ties == "davidson";
  RatingModelOptions mo;
  mo.prior = o.prior;
  mo.elo_k = o.elo_k;
  mo.order_effect = o.order_effect;
  mo.bias_reduced = o.bias_reduced;
  mo.thurstone_log_sigma_prior_sd = o.thurstone_log_sigma_prior_sd;
  std::vector<double> sd;  // Wald standard errors, natural scale
  std::unique_ptr<RatingModel> model;
  RankingFitter fit_rankings;  // for the bootstrap over rankings
  if (input.rankings_input) {
    lb.kind = LeaderboardModel::kPlackettLuce;
    PlOptions po;
    po.prior_shape = o.prior;
    const int items = static_cast<int>(n);
    fit_rankings = [po, items](const std::vector<Ranking>& r) {
      return fit_plackett_luce_mm(items, r, po).log_pi;
    };
    lb.natural = fit_rankings(rankings);
    lb.log_likelihood = plackett_luce_log_likelihood(items, rankings, lb.natural);
    lb.num_parameters = n > 0 ? n - 1 : 0;
    lb.deviance = std::numeric_limits<double>::quiet_NaN();
    lb.aic = 2.0 * static_cast<double>(lb.num_parameters) - 2.0 * lb.log_likelihood;
  } else {
    model = make_rating_model(davidson ? "davidson" : o.model, mo);
    std::shared_ptr<const FittedRatings> fitted = model->fit(data);
    lb.fitted = fitted;
    lb.natural = fitted->ratings();
    lb.kind = davidson                 ? LeaderboardModel::kDavidson
              : o.model == "bt"        ? LeaderboardModel::kBradleyTerry
              : o.model == "thurstone" ? LeaderboardModel::kThurstone
              : o.model == "pl"        ? LeaderboardModel::kPlackettLuce
                                       : LeaderboardModel::kElo;
    if (davidson) {
      lb.model = "bt-davidson";
      lb.nu = fitted->tie_parameter;
    }
    lb.sigma = fitted->item_sd;
    lb.log_likelihood = fitted->log_likelihood(data);
    lb.deviance = deviance(*fitted, data);
    lb.num_parameters = fitted->num_parameters();
    lb.aic = fitted->likelihood_fit()
                 ? 2.0 * static_cast<double>(lb.num_parameters) - 2.0 * lb.log_likelihood
                 : std::numeric_limits<double>::quiet_NaN();
    const size_t dim = fitted->covariance.empty() ? 0 : n + (o.order_effect ? 1 : 0);
    if (o.order_effect) {
      lb.order_effect = fitted->order_effect;
      lb.order_effect_sd = std::sqrt(fitted->covariance[dim * dim - 1]);
    }
    if (o.covariance) {
      lb.covariance =
          dim > 0 ? fitted->covariance : bradley_terry_covariance(data, lb.natural, o.prior);
      lb.covariance_dim = dim > 0 ? dim : n;
    }
    if (wald) {
      if (davidson) {
        BtOptions bt;
        bt.prior_sd = o.prior;
        DavidsonFit d;
        d.ratings = lb.natural;
        d.nu = lb.nu;
        sd = davidson_sd(data, d, bt);
      } else if (dim > 0) {
        for (size_t i = 0; i < n; ++i) sd.push_back(std::sqrt(fitted->covariance[i * dim + i]));
      } else {
        BtOptions bt;
        bt.prior_sd = o.prior;
        sd = observed_information_sd(data, lb.natural, bt);
      }
    }
  }

  // Elo ratings are already on the Elo scale; BT and PL log-worths are converted when asked;
  // Thurstonian utilities have no Elo scale.
  const bool to_elo = (o.model == "bt" || o.model == "pl") && o.scale == "elo";
  lb.scale = o.model == "elo" || to_elo ? "elo" : "natural";
  auto scaled = [to_elo](double b) { return to_elo ? to_elo_scale(b) : b; };
  lb.rating.resize(n);
  for (size_t i = 0; i < n; ++i) lb.rating[i] = scaled(lb.natural[i]);

  lb.comparisons.assign(n, 0.0);
  lb.win_rate.assign(n, 0.0);
  if (input.rankings_input) {
    const ComparisonUnits units(rankings.size(), [&](size_t k) { return rankings[k].weight; });
    lb.total_weight = units.total_weight();
    lb.weights_are_counts = units.weights_are_counts();
    for (const auto& r : rankings) {
      const size_t m = r.order.size(), u = r.unranked.size();
      for (size_t k = 0; k < m; ++k) {
        const auto item = static_cast<size_t>(r.order[k]);
        lb.comparisons[item] += r.weight * static_cast<double>(m - 1 + u);
        lb.win_rate[item] += r.weight * static_cast<double>(m - 1 - k + u);
      }
      for (const int32_t item : r.unranked) {
        lb.comparisons[static_cast<size_t>(item)] += r.weight * static_cast<double>(m);
      }
    }
  } else {
    const ComparisonUnits units(data.comparisons());
    lb.total_weight = units.total_weight();
    lb.weights_are_counts = units.weights_are_counts();
    for (const auto& c : data.comparisons()) {
      const auto a = static_cast<size_t>(c.a), b = static_cast<size_t>(c.b);
      lb.comparisons[a] += c.weight;
      lb.comparisons[b] += c.weight;
      lb.win_rate[a] += c.weight * c.outcome;
      lb.win_rate[b] += c.weight * (1 - c.outcome);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    lb.win_rate[i] = lb.comparisons[i] > 0 ? lb.win_rate[i] / lb.comparisons[i] : 0;
  }

  lb.fit_seconds = seconds_since_start();
  lb.low.assign(n, NAN);
  lb.high.assign(n, NAN);
  lb.interval = "none";
  if (o.bootstrap > 0) {
    const bool plain_bt =
        lb.kind == LeaderboardModel::kBradleyTerry && !o.order_effect && !o.bias_reduced;
    BtOptions bt;
    bt.prior_sd = o.prior;
    const BootstrapResult b =
        fit_rankings ? bootstrap_rankings(static_cast<int>(n), rankings, fit_rankings, o.bootstrap,
                                          o.seed, 0.95, o.threads)
        : plain_bt
            ? bradley_terry_bootstrap(data, bt, o.bootstrap, o.seed, 0.95, o.threads)
            : bootstrap_ratings(
                  data, [&model](const ComparisonSet& s) { return model->fit(s)->ratings(); },
                  o.bootstrap, o.seed, 0.95, o.threads);
    for (size_t i = 0; i < n; ++i) {
      lb.low[i] = scaled(b.low[i]);
      lb.high[i] = scaled(b.high[i]);
    }
    const std::string units =
        input.rankings_input
            ? "rankings"
            : (lb.weights_are_counts ? fmt::format("{:g} comparisons", lb.total_weight)
                                     : fmt::format("{} weighted rows (fractional weights)",
                                                   data.comparisons().size()));
    lb.interval = fmt::format("bootstrap percentile 95% over {}, {} replicates, seed {}", units,
                              o.bootstrap, o.seed);
  } else if (!sd.empty()) {
    for (size_t i = 0; i < n; ++i) {
      lb.low[i] = scaled(lb.natural[i] - kNormalQuantile975 * sd[i]);
      lb.high[i] = scaled(lb.natural[i] + kNormalQuantile975 * sd[i]);
    }
    lb.interval = "observed information 95% (Wald)";
  }
  lb.interval_seconds = seconds_since_start() - lb.fit_seconds;
  return lb;
}

}  // namespace valor::rank
