#include "valor/rank/plots.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "valor/core/atomic_file.h"

extern char** environ;

namespace valor::rank {
namespace fs = std::filesystem;
namespace {

bool on_path(const std::string& program) {
  const char* env = std::getenv("PATH");
  std::string_view path = env != nullptr ? env : "";
  while (true) {
    const size_t colon = path.find(':');
    const std::string dir(path.substr(0, colon));
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) return false;
    path.remove_prefix(colon + 1);
  }
}

// gnuplot single-quoted string: a quote is doubled, line breaks dropped.
std::string gp_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "''";
    } else if (c != '\n' && c != '\r') {
      out.push_back(c);
    }
  }
  return out + "'";
}

// Writes `data` and `script` (which must write to the file named by `output`) into a temp folder,
// runs gnuplot on the script and moves the image to `png`.
void render(const std::string& data, const std::string& script_body, int width, int height,
            const fs::path& png) {
  if (!on_path("gnuplot")) {
    throw std::runtime_error(
        "gnuplot not found: install it with `sudo apt-get install gnuplot-nox` (or run "
        "tools/install-deps)");
  }
  std::string pattern = (fs::temp_directory_path() / "valor-rank-plot-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(
        fmt::format("cannot create temp folder '{}': {}", pattern, std::strerror(errno)));
  }
  const fs::path dir = pattern;
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } cleanup{dir};
  const fs::path image = dir / "plot.png", log = dir / "gnuplot.log";
  write_file_atomically(dir / "data.dat", data);
  const std::string script = fmt::format(
      "data = {}\n"
      "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {{\n"
      "  set terminal pngcairo noenhanced size {},{} font ',10'\n"
      "}} else {{\n"
      "  set terminal png noenhanced size {},{}\n"
      "}}\n"
      "set output {}\n{}unset output\n",
      gp_quote((dir / "data.dat").string()), width, height, width, height, gp_quote(image.string()),
      script_body);
  write_file_atomically(dir / "plot.gp", script);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::string program = "gnuplot", script_arg = (dir / "plot.gp").string();
  char* argv[] = {program.data(), script_arg.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error(fmt::format("cannot start gnuplot: {}", std::strerror(rc)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw std::runtime_error(fmt::format("waiting for gnuplot: {}", std::strerror(errno)));
    }
  }
  std::error_code error;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !fs::is_regular_file(image, error) ||
      fs::file_size(image, error) == 0) {
    std::string output;
    try {
      output = read_file(log);
    } catch (const std::exception&) {
    }
    throw std::runtime_error(fmt::format("gnuplot failed to draw '{}': {}", png.string(), output));
  }
  write_file_atomically(png, read_file(image));
}

// Pixels for `rows` labelled rows.
int pixels_for(size_t rows) {
  return static_cast<int>(std::clamp<size_t>(200 + 16 * rows, 500, 4000));
}

std::string tics(const std::vector<std::string>& names) {
  std::string out = "(";
  for (size_t i = 0; i < names.size(); ++i) {
    out += fmt::format("{}{} {}", i ? ", " : "", gp_quote(names[i]), i);
  }
  return out + ")";
}

std::string number(double x) { return std::isfinite(x) ? fmt::format("{:.17g}", x) : "NaN"; }

}  // namespace

void plot_win_matrix(const std::vector<std::string>& names,
                     const std::vector<std::vector<double>>& probability, const fs::path& png,
                     const std::string& title) {
  const size_t n = names.size();
  if (probability.size() != n) {
    throw std::invalid_argument("plot_win_matrix: the matrix does not match the names");
  }
  // "x y value" triples; the diagonal is NaN, which gnuplot leaves blank.
  std::string data;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      data += fmt::format("{} {} {}\n", j, i, i == j ? "NaN" : number(probability[i][j]));
    }
    data += "\n";
  }
  const bool labels = n <= 60;
  const std::string script = fmt::format(
      "set title {}\n"
      "set xlabel 'opponent (column)'\n"
      "set ylabel 'item (row): P(row preferred to column)'\n"
      "set xrange [-0.5:{}]\nset yrange [{}:-0.5]\n"
      "set cbrange [0:1]\n"
      "set palette defined (0 '#2166AC', 0.5 '#F7F7F7', 1 '#B2182B')\n"
      "set xtics {} rotate by 90 right\nset ytics {}\n"
      "set size ratio -1\n"
      "plot data using 1:2:3 with image notitle{}\n",
      gp_quote(title), n - 0.5, n - 0.5, labels ? tics(names) : "autofreq",
      labels ? tics(names) : "autofreq",
      n <= 15 ? ", data using 1:2:($1 == $2 ? '' : sprintf('%.2f', $3)) with labels notitle" : "");
  const int size = pixels_for(n) + 200;
  render(data, script, size, size, png);
}

void plot_rating_intervals(const std::vector<std::string>& names, const std::vector<double>& rating,
                           const std::vector<double>& low, const std::vector<double>& high,
                           const fs::path& png, const std::string& title,
                           const std::string& xlabel) {
  const size_t n = names.size();
  if (rating.size() != n || low.size() != n || high.size() != n) {
    throw std::invalid_argument("plot_rating_intervals: sizes do not match the names");
  }
  std::string data;
  for (size_t i = 0; i < n; ++i) {
    const bool interval = std::isfinite(low[i]) && std::isfinite(high[i]);
    data +=
        fmt::format("{} {} {} {}\n", i, number(rating[i]), number(interval ? low[i] : rating[i]),
                    number(interval ? high[i] : rating[i]));
  }
  const std::string script = fmt::format(
      "set title {}\n"
      "set xlabel {}\n"
      "set yrange [{}:-1]\n"
      "set ytics {}\n"
      "set grid xtics\n"
      "plot data using 2:1:3:4 with xerrorbars pt 7 ps 0.8 lc rgb '#0072B2' notitle\n",
      gp_quote(title), gp_quote(xlabel), n, n <= 120 ? tics(names) : "autofreq");
  render(data, script, 1000, pixels_for(n), png);
}

}  // namespace valor::rank
