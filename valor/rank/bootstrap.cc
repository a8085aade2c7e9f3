#include "valor/rank/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <thread>

#include "valor/core/error.h"
#include "valor/core/random.h"

namespace valor::rank {
namespace {

// One resample: each comparison's weight multiplied by how often it was drawn (n draws of n).
ComparisonSet resample(const ComparisonSet& data, Rng& rng) {
  const auto& all = data.comparisons();
  std::vector<uint32_t> counts(all.size(), 0);
  for (size_t k = 0; k < all.size(); ++k) ++counts[rng.below(all.size())];
  ComparisonSet out;
  for (const auto& name : data.items()) out.intern(name);
  auto& comparisons = out.comparisons();
  comparisons.reserve(all.size());
  for (size_t k = 0; k < all.size(); ++k) {
    if (counts[k] == 0) continue;
    Comparison c = all[k];
    c.weight *= counts[k];
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

BootstrapResult bootstrap_ratings(const ComparisonSet& data, const RatingFitter& fit,
                                  int replicates, uint64_t seed, double level, int threads) {
  if (replicates < 1) fail("bootstrap replicates must be >= 1, got {}", replicates);
  if (!(level > 0 && level < 1)) fail("bootstrap level must be in (0, 1), got {}", level);
  if (data.comparisons().empty()) fail("bootstrap needs at least one comparison");
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, replicates);
  BootstrapResult result;
  result.replicates.resize(static_cast<size_t>(replicates));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(replicates));
  auto work = [&](int first) {
    for (int r = first; r < replicates; r += threads) {
      try {
        Rng rng(seed, static_cast<uint64_t>(r));
        result.replicates[static_cast<size_t>(r)] = fit(resample(data, rng));
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
  const size_t n = data.num_items();
  result.low.resize(n);
  result.high.resize(n);
  std::vector<double> column(static_cast<size_t>(replicates));
  for (size_t i = 0; i < n; ++i) {
    for (int r = 0; r < replicates; ++r) {
      column[static_cast<size_t>(r)] = result.replicates[static_cast<size_t>(r)][i];
    }
    result.low[i] = percentile(column, (1 - level) / 2);
    result.high[i] = percentile(column, 1 - (1 - level) / 2);
  }
  return result;
}

}  // namespace valor::rank
