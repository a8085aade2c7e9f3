#include "valor/run/plot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/core/gnuplot.h"
#include "valor/run/metrics.h"
#include "valor/run/testing_temp_dir.h"

namespace valor::run {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path make_run(const testing::TempDir& tmp, const std::string& name, double lr, int seed) {
  const fs::path dir = tmp / name;
  fs::create_directories(dir);
  write_file_atomically(dir / "config.toml",
                        fmt::format("[run]\nseed = {}\n[agent]\nlr = {}\n", seed, lr));
  MetricsWriter writer = MetricsWriter::create(dir / "metrics.csv", {"step", "return", "loss"});
  for (int step = 0; step <= 50; ++step) {
    const double noise = std::sin(step * 0.7 + seed * 1.3);
    const double ret = lr * 1000 * (1 - std::exp(-step / 15.0)) + noise;
    writer.append(std::vector<double>{double(step), ret, step % 10 == 3 ? NAN : 1.0 / (1 + step)});
  }
  return dir;
}

bool has_gnuplot() { return !find_on_path("gnuplot").empty(); }

TEST(PlotTest, WritesAPngForGroupedRuns) {
  if (!has_gnuplot()) GTEST_SKIP() << "gnuplot is not on PATH";
  testing::TempDir tmp;
  const std::vector<fs::path> runs = {make_run(tmp, "a1", 0.01, 1), make_run(tmp, "a2", 0.01, 2),
                                      make_run(tmp, "a3", 0.01, 3), make_run(tmp, "b1", 0.02, 1)};
  const fs::path out = tmp / "plots" / "return.png";
  plot_runs(runs, PlotOptions{.metric = "", .x = "", .out = out, .title = "it's a test"});
  const std::string png = read_file(out);
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(0, 8), "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(out.parent_path()), fs::directory_iterator()), 1);
  // A metric with empty fields plots too.
  plot_runs(runs, PlotOptions{.metric = "loss", .x = "step", .out = out, .title = ""});
  EXPECT_GT(fs::file_size(out), 1000u);
}

// `valor plot runs/r0 --out runs/r0/metrics.csv` used to replace the run's metrics with a PNG.
TEST(PlotTest, OutputNeverReplacesAFileThatIsNotAPlot) {
  testing::TempDir tmp;
  const fs::path run = make_run(tmp, "a", 0.01, 1);
  const std::string metrics = read_file(run / "metrics.csv");
  for (const fs::path& out : {run / "metrics.csv", run / "config.toml", run}) {
    try {
      plot_runs({run}, PlotOptions{.metric = "", .x = "", .out = out, .title = ""});
      ADD_FAILURE() << "plotted over " << out;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(out.string()));
    }
  }
  EXPECT_EQ(read_file(run / "metrics.csv"), metrics);
  EXPECT_TRUE(fs::is_directory(run));
  if (!has_gnuplot()) GTEST_SKIP() << "gnuplot is not on PATH";
  // An earlier plot is replaced; a title that starts with a quote is drawn as written.
  const fs::path png = run / "return.png";
  plot_runs({run}, PlotOptions{.metric = "", .x = "", .out = png, .title = "'quoted' \\ title"});
  plot_runs({run}, PlotOptions{.metric = "", .x = "", .out = png, .title = "\""});
  EXPECT_EQ(read_file(png).substr(0, 4), "\x89PNG");
}

TEST(PlotTest, UnknownMetricListsTheAvailableColumns) {
  testing::TempDir tmp;
  const fs::path run = make_run(tmp, "a", 0.01, 1);
  try {
    plot_runs({run}, PlotOptions{.metric = "reward", .x = "", .out = tmp / "p.png", .title = ""});
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("'reward'"));
    EXPECT_THAT(e.what(), HasSubstr("step, return, loss"));
  }
  EXPECT_FALSE(fs::exists(tmp / "p.png"));
}

TEST(PlotTest, MissingGnuplotSaysHowToInstallIt) {
  testing::TempDir tmp;
  const fs::path run = make_run(tmp, "a", 0.01, 1);
  const char* old_path = std::getenv("PATH");
  const std::string saved = old_path != nullptr ? old_path : "";
  ::setenv("PATH", tmp.path().c_str(), 1);
  try {
    plot_runs({run}, PlotOptions{.metric = "", .x = "", .out = tmp / "p.png", .title = ""});
    ADD_FAILURE() << "expected std::runtime_error";
  } catch (const Error& e) {
    ADD_FAILURE() << "a missing program is not a user error: " << e.what();
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("gnuplot not found"));
    EXPECT_THAT(e.what(), HasSubstr("sudo apt-get install gnuplot-nox"));
  }
  ::setenv("PATH", saved.c_str(), 1);
}

}  // namespace
}  // namespace valor::run
