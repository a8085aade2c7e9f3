// Ratings from comparisons or rankings (valor/rank, docs/rank.md): the same fit as `valor rank`
// (rank::fit_leaderboard), from NumPy arrays, lists or a file.
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "python/src/bindings.h"
#include "valor/core/error.h"
#include "valor/rank/comparison_reader.h"
#include "valor/rank/leaderboard.h"

namespace valor::python {
namespace {

using namespace pybind11::literals;

struct PyLeaderboard {
  rank::Leaderboard lb;
  size_t used = 0;     // comparisons or rankings fitted
  size_t skipped = 0;  // bad rows skipped (files read with skip_bad)
};

py::array_t<double> to_numpy(const std::vector<double>& v) {
  py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

rank::LeaderboardOptions fit_options(const std::string& model, const std::string& ties,
                                     double prior, const std::string& scale, int bootstrap,
                                     uint64_t seed, double k, bool intervals, int threads,
                                     bool order_effect = false, bool firth = false,
                                     bool covariance = false) {
  rank::LeaderboardOptions o;
  o.order_effect = order_effect;
  o.bias_reduced = firth;
  o.covariance = covariance;
  o.model = model;
  o.ties = ties;
  o.prior = prior;
  o.scale = scale;
  o.bootstrap = bootstrap;
  o.seed = seed;
  o.elo_k = k;
  o.intervals = intervals;
  o.threads = threads;
  return o;
}

PyLeaderboard fit(const rank::InputData& data, const rank::LeaderboardOptions& options, size_t used,
                  size_t skipped) {
  PyLeaderboard out;
  {
    py::gil_scoped_release release;
    out.lb = rank::fit_leaderboard(data, options);
  }
  out.used = used;
  out.skipped = skipped;
  return out;
}

// Items named by strings are interned in order of appearance; items given as integer indices
// are indices into `names` (or named "0", "1", ... up to the largest index without names).
class ItemReader {
 public:
  ItemReader(rank::ComparisonSet& set, const py::object& names) : set_(set) {
    if (names.is_none()) return;
    has_names_ = true;
    for (const auto& name : names) set_.intern(py::cast<std::string>(name));
  }

  // The items of one column (a 1-D array or a sequence).
  std::vector<int32_t> read(const char* what, const py::object& column) {
    const py::array a = py::array::ensure(column);
    if (!a || a.ndim() != 1) fail("{} must be a 1-D sequence of item names or indices", what);
    std::vector<int32_t> out;
    const char kind = a.dtype().kind();
    if (kind == 'i' || kind == 'u') {
      const auto ints = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(a);
      for (py::ssize_t k = 0; k < ints.size(); ++k) out.push_back(index(what, k, ints.data()[k]));
    } else if (kind == 'U' || kind == 'S' || kind == 'O') {
      for (const auto& item : column) {
        if (!py::isinstance<py::str>(item)) {
          fail("{}[{}] is {}: items are named by strings or by integer indices, not both", what,
               out.size(), py::repr(item).cast<std::string>());
        }
        out.push_back(set_.intern(py::cast<std::string>(item)));
      }
    } else {
      fail("{} must hold item names (str) or indices (int), got dtype {}", what,
           py::str(a.dtype()).cast<std::string>());
    }
    return out;
  }

 private:
  int32_t index(const char* what, py::ssize_t k, int64_t i) {
    if (i < 0) fail("{}[{}] = {}: item indices must be >= 0", what, k, i);
    if (has_names_) {
      if (static_cast<size_t>(i) >= set_.num_items()) {
        fail("{}[{}] = {}: out of range for {} names", what, k, i, set_.num_items());
      }
    } else {
      while (set_.num_items() <= static_cast<size_t>(i)) {
        set_.intern(std::to_string(set_.num_items()));
      }
    }
    return static_cast<int32_t>(i);
  }

  rank::ComparisonSet& set_;
  bool has_names_ = false;
};

std::vector<double> optional_column(const char* what, const py::object& column, size_t n,
                                    double fill) {
  if (column.is_none()) return std::vector<double>(n, fill);
  const auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(column);
  if (!a || a.ndim() != 1 || static_cast<size_t>(a.size()) != n) {
    fail("{} must be a 1-D sequence of {} numbers (one per comparison)", what, n);
  }
  return {a.data(), a.data() + a.size()};
}

PyLeaderboard fit_ratings(const py::object& winners, const py::object& losers,
                          const py::object& outcomes, const py::object& weights,
                          const py::object& names, const rank::LeaderboardOptions& options) {
  rank::InputData data;
  ItemReader items(data.items, names);
  const std::vector<int32_t> a = items.read("winners", winners);
  const std::vector<int32_t> b = items.read("losers", losers);
  if (a.size() != b.size()) {
    fail("winners and losers must have the same length, got {} and {}", a.size(), b.size());
  }
  const std::vector<double> o = optional_column("outcomes", outcomes, a.size(), 1.0);
  const std::vector<double> w = optional_column("weights", weights, a.size(), 1.0);
  if (a.empty()) fail("no comparisons to fit");
  data.items.comparisons().reserve(a.size());
  for (size_t k = 0; k < a.size(); ++k) {
    try {
      // As the file reader does: an outcome of exactly 0.5 is recorded as a tie.
      data.items.add({a[k], b[k], o[k], w[k], o[k] == 0.5});
    } catch (const Error& e) {
      fail("comparison {}: {}", k, e.what());
    }
  }
  return fit(data, options, a.size(), 0);
}

PyLeaderboard fit_rankings(const py::object& rankings, const py::object& unranked,
                           const py::object& weights, const py::object& names,
                           const rank::LeaderboardOptions& options) {
  rank::InputData data;
  data.rankings_input = true;
  ItemReader items(data.items, names);
  const auto list = py::reinterpret_borrow<py::sequence>(rankings);
  const size_t n = list.size();
  if (n == 0) fail("no rankings to fit");
  std::vector<py::object> rest(n, py::none());
  if (!unranked.is_none()) {
    const auto u = py::reinterpret_borrow<py::sequence>(unranked);
    if (u.size() != n) fail("unranked must have one entry per ranking ({}), got {}", n, u.size());
    for (size_t k = 0; k < n; ++k) rest[k] = u[k];
  }
  const std::vector<double> w = optional_column("weights", weights, n, 1.0);
  for (size_t k = 0; k < n; ++k) {
    rank::Ranking r;
    const std::string what = "rankings[" + std::to_string(k) + "]";
    r.order = items.read(what.c_str(), list[k]);
    if (!rest[k].is_none() && py::len(rest[k]) > 0) {
      const std::string rest_what = "unranked[" + std::to_string(k) + "]";
      r.unranked = items.read(rest_what.c_str(), rest[k]);
    }
    r.weight = w[k];
    data.rankings.push_back(std::move(r));
  }
  return fit(data, options, n, 0);
}

PyLeaderboard rank_file(const std::filesystem::path& path, const rank::ReadOptions& read_options,
                        const std::string& input_format, const rank::LeaderboardOptions& options) {
  rank::ReadOptions read = read_options;
  if (input_format == "csv") {
    read.format = rank::InputFormat::kCsv;
  } else if (input_format == "jsonl") {
    read.format = rank::InputFormat::kJsonl;
  } else if (input_format != "auto") {
    fail("input_format '{}': accepted: auto, csv, jsonl", input_format);
  }
  rank::ReadReport report;
  rank::InputData data;
  {
    py::gil_scoped_release release;
    data = rank::read_comparisons_or_rankings(path, read, &report);
  }
  return fit(data, options, report.used, report.skipped);
}

}  // namespace

void bind_rank(py::module_& m) {
  py::class_<PyLeaderboard>(m, "Leaderboard")
      .def_property_readonly("model", [](const PyLeaderboard& p) { return p.lb.model; })
      .def_property_readonly("scale", [](const PyLeaderboard& p) { return p.lb.scale; })
      .def_property_readonly("interval", [](const PyLeaderboard& p) { return p.lb.interval; })
      .def_property_readonly("names", [](const PyLeaderboard& p) { return p.lb.names; })
      .def_property_readonly("ratings",
                             [](const PyLeaderboard& p) { return to_numpy(p.lb.rating); })
      .def_property_readonly("ci_low", [](const PyLeaderboard& p) { return to_numpy(p.lb.low); })
      .def_property_readonly("ci_high", [](const PyLeaderboard& p) { return to_numpy(p.lb.high); })
      .def_property_readonly("natural",
                             [](const PyLeaderboard& p) { return to_numpy(p.lb.natural); })
      .def_property_readonly("comparisons",
                             [](const PyLeaderboard& p) { return to_numpy(p.lb.comparisons); })
      .def_property_readonly("win_rate",
                             [](const PyLeaderboard& p) { return to_numpy(p.lb.win_rate); })
      .def_property_readonly("sigma",
                             [](const PyLeaderboard& p) -> py::object {
                               if (p.lb.sigma.empty()) return py::none();
                               return to_numpy(p.lb.sigma);
                             })
      .def_property_readonly("nu",
                             [](const PyLeaderboard& p) -> py::object {
                               if (p.lb.kind != rank::LeaderboardModel::kDavidson) {
                                 return py::none();
                               }
                               return py::float_(p.lb.nu);
                             })
      .def_property_readonly("rankings_input",
                             [](const PyLeaderboard& p) { return p.lb.rankings_input; })
      .def_property_readonly("log_likelihood",
                             [](const PyLeaderboard& p) { return p.lb.log_likelihood; })
      .def_property_readonly("deviance", [](const PyLeaderboard& p) { return p.lb.deviance; })
      .def_property_readonly("aic", [](const PyLeaderboard& p) { return p.lb.aic; })
      .def_property_readonly("num_parameters",
                             [](const PyLeaderboard& p) { return p.lb.num_parameters; })
      .def_property_readonly("order_effect",
                             [](const PyLeaderboard& p) { return p.lb.order_effect; })
      .def_property_readonly("order_effect_sd",
                             [](const PyLeaderboard& p) { return p.lb.order_effect_sd; })
      .def_property_readonly(
          "covariance",
          [](const PyLeaderboard& p) -> py::object {
            if (p.lb.covariance.empty()) return py::none();
            const auto n = static_cast<py::ssize_t>(p.lb.covariance_dim);
            py::array_t<double> out({n, n});
            std::copy(p.lb.covariance.begin(), p.lb.covariance.end(), out.mutable_data());
            return out;
          },
          "With covariance=True (bt): the covariance of the natural-scale ratings, item order, "
          "with the order effect last when fitted; None otherwise.")
      .def_readonly("used", &PyLeaderboard::used)
      .def_readonly("skipped", &PyLeaderboard::skipped)
      .def(
          "order",
          [](const PyLeaderboard& p) {
            const auto order = p.lb.order();
            py::array_t<int64_t> out(static_cast<py::ssize_t>(order.size()));
            std::copy(order.begin(), order.end(), out.mutable_data());
            return out;
          },
          "Item indices, best first (equal ratings keep item order).")
      .def(
          "win_probability",
          [](const PyLeaderboard& p, size_t i, size_t j) {
            const size_t n = p.lb.names.size();
            if (i >= n || j >= n) fail("items {} and {}: out of range for {} items", i, j, n);
            return p.lb.win_probability(i, j);
          },
          "i"_a, "j"_a)
      .def(
          "win_matrix",
          [](const PyLeaderboard& p) {
            const size_t n = p.lb.names.size();
            py::array_t<double> out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(n)});
            double* d = out.mutable_data();
            for (size_t i = 0; i < n; ++i) {
              for (size_t j = 0; j < n; ++j)
                d[i * n + j] = i == j ? NAN : p.lb.win_probability(i, j);
            }
            return out;
          },
          "P(row item preferred to column item), item order, NaN on the diagonal.");

