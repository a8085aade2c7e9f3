// Plots a metric of several runs with gnuplot: runs that differ only by seed are drawn as one
// mean curve with a 95% confidence band (see run_groups.h and mean_band.h).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace valor::run {

struct PlotOptions {
  std::string metric;         // empty: the first column other than x
  std::string x;              // empty: the first column
  std::filesystem::path out;  // the PNG to write (required)
  std::string title;          // empty: the metric name
};

// Reads each run's metrics.csv, groups and aggregates the runs, and renders a PNG with gnuplot,
// written atomically to options.out. valor::Error for user mistakes (not a run folder, unknown
// column: the message lists the available ones); std::runtime_error if gnuplot is missing or
// fails.
// valor::Error unless `out` is absent or an earlier PNG (valor never overwrites a file it did not
// write, such as a run's metrics.csv, nor a folder).
void check_plot_output(const std::filesystem::path& out);

void plot_runs(const std::vector<std::filesystem::path>& run_dirs, const PlotOptions& options);

}  // namespace valor::run
