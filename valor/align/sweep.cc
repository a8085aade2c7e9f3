#include "valor/align/sweep.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "valor/align/config.h"
#include "valor/align/run.h"
#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/core/gnuplot.h"
#include "valor/core/progress.h"
#include "valor/run/aggregate.h"
#include "valor/run/metrics.h"
#include "valor/run/run_dir.h"
#include "valor/run/sweep.h"

namespace valor::align {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Bootstrap replicates of the report's intervals (as valor sweep's reports).
constexpr int kBootstrapReplicates = 2000;
// The KL values (nats) at which the report compares methods' gold reward.
constexpr double kMatchedKl[] = {0.25, 0.5, 1.0, 2.0, 4.0};

std::string scalar_text(const toml::node& node, const std::string& where) {
  std::vector<std::string> out;
  toml::table one;
  one.insert("v", node);
  run::flatten_assignments(one, "", where, out);
  return out.at(0).substr(2);
}

std::string folder_of(const std::string& cell) {
  std::string s;
  for (char c : cell) {
    if (c == ' ') {
      s += "__";
    } else if (c == '/' || c == ':') {
      s += '_';
    } else {
      s += c;
    }
  }
  return s;
}

}  // namespace

AlignSweepSpec parse_align_sweep(std::string_view text, const std::string& source) {
  run::SweepFileHeader header = run::parse_sweep_header(text, source);
  const toml::table& root = header.root;
  AlignSweepSpec spec;
  spec.source = source;
  spec.name = std::move(header.name);
  spec.description = std::move(header.description);
  for (const auto& [k, node] : root) {
    if (k != "sweep" && k != "set" && k != "grid") {
      fail("{}: unknown section [{}]; accepted: [sweep], [grid], [set]", source, k.str());
    }
  }
  const toml::table* sweep = root["sweep"].as_table();
  if (!sweep) fail("{}: needs a [sweep] section (docs/align.md)", source);
  for (const auto& [k, node] : *sweep) {
    if (k != "name" && k != "presets" && k != "seeds") {
      fail("{}: unknown key sweep.{}; accepted: name, presets, seeds", source, k.str());
    }
  }
  const auto* presets = sweep->get("presets") ? sweep->get("presets")->as_array() : nullptr;
  if (!presets || presets->empty())
    fail("{}: sweep.presets must be a non-empty list of align presets", source);
  for (const auto& p : *presets) {
    const auto name = p.value_exact<std::string>();
    if (!name) fail("{}: sweep.presets must list preset names (strings)", source);
    find_align_preset(*name);
    spec.presets.push_back(*name);
  }
  spec.seeds = run::sweep_seeds(*sweep, source);
  if (const toml::node* grid = root.get("grid")) {
    if (!grid->as_table())
      fail("{}: [grid] must be a table of keys, each a list of values", source);
    for (const auto& [k, node] : *grid->as_table()) {
      const std::string key(k.str());
      const auto* values = node.as_array();
      if (!values || values->empty())
        fail("{}: grid.\"{}\" must be a non-empty list of values", source, key);
      std::vector<std::string> texts;
      for (const auto& v : *values)
        texts.push_back(scalar_text(v, fmt::format("{}: grid.\"{}\"", source, key)));
      spec.grid.emplace_back(key, std::move(texts));
    }
  }
  if (const toml::node* set = root.get("set")) {
    if (!set->as_table()) fail("{}: [set] must be a table of configuration keys", source);
    run::flatten_assignments(*set->as_table(), "", source + ": [set]", spec.overrides);
  }
  for (const auto& o : spec.overrides) {
    const std::string key = o.substr(0, o.find('='));
    if (key == "run.seed" || key == "run.name") {
      fail("{}: set.{} cannot be set in a sweep: the sweep sets it for each run", source, key);
    }
    for (const auto& [grid_key, values] : spec.grid) {
      if (grid_key == key) fail("{}: {} is in both [grid] and [set]", source, key);
    }
  }
  // Every run must resolve before anything runs.
  for (const AlignSweepRun& r : expand_align_sweep(spec, "check")) {
    try {
      align_run_spec(resolve_align_config(r.preset, std::nullopt, r.overrides));
    } catch (const Error& e) {
      fail("{}: cell {}: {}", source, r.cell, e.what());
    }
  }
  return spec;
}

AlignSweepSpec read_align_sweep(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) fail("cannot read the sweep file {}", path.string());
  std::stringstream text;
  text << in.rdbuf();
  return parse_align_sweep(text.str(), path.string());
}

