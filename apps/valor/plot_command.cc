#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "apps/valor/commands.h"
#include "valor/core/error.h"
#include "valor/run/plot.h"

namespace valor::app {
namespace {

namespace fs = std::filesystem;

// A folder with a metrics.csv is a run; a folder without one (a sweep) stands for the runs in
// its immediate subfolders.
std::vector<fs::path> expand_runs(const std::vector<std::string>& args) {
  std::vector<fs::path> runs;
  for (const auto& arg : args) {
    const fs::path dir(arg);
    if (!fs::is_directory(dir)) fail("plot: '{}' is not a folder (expected a run folder)", arg);
    if (fs::exists(dir / "metrics.csv")) {
      runs.push_back(dir);
      continue;
    }
    std::vector<fs::path> children;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.is_directory() && fs::exists(entry.path() / "metrics.csv")) {
        children.push_back(entry.path());
      }
    }
    if (children.empty()) {
      fail(
          "plot: '{}' holds no metrics.csv, nor do its subfolders (expected a run folder or a "
          "folder of runs)",
          arg);
    }
    std::sort(children.begin(), children.end());
    runs.insert(runs.end(), children.begin(), children.end());
  }
  return runs;
}

}  // namespace

void add_plot_command(CLI::App& app, Action& action) {
  auto* command = app.add_subcommand(
      "plot",
      "Draw a metric of one or more runs with gnuplot; runs of the same configuration "
      "(differing only in seed) become a mean with a 95% confidence band");
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto options = std::make_shared<run::PlotOptions>();
  auto out = std::make_shared<std::string>();
  command->add_option("runs", *dirs, "Run folders, or folders of runs (a sweep)")->required();
  command->add_option("--metric", options->metric,
                      "Column of metrics.csv to draw (default: the first column after x)");
  command->add_option("--x", options->x, "Column for the x axis (default: the first column)");
  command->add_option("--out", *out, "PNG file to write (default: METRIC.png here)");
  command->add_option("--title", options->title, "Plot title (default: the metric)");
  command->callback([&action, dirs, options, out] {
    action = [dirs, options, out] {
      const std::vector<fs::path> runs = expand_runs(*dirs);
      run::PlotOptions o = *options;
      o.out =
          out->empty() ? fs::path((o.metric.empty() ? "plot" : o.metric) + ".png") : fs::path(*out);
      run::plot_runs(runs, o);
      fmt::print("{} runs plotted to {}\n", runs.size(), o.out.string());
      return 0;
    };
  });
}

}  // namespace valor::app
