// A discrete distribution of a return G: finitely many atoms x_1 < ... < x_n with probabilities
// p_k > 0 summing to 1, and its statistics (mean, sd, CDF, quantile, CVaR). The one home of these
// formulas: the exact pmfs of `dp`, the categorical fixed points printed by `valor solve` and the
// empirical laws of Monte Carlo returns all become this type.
//
// Conventions (all lower tail; a higher return is better):
//   F(x)         = P(G <= x) = sum_{x_k <= x} p_k.
//   quantile(t)  = F^{-1}(t) = min { x_k : F(x_k) >= t }, the lower quantile (generalised
//                  inverse) for t in (0, 1]; t = 0 gives x_1. The cumulative sums are compared with
//                  t - 1e-12 so that rounding in them never skips an atom: quantile(F(x_k)) = x_k.
//   cvar(alpha)  = (1 / alpha) int_0^alpha F^{-1}(u) du, the mean of the worst alpha fraction of
//                  the mass for alpha in (0, 1]: the atoms in ascending order take their whole
//                  mass until alpha is used up, and the atom where it runs out takes the fraction
//                  that is left (the exact split, not a rounded count). So cvar(1) = mean,
//                  cvar(alpha) -> x_1 as alpha -> 0, and cvar(alpha) = max_b { b - E[(b - G)^+] /
//                  alpha } (its dual, "Optimizing Return Distributions with Distributional Dynamic
//                  Programming"). For the empirical law of n samples it is the plug-in estimator:
//                  the mean of the lowest alpha n samples, the boundary sample counted with its
//                  fractional weight.
//
// Errors: construction throws valor::Error naming the entry at fault (a non-finite atom or
// sample, a negative or non-finite probability, sizes that differ, no atoms, zero total mass);
// quantile and cvar throw valor::Error for a level outside their range. Construction allocates
// the two arrays (sorting a copy of the input); the statistics allocate nothing and take O(n).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace valor::value {

class ReturnDistribution {
 public:
  // The law with P(G = atoms[i]) proportional to probabilities[i]. The atoms may come in any
  // order and repeat (the probabilities of equal atoms are added); atoms of probability 0 are
  // dropped; the probabilities are divided by their sum, so a sub-probability vector (e.g. the
  // episodes that finished within a step budget) gives the law conditional on its event.
  ReturnDistribution(std::span<const double> atoms, std::span<const double> probabilities);

  // The empirical law of the samples: each sample has probability 1/n (equal samples merged).
  static ReturnDistribution empirical(std::span<const double> samples);

  // The distinct atoms in ascending order, and their probabilities (each > 0; the sum is 1 up to
  // rounding).
  std::span<const double> atoms() const { return atoms_; }
  std::span<const double> probabilities() const { return probabilities_; }
  std::size_t size() const { return atoms_.size(); }
  double min() const { return atoms_.front(); }
  double max() const { return atoms_.back(); }

  // E[G] = sum_k p_k x_k.
  double mean() const;
  // Var(G) = sum_k p_k (x_k - E[G])^2 (population variance, two-pass), and its square root.
  double variance() const;
  double sd() const;
  // F(x) = P(G <= x), for any x (0 below x_1, 1 from x_n on up to rounding).
  double cdf(double x) const;
  // The lower quantile F^{-1}(tau), see above; valor::Error unless 0 <= tau <= 1.
  double quantile(double tau) const;
  // The lower-tail CVaR_alpha, see above; valor::Error unless 0 < alpha <= 1.
  double cvar(double alpha) const;

 private:
  ReturnDistribution() = default;

  std::vector<double> atoms_;
  std::vector<double> probabilities_;
};

}  // namespace valor::value
