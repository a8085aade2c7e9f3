// valor study: studies that reproduce a paper's claim end to end and write a report.
//   valor study regret --out DIR [--preferences 30,100,...] [--mdps N] [--seeds N] [--noise ...]
// The work is done by valor/dp/regret_study.h; this file parses, aggregates with valor/run's
// statistics and prints.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "apps/valor/commands.h"
#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/core/gnuplot.h"
#include "valor/core/progress.h"
#include "valor/dp/regret_study.h"
#include "valor/run/aggregate.h"

namespace valor::app {

namespace {

struct StudyArgs {
  std::string out;
  std::vector<int> preferences = {30, 100, 300, 1000, 3000};
  int mdps = 30;
  int seeds = 2;
  std::vector<std::string> noise = {"noiseless", "logistic"};
  int segment_length = 3;
  double gamma = 0.999;
  int iterations = 1000;
  double learning_rate = 0.05;
  double init_sd = 0.1;
  std::string reward = "linear";
  uint64_t seed = 0;
  int bootstrap = 2000;
};

constexpr dp::PreferenceModel kModels[] = {dp::PreferenceModel::kPartialReturn,
                                           dp::PreferenceModel::kRegret};

std::string model_label(dp::PreferenceModel m) {
  return m == dp::PreferenceModel::kPartialReturn ? "partial return" : "regret";
}

// Values of one condition (noise, labels, model, preferences), one stratum per MDP.
struct Condition {
  std::vector<std::vector<double>> scaled, near;
};
using Key = std::tuple<dp::LabelNoise, dp::PreferenceModel, dp::PreferenceModel, int>;

std::string interval(double estimate, const run::Interval& ci, const char* format = "{:.3f}") {
  return fmt::format(fmt::runtime(std::string(format) + " [" + format + ", " + format + "]"),
                     estimate, ci.low, ci.high);
}

double pooled_mean(const std::vector<std::vector<double>>& strata) {
  double sum = 0.0;
  size_t n = 0;
  for (const auto& s : strata) {
    for (double v : s) sum += v;
    n += s.size();
  }
  return sum / static_cast<double>(n);
}

std::vector<double> pooled(const std::vector<std::vector<double>>& strata) {
  std::vector<double> all;
  for (const auto& s : strata) all.insert(all.end(), s.begin(), s.end());
  return all;
}

int study_regret(const StudyArgs& args) {
  if (args.out.empty()) fail("study regret needs --out DIR");
  dp::RegretStudyOptions o;
  o.preferences = args.preferences;
  o.mdps = args.mdps;
  o.seeds = args.seeds;
  o.noise.clear();
  for (const auto& name : args.noise) {
    try {
      o.noise.push_back(dp::parse_label_noise(name));
    } catch (const Error& e) {
      fail("--noise: {}", e.what());
    }
  }
  o.segment_length = args.segment_length;
  if (args.reward == "linear") {
    o.reward = dp::StudyReward::kLinear;
  } else if (args.reward == "tabular") {
    o.reward = dp::StudyReward::kTabular;
  } else {
    fail("--reward: unknown reward '{}' (accepted: linear, tabular)", args.reward);
  }
  o.fit.gamma = args.gamma;
  o.fit.iterations = args.iterations;
  o.fit.learning_rate = args.learning_rate;
  o.fit.init_sd = args.init_sd;
  o.seed = args.seed;
  if (args.bootstrap < 1) fail("--bootstrap must be >= 1, got {}", args.bootstrap);
  dp::check_regret_study_options(o);

  const std::filesystem::path dir(args.out);
  if (std::filesystem::exists(dir) && !std::filesystem::is_directory(dir)) {
    fail("--out: {} exists and is not a folder", dir.string());
  }
  std::filesystem::create_directories(dir);

  // The MDPs, for the record.
  std::string mdps_md = fmt::format(
      "# The random delivery MDPs of the study (seed {})\n\n. road, c coin, x road block, G goal "
      "(terminal), s sheep (terminal). Weights: gas, goal, sheep, coin, road block.\n",
      args.seed);
  for (const auto& d : dp::regret_study_mdps(o)) {
    mdps_md += fmt::format("\n## {} ({} x {}), weights [{}]\n\n```\n{}```\n", d.mdp.name, d.height,
                           d.width, fmt::join(d.weights, ", "), dp::delivery_picture(d));
  }
  write_file_atomically(dir / "mdps.md", mdps_md);

  const int64_t total = dp::regret_study_size(o);
  fmt::print(
      "study regret: {} MDPs x {} seeds x {} noise modes x 2 label models x 2 learning models x {} "
      "preference counts = {} fits\n",
      o.mdps, o.seeds, o.noise.size(), o.preferences.size(), total);
  std::fflush(stdout);
  ProgressOptions po;
  po.label = "study regret";
  po.unit = "fits";
  po.total = static_cast<uint64_t>(total);
  Progress progress(stderr, po);
  uint64_t done = 0, near = 0;
  const auto cells = dp::run_regret_study(o, [&](const dp::RegretStudyCell& c) {
    ++done;
    near += c.near_optimal ? 1 : 0;
    progress.update(done, {{"near_optimal_rate", static_cast<double>(near) / done}});
  });
  progress.finish();

  std::string csv =
      "noise,labels,model,preferences,mdp,seed,scaled_return,near_optimal,train_loss,"
      "best_iteration\n";
  std::map<Key, Condition> conditions;
  for (const auto& c : cells) {
    csv += fmt::format("{},{},{},{},{},{},{:.17g},{},{:.17g},{}\n", dp::label_noise_name(c.noise),
                       dp::preference_model_name(c.labels), dp::preference_model_name(c.model),
                       c.preferences, c.mdp, c.seed, c.scaled_return, c.near_optimal ? 1 : 0,
                       c.train_loss, c.best_iteration);
    auto& cond = conditions[{c.noise, c.labels, c.model, c.preferences}];
    if (cond.scaled.empty()) {
      cond.scaled.resize(static_cast<size_t>(o.mdps));
      cond.near.resize(static_cast<size_t>(o.mdps));
    }
    cond.scaled[static_cast<size_t>(c.mdp)].push_back(c.scaled_return);
    cond.near[static_cast<size_t>(c.mdp)].push_back(c.near_optimal ? 1.0 : 0.0);
  }
  write_file_atomically(dir / "cells.csv", csv);

  std::vector<int> counts = o.preferences;
  std::sort(counts.begin(), counts.end());
  std::string header = "| labels | model |", rule = "|---|---|";
  for (int n : counts) {
    header += fmt::format(" {} |", n);
    rule += "---|";
  }
  std::string md = fmt::format(
      "# Regret versus partial-return preference models on random delivery gridworlds\n\n"
      "Written by `valor study regret` ({} MDPs x {} seeds, segments of {} actions, gamma {}, {} "
      "reward, Adam {} steps at learning rate {}, theta_0 sd {}, seed {}). Cells: (MDP, seed); "
      "95% stratified bootstrap intervals over MDPs, {} replicates. Every cell is in "
      "`cells.csv`, the MDPs in `mdps.md`.\n",
      o.mdps, o.seeds, o.segment_length, o.fit.gamma, args.reward, o.fit.iterations,
      o.fit.learning_rate, o.fit.init_sd, o.seed, args.bootstrap);
  uint64_t boot_seed = 1;
  // A table row: the paired difference in the near-optimal indicator, condition a minus b, per
  // preference count, with its interval and on which side of 0 it lies.
  auto paired_row = [&](const std::string& title, dp::LabelNoise noise,
                        dp::PreferenceModel labels_a, dp::PreferenceModel model_a,
                        dp::PreferenceModel labels_b, dp::PreferenceModel model_b, uint64_t& seed) {
    std::string row = fmt::format("| {} |", title);
    for (int n : counts) {
      const auto& a = conditions.at({noise, labels_a, model_a, n}).near;
      const auto& b = conditions.at({noise, labels_b, model_b, n}).near;
      std::vector<std::vector<double>> diff(a.size());
      for (size_t m = 0; m < a.size(); ++m) {
        for (size_t k = 0; k < a[m].size(); ++k) diff[m].push_back(a[m][k] - b[m][k]);
      }
      const auto ci = run::stratified_bootstrap_mean(diff, args.bootstrap, 0.95, seed++);
      const char* side = ci.low > 0 ? "above 0" : (ci.high < 0 ? "below 0" : "includes 0");
      row += fmt::format(" {} ({}) |", interval(pooled_mean(diff), ci, "{:+.2f}"), side);
    }
    return row + "\n";
  };
  for (auto noise : o.noise) {
    const std::string noise_name(dp::label_noise_name(noise));
    std::string near_table = header + "\n" + rule + "\n";
    std::string iqm_table = near_table;
    std::string diff_table = "| comparison |";
    for (int n : counts) diff_table += fmt::format(" {} |", n);
    diff_table += "\n|---|";
    for (size_t i = 0; i < counts.size(); ++i) diff_table += "---|";
    diff_table += "\n";
    // Plot data: one block per (labels, model).
    std::map<std::pair<dp::PreferenceModel, dp::PreferenceModel>, std::string> plot_data;
    for (auto labels : kModels) {
      for (auto model : kModels) {
        std::string near_row = fmt::format("| {} | {} |", model_label(labels), model_label(model));
        std::string iqm_row = near_row;
        for (int n : counts) {
          const auto& cond = conditions.at({noise, labels, model, n});
          const double rate = pooled_mean(cond.near);
          const auto rate_ci =
              run::stratified_bootstrap_mean(cond.near, args.bootstrap, 0.95, boot_seed++);
          const auto all = pooled(cond.scaled);
          const double iqm = run::interquartile_mean(all);
          const auto iqm_ci =
              run::stratified_bootstrap_iqm(cond.scaled, args.bootstrap, 0.95, boot_seed++);
          near_row += " " + interval(rate, rate_ci, "{:.2f}") + " |";
          iqm_row += " " + interval(iqm, iqm_ci) + " |";
          plot_data[{labels, model}] += fmt::format("{} {} {} {} {} {} {}\n", n, rate, rate_ci.low,
                                                    rate_ci.high, iqm, iqm_ci.low, iqm_ci.high);
        }
        near_table += near_row + "\n";
        iqm_table += iqm_row + "\n";
      }
      // Paired difference in the near-optimal indicator: regret model minus partial-return model.
      diff_table += paired_row("regret - partial-return model, " + model_label(labels) + " labels",
                               noise, labels, dp::PreferenceModel::kRegret, labels,
                               dp::PreferenceModel::kPartialReturn, boot_seed);
    }
    // Each model on the labels it generates (the paper's setting where each model is right).
    uint64_t own_seed = 1000000 + static_cast<uint64_t>(noise == dp::LabelNoise::kLogistic);
    diff_table += paired_row("each model on its own labels: regret/regret - partial/partial", noise,
                             dp::PreferenceModel::kRegret, dp::PreferenceModel::kRegret,
                             dp::PreferenceModel::kPartialReturn,
                             dp::PreferenceModel::kPartialReturn, own_seed);
    md += fmt::format(
        "\n## Label noise: {}\n\nNear-optimal rate (scaled return > {}), by number of "
        "preferences:\n\n{}\nIQM of the scaled return (1 optimal, 0 uniformly random):\n\n{}\n"
        "Paired difference in the near-optimal rate (same pairs): regret model minus "
        "partial-return model on the same labels, and each model on its own labels:\n\n{}",
        noise_name, dp::kNearOptimalScaledReturn, near_table, iqm_table, diff_table);
    fmt::print(
        "\nlabel noise {}: near-optimal rate [95% CI]\n{}\npaired differences in the "
        "near-optimal rate\n{}",
        noise_name, near_table, diff_table);

    const std::string png = fmt::format("near-optimal-{}.png", noise_name);
    try {
      GnuplotFigure figure(1200, 480, 10);
      std::string plot_near = "plot ", plot_iqm = "plot ";
      const double offsets[] = {0.93, 0.977, 1.023, 1.07};
      int k = 0;
      for (auto labels : kModels) {
        for (auto model : kModels) {
          const std::string file =
              figure.add_data(fmt::format("{}-{}.dat", dp::preference_model_name(labels),
                                          dp::preference_model_name(model)),
                              plot_data.at({labels, model}));
          const std::string title = gnuplot_quote(
              fmt::format("{} labels, {} model", model_label(labels), model_label(model)));
          const std::string style =
              fmt::format("lc {} dt {} lw 2 pt 7", labels == dp::PreferenceModel::kRegret ? 7 : 3,
                          model == dp::PreferenceModel::kRegret ? 1 : 2);
          const std::string sep = k == 0 ? "" : ", ";
          plot_near += fmt::format("{}{} u ($1*{}):2:3:4 w yerrorlines {} t {}", sep, file,
                                   offsets[k], style, title);
          plot_iqm += fmt::format("{}{} u ($1*{}):5:6:7 w yerrorlines {} t {}", sep, file,
                                  offsets[k], style, title);
          ++k;
        }
      }
      figure.render(
          fmt::format("set multiplot layout 1,2 title {}\nset logscale x\nset grid\n"
                      "set xlabel 'preferences'\nset key bottom right\n"
                      "set ylabel 'near-optimal rate (scaled return > 0.9)'\nset yrange [0:1.05]\n"
                      "{}\nset ylabel 'IQM scaled return'\nset yrange [*:1.05]\n{}\n"
                      "unset multiplot\n",
                      gnuplot_quote(fmt::format("{} MDPs x {} seeds, {} labels, 95% CIs", o.mdps,
                                                o.seeds, noise_name)),
                      plot_near, plot_iqm),
          dir / png);
      md += fmt::format("\n![{}]({})\n", noise_name, png);
      fmt::print("plot: {}\n", (dir / png).string());
    } catch (const std::runtime_error& e) {
      if (dynamic_cast<const Error*>(&e)) throw;
      fmt::print("plot skipped: {}\n", e.what());
    }
  }
  write_file_atomically(dir / "report.md", md);
  fmt::print("report: {}\ncells: {}\n", (dir / "report.md").string(), (dir / "cells.csv").string());
  return 0;
}

}  // namespace

void add_study_command(CLI::App& app, Action& action) {
  auto* command = app.add_subcommand(
      "study", "Studies that test a paper's claim end to end and write a report");
  command->require_subcommand(1);
  auto args = std::make_shared<StudyArgs>();
  auto* regret = command->add_subcommand(
      "regret",
      "Regret vs partial-return preference models on random delivery gridworlds (Knox et al.): "
      "cells.csv, report.md and plots");
  regret->add_option("--out", args->out, "Output folder (created; its report files replaced)")
      ->required();
  regret->add_option("--preferences", args->preferences, "Numbers of preferences, e.g. 30,100,300")
      ->delimiter(',');
  regret->add_option("--mdps", args->mdps, "Random delivery MDPs");
  regret->add_option("--seeds", args->seeds, "Seeds per MDP (pairs, labels, initial weights)");
  regret->add_option("--noise", args->noise, "Label noise modes: noiseless, logistic")
      ->delimiter(',');
  regret->add_option("--segment-length", args->segment_length, "Actions per segment");
  regret->add_option("--gamma", args->gamma, "Discount of every value, in [0, 1)");
  regret->add_option("--iterations", args->iterations, "Adam steps per fit");
  regret->add_option("--learning-rate", args->learning_rate, "Adam's step size");
  regret->add_option("--init-sd", args->init_sd, "Standard deviation of the initial weights");
  regret->add_option("--reward", args->reward, "linear (the 5 delivery features) or tabular");
  regret->add_option("--seed", args->seed, "Base seed of the MDPs, pairs and labels");
  regret->add_option("--bootstrap", args->bootstrap, "Bootstrap replicates of the intervals");
  regret->callback([&action, args] { action = [args] { return study_regret(*args); }; });
}

}  // namespace valor::app
