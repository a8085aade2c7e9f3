#include "valor/rank/rating_model.h"

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <unordered_map>

#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/rank/bradley_terry.h"
#include "valor/rank/bradley_terry_glm.h"
#include "valor/rank/davidson.h"
#include "valor/rank/elo.h"
#include "valor/rank/thurstone.h"

namespace valor::rank {
namespace {

size_t free_ratings(const std::vector<double>& r) { return r.empty() ? 0 : r.size() - 1; }

// Bradley-Terry: b and an optional order effect h.
class FittedBradleyTerry : public FittedRatings {
 public:
  FittedBradleyTerry(std::vector<double> b, double h, bool order_effect)
      : h_(h), order_effect_(order_effect) {
    ratings_ = std::move(b);
    if (order_effect) this->order_effect = h;
  }
  OutcomeProbabilities probabilities(int32_t a, int32_t b) const override {
    const double p =
        sigmoid(ratings_[static_cast<size_t>(a)] - ratings_[static_cast<size_t>(b)] + h_);
    return {p, 0.0, 1.0 - p};
  }
  double win_probability(int32_t i, int32_t j) const override {
    return sigmoid(ratings_[static_cast<size_t>(i)] - ratings_[static_cast<size_t>(j)]);
  }
  size_t num_parameters() const override {
    return free_ratings(ratings_) + (order_effect_ ? 1 : 0);
  }

 private:
  double h_;
  bool order_effect_;
};

class BradleyTerryModel : public RatingModel {
 public:
  explicit BradleyTerryModel(const RatingModelOptions& o) : o_(o) {}
  std::string_view name() const override { return "bt"; }
  std::unique_ptr<FittedRatings> fit(const ComparisonSet& data) const override {
    if (o_.order_effect || o_.bias_reduced) {
      BtGlmOptions g;
      g.prior_sd = o_.prior;
      g.order_effect = o_.order_effect;
      g.bias_reduced = o_.bias_reduced;
      BtGlmFit f = fit_bradley_terry_glm(data, g);
      auto out = std::make_unique<FittedBradleyTerry>(f.ratings, f.order_effect, o_.order_effect);
      out->covariance = std::move(f.covariance);
      return out;
    }
    BtOptions bt;
    bt.prior_sd = o_.prior;
    return std::make_unique<FittedBradleyTerry>(bradley_terry_newton(data, bt).ratings, 0.0, false);
  }

 private:
  RatingModelOptions o_;
};

class FittedDavidson : public FittedRatings {
 public:
  FittedDavidson(std::vector<double> b, double nu) : nu_(nu) {
    ratings_ = std::move(b);
    tie_parameter = nu;
  }
  OutcomeProbabilities probabilities(int32_t a, int32_t b) const override {
    const auto p = davidson_probabilities(ratings_[static_cast<size_t>(a)],
                                          ratings_[static_cast<size_t>(b)], nu_);
    return {p.win, p.tie, p.loss};
  }
  bool models_ties() const override { return true; }
  size_t num_parameters() const override { return free_ratings(ratings_) + 1; }

 private:
  double nu_;
};

class DavidsonModel : public RatingModel {
 public:
  explicit DavidsonModel(const RatingModelOptions& o) : o_(o) {}
  std::string_view name() const override { return "davidson"; }
  std::unique_ptr<FittedRatings> fit(const ComparisonSet& data) const override {
    BtOptions bt;
    bt.prior_sd = o_.prior;
    const DavidsonFit f = bradley_terry_davidson(data, bt);
    return std::make_unique<FittedDavidson>(f.ratings, f.nu);
  }

 private:
  RatingModelOptions o_;
};

class FittedThurstone : public FittedRatings {
 public:
  FittedThurstone(std::vector<double> mu, std::vector<double> sigma) : sigma_(std::move(sigma)) {
    ratings_ = std::move(mu);
    item_sd = sigma_;
  }
  OutcomeProbabilities probabilities(int32_t a, int32_t b) const override {
    const auto i = static_cast<size_t>(a), j = static_cast<size_t>(b);
    const double p = thurstone_probability(ratings_[i], sigma_[i], ratings_[j], sigma_[j]);
    return {p, 0.0, 1.0 - p};
  }
  // mu up to location and (with sigma) scale, and the n sigmas.
  size_t num_parameters() const override {
    return ratings_.size() < 2 ? 0 : 2 * ratings_.size() - 2;
  }

