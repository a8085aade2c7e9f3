// `valor demo`: the value-representation library made visible. Until the training issue lands
// this is the main job: it prints the encodings of a few targets, then estimates a value from
// noisy samples with outliers by MSE regression and by two-hot / HL-Gauss classification (the
// setting of "Stop Regressing"), one run directory per estimator and seed, and plots the error.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "apps/valor/commands.h"
#include "valor/core/error.h"
#include "valor/core/progress.h"
#include "valor/core/random.h"
#include "valor/run/metrics.h"
#include "valor/run/plot.h"
#include "valor/run/run_config.h"
#include "valor/run/run_dir.h"
#include "valor/value/categorical_projection.h"
#include "valor/value/hl_gauss.h"
#include "valor/value/logits.h"
#include "valor/value/quantile.h"
#include "valor/value/two_hot.h"

namespace valor::app {

void declare_demo_config(ConfigSchema& schema) {
  schema.add_float("value.v_min", -10.0, "Lowest atom (two-hot, C51) or left bin edge (HL-Gauss).")
      .add_float("value.v_max", 10.0, "Highest atom or right bin edge; must exceed value.v_min.")
      .add_int("value.bins", 51, "Number of atoms (two-hot, C51) or bins (HL-Gauss).",
               ConfigRange::closed(2, 100000))
      .add_float("value.sigma_ratio", 0.75,
                 "HL-Gauss sigma divided by the bin width (Stop Regressing uses 0.75).",
                 ConfigRange::open_closed(0, 1000))
      .add_string("demo.head", "all", "Which estimators the demo runs.",
                  {"all", "mse", "two_hot", "hl_gauss"})
      .add_float("demo.true_value", 3.0, "The value the noisy samples are centred on.")
      .add_float("demo.noise_sd", 1.0, "Standard deviation of the Gaussian sample noise.",
                 ConfigRange::at_least(0))
      .add_float("demo.outlier_prob", 0.05, "Probability that a sample is an outlier.",
                 ConfigRange::closed(0, 1))
      .add_float("demo.outlier_scale", 100.0,
                 "Standard deviation of an outlier around the true value.",
                 ConfigRange::at_least(0))
      .add_int("demo.steps", 3000, "SGD steps per run.", ConfigRange::closed(1, 100000000))
      .add_float("demo.learning_rate", 0.05,
                 "SGD step size: on the scalar for MSE, on the logits for classification.",
                 ConfigRange::greater_than(0))
      .add_int("demo.seeds", 3, "Runs per estimator, with seeds run.seed, run.seed + 1, ...",
               ConfigRange::closed(1, 1000));
}

namespace {

struct DemoSettings {
  double v_min, v_max;
  int bins;
  double sigma_ratio;
  double true_value, noise_sd, outlier_prob, outlier_scale, learning_rate;
  int64_t steps, seeds;
};

DemoSettings demo_settings(const Config& c) {
  DemoSettings s{};
  s.v_min = c.get_float("value.v_min");
  s.v_max = c.get_float("value.v_max");
  if (!(s.v_min < s.v_max)) {
    fail("value.v_min ({}, from {}) must be below value.v_max ({}, from {})", s.v_min,
         c.origin("value.v_min"), s.v_max, c.origin("value.v_max"));
  }
  s.bins = static_cast<int>(c.get_int("value.bins"));
  s.sigma_ratio = c.get_float("value.sigma_ratio");
  s.true_value = c.get_float("demo.true_value");
  s.noise_sd = c.get_float("demo.noise_sd");
  s.outlier_prob = c.get_float("demo.outlier_prob");
  s.outlier_scale = c.get_float("demo.outlier_scale");
  s.learning_rate = c.get_float("demo.learning_rate");
  s.steps = c.get_int("demo.steps");
  s.seeds = c.get_int("demo.seeds");
  return s;
}

// Nonzero entries of a distribution as "z:p" pairs, at most `limit` of the largest.
std::string nonzero_entries(std::span<const float> support, std::span<const float> p,
                            size_t limit) {
  std::vector<size_t> order;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] > 5e-4f) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  if (order.size() > limit) order.resize(limit);
  std::sort(order.begin(), order.end());
  std::string s;
  for (size_t i : order)
    s += fmt::format("{}{:.3g}:{:.3f}", s.empty() ? "" : " ", support[i], p[i]);
  return s;
}

