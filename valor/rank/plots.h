// PNG figures of a ranking, drawn with gnuplot (valor/core/gnuplot.h): the
// pairwise win-probability matrix as a heatmap, and the ratings with their intervals.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace valor::rank {

// `names` in display order (top row / top line first); probability[i][j] = P(names[i] preferred
// to names[j]), the diagonal is not drawn. std::runtime_error if gnuplot is missing or fails;
// the PNG is written atomically.
void plot_win_matrix(const std::vector<std::string>& names,
                     const std::vector<std::vector<double>>& probability,
                     const std::filesystem::path& png, const std::string& title);

// One horizontal line per item from low to high with a dot at the rating, first item at the top.
// NaN bounds draw the dot alone.
void plot_rating_intervals(const std::vector<std::string>& names, const std::vector<double>& rating,
                           const std::vector<double>& low, const std::vector<double>& high,
                           const std::filesystem::path& png, const std::string& title,
                           const std::string& xlabel);

}  // namespace valor::rank