std::vector<AlignSweepRun> expand_align_sweep(const AlignSweepSpec& spec,
                                              const std::filesystem::path& out) {
  // Every combination of the grid's values, the first key varying slowest.
  std::vector<std::vector<std::pair<std::string, std::string>>> combos(1);
  for (const auto& [key, values] : spec.grid) {
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& combo : combos) {
      for (const auto& value : values) {
        next.push_back(combo);
        next.back().emplace_back(key, value);
      }
    }
    combos = std::move(next);
  }
  std::vector<AlignSweepRun> runs;
  for (const auto& preset : spec.presets) {
    for (const auto& combo : combos) {
      std::string cell = preset;
      std::vector<std::string> overrides = spec.overrides;
      for (const auto& [key, value] : combo) {
        cell += " " + key + "=" + value;
        overrides.push_back(key + "=" + value);
      }
      for (int64_t seed : spec.seeds) {
        AlignSweepRun r;
        r.cell = cell;
        r.preset = preset;
        r.seed = seed;
        r.overrides = overrides;
        r.overrides.push_back(fmt::format("run.seed={}", seed));
        r.overrides.push_back(fmt::format("run.name={}", folder_of(cell)));
        r.dir = out / folder_of(cell) / fmt::format("seed-{}", seed);
        runs.push_back(std::move(r));
      }
    }
  }
  return runs;
}