double mean_of(std::span<const float> support, std::span<const float> p) {
  double m = 0;
  for (size_t i = 0; i < p.size(); ++i) m += static_cast<double>(support[i]) * p[i];
  return m;
}

void print_encodings(const DemoSettings& s) {
  const value::AtomSupport atoms(s.v_min, s.v_max, s.bins);
  const value::BinSupport bins(s.v_min, s.v_max, s.bins);
  const double range = s.v_max - s.v_min;
  fmt::print(
      "Value support: {} atoms / bins on [{}, {}] (atom spacing {:.4g}, bin width {:.4g}, "
      "HL-Gauss sigma {:.4g})\n\n",
      s.bins, s.v_min, s.v_max, atoms.spacing(), bins.width(), s.sigma_ratio * bins.width());
  const std::vector<float> targets = {static_cast<float>(s.v_min - 0.25 * range),
                                      static_cast<float>(s.v_min),
                                      atoms.atom(atoms.size() / 3),
                                      static_cast<float>(s.v_min + 0.37 * range),
                                      static_cast<float>(s.true_value),
                                      static_cast<float>(s.v_max),
                                      static_cast<float>(s.v_max + 0.25 * range)};
  std::vector<float> two_hot(targets.size() * atoms.size());
  std::vector<float> hl(targets.size() * bins.size());
  value::two_hot_target(atoms, targets, two_hot);
  value::hl_gauss_target(bins, targets, hl, s.sigma_ratio);
  fmt::print("{:>9}  {:>9}  {:<28}  {:>9}  {:<40}\n", "target", "two-hot", "two-hot mass (atom:p)",
             "HL-Gauss", "HL-Gauss largest masses (center:p)");
  fmt::print("{:>9}  {:>9}  {:<28}  {:>9}  {:<40}\n", "", "decoded", "", "decoded", "");
  const size_t m = atoms.size();
  for (size_t b = 0; b < targets.size(); ++b) {
    const std::span<const float> p2(two_hot.data() + b * m, m);
    const std::span<const float> ph(hl.data() + b * m, m);
    fmt::print("{:>9.4g}  {:>9.4g}  {:<28}  {:>9.4g}  {:<40}\n", targets[b],
               mean_of(atoms.atoms(), p2), nonzero_entries(atoms.atoms(), p2, 2),
               mean_of(bins.centers(), ph), nonzero_entries(bins.centers(), ph, 3));
  }
  fmt::print("(targets outside the support are clipped to its ends)\n\n");

  // One C51 backup: a next-state distribution two-hot on the true value, reward 1, gamma 0.9.
  std::vector<float> next(m), projected(m);
  const float y = static_cast<float>(s.true_value);
  value::two_hot_target(atoms, std::span<const float>(&y, 1), next);
  const float reward = 1.0f, discount = 0.9f;
  value::project_categorical(atoms, next, std::span<const float>(&reward, 1),
                             std::span<const float>(&discount, 1), projected);
  fmt::print(
      "C51 projection of r + 0.9 Z with r = 1, Z two-hot on {:.4g}: {}  mean {:.5g} "
      "(exact {:.5g})\n",
      s.true_value, nonzero_entries(atoms.atoms(), projected, 4), mean_of(atoms.atoms(), projected),
      1.0 + 0.9 * mean_of(atoms.atoms(), next));
  std::vector<float> tau(5);
  value::quantile_midpoints(tau);
  fmt::print("QR-DQN quantile midpoints for N = 5: {:.2f}\n\n", fmt::join(tau, " "));
}

const std::vector<std::string> kHeads = {"mse", "two_hot", "hl_gauss"};

