#include "valor/run/plot.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>

#include "valor/core/error.h"
#include "valor/core/gnuplot.h"
#include "valor/run/mean_band.h"
#include "valor/run/metrics.h"
#include "valor/run/run_groups.h"

namespace valor::run {
namespace fs = std::filesystem;
namespace {

// Colour-blind-safe palette (Okabe & Ito), cycled when there are more groups.
constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#F0E442", "#000000"};

size_t resolve_column(const MetricsTable& table, const std::string& name, const fs::path& file,
                      std::string_view role) {
  if (auto index = table.column_index(name)) return *index;
  fail("{} column '{}' is not in '{}': available columns are {}", role, name, file.string(),
       fmt::join(table.columns, ", "));
}

}  // namespace

void check_plot_output(const fs::path& out) {
  std::error_code ec;
  const auto status = fs::symlink_status(out, ec);
  if (ec || !fs::exists(status)) return;  // a new file
  if (fs::is_directory(status)) {
    fail("plot: --out '{}' is a folder; give the PNG file to write", out.string());
  }
  // Replace only an earlier plot: a file that starts with the PNG signature.
  std::ifstream in(out, std::ios::binary);
  char head[8] = {};
  in.read(head, sizeof head);
  static constexpr char kPng[8] = {'\x89', 'P', 'N', 'G', '\r', '\n', '\x1a', '\n'};
  if (!fs::is_regular_file(status) || in.gcount() != 8 || !std::equal(head, head + 8, kPng)) {
    fail(
        "plot: --out '{}' exists and is not a PNG image; valor replaces only a plot it wrote "
        "(choose another file, or remove this one)",
        out.string());
  }
}

void plot_runs(const std::vector<fs::path>& run_dirs, const PlotOptions& options) {
  if (run_dirs.empty()) fail("plot: give at least one run folder");
  if (options.out.empty()) fail("plot: give the PNG file to write (--out)");
  check_plot_output(options.out);

  std::string x_name = options.x;
  std::string metric = options.metric;
  const std::vector<RunGroup> groups = group_runs(run_dirs);
  std::vector<MeanBand> bands;
  for (const RunGroup& group : groups) {
    std::vector<Series> series;
    for (const fs::path& dir : group.runs) {
      const fs::path file = dir / "metrics.csv";
      const MetricsTable table = read_metrics_csv(file);
      if (x_name.empty()) x_name = table.columns.front();
      const size_t x_index = resolve_column(table, x_name, file, "x");
      if (metric.empty()) {
        for (const std::string& column : table.columns) {
          if (column != x_name) {
            metric = column;
            break;
          }
        }
        if (metric.empty()) fail("'{}' has no column to plot besides '{}'", file.string(), x_name);
      }
      const size_t y_index = resolve_column(table, metric, file, "metric");
      series.push_back(Series{file.string(), table.column(x_index), table.column(y_index)});
    }
    bands.push_back(aggregate_group(series));
  }

  GnuplotFigure figure(1000, 600, 11);
  std::vector<std::string> plots;
  for (size_t g = 0; g < groups.size(); ++g) {
    const MeanBand& band = bands[g];
    std::string data = "# x mean lo hi\n";
    for (size_t i = 0; i < band.x.size(); ++i) {
      data += fmt::format("{} {} {} {}\n", band.x[i], band.mean[i], band.lo[i], band.hi[i]);
    }
    const std::string data_file = figure.add_data(fmt::format("group{}.dat", g), data);
    const char* colour = kColours[g % std::size(kColours)];
    if (groups[g].runs.size() > 1) {
      plots.push_back(
          fmt::format("{} using 1:3:4 with filledcurves fc rgb '{}' notitle", data_file, colour));
    }
    plots.push_back(fmt::format("{} using 1:2 with lines lw 2 lc rgb '{}' title {}", data_file,
                                colour, gnuplot_quote(groups[g].label)));
  }
  figure.render(
      fmt::format("set title {}\n"
                  "set xlabel {}\n"
                  "set ylabel {}\n"
                  "set grid\n"
                  "set autoscale xfix\n"
                  "set key outside bottom center horizontal\n"
                  "set style fill transparent solid 0.25 noborder\n"
                  "plot {}\n",
                  gnuplot_quote(options.title.empty() ? metric : options.title),
                  gnuplot_quote(x_name), gnuplot_quote(metric), fmt::join(plots, ", \\\n     ")),
      options.out);
}

}  // namespace valor::run
