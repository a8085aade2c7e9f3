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
#include "valor/rank/davidson.h"
#include "valor/rank/elo.h"
#include "valor/rank/plackett_luce.h"
#include "valor/rank/thurstone.h"

namespace valor::rank {
namespace {

// The 97.5% point of the standard normal: 95% Wald intervals.

void check_options(const InputData& data, const LeaderboardOptions& o) {
  if (o.model != "bt" && o.model != "thurstone" && o.model != "pl" && o.model != "elo") {
    fail("rating model '{}': accepted: bt, thurstone, pl, elo", o.model);
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

std::vector<Ranking> pairs_as_rankings(const ComparisonSet& data) {
  std::vector<Ranking> out;
  out.reserve(data.comparisons().size());
  for (const auto& c : data.comparisons()) {
    if (c.outcome > 0) out.push_back({{c.a, c.b}, {}, c.weight * c.outcome});
    if (c.outcome < 1) out.push_back({{c.b, c.a}, {}, c.weight * (1 - c.outcome)});
  }
  return out;
}

double Leaderboard::win_probability(size_t i, size_t j) const {
  switch (kind) {
    case LeaderboardModel::kDavidson: {
      const auto p = davidson_probabilities(natural[i], natural[j], nu);
      return p.win + 0.5 * p.tie;
    }
    case LeaderboardModel::kThurstone:
      return thurstone_probability(natural[i], sigma[i], natural[j], sigma[j]);
    case LeaderboardModel::kElo:
      return elo_expected_score(natural[i], natural[j]);
    case LeaderboardModel::kBradleyTerry:
    case LeaderboardModel::kPlackettLuce:
      break;
  }
  return sigmoid(natural[i] - natural[j]);
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
  const bool wald = o.model == "bt" && o.bootstrap == 0 && o.intervals;

  Leaderboard lb;
  lb.rankings_input = input.rankings_input;
  lb.names = data.items();
  lb.model = o.model;
  BtOptions bt;
  bt.prior_sd = o.prior;
  std::vector<double> sd;      // Wald standard errors, natural scale
  RatingFitter fit;            // for the bootstrap over comparisons
  RankingFitter fit_rankings;  // for the bootstrap over rankings
  if (o.model == "bt" && o.ties == "davidson") {
    lb.kind = LeaderboardModel::kDavidson;
    lb.model = "bt-davidson";
    const DavidsonFit d = bradley_terry_davidson(data, bt);
    lb.natural = d.ratings;
    lb.nu = d.nu;
    if (wald) sd = davidson_sd(data, d, bt);
    fit = [bt](const ComparisonSet& s) { return bradley_terry_davidson(s, bt).ratings; };
  } else if (o.model == "bt") {
    lb.kind = LeaderboardModel::kBradleyTerry;
    lb.natural = bradley_terry_newton(data, bt).ratings;
    if (wald) sd = observed_information_sd(data, lb.natural, bt);
  } else if (o.model == "thurstone") {
    lb.kind = LeaderboardModel::kThurstone;
    ThurstoneOptions to;
    if (o.prior > 0) to.prior_precision = 1.0 / (o.prior * o.prior);
    const ThurstoneFit t = fit_thurstone(data, to);
    lb.natural = t.mu;
    lb.sigma = t.sigma;
    fit = [to](const ComparisonSet& s) { return fit_thurstone(s, to).mu; };
  } else if (o.model == "pl") {
    lb.kind = LeaderboardModel::kPlackettLuce;
    PlOptions po;
    po.prior_shape = o.prior;
    const int items = static_cast<int>(n);
    fit_rankings = [po, items](const std::vector<Ranking>& r) {
      return fit_plackett_luce_mm(items, r, po).log_pi;
    };
    if (input.rankings_input) {
      lb.natural = fit_rankings(rankings);
    } else {
      lb.natural = fit_rankings(pairs_as_rankings(data));
      fit = [fit_rankings](const ComparisonSet& s) { return fit_rankings(pairs_as_rankings(s)); };
      fit_rankings = nullptr;
    }
  } else {
    lb.kind = LeaderboardModel::kElo;
    const double k = o.elo_k;
    fit = [k](const ComparisonSet& s) { return elo_ratings(s, k); };
    lb.natural = fit(data);
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
    const BootstrapResult b =
        fit_rankings ? bootstrap_rankings(static_cast<int>(n), rankings, fit_rankings, o.bootstrap,
                                          o.seed, 0.95, o.threads)
        : lb.kind == LeaderboardModel::kBradleyTerry
            ? bradley_terry_bootstrap(data, bt, o.bootstrap, o.seed, 0.95, o.threads)
            : bootstrap_ratings(data, fit, o.bootstrap, o.seed, 0.95, o.threads);
    for (size_t i = 0; i < n; ++i) {
      lb.low[i] = scaled(b.low[i]);
      lb.high[i] = scaled(b.high[i]);
    }
    lb.interval =
        fmt::format("bootstrap percentile 95% over {}, {} replicates, seed {}",
                    input.rankings_input ? "rankings" : "comparisons", o.bootstrap, o.seed);
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
