#include "valor/rank/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <functional>
#include <thread>

#include "valor/core/error.h"
#include "valor/core/random.h"

namespace valor::rank {
namespace {

// One resample: size() units drawn with replacement (ComparisonUnits: the expanded comparisons
// when the weights are counts, else the rows); each row's weight becomes the weight of its units
// drawn.
ComparisonSet resample(const ComparisonSet& data, const ComparisonUnits& units, Rng& rng) {
  const auto& all = data.comparisons();
  std::vector<uint64_t> counts(all.size(), 0);
  for (uint64_t k = 0; k < units.size(); ++k) ++counts[units.row(rng.below(units.size()))];
  ComparisonSet out;
  for (const auto& name : data.items()) out.intern(name);
  auto& comparisons = out.comparisons();
  comparisons.reserve(all.size());
  for (size_t k = 0; k < all.size(); ++k) {
    if (counts[k] == 0) continue;
    Comparison c = all[k];
    c.weight = units.unit_weight(k) * static_cast<double>(counts[k]);
    comparisons.push_back(c);
  }
  return out;
}

double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

}  // namespace

BootstrapResult bootstrap_resampled(size_t num_items, int replicates, uint64_t seed, double level,
                                    int threads,
                                    const std::function<std::vector<double>(Rng&)>& one_replicate) {
  if (replicates < 1) fail("bootstrap replicates must be >= 1, got {}", replicates);
  if (!(level > 0 && level < 1)) fail("bootstrap level must be in (0, 1), got {}", level);
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, replicates);
  BootstrapResult result;
  result.replicates.resize(static_cast<size_t>(replicates));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(replicates));
  auto work = [&](int first) {
    for (int r = first; r < replicates; r += threads) {
      try {
        Rng rng(seed, static_cast<uint64_t>(r));
        result.replicates[static_cast<size_t>(r)] = one_replicate(rng);
      } catch (...) {
        errors[static_cast<size_t>(r)] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& t : pool) t.join();
  for (int r = 0; r < replicates; ++r) {
    if (!errors[static_cast<size_t>(r)]) continue;
    try {
      std::rethrow_exception(errors[static_cast<size_t>(r)]);
    } catch (const Error& e) {
      fail("bootstrap replicate {}: {}", r, e.what());
    }
  }
  result.low.resize(num_items);
  result.high.resize(num_items);
  std::vector<double> column(static_cast<size_t>(replicates));
  for (size_t i = 0; i < num_items; ++i) {
    for (int r = 0; r < replicates; ++r) {
      const auto& rep = result.replicates[static_cast<size_t>(r)];
      VALOR_CHECK(rep.size() == num_items, "bootstrap: a fit returned {} ratings for {} items",
                  rep.size(), num_items);
      column[static_cast<size_t>(r)] = rep[i];
    }
    result.low[i] = percentile(column, (1 - level) / 2);
    result.high[i] = percentile(column, 1 - (1 - level) / 2);
  }
  return result;
}

BootstrapResult bootstrap_ratings(const ComparisonSet& data, const RatingFitter& fit,
                                  int replicates, uint64_t seed, double level, int threads) {
  if (data.comparisons().empty()) fail("bootstrap needs at least one comparison");
  const ComparisonUnits units(data.comparisons());
  return bootstrap_resampled(data.num_items(), replicates, seed, level, threads,
                             [&](Rng& rng) { return fit(resample(data, units, rng)); });
}

BootstrapResult bootstrap_rankings(int num_items, const std::vector<Ranking>& rankings,
                                   const RankingFitter& fit, int replicates, uint64_t seed,
                                   double level, int threads) {
  if (rankings.empty()) fail("bootstrap needs at least one ranking");
  if (num_items < 0) fail("bootstrap: num_items must be >= 0, got {}", num_items);
  const ComparisonUnits units(rankings.size(), [&](size_t k) { return rankings[k].weight; });
  return bootstrap_resampled(
      static_cast<size_t>(num_items), replicates, seed, level, threads, [&](Rng& rng) {
        std::vector<uint64_t> counts(rankings.size(), 0);
        for (uint64_t k = 0; k < units.size(); ++k) {
          ++counts[units.row(rng.below(units.size()))];
        }
        std::vector<Ranking> sample;
        for (size_t k = 0; k < rankings.size(); ++k) {
          if (counts[k] == 0) continue;
          sample.push_back(rankings[k]);
          sample.back().weight = units.unit_weight(k) * static_cast<double>(counts[k]);
        }
        return fit(sample);
      });
}

}  // namespace valor::rank