 private:
  std::vector<double> sigma_;
};

class ThurstoneModel : public RatingModel {
 public:
  explicit ThurstoneModel(const RatingModelOptions& o) {
    if (o.prior > 0) options_.prior_precision = 1.0 / (o.prior * o.prior);
    options_.log_sigma_prior_sd = o.thurstone_log_sigma_prior_sd;
  }
  std::string_view name() const override { return "thurstone"; }
  std::unique_ptr<FittedRatings> fit(const ComparisonSet& data) const override {
    ThurstoneFit f = fit_thurstone(data, options_);
    return std::make_unique<FittedThurstone>(std::move(f.mu), std::move(f.sigma));
  }

 private:
  ThurstoneOptions options_;
};

class FittedLogistic : public FittedRatings {
 public:
  explicit FittedLogistic(std::vector<double> log_pi) { ratings_ = std::move(log_pi); }
  OutcomeProbabilities probabilities(int32_t a, int32_t b) const override {
    const double p = sigmoid(ratings_[static_cast<size_t>(a)] - ratings_[static_cast<size_t>(b)]);
    return {p, 0.0, 1.0 - p};
  }
  size_t num_parameters() const override { return free_ratings(ratings_); }
};

class PlackettLuceModel : public RatingModel {
 public:
  explicit PlackettLuceModel(const RatingModelOptions& o) { options_.prior_shape = o.prior; }
  std::string_view name() const override { return "pl"; }
  std::unique_ptr<FittedRatings> fit(const ComparisonSet& data) const override {
    return std::make_unique<FittedLogistic>(
        fit_plackett_luce_mm(static_cast<int>(data.num_items()), pairs_as_rankings(data), options_)
            .log_pi);
  }

 private:
  PlOptions options_;
};

class FittedElo : public FittedRatings {
 public:
  explicit FittedElo(std::vector<double> r) { ratings_ = std::move(r); }
  OutcomeProbabilities probabilities(int32_t a, int32_t b) const override {
    const double p =
        elo_expected_score(ratings_[static_cast<size_t>(a)], ratings_[static_cast<size_t>(b)]);
    return {p, 0.0, 1.0 - p};
  }
  size_t num_parameters() const override { return free_ratings(ratings_); }
  bool likelihood_fit() const override { return false; }
};

class EloModel : public RatingModel {
 public:
  explicit EloModel(double k) : k_(k) {}
  std::string_view name() const override { return "elo"; }
  std::unique_ptr<FittedRatings> fit(const ComparisonSet& data) const override {
    return std::make_unique<FittedElo>(elo_ratings(data, k_));
  }

 private:
  double k_;
};

struct Entry {
  const char* name;
  std::function<std::unique_ptr<RatingModel>(const RatingModelOptions&)> make;
};

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = {
      {"bt", [](const auto& o) { return std::make_unique<BradleyTerryModel>(o); }},
      {"davidson", [](const auto& o) { return std::make_unique<DavidsonModel>(o); }},
      {"thurstone", [](const auto& o) { return std::make_unique<ThurstoneModel>(o); }},
      {"pl", [](const auto& o) { return std::make_unique<PlackettLuceModel>(o); }},
      {"elo", [](const auto& o) { return std::make_unique<EloModel>(o.elo_k); }},
  };
  return entries;
}

void check_options(std::string_view name, const RatingModelOptions& o) {
  if (!(o.prior >= 0) || !std::isfinite(o.prior)) {
    fail("prior {}: must be finite and >= 0 (0: none)", o.prior);
  }
  if (!(o.thurstone_log_sigma_prior_sd >= 0) || !std::isfinite(o.thurstone_log_sigma_prior_sd)) {
    fail("Thurstone log-sigma prior sd {}: must be finite and >= 0 (0: none)",
         o.thurstone_log_sigma_prior_sd);
  }
  if ((o.order_effect || o.bias_reduced) && name != "bt") {
    fail("{} is an option of the Bradley-Terry model ('bt'), not of '{}'",
         o.order_effect ? "the order effect" : "Firth's bias reduction", name);
  }
  if (o.bias_reduced && o.prior > 0) {
    fail("Firth's bias reduction replaces a prior (prior {}): use one or the other, not both",
         o.prior);
  }
  if (name == "pl" && o.prior != 0 && !(o.prior > 1)) {
    fail(
        "prior {}: for the Plackett-Luce model the prior is the shape a > 1 of a Gamma(a, a - 1) "
        "prior on each worth (0: none)",
        o.prior);
  }
  if (name == "elo" && (!(o.elo_k > 0) || !std::isfinite(o.elo_k))) {
    fail("Elo k {}: must be finite and > 0", o.elo_k);
  }
}

}  // namespace

