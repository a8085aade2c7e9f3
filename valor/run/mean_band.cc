#include "valor/run/mean_band.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "valor/core/error.h"
#include "valor/core/math.h"

namespace valor::run {
namespace {

struct Points {
  std::vector<double> x;
  std::vector<double> y;
};

Points clean(const Series& series) {
  VALOR_CHECK(series.x.size() == series.y.size(), "series '{}' has {} x and {} y values",
              series.name, series.x.size(), series.y.size());
  std::vector<std::pair<double, double>> points;
  for (size_t i = 0; i < series.x.size(); ++i) {
    if (std::isfinite(series.x[i]) && !std::isnan(series.y[i])) {
      points.emplace_back(series.x[i], series.y[i]);
    }
  }
  if (points.empty()) fail("'{}' has no values to plot (all empty or NaN)", series.name);
  std::stable_sort(points.begin(), points.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  Points out;
  for (const auto& [x, y] : points) {
    if (!out.x.empty() && out.x.back() == x) {
      out.y.back() = y;  // a repeated step (e.g. a resumed run): the later row wins
    } else {
      out.x.push_back(x);
      out.y.push_back(y);
    }
  }
  return out;
}

// Linear interpolation at `at`, which lies within [x.front(), x.back()].
double interpolate(const Points& p, double at) {
  const auto upper = std::lower_bound(p.x.begin(), p.x.end(), at);
  const size_t j = static_cast<size_t>(upper - p.x.begin());
  if (j < p.x.size() && p.x[j] == at) return p.y[j];
  VALOR_CHECK(j > 0 && j < p.x.size(), "interpolation point outside the series");
  const double t = (at - p.x[j - 1]) / (p.x[j] - p.x[j - 1]);
  return p.y[j - 1] + t * (p.y[j] - p.y[j - 1]);
}

}  // namespace

double student_t_975(size_t df) {
  VALOR_CHECK(df >= 1, "Student t needs df >= 1");
  static constexpr double kTable[] = {12.70620474, 4.30265273, 3.18244631, 2.77644511, 2.57058184,
                                      2.44691185,  2.36462425, 2.30600414, 2.26215716, 2.22813885,
                                      2.20098516,  2.17881283, 2.16036866, 2.14478669, 2.13144955,
                                      2.11990530,  2.10981558, 2.10092204, 2.09302405, 2.08596345,
                                      2.07961384,  2.07387307, 2.06865761, 2.06389856, 2.05953855,
                                      2.05552944,  2.05183052, 2.04840714, 2.04522964, 2.04227246};
  if (df <= std::size(kTable)) return kTable[df - 1];
  const double z = kNormalQuantile975;
  const double v = static_cast<double>(df);
  const double z2 = z * z;
  return z + z * (z2 + 1) / (4 * v) + z * ((5 * z2 + 16) * z2 + 3) / (96 * v * v) +
         z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / (384 * v * v * v);
}

MeanBand aggregate_group(const std::vector<Series>& series, size_t max_points) {
  VALOR_CHECK(!series.empty(), "aggregate_group needs at least one series");
  VALOR_CHECK(max_points >= 2, "max_points must be at least 2");
  std::vector<Points> runs;
  runs.reserve(series.size());
  for (const Series& s : series) runs.push_back(clean(s));

  MeanBand band;
  if (runs.size() == 1) {
    band.x = runs[0].x;
    band.mean = runs[0].y;
    band.lo = band.mean;
    band.hi = band.mean;
    return band;
  }

  double start = runs[0].x.front();
  double stop = runs[0].x.back();
  for (const Points& p : runs) {
    start = std::max(start, p.x.front());
    stop = std::min(stop, p.x.back());
  }
  if (start > stop) {
    std::string names;
    for (const Series& s : series) names += (names.empty() ? "" : ", ") + s.name;
    fail("the runs {} share no x range, so they cannot be averaged: plot them separately", names);
  }

  std::vector<double> grid;
  for (const Points& p : runs) {
    for (double x : p.x) {
      if (x >= start && x <= stop) grid.push_back(x);
    }
  }
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  if (grid.size() > max_points) {
    grid.resize(max_points);
    for (size_t i = 0; i < max_points; ++i) {
      grid[i] =
          start + (stop - start) * static_cast<double>(i) / static_cast<double>(max_points - 1);
    }
    grid.back() = stop;
  }

  const double n = static_cast<double>(runs.size());
  const double t = student_t_975(runs.size() - 1);
  for (double x : grid) {
    double sum = 0;
    std::vector<double> values;
    values.reserve(runs.size());
    for (const Points& p : runs) {
      values.push_back(interpolate(p, x));
      sum += values.back();
    }
    const double mean = sum / n;
    double squares = 0;
    for (double v : values) squares += (v - mean) * (v - mean);
    const double half_width = t * std::sqrt(squares / (n - 1)) / std::sqrt(n);
    band.x.push_back(x);
    band.mean.push_back(mean);
    band.lo.push_back(mean - half_width);
    band.hi.push_back(mean + half_width);
  }
  return band;
}

}  // namespace valor::run
