// The mean of several runs' curves with a 95% confidence band, for plotting seeds of one config.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace valor::run {

// One run's curve: y against x. NaN points are ignored.
struct Series {
  std::string name;  // for error messages (e.g. the metrics file)
  std::vector<double> x;
  std::vector<double> y;
};

struct MeanBand {
  std::vector<double> x;
  std::vector<double> mean;
  std::vector<double> lo;  // lower end of the 95% interval of the mean (= mean for one run)
  std::vector<double> hi;
};

// The 0.975 quantile of Student's t with `df` degrees of freedom (df >= 1): exact to 8 digits
// for df <= 30, the Cornish-Fisher expansion beyond (error < 2e-6).
double student_t_975(size_t df);

// Each series is sorted by x (a repeated x keeps its last value) and interpolated linearly onto
// a common grid covering only the x range all series share: the union of their x values in that
// range, or `max_points` evenly spaced points if the union is larger. At each grid point the
// band is mean ± t(0.975, n-1) · s / sqrt(n) over the n series (s: sample standard deviation).
// One series yields its own points and lo = hi = mean. valor::Error if a series has no finite
// point or the series share no x range.
MeanBand aggregate_group(const std::vector<Series>& series, size_t max_points = 2000);

}  // namespace valor::run