double FittedRatings::win_probability(int32_t i, int32_t j) const {
  const OutcomeProbabilities p = probabilities(i, j);
  return p.win + 0.5 * p.tie;
}

double FittedRatings::log_likelihood(const ComparisonSet& data) const {
  const bool ties = models_ties();
  double ll = 0.0;
  for (const Comparison& c : data.comparisons()) {
    const OutcomeProbabilities p = probabilities(c.a, c.b);
    if (ties && c.tie) {
      ll += c.weight * std::log(p.tie);
      continue;
    }
    if (c.outcome > 0) ll += c.weight * c.outcome * std::log(p.win);
    if (c.outcome < 1) ll += c.weight * (1 - c.outcome) * std::log(p.loss);
  }
  return ll;
}

double saturated_log_likelihood(const ComparisonSet& data, bool ties_apart, bool ordered) {
  struct Cell {
    double wins = 0, losses = 0, ties = 0;
  };
  std::unordered_map<uint64_t, Cell> cells;
  for (const Comparison& c : data.comparisons()) {
    const bool swap = !ordered && c.b < c.a;
    const int32_t i = swap ? c.b : c.a, j = swap ? c.a : c.b;
    const double o = swap ? 1 - c.outcome : c.outcome;
    Cell& cell = cells[(static_cast<uint64_t>(i) << 32) | static_cast<uint32_t>(j)];
    if (ties_apart && c.tie) {
      cell.ties += c.weight;
    } else {
      cell.wins += c.weight * o;
      cell.losses += c.weight * (1 - o);
    }
  }
  double ll = 0.0;
  for (const auto& [key, cell] : cells) {
    const double total = cell.wins + cell.losses + cell.ties;
    for (const double x : {cell.wins, cell.losses, cell.ties}) {
      if (x > 0) ll += x * std::log(x / total);
    }
  }
  return ll;
}

double deviance(const FittedRatings& fit, const ComparisonSet& data) {
  return 2.0 * (saturated_log_likelihood(data, fit.models_ties(), !std::isnan(fit.order_effect)) -
                fit.log_likelihood(data));
}

std::vector<std::string> rating_model_names() {
  std::vector<std::string> out;
  for (const Entry& e : registry()) out.emplace_back(e.name);
  return out;
}

std::unique_ptr<RatingModel> make_rating_model(std::string_view name,
                                               const RatingModelOptions& options) {
  for (const Entry& e : registry()) {
    if (e.name == name) {
      check_options(name, options);
      return e.make(options);
    }
  }
  fail("rating model '{}': accepted: {}", name, fmt::join(rating_model_names(), ", "));
}

std::vector<Ranking> pairs_as_rankings(const ComparisonSet& data) {
  std::vector<Ranking> out;
  out.reserve(data.comparisons().size());
  for (const auto& c : data.comparisons()) {
    if (c.outcome > 0) out.push_back({{c.a, c.b}, {}, c.weight * c.outcome});
    if (c.outcome < 1) out.push_back({{c.b, c.a}, {}, c.weight * (1 - c.outcome)});
  }
  return out;
}

}  // namespace valor::rank
