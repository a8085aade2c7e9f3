#include "valor/run/plot.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/run/mean_band.h"
#include "valor/run/metrics.h"
#include "valor/run/run_groups.h"

extern char** environ;

namespace valor::run {
namespace fs = std::filesystem;
namespace {

// Colour-blind-safe palette (Okabe & Ito), cycled when there are more groups.
constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#F0E442", "#000000"};

// A removable temp folder for gnuplot's inputs and output.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (fs::temp_directory_path() / "valor-plot-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error(
          fmt::format("cannot create temp folder '{}': {}", pattern, std::strerror(errno)));
    }
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// gnuplot single-quoted string: only the quote itself needs escaping (doubled).
std::string gnuplot_string(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "''";
    else if (c != '\n' && c != '\r')
      out.push_back(c);
  }
  return out + "'";
}

size_t resolve_column(const MetricsTable& table, const std::string& name, const fs::path& file,
                      std::string_view role) {
  if (auto index = table.column_index(name)) return *index;
  fail("{} column '{}' is not in '{}': available columns are {}", role, name, file.string(),
       fmt::join(table.columns, ", "));
}

void run_gnuplot(const fs::path& script, const fs::path& log) {
  if (find_on_path("gnuplot").empty()) {
    throw std::runtime_error(
        "gnuplot not found: install it with `sudo apt-get install gnuplot-nox` (or run "
        "tools/install-deps)");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::string program = "gnuplot";
  std::string script_arg = script.string();
  char* argv[] = {program.data(), script_arg.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error(fmt::format("cannot start gnuplot: {}", std::strerror(rc)));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw std::runtime_error(fmt::format("waiting for gnuplot: {}", std::strerror(errno)));
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string output;
    try {
      output = read_file(log);
    } catch (const std::exception&) {
    }
    throw std::runtime_error(fmt::format("gnuplot failed ({}): {}",
                                         WIFEXITED(status)
                                             ? fmt::format("exit status {}", WEXITSTATUS(status))
                                             : fmt::format("signal {}", WTERMSIG(status)),
                                         output));
  }
}

}  // namespace

fs::path find_on_path(const std::string& program) {
  const char* path_env = std::getenv("PATH");
  std::string_view path = path_env != nullptr ? path_env : "";
  while (true) {
    const size_t colon = path.find(':');
    const std::string_view entry = path.substr(0, colon);
    const fs::path folder = entry.empty() ? fs::path(".") : fs::path(entry);
    if (::access((folder / program).c_str(), X_OK) == 0 && !fs::is_directory(folder / program)) {
      return folder;
    }
    if (colon == std::string_view::npos) return {};
    path.remove_prefix(colon + 1);
  }
}

void plot_runs(const std::vector<fs::path>& run_dirs, const PlotOptions& options) {
  if (run_dirs.empty()) fail("plot: give at least one run folder");
  if (options.out.empty()) fail("plot: give the PNG file to write (--out)");

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

  TempFolder temp;
  std::vector<std::string> plots;
  for (size_t g = 0; g < groups.size(); ++g) {
    const MeanBand& band = bands[g];
    std::string data = "# x mean lo hi\n";
    for (size_t i = 0; i < band.x.size(); ++i) {
      data += fmt::format("{} {} {} {}\n", band.x[i], band.mean[i], band.lo[i], band.hi[i]);
    }
    const fs::path data_file = temp.path() / fmt::format("group{}.dat", g);
    write_file_atomically(data_file, data);
    const char* colour = kColours[g % std::size(kColours)];
    if (groups[g].runs.size() > 1) {
      plots.push_back(fmt::format("{} using 1:3:4 with filledcurves fc rgb '{}' notitle",
                                  gnuplot_string(data_file.string()), colour));
    }
    plots.push_back(fmt::format("{} using 1:2 with lines lw 2 lc rgb '{}' title {}",
                                gnuplot_string(data_file.string()), colour,
                                gnuplot_string(groups[g].label)));
  }

  const fs::path png = temp.path() / "plot.png";
  const std::string script = fmt::format(
      "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {{\n"
      "  set terminal pngcairo noenhanced size 1000,600 font ',11'\n"
      "}} else {{\n"
      "  set terminal png noenhanced size 1000,600\n"
      "}}\n"
      "set output {}\n"
      "set title {}\n"
      "set xlabel {}\n"
      "set ylabel {}\n"
      "set grid\n"
      "set autoscale xfix\n"
      "set key outside bottom center horizontal\n"
      "set style fill transparent solid 0.25 noborder\n"
      "plot {}\n"
      "unset output\n",
      gnuplot_string(png.string()), gnuplot_string(options.title.empty() ? metric : options.title),
      gnuplot_string(x_name), gnuplot_string(metric), fmt::join(plots, ", \\\n     "));
  const fs::path script_file = temp.path() / "plot.gp";
  write_file_atomically(script_file, script);
  run_gnuplot(script_file, temp.path() / "gnuplot.log");
  std::error_code error;
  if (!fs::is_regular_file(png, error) || fs::file_size(png, error) == 0) {
    throw std::runtime_error(
        fmt::format("gnuplot wrote no image: {}", read_file(temp.path() / "gnuplot.log")));
  }
  if (options.out.has_parent_path()) {
    fs::create_directories(options.out.parent_path(), error);
    if (error) {
      throw std::runtime_error(fmt::format("cannot create folder '{}': {}",
                                           options.out.parent_path().string(), error.message()));
    }
  }
  write_file_atomically(options.out, read_file(png));
}

}  // namespace valor::run