struct EstimateResult {
  std::string head;
  int64_t seed = 0;
  double final_estimate = 0;
  double tail_abs_error = 0;  // mean |estimate - true value| over the last fifth of the steps
  std::filesystem::path dir;
};

// Runs one estimator for one seed, writing a run directory under `sweep`.
EstimateResult run_estimator(const std::string& head, int64_t seed, const DemoSettings& s,
                             const Config& base, const std::filesystem::path& sweep,
                             Progress& progress, uint64_t& done) {
  Config config = base;
  const std::string origin = "valor demo (one run per estimator and seed)";
  config.apply_override("demo.head=" + head, origin);
  config.apply_override(fmt::format("run.seed={}", seed), origin);
  config.apply_override(fmt::format("run.name={}-seed{}", head, seed), origin);
  const run::RunDir dir = run::RunDir::create_at(sweep / fmt::format("{}-seed{}", head, seed));
  dir.write_config(config.to_toml());
  auto metrics = run::MetricsWriter::create(dir.metrics_path(),
                                            {"step", "sample", "estimate", "abs_error", "loss"});

  const value::AtomSupport atoms(s.v_min, s.v_max, s.bins);
  const value::BinSupport bins(s.v_min, s.v_max, s.bins);
  const size_t m = atoms.size();
  const std::span<const float> support = head == "hl_gauss" ? bins.centers() : atoms.atoms();
  std::vector<float> logits(m, 0.0f), target(m), grad(m);
  double scalar = 0.0;
  auto estimate = [&] {
    if (head == "mse") return scalar;
    float decoded = 0;
    value::decode_logits(logits, support, std::span<float>(&decoded, 1));
    return static_cast<double>(decoded);
  };
  Rng rng(static_cast<uint64_t>(seed));  // the same samples for every head of a seed
  const int64_t log_every = std::max<int64_t>(1, s.steps / 200);
  const int64_t tail_start = s.steps - s.steps / 5;
  double tail_error = 0, loss_sum = 0;
  int64_t tail_count = 0, loss_count = 0;
  dir.logger()->info("{} estimator, seed {}, {} steps", head, seed, s.steps);
  for (int64_t step = 1; step <= s.steps; ++step) {
    const bool outlier = rng.bernoulli(s.outlier_prob);
    const double noise = (outlier ? s.outlier_scale : s.noise_sd) * rng.normal();
    const float sample = static_cast<float>(s.true_value + noise);
    double loss = 0;
    if (head == "mse") {
      loss = 0.5 * (scalar - sample) * (scalar - sample);
      scalar -= s.learning_rate * (scalar - sample);
    } else {
      const std::span<const float> one(&sample, 1);
      if (head == "two_hot") {
        value::two_hot_target(atoms, one, target);
      } else {
        value::hl_gauss_target(bins, one, target, s.sigma_ratio);
      }
      loss = value::cross_entropy_loss(logits, target, m, grad);
      for (size_t i = 0; i < m; ++i) logits[i] -= static_cast<float>(s.learning_rate) * grad[i];
    }
    loss_sum += loss;
    ++loss_count;
    const double err = std::abs(estimate() - s.true_value);
    if (step > tail_start) {
      tail_error += err;
      ++tail_count;
    }
    if (step % log_every == 0 || step == s.steps) {
      const double row[] = {static_cast<double>(step), sample, estimate(), err,
                            loss_sum / static_cast<double>(loss_count)};
      metrics.append(row);
      loss_sum = 0;
      loss_count = 0;
      progress.update(done + static_cast<uint64_t>(step), {{"abs_error", err}});
    }
  }
  done += static_cast<uint64_t>(s.steps);
  EstimateResult result{head, seed, estimate(), tail_error / std::max<int64_t>(1, tail_count),
                        dir.path()};
  dir.write_summary({{"head", head},
                     {"seed", seed},
                     {"steps", s.steps},
                     {"true_value", s.true_value},
                     {"final_estimate", result.final_estimate},
                     {"tail_abs_error", result.tail_abs_error}});
  dir.logger()->info("final estimate {:.6g}, tail mean |error| {:.6g}", result.final_estimate,
                     result.tail_abs_error);
  return result;
}

