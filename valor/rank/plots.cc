#include "valor/rank/plots.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "valor/core/gnuplot.h"

namespace valor::rank {
namespace fs = std::filesystem;
namespace {

// Draws `commands`, which read their numbers from the data file named by the variable `data`.
void render(const std::string& data, const std::string& commands, int width, int height,
            const fs::path& png) {
  GnuplotFigure figure(width, height, 10);
  figure.render(fmt::format("data = {}\n{}", figure.add_data("data.dat", data), commands), png);
}

// Pixels for `rows` labelled rows.
int pixels_for(size_t rows) {
  return static_cast<int>(std::clamp<size_t>(200 + 16 * rows, 500, 4000));
}

std::string tics(const std::vector<std::string>& names) {
  std::string out = "(";
  for (size_t i = 0; i < names.size(); ++i) {
    out += fmt::format("{}{} {}", i ? ", " : "", gnuplot_quote(names[i]), i);
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
      gnuplot_quote(title), n - 0.5, n - 0.5, labels ? tics(names) : "autofreq",
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
      gnuplot_quote(title), gnuplot_quote(xlabel), n, n <= 120 ? tics(names) : "autofreq");
  render(data, script, 1000, pixels_for(n), png);
}

}  // namespace valor::rank