  m.def(
      "fit_ratings",
      [](const py::object& winners, const py::object& losers, const py::object& outcomes,
         const py::object& weights, const py::object& names, const std::string& model,
         const std::string& ties, double prior, const std::string& scale, int bootstrap,
         uint64_t seed, double k, bool intervals, int threads, bool order_effect, bool firth,
         bool covariance) {
        return fit_ratings(winners, losers, outcomes, weights, names,
                           fit_options(model, ties, prior, scale, bootstrap, seed, k, intervals,
                                       threads, order_effect, firth, covariance));
      },
      "winners"_a, "losers"_a, py::kw_only(), "outcomes"_a = py::none(), "weights"_a = py::none(),
      "names"_a = py::none(), "model"_a = "bt", "ties"_a = "half", "prior"_a = 0.0,
      "scale"_a = "elo", "bootstrap"_a = 0, "seed"_a = 0, "k"_a = 4.0, "intervals"_a = true,
      "threads"_a = 0, "order_effect"_a = false, "firth"_a = false, "covariance"_a = false);
  m.def(
      "fit_rankings",
      [](const py::object& rankings, const py::object& unranked, const py::object& weights,
         const py::object& names, double prior, const std::string& scale, int bootstrap,
         uint64_t seed, int threads) {
        return fit_rankings(
            rankings, unranked, weights, names,
            fit_options("pl", "half", prior, scale, bootstrap, seed, 4.0, true, threads));
      },
      "rankings"_a, py::kw_only(), "unranked"_a = py::none(), "weights"_a = py::none(),
      "names"_a = py::none(), "prior"_a = 0.0, "scale"_a = "elo", "bootstrap"_a = 0, "seed"_a = 0,
      "threads"_a = 0);
  m.def(
      "rank_file",
      [](const std::filesystem::path& path, const std::string& model, const std::string& ties,
         double prior, const std::string& scale, int bootstrap, uint64_t seed, double k,
         bool intervals, int threads, const std::string& col_a, const std::string& col_b,
         const std::string& col_winner, const std::string& col_outcome,
         const std::string& col_weight, const std::string& col_ranking, bool skip_bad,
         const std::string& input_format, size_t max_line_bytes, bool order_effect, bool firth,
         bool covariance) {
        rank::ReadOptions read;
        read.col_a = col_a;
        read.col_b = col_b;
        read.col_winner = col_winner;
        read.col_outcome = col_outcome;
        read.col_weight = col_weight;
        read.col_ranking = col_ranking;
        read.skip_bad = skip_bad;
        read.max_line_bytes = max_line_bytes;
        return rank_file(path, read, input_format,
                         fit_options(model, ties, prior, scale, bootstrap, seed, k, intervals,
                                     threads, order_effect, firth, covariance));
      },
      "path"_a, py::kw_only(), "model"_a = "bt", "ties"_a = "half", "prior"_a = 0.0,
      "scale"_a = "elo", "bootstrap"_a = 0, "seed"_a = 0, "k"_a = 4.0, "intervals"_a = true,
      "threads"_a = 0, "col_a"_a = "model_a", "col_b"_a = "model_b", "col_winner"_a = "winner",
      "col_outcome"_a = "", "col_weight"_a = "", "col_ranking"_a = "ranking", "skip_bad"_a = false,
      "input_format"_a = "auto", "max_line_bytes"_a = rank::kDefaultMaxLineBytes,
      "order_effect"_a = false, "firth"_a = false, "covariance"_a = false);
}

}  // namespace valor::python