namespace {

OveroptimisationFit fit_two(const std::vector<double>& d, const std::vector<double>& gain,
                            double (*second)(double)) {
  // R = alpha d - beta g(d): least squares on the regressors d and g(d), no intercept.
  double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
  OveroptimisationFit fit;
  for (size_t i = 0; i < d.size(); ++i) {
    if (!(d[i] > 0.0) || !std::isfinite(gain[i])) continue;
    const double x1 = d[i], x2 = -second(d[i]);
    a11 += x1 * x1;
    a12 += x1 * x2;
    a22 += x2 * x2;
    b1 += x1 * gain[i];
    b2 += x2 * gain[i];
    ++fit.points;
  }
  const double det = a11 * a22 - a12 * a12;
  if (fit.points < 2 || !(std::abs(det) > 1e-300)) {
    fit.alpha = fit.beta = kNaN;
    return fit;
  }
  fit.alpha = (b1 * a22 - b2 * a12) / det;
  fit.beta = (a11 * b2 - a12 * b1) / det;
  return fit;
}

double square(double d) { return d * d; }
double d_log_d(double d) { return d * std::log(d); }

struct CellResult {
  std::string cell, method;
  bool offline = false;
  std::vector<double> gold, proxy, kl, reference_gold, optimum_gold;
  // The mean curve over seeds (rows of metrics.csv by index).
  std::vector<double> curve_d, curve_gold, curve_proxy;
};

std::string interval_text(const std::vector<double>& values) {
  std::vector<double> finite;
  for (double v : values) {
    if (std::isfinite(v)) finite.push_back(v);
  }
  if (finite.empty()) return "-";
  const double iqm = run::interquartile_mean(finite);
  if (finite.size() < 2) return fmt::format("{:.3f}", iqm);
  const run::Interval ci = run::stratified_bootstrap_iqm({finite}, kBootstrapReplicates, 0.95, 0);
  return fmt::format("{:.3f} [{:.3f}, {:.3f}]", iqm, ci.low, ci.high);
}

double interpolate_at(const std::vector<double>& d, const std::vector<double>& y, double target) {
  for (size_t i = 1; i < d.size(); ++i) {
    const double lo = std::min(d[i - 1], d[i]), hi = std::max(d[i - 1], d[i]);
    if (target >= lo && target <= hi && hi > lo) {
      const double t = (target - d[i - 1]) / (d[i] - d[i - 1]);
      return y[i - 1] + t * (y[i] - y[i - 1]);
    }
  }
  return kNaN;
}

void write_report(const AlignSweepSpec& spec, const std::filesystem::path& out,
                  const std::vector<AlignSweepRun>& runs) {
  std::vector<CellResult> cells;
  std::map<std::string, size_t> index;
  std::map<std::string, std::vector<run::MetricsTable>> tables;
  for (const AlignSweepRun& r : runs) {
    if (!std::filesystem::exists(r.dir / "summary.json")) continue;
    const nlohmann::json s = nlohmann::json::parse(read_file(r.dir / "summary.json"));
    if (!index.count(r.cell)) {
      index[r.cell] = cells.size();
      cells.push_back({});
      cells.back().cell = r.cell;
      cells.back().method = s["method"].get<std::string>();
      cells.back().offline =
          cells.back().method != "bon" && find_method(cells.back().method).offline;
    }
    CellResult& c = cells[index[r.cell]];
    auto get = [](const nlohmann::json& j, const char* k) {
      return j.contains(k) && j[k].is_number() ? j[k].get<double>() : kNaN;
    };
    c.gold.push_back(get(s["final"], "gold"));
    c.proxy.push_back(get(s["final"], "proxy"));
    c.kl.push_back(get(s["final"], "kl"));
    c.reference_gold.push_back(get(s["pi_ref"], "gold"));
    c.optimum_gold.push_back(s.contains("kl_optimum") ? get(s["kl_optimum"], "gold") : kNaN);
    tables[r.cell].push_back(run::read_metrics_csv(r.dir / "metrics.csv"));
  }
  for (CellResult& c : cells) {
    const auto& ts = tables[c.cell];
    size_t rows = ts.front().rows.size();
    for (const auto& t : ts) rows = std::min(rows, t.rows.size());
    const size_t id = *ts.front().column_index("sqrt_kl"), ig = *ts.front().column_index("gold"),
                 ip = *ts.front().column_index("proxy");
    for (size_t r = 0; r < rows; ++r) {
      double d = 0, g = 0, p = 0;
      for (const auto& t : ts) {
        d += t.rows[r][id] / ts.size();
        g += t.rows[r][ig] / ts.size();
        p += t.rows[r][ip] / ts.size();
      }
      c.curve_d.push_back(d);
      c.curve_gold.push_back(g);
      c.curve_proxy.push_back(p);
    }
  }

  std::string md = fmt::format(
      "# align sweep: {}\n\n{}\n\nSweep file: `{}`; {} seed(s) per cell "
      "({}). Rebuild: `valor align sweep {} --out {}`.\n\n",
      spec.name, spec.description, spec.source, spec.seeds.size(), fmt::join(spec.seeds, ", "),
      spec.source, out.string());
  md += "## Final metrics (IQM over seeds, 95% stratified-bootstrap interval)\n\n";
  md += "| cell | method | seeds | gold | proxy | KL | pi_ref gold | KL-optimum gold |\n";
  md += "|---|---|---:|---|---|---|---|---|\n";
  for (const CellResult& c : cells) {
    md +=
        fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", c.cell, c.method, c.gold.size(),
                    interval_text(c.gold), interval_text(c.proxy), interval_text(c.kl),
                    interval_text(c.reference_gold), interval_text(c.optimum_gold));
  }
  md +=
      "\nKL-optimum gold: the gold reward of pi*_beta on the reward the method targets (offline "
      "methods: the gold reward behind the preferences; online: the proxy), exact.\n\n";
  // Per seed: the fits and the gold reward at matched KL along that seed's curve, then the IQM
  // and interval over seeds.
  auto seed_curves = [&](const CellResult& c, const char* column) {
    std::vector<std::vector<double>> d, y;
    for (const auto& t : tables[c.cell]) {
      const size_t id = *t.column_index("sqrt_kl"), iy = *t.column_index(column);
      d.emplace_back();
      y.emplace_back();
      for (const auto& row : t.rows) {
        d.back().push_back(row[id]);
        y.back().push_back(row[iy]);
      }
    }
    return std::make_pair(d, y);
  };
  md +=
      "## Overoptimisation forms (fitted to each seed's curve, IQM over seeds [95% interval]; "
      "d = sqrt(KL), R = reward - pi_ref's)\n\n";
  md += "| cell | form | gold alpha | gold beta | proxy alpha | proxy beta | points per seed |\n";
  md += "|---|---|---|---|---|---|---:|\n";
  for (const CellResult& c : cells) {
    if (c.offline || c.curve_d.empty()) continue;
    const bool bon = c.method == "bon";
    const auto fit = bon ? fit_best_of_n_form : fit_rl_form;
    std::vector<double> ga, gb, pa, pb;
    size_t points = 0;
    for (const char* column : {"gold", "proxy"}) {
      const auto [d, y] = seed_curves(c, column);
      for (size_t k = 0; k < d.size(); ++k) {
        std::vector<double> gain;
        for (double v : y[k]) gain.push_back(v - y[k].front());
        const OveroptimisationFit f = fit(d[k], gain);
        (column[0] == 'g' ? ga : pa).push_back(f.alpha);
        (column[0] == 'g' ? gb : pb).push_back(f.beta);
        points = f.points;
      }
    }
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", c.cell,
                      bon ? "d (alpha - beta d)" : "d (alpha - beta log d)", interval_text(ga),
                      interval_text(gb), interval_text(pa), interval_text(pb), points);
  }
  md +=
      "\nbeta > 0: the reward bends down as the policy moves away from pi_ref (overoptimisation "
      "when it is the gold reward's); beta <= 0: no sign of it within the KL reached.\n\n"
      "## Gold reward at matched KL (linear interpolation along each seed's curve; IQM over "
      "seeds [95% interval]; - when a seed's curve does not reach it)\n\n| cell |";
  for (double k : kMatchedKl) md += fmt::format(" KL {} |", k);
  md += "\n|---|";
  for (size_t i = 0; i < std::size(kMatchedKl); ++i) md += "---|";
  md += "\n";
  for (const CellResult& c : cells) {
    md += "| " + c.cell + " |";
    const auto [d, y] = seed_curves(c, "gold");
    for (double k : kMatchedKl) {
      std::vector<double> at;
      bool all = true;
      for (size_t s = 0; s < d.size(); ++s) {
        const double g = interpolate_at(d[s], y[s], std::sqrt(k));
        all = all && std::isfinite(g);
        at.push_back(g);
      }
      md += all ? " " + interval_text(at) + " |" : " - |";
    }
    md += "\n";
  }
  md += "\n![gold and proxy reward against sqrt(KL)](gold_vs_kl.png)\n";
  std::filesystem::create_directories(out);
  write_file_atomically(out / "report.md", md);

  if (cells.empty() || find_on_path("gnuplot").empty()) return;
  GnuplotFigure figure(1200, 500, 10);
  std::string plot_gold, plot_proxy;
  for (size_t k = 0; k < cells.size(); ++k) {
    std::string data;
    for (size_t i = 0; i < cells[k].curve_d.size(); ++i) {
      data += fmt::format("{} {} {}\n", cells[k].curve_d[i], cells[k].curve_gold[i],
                          std::isfinite(cells[k].curve_proxy[i])
                              ? fmt::format("{}", cells[k].curve_proxy[i])
                              : "NaN");
    }
    const std::string file = figure.add_data(fmt::format("cell{}.dat", k), data);
    plot_gold +=
        fmt::format("{}{} using 1:2 with linespoints lc {} title {}", plot_gold.empty() ? "" : ", ",
                    file, k + 1, gnuplot_quote(cells[k].cell));
    plot_proxy +=
        fmt::format("{}{} using 1:3 with linespoints lc {} title {}",
                    plot_proxy.empty() ? "" : ", ", file, k + 1, gnuplot_quote(cells[k].cell));
  }
  figure.render(
      fmt::format("set multiplot layout 1,2 title {}\nset grid\nset key left top\n"
                  "set xlabel 'sqrt(KL(pi || pi_ref))'\nset ylabel 'gold reward'\n"
                  "set title 'gold'\nplot {}\nset ylabel 'proxy reward'\nset title 'proxy'\n"
                  "plot {}\nunset multiplot\n",
                  gnuplot_quote(spec.name), plot_gold, plot_proxy),
      out / "gold_vs_kl.png");
}

}  // namespace

