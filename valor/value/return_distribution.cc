#include "valor/value/return_distribution.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "valor/core/error.h"

namespace valor::value {
namespace {

// The allowance of quantile() for rounding in the cumulative sums.
constexpr double kCumulativeSlack = 1e-12;

}  // namespace

ReturnDistribution::ReturnDistribution(std::span<const double> atoms,
                                       std::span<const double> probabilities) {
  if (atoms.size() != probabilities.size()) {
    fail("ReturnDistribution: {} atoms but {} probabilities; they must pair up", atoms.size(),
         probabilities.size());
  }
  if (atoms.empty()) fail("ReturnDistribution: no atoms; a distribution needs at least one");
  for (size_t i = 0; i < atoms.size(); ++i) {
    if (!std::isfinite(atoms[i])) {
      fail("ReturnDistribution: atom {} is {}; every atom must be finite", i, atoms[i]);
    }
    if (!(std::isfinite(probabilities[i]) && probabilities[i] >= 0.0)) {
      fail(
          "ReturnDistribution: probability {} (of atom {}) is {}; every probability must be finite "
          "and >= 0",
          i, atoms[i], probabilities[i]);
    }
  }
  std::vector<size_t> order(atoms.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return atoms[a] < atoms[b]; });
  for (size_t i : order) {
    if (probabilities[i] == 0.0) continue;
    if (!atoms_.empty() && atoms_.back() == atoms[i]) {
      probabilities_.back() += probabilities[i];
    } else {
      atoms_.push_back(atoms[i]);
      probabilities_.push_back(probabilities[i]);
    }
  }
  double total = 0.0;
  for (double p : probabilities_) total += p;
  if (!(total > 0.0 && std::isfinite(total))) {
    fail("ReturnDistribution: the probabilities sum to {}; the sum must be finite and > 0", total);
  }
  for (double& p : probabilities_) p /= total;
}

ReturnDistribution ReturnDistribution::empirical(std::span<const double> samples) {
  if (samples.empty()) fail("ReturnDistribution::empirical: no samples; it needs at least one");
  for (size_t i = 0; i < samples.size(); ++i) {
    if (!std::isfinite(samples[i])) {
      fail("ReturnDistribution::empirical: sample {} is {}; every sample must be finite", i,
           samples[i]);
    }
  }
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  const double n = static_cast<double>(sorted.size());
  ReturnDistribution d;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    d.atoms_.push_back(sorted[i]);
    d.probabilities_.push_back(static_cast<double>(j - i) / n);
    i = j;
  }
  return d;
}

double ReturnDistribution::mean() const {
  double sum = 0.0;
  for (size_t k = 0; k < atoms_.size(); ++k) sum += probabilities_[k] * atoms_[k];
  return sum;
}

double ReturnDistribution::variance() const {
  const double mu = mean();
  double sum = 0.0;
  for (size_t k = 0; k < atoms_.size(); ++k) {
    const double d = atoms_[k] - mu;
    sum += probabilities_[k] * d * d;
  }
  return sum;
}

double ReturnDistribution::sd() const { return std::sqrt(variance()); }

double ReturnDistribution::cdf(double x) const {
  double cumulative = 0.0;
  for (size_t k = 0; k < atoms_.size() && atoms_[k] <= x; ++k) cumulative += probabilities_[k];
  return cumulative;
}

double ReturnDistribution::quantile(double tau) const {
  if (!(tau >= 0.0 && tau <= 1.0)) {
    fail("ReturnDistribution::quantile: the level tau is {}; it must be in [0, 1]", tau);
  }
  double cumulative = 0.0;
  for (size_t k = 0; k < atoms_.size(); ++k) {
    cumulative += probabilities_[k];
    if (cumulative >= tau - kCumulativeSlack) return atoms_[k];
  }
  // Only if rounding in a sum of very many probabilities stays more than the slack below 1.
  return atoms_.back();
}

double ReturnDistribution::cvar(double alpha) const {
  if (!(alpha > 0.0 && alpha <= 1.0)) {
    fail("ReturnDistribution::cvar: the level alpha is {}; it must be in (0, 1]", alpha);
  }
  // The worst atoms in ascending order take their mass until alpha of it is used.
  double remaining = alpha;
  double sum = 0.0;
  for (size_t k = 0; k < atoms_.size() && remaining > 0.0; ++k) {
    const double take = std::min(probabilities_[k], remaining);
    sum += take * atoms_[k];
    remaining -= take;
  }
  // remaining > 0 only through rounding in the sum of the probabilities (alpha near 1): the
  // largest atom absorbs it.
  sum += remaining * atoms_.back();
  return sum / alpha;
}

}  // namespace valor::value