int run_demo(const Config& config, const std::string& out) {
  const DemoSettings s = demo_settings(config);
  const run::RunSettings rs = run::run_settings(config);
  print_encodings(s);

  const std::string head_choice = config.get_string("demo.head");
  std::vector<std::string> heads;
  for (const auto& h : kHeads) {
    if (head_choice == "all" || head_choice == h) heads.push_back(h);
  }
  const std::string name = rs.name.empty() ? "demo" : rs.name;
  const run::RunDir sweep =
      out.empty() ? run::RunDir::create_named("runs", name) : run::RunDir::create_at(out);
  sweep.write_config(config.to_toml());
  fmt::print(
      "Estimating {} from samples N({}, {}^2), a fraction {} replaced by outliers "
      "N({}, {}^2): {} steps of SGD, lr {}, {} seeds per estimator\n",
      s.true_value, s.true_value, s.noise_sd, s.outlier_prob, s.true_value, s.outlier_scale,
      s.steps, s.learning_rate, s.seeds);

  ProgressOptions po;
  po.label = "demo";
  po.total = static_cast<uint64_t>(s.steps * s.seeds) * heads.size();
  po.plain_interval_seconds = rs.progress_seconds;
  std::vector<EstimateResult> results;
  std::vector<std::filesystem::path> run_dirs;
  {
    Progress progress(stdout, po);
    uint64_t done = 0;
    for (const auto& head : heads) {
      for (int64_t k = 0; k < s.seeds; ++k) {
        results.push_back(
            run_estimator(head, rs.seed + k, s, config, sweep.path(), progress, done));
        run_dirs.push_back(results.back().dir);
      }
    }
  }

  fmt::print("\n{:<10} {:>6} {:>18} {:>24}\n", "estimator", "seeds", "final estimate",
             "mean |error|, last 20%");
  nlohmann::json summary = nlohmann::json::array();
  for (const auto& head : heads) {
    double est = 0, err = 0;
    int n = 0;
    for (const auto& r : results) {
      if (r.head != head) continue;
      est += r.final_estimate;
      err += r.tail_abs_error;
      ++n;
    }
    fmt::print("{:<10} {:>6} {:>18.4f} {:>24.4f}\n", head, n, est / n, err / n);
    summary.push_back({{"head", head},
                       {"seeds", n},
                       {"final_estimate_mean", est / n},
                       {"tail_abs_error_mean", err / n}});
  }
  sweep.write_summary({{"true_value", s.true_value}, {"estimators", summary}});

  const auto png = sweep.path() / "abs_error.png";
  try {
    run::PlotOptions options;
    options.metric = "abs_error";
    options.out = png;
    options.title = "valor demo: |estimate - true value|";
    run::plot_runs(run_dirs, options);
    fmt::print("\nRun directories: {}\nPlot: {}\n", sweep.path().string(), png.string());
  } catch (const std::runtime_error& e) {
    fmt::print("\nRun directories: {}\nPlot skipped: {}\n", sweep.path().string(), e.what());
  }
  return 0;
}

}  // namespace

void add_demo_command(CLI::App& app, Action& action) {
  auto* command = app.add_subcommand(
      "demo",
      "Show value encodings, then compare MSE with two-hot and HL-Gauss classification "
      "on noisy samples (preset `demo`)");
  auto flags = std::make_shared<ConfigFlags>();
  auto out = std::make_shared<std::string>();
  flags->add_to(command);
  command->add_option("--out", *out, "Write the runs here instead of runs/<name>-<timestamp>/");
  command->callback([&action, flags, out] {
    action = [flags, out] {
      const Config config = resolve_config(full_schema(), flags->sources("demo"));
      return run_demo(config, *out);
    };
  });
}

}  // namespace valor::app