OveroptimisationFit fit_best_of_n_form(const std::vector<double>& d,
                                       const std::vector<double>& gain) {
  return fit_two(d, gain, square);
}

OveroptimisationFit fit_rl_form(const std::vector<double>& d, const std::vector<double>& gain) {
  return fit_two(d, gain, d_log_d);
}

bool run_align_sweep(const AlignSweepSpec& spec, const std::filesystem::path& out,
                     std::FILE* progress, const std::atomic<bool>* stop) {
  const std::vector<AlignSweepRun> runs = expand_align_sweep(spec, out);
  std::filesystem::create_directories(out);
  size_t done = 0;
  for (const auto& r : runs) done += std::filesystem::exists(r.dir / "summary.json") ? 1 : 0;
  ProgressOptions options;
  options.label = spec.name;
  options.unit = "runs";
  options.total = runs.size();
  std::optional<Progress> bar;
  if (progress != nullptr) bar.emplace(progress, options, done);
  bool finished = true;
  for (const AlignSweepRun& r : runs) {
    if (std::filesystem::exists(r.dir / "summary.json")) continue;
    if (stop != nullptr && stop->load()) {
      finished = false;
      break;
    }
    // An incomplete run (no summary.json) starts again: a run takes seconds.
    std::filesystem::remove_all(r.dir);
    const Config config = resolve_align_config(r.preset, std::nullopt, r.overrides);
    const AlignRunSpec run_spec = align_run_spec(config);
    run::RunDir dir = run::RunDir::create_at(r.dir, config.to_toml());
    const nlohmann::json summary = run_align(run_spec, dir, nullptr, 10.0);
    ++done;
    if (bar) {
      bar->update(
          done,
          {{"gold",
            summary["final"]["gold"].is_number() ? summary["final"]["gold"].get<double>() : kNaN},
           {"kl",
            summary["final"]["kl"].is_number() ? summary["final"]["kl"].get<double>() : kNaN}});
    }
  }
  if (bar) bar->finish();
  write_report(spec, out, runs);
  return finished;
}

}  // namespace valor::align
