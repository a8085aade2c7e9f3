#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>

#include "apps/valor/commands.h"
#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/rank/bootstrap.h"
#include "valor/rank/bradley_terry.h"
#include "valor/rank/comparison_reader.h"
#include "valor/rank/cross_validation.h"
#include "valor/rank/davidson.h"
#include "valor/rank/diagnostics.h"
#include "valor/rank/leaderboard.h"
#include "valor/rank/plackett_luce.h"
#include "valor/rank/plots.h"
#include "valor/rank/suggest.h"
#include "valor/rank/thurstone.h"

namespace valor::app {
namespace {

struct RankArgs {
  std::string file;
  std::string model = "bt";
  double prior = 0;
  std::string scale = "elo";
  int bootstrap = 0;
  uint64_t seed = 0;
  std::string format = "table";
  double elo_k = 4.0;
  std::string ties = "half";
  std::string matrix;
  std::string plot_dir;
  int folds = 5;
  bool timing = false;
  bool no_intervals = false;
  bool order_effect = false;
  bool firth = false;
  double sigma_prior = rank::kThurstoneLogSigmaPriorSd;
  std::string covariance;
  std::string input_format = "auto";
  rank::ReadOptions read;
};

// The read options with --input-format applied.
rank::ReadOptions read_options(const RankArgs& args) {
  rank::ReadOptions read = args.read;
  read.format = args.input_format == "csv"     ? rank::InputFormat::kCsv
                : args.input_format == "jsonl" ? rank::InputFormat::kJsonl
                                               : rank::InputFormat::kAuto;
  return read;
}

struct Row {
  size_t item = 0;
  std::string name;
  double rating = 0, low = NAN, high = NAN, win_rate = 0, comparisons = 0;
};

rank::PlOptions pl_options(double prior) {
  if (prior != 0 && !(prior > 1)) {
    fail(
        "--prior {}: for --model pl the prior is the shape a > 1 of a Gamma(a, a - 1) prior on "
        "each worth (0: none)",
        prior);
  }
  rank::PlOptions o;
  o.prior_shape = prior;
  return o;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int rank_command(const RankArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  if (args.ties == "davidson" && args.model != "bt") {
    fail("--ties davidson is Bradley-Terry's tie model: use it with --model bt");
  }
  for (const auto& [set, flag] :
       {std::pair{args.order_effect, "--order-effect"}, std::pair{args.firth, "--firth"},
        std::pair{!args.covariance.empty(), "--covariance"}}) {
    if (set && (args.model != "bt" || args.ties == "davidson")) {
      fail("{} is for --model bt with --ties half (got --model {}, --ties {})", flag, args.model,
           args.ties);
    }
  }
  if (args.firth && args.prior > 0) {
    fail("--firth (bias reduction) replaces --prior {}: use one or the other", args.prior);
  }
  if (args.model == "pl") pl_options(args.prior);  // the flag's own message
  rank::ReadReport report;
  const rank::InputData input =
      rank::read_comparisons_or_rankings(args.file, read_options(args), &report);
  const bool rankings_input = input.rankings_input;
  if (rankings_input && args.model != "pl") {
    fail("{}: the file holds rankings (column '{}'); rankings are fitted by --model pl only",
         args.file, args.read.col_ranking);
  }
  const size_t n = input.items.num_items();
  // Wald intervals need the dense inverse information (rank::kMaxObservedInformationItems).
  const bool wald = args.model == "bt" && args.bootstrap == 0 && !args.no_intervals;
  if (wald && n > rank::kMaxObservedInformationItems) {
    fail(
        "{}: {} items: observed-information (Wald) intervals need the inverse of the dense {} x "
        "{} information matrix, computed for at most {} items; pass --no-intervals for the "
        "ratings alone (the fit itself is sparse and fast), or --bootstrap N for percentile "
        "intervals",
        args.file, n, n, n, rank::kMaxObservedInformationItems);
  }
  const double read_s = seconds_since(start);

  rank::LeaderboardOptions options;
  options.model = args.model;
  options.ties = args.ties;
  options.prior = args.prior;
  options.scale = args.scale;
  options.bootstrap = args.bootstrap;
  options.seed = args.seed;
  options.elo_k = args.elo_k;
  options.intervals = !args.no_intervals;
  options.order_effect = args.order_effect;
  options.bias_reduced = args.firth;
  options.thurstone_log_sigma_prior_sd = args.sigma_prior;
  options.covariance = !args.covariance.empty();
  const rank::Leaderboard lb = rank::fit_leaderboard(input, options);
  const std::string& model_name = lb.model;
  const std::string& scale = lb.scale;
  const std::string& interval = lb.interval;
  nlohmann::json extra = nlohmann::json::object();
  if (lb.kind == rank::LeaderboardModel::kDavidson) extra["nu"] = lb.nu;
  if (lb.kind == rank::LeaderboardModel::kThurstone) {
    extra["sigma"] = nlohmann::json::object();
    for (size_t i = 0; i < n; ++i) extra["sigma"][lb.names[i]] = lb.sigma[i];
    extra["log_sigma_prior_sd"] = args.sigma_prior;
  }
  if (args.order_effect) {
    extra["order_effect"] = {{"estimate", lb.order_effect}, {"sd", lb.order_effect_sd}};
  }
  if (args.firth) extra["bias_reduced"] = true;
  auto number_or_null = [](double x) {
    return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
  };
  extra["log_likelihood"] = lb.log_likelihood;
  extra["deviance"] = number_or_null(lb.deviance);
  extra["aic"] = number_or_null(lb.aic);
  extra["parameters"] = lb.num_parameters;
  if (!args.covariance.empty()) {
    std::vector<std::string> labels = lb.names;
    if (lb.covariance_dim > n) labels.push_back("(order effect)");
    const size_t d = lb.covariance_dim;
    std::string text = "parameter";
    for (const auto& label : labels) text += "," + csv_field(label);
    text += "\n";
    for (size_t r = 0; r < d; ++r) {
      text += csv_field(labels[r]);
      for (size_t c = 0; c < d; ++c) text += fmt::format(",{:.17g}", lb.covariance[r * d + c]);
      text += "\n";
    }
    write_file_atomically(args.covariance, text);
    fmt::print(stderr, "wrote the {} x {} covariance matrix (natural scale) to {}\n", d, d,
               args.covariance);
  }
  // "N comparisons": whole-number weights are counts (pair totals), so N is their sum.
  const std::string units_used =
      rankings_input ? fmt::format("{} rankings", report.used)
      : lb.weights_are_counts
          ? (lb.total_weight == static_cast<double>(report.used)
                 ? fmt::format("{} comparisons", report.used)
                 : fmt::format("{:g} comparisons ({} weighted rows)", lb.total_weight, report.used))
          : fmt::format("{} comparisons of total weight {:g}", report.used, lb.total_weight);
  const std::string fit_line = fmt::format(
      "log-likelihood {:.6f}, deviance {}, AIC {} ({} parameters)", lb.log_likelihood,
      std::isfinite(lb.deviance) ? fmt::format("{:.6f}", lb.deviance) : "n/a",
      std::isfinite(lb.aic) ? fmt::format("{:.6f}", lb.aic) : "n/a (not a likelihood fit)",
      lb.num_parameters);
  const std::string order_line =
      args.order_effect ? fmt::format("order effect (first position) h = {:.6f} (sd {:.6f})",
                                      lb.order_effect, lb.order_effect_sd)
                        : "";
  auto prob = [&lb](size_t i, size_t j) { return lb.win_probability(i, j); };

  std::vector<Row> rows;
  for (const size_t i : lb.order()) {
    rows.push_back(
        {i, lb.names[i], lb.rating[i], lb.low[i], lb.high[i], lb.win_rate[i], lb.comparisons[i]});
  }
  if (args.timing) {
    fmt::print(stderr, "timing: read {:.3f} s, fit {:.3f} s, intervals {:.3f} s\n", read_s,
               lb.fit_seconds, lb.interval_seconds);
  }

  const std::string units = rankings_input ? "rankings" : "comparisons";
  if (!args.matrix.empty() || !args.plot_dir.empty()) {
    std::vector<std::string> names;
    std::vector<std::vector<double>> matrix(n, std::vector<double>(n, NAN));
    for (size_t r = 0; r < n; ++r) {
      names.push_back(rows[r].name);
      for (size_t c = 0; c < n; ++c) {
        if (r != c) matrix[r][c] = prob(rows[r].item, rows[c].item);
      }
    }
    if (!args.matrix.empty()) {
      std::string text = "item";
      for (const auto& name : names) text += "," + csv_field(name);
      text += "\n";
      for (size_t r = 0; r < n; ++r) {
        text += csv_field(names[r]);
        for (size_t c = 0; c < n; ++c) {
          text += r == c ? std::string(",") : fmt::format(",{:.17g}", matrix[r][c]);
        }
        text += "\n";
      }
      write_file_atomically(args.matrix, text);
      fmt::print(stderr, "wrote the win-probability matrix to {}\n", args.matrix);
    }
    if (!args.plot_dir.empty()) {
      std::filesystem::create_directories(args.plot_dir);
      const std::filesystem::path dir = args.plot_dir;
      rank::plot_win_matrix(names, matrix, dir / "win_matrix.png",
                            fmt::format("{}: P(row preferred to column)", model_name));
      std::vector<double> r, lo, hi;
      for (const auto& row : rows) {
        r.push_back(row.rating);
        lo.push_back(row.low);
        hi.push_back(row.high);
      }
      rank::plot_rating_intervals(names, r, lo, hi, dir / "ratings.png",
                                  fmt::format("{} ratings, interval: {}", model_name, interval),
                                  fmt::format("rating ({} scale)", scale));
      fmt::print(stderr, "wrote {} and {}\n", (dir / "win_matrix.png").string(),
                 (dir / "ratings.png").string());
    }
  }

  if (args.format == "json") {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& r : rows) {
      nlohmann::json item = {
          {"name", r.name}, {"rating", r.rating}, {"n", r.comparisons}, {"win_rate", r.win_rate}};
      item["ci_low"] = std::isnan(r.low) ? nlohmann::json(nullptr) : nlohmann::json(r.low);
      item["ci_high"] = std::isnan(r.high) ? nlohmann::json(nullptr) : nlohmann::json(r.high);
      items.push_back(item);
    }
    nlohmann::json out = {
        {"model", model_name},
        {"scale", scale},
        {"interval", interval},
        {units, rankings_input ? nlohmann::json(report.used) : nlohmann::json(lb.total_weight)},
        {"rows", report.used},
        {"weights_are_counts", lb.weights_are_counts},
        {"skipped", report.skipped},
        {"items", items}};
    out.update(extra);
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  const bool csv = args.format == "csv", md = args.format == "md";
  const std::string header =
      fmt::format("{} ratings ({} scale) from {} of {} items; interval: {}", model_name,
                  scale == "elo" ? "Elo" : "natural", units_used, n, interval);
  if (csv) {
    // Comment lines (pandas: read_csv(..., comment="#")), then the table.
    fmt::print("# {}\n# {}\n", header, fit_line);
    if (!order_line.empty()) fmt::print("# {}\n", order_line);
    if (extra.contains("nu")) fmt::print("# Davidson tie parameter nu = {}\n", lb.nu);
    fmt::print("rank,item,rating,ci_low,ci_high,comparisons,win_rate\n");
  } else if (md) {
    fmt::print("{}\n\n{}\n\n", header, fit_line);
    if (!order_line.empty()) fmt::print("{}\n\n", order_line);
    if (extra.contains("nu")) fmt::print("Davidson tie parameter nu = {:.4f}\n\n", lb.nu);
    fmt::print(
        "| rank | item | rating | 95% interval | comparisons | win rate |\n"
        "|---:|---|---:|---|---:|---:|\n");
  } else {
    fmt::print("{}\n{}\n", header, fit_line);
    if (!order_line.empty()) fmt::print("{}\n", order_line);
    if (extra.contains("nu")) {
      fmt::print("Davidson tie parameter nu = {:.4f}\n", extra["nu"].get<double>());
    }
    if (report.skipped > 0) {
      fmt::print("skipped {} bad rows (first: {})\n", report.skipped, report.first_skipped);
    }
    fmt::print("{:>5}  {:<32} {:>10} {:>23} {:>11} {:>9}\n", "rank", "item", "rating",
               "95% interval", "comparisons", "win rate");
  }
  for (size_t k = 0; k < rows.size(); ++k) {
    const Row& r = rows[k];
    const std::string ci = std::isnan(r.low) ? "-" : fmt::format("[{:.2f}, {:.2f}]", r.low, r.high);
    if (csv) {
      fmt::print("{},{},{},{},{},{},{}\n", k + 1, csv_field(r.name), r.rating, r.low, r.high,
                 r.comparisons, r.win_rate);
    } else if (md) {
      fmt::print("| {} | {} | {:.2f} | {} | {:g} | {:.3f} |\n", k + 1, r.name, r.rating, ci,
                 r.comparisons, r.win_rate);
    } else {
      fmt::print("{:>5}  {:<32} {:>10.2f} {:>23} {:>11g} {:>9.3f}\n", k + 1, r.name, r.rating, ci,
                 r.comparisons, r.win_rate);
    }
  }
  return 0;
}

int check_command(const RankArgs& args) {
  rank::ReadReport report;
  rank::InputData input =
      rank::read_comparisons_or_rankings(args.file, read_options(args), &report);
  if (input.rankings_input) {
    const rank::RankingData data{std::move(input.items), std::move(input.rankings)};
    fmt::print("{}: {} rankings of {} items{}\n", args.file, data.rankings.size(),
               data.items.num_items(),
               report.skipped ? fmt::format(" ({} bad rows skipped)", report.skipped) : "");
    if (args.folds > 0) {
      if (static_cast<size_t>(args.folds) > data.rankings.size()) {
        fmt::print("held-out: skipped ({} folds but only {} rankings)\n", args.folds,
                   data.rankings.size());
        return 0;
      }
      rank::CvOptions cv;
      cv.folds = args.folds;
      cv.seed = args.seed;
      const auto s = rank::cross_validate_rankings(static_cast<int>(data.items.num_items()),
                                                   data.rankings, cv, pl_options(args.prior));
      fmt::print(
          "held-out ({}-fold, seed {}{}): log-likelihood per ranking and accuracy on the "
          "pairwise preferences the rankings imply\n",
          args.folds, args.seed,
          args.prior > 0 ? fmt::format(", Gamma prior shape {}", args.prior) : "");
      fmt::print("  {:<12} {:>14} {:>9}\n", "model", "log-lik", "accuracy");
      if (!s.error.empty()) {
        fmt::print("  {:<12} n/a: {}\n", s.model, s.error);
      } else {
        fmt::print("  {:<12} {:>14.4f} {:>9.3f}\n", s.model, s.log_likelihood, s.accuracy);
      }
    }
    return 0;
  }
  const rank::ComparisonSet data = std::move(input.items);
  const rank::Diagnostics d = rank::diagnose(data);
  const rank::ComparisonUnits units(data.comparisons());
  const std::string counted =
      !units.weights_are_counts() ? fmt::format("{} comparisons of total weight {:g}",
                                                d.num_comparisons, units.total_weight())
      : units.size() == d.num_comparisons
          ? fmt::format("{} comparisons", d.num_comparisons)
          : fmt::format("{} comparisons ({} weighted rows)", units.size(), d.num_comparisons);
  fmt::print("{}: {} of {} items, {} distinct pairs{}\n", args.file, counted, d.num_items,
             d.num_pairs,
             report.skipped ? fmt::format(" ({} bad rows skipped)", report.skipped) : "");
  fmt::print("comparison graph: {} connected component{}", d.components.size(),
             d.components.size() == 1 ? "" : "s");
  if (d.components.size() > 1) {
    fmt::print(" (sizes:");
    for (size_t k = 0; k < d.components.size() && k < 10; ++k) {
      fmt::print(" {}", d.components[k].size());
    }
    fmt::print("{}) — without a prior the Bradley-Terry MLE does not exist; use --prior",
               d.components.size() > 10 ? " ..." : "");
  }
  fmt::print("\n");
  if (!d.never_compared.empty()) fmt::print("items never compared: {}\n", d.never_compared.size());
  fmt::print("majority graph: {} strongly connected components, the largest of {} items\n",
             d.sccs.size(), d.largest_scc);
  fmt::print("intransitive triads: {} of {} decided triads ({:.4f})\n", d.triads.intransitive,
             d.triads.decided, d.triads.fraction());
  if (args.folds > 0) {
    if (static_cast<uint64_t>(args.folds) > units.size()) {
      fmt::print("held-out: skipped ({} folds but only {} comparisons)\n", args.folds,
                 units.size());
      return 0;
    }
    rank::CvOptions cv;
    cv.folds = args.folds;
    cv.seed = args.seed;
    cv.model.prior = args.prior;
    cv.model.elo_k = args.elo_k;
    cv.model.thurstone_log_sigma_prior_sd = args.sigma_prior;
    const auto scores = rank::cross_validate(data, cv);
    fmt::print(
        "held-out ({}-fold, seed {}{}, over {}): log-likelihood per comparison and accuracy on "
        "decided comparisons{}\n",
        args.folds, args.seed, args.prior > 0 ? fmt::format(", prior sd {}", args.prior) : "",
        !units.weights_are_counts()         ? "rows (fractional weights)"
        : units.size() == d.num_comparisons ? "comparisons"
                                            : "comparisons (weights counted as comparisons)",
        units.weights_are_counts() ? "" : ", weighted");
    fmt::print("  {:<12} {:>14} {:>9}\n", "model", "log-lik", "accuracy");
    for (const auto& s : scores) {
      const std::string note =
          s.model != "thurstone" ? ""
          : args.sigma_prior > 0
              ? fmt::format(
                    "  (log sigma prior sd {}: the per-item sds overfit without it; "
                    "--sigma-prior 0 for none)",
                    args.sigma_prior)
              : fmt::format(
                    "  (no log sigma prior: the per-item sds overfit; the default is "
                    "--sigma-prior {})",
                    rank::kThurstoneLogSigmaPriorSd);
      if (!s.error.empty()) {
        fmt::print("  {:<12} n/a: {}\n", s.model, s.error);
      } else {
        fmt::print("  {:<12} {:>14.4f} {:>9.3f}{}\n", s.model, s.log_likelihood, s.accuracy, note);
      }
    }
    if (std::any_of(scores.begin(), scores.end(),
                    [](const auto& s) { return s.model == "davidson"; })) {
      fmt::print(
          "  (davidson scores ties as P(tie), the others as half a win each way: compare it with "
          "the others on accuracy)\n");
    }
  }
  return 0;
}

int suggest_command(const RankArgs& args, size_t n) {
  const rank::ComparisonSet data = rank::read_comparisons(args.file, read_options(args), nullptr);
  rank::BtOptions bt;
  bt.prior_sd = args.prior;
  const auto fit = rank::bradley_terry_newton(data, bt);
  const auto pairs = rank::suggest_pairs(data, fit.ratings, n);
  fmt::print("{:>4}  {:<24} {:<24} {:>8} {:>10} {:>10}\n", "#", "item a", "item b", "P(a>b)",
             "compared", "score");
  for (size_t k = 0; k < pairs.size(); ++k) {
    const auto& p = pairs[k];
    fmt::print("{:>4}  {:<24} {:<24} {:>8.3f} {:>10g} {:>10.4g}\n", k + 1, data.name(p.a),
               data.name(p.b), p.p, p.n, p.score);
  }
  fmt::print("(score p(1 - p) / (1 + comparisons so far) under the Bradley-Terry fit)\n");
  return 0;
}

void add_read_options(CLI::App* command, RankArgs& args) {
  command->add_option("--col-a", args.read.col_a, "Column of the first item");
  command->add_option("--col-b", args.read.col_b, "Column of the second item");
  command->add_option("--col-winner", args.read.col_winner, "Column of the winner label");
  command->add_option("--col-outcome", args.read.col_outcome,
                      "Numeric outcome column (1, 0, 0.5 or a probability) instead of a winner");
  command->add_option("--col-weight", args.read.col_weight, "Optional weight column");
  command->add_flag("--skip-bad", args.read.skip_bad, "Count and report bad rows, do not stop");
  command
      ->add_option("--input-format", args.input_format,
                   "csv, jsonl, or auto: from the extension (.csv, .jsonl, .json); without one "
                   "(- for stdin, a pipe) JSON lines if the first line starts with '{', else CSV")
      ->check(CLI::IsMember({"auto", "csv", "jsonl"}));
  command
      ->add_option("--max-line-bytes", args.read.max_line_bytes,
                   "Longest line (or quoted CSV record) accepted; a longer one is an error")
      ->check(CLI::Range(size_t{1}, size_t{1} << 40));
}

}  // namespace

void add_rank_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<RankArgs>();
  auto* command = app.add_subcommand(
      "rank", "Rank items from pairwise comparisons (CSV or JSONL arena battle logs) or rankings");
  command->add_option("file", args->file,
                      "Comparisons or rankings: .csv or .jsonl, or - for standard input");
  command
      ->add_option("--model", args->model,
                   "bt (Bradley-Terry), thurstone, pl (Plackett-Luce; rankings or pairs) or elo")
      ->check(CLI::IsMember(rank::leaderboard_model_names()));
  command
      ->add_option("--prior", args->prior,
                   "bt: Gaussian prior sd on the ratings (natural scale); thurstone: prior sd on "
                   "mu and log sigma (default 100); pl: Gamma prior shape a > 1; 0: none")
      ->check(CLI::Range(0.0, 1e9));
  command->add_option("--ties", args->ties, "bt: ties as half wins (half) or Davidson's model")
      ->check(CLI::IsMember({"half", "davidson"}));
  command->add_option("--scale", args->scale, "natural or elo (400/ln 10 * b + 1000)")
      ->check(CLI::IsMember({"natural", "elo"}));
  command
      ->add_option("--bootstrap", args->bootstrap,
                   "Bootstrap replicates for percentile intervals (0: observed information)")
      ->check(CLI::Range(0, 100000));
  command->add_option("--seed", args->seed, "Seed of the bootstrap");
  command->add_option("--format", args->format, "table, csv, md or json")
      ->check(CLI::IsMember({"table", "csv", "md", "json"}));
  command->add_option("--k", args->elo_k, "Elo K factor")->check(CLI::Range(1e-9, 1e9));
  command->add_option("--matrix", args->matrix,
                      "Write the pairwise win-probability matrix (leaderboard order) to this CSV");
  command->add_option("--plot-dir", args->plot_dir,
                      "Write win_matrix.png and ratings.png (needs gnuplot) into this folder");
  command
      ->add_flag("--no-intervals", args->no_intervals,
                 fmt::format("bt: ratings only, no observed-information interval (needed above "
                             "{} items)",
                             rank::kMaxObservedInformationItems))
      ->excludes(command->get_option("--bootstrap"));
  command->add_flag("--order-effect", args->order_effect,
                    "bt: fit a first-position (home) advantage h jointly: P(a beats b) = "
                    "sigmoid(b_a - b_b + h), a the first item of each comparison");
  command->add_flag("--firth", args->firth,
                    "bt: Firth's bias-reduced fit (as BTm(..., br = TRUE)): finite ratings when "
                    "an item never wins or never loses, without a prior");
  command->add_option("--covariance", args->covariance,
                      "bt: write the covariance matrix of the natural-scale ratings (and the "
                      "order effect) to this CSV");
  command
      ->add_option("--sigma-prior", args->sigma_prior,
                   fmt::format("thurstone: sd of the Gaussian prior on each log sigma (default "
                               "{}; 0: none, the per-item sds then overfit)",
                               rank::kThurstoneLogSigmaPriorSd))
      ->check(CLI::Range(0.0, 1e9));
  command->add_flag("--timing", args->timing,
                    "Print the seconds spent reading, fitting and on the intervals to stderr");
  command->add_option("--col-ranking", args->read.col_ranking,
                      "Rankings column: 'a > b > c' (top-k: 'a > b | c | d'), for --model pl");
  add_read_options(command, *args);
  auto* check = command->add_subcommand(
      "check",
      "Diagnostics: k-fold held-out log-likelihood and accuracy per model, connected "
      "components, strongly connected components of the majority graph, intransitive triads, "
      "items never compared");
  check
      ->add_option("file", args->file,
                   "Comparisons or rankings: .csv or .jsonl, or - for standard input")
      ->required();
  check->add_option("--folds", args->folds, "Folds of the cross-validation (0: none)")
      ->check(CLI::Range(0, 1000000));
  check->add_option("--seed", args->seed, "Seed of the fold assignment");
  check
      ->add_option("--prior", args->prior,
                   "Gaussian prior sd for bt (and prior sd for thurstone); 0: none")
      ->check(CLI::Range(0.0, 1e9));
  check->add_option("--k", args->elo_k, "Elo K factor")->check(CLI::Range(1e-9, 1e9));
  check
      ->add_option("--sigma-prior", args->sigma_prior,
                   fmt::format("thurstone: sd of the Gaussian prior on each log sigma (default "
                               "{}; 0: none)",
                               rank::kThurstoneLogSigmaPriorSd))
      ->check(CLI::Range(0.0, 1e9));
  check->add_option("--col-ranking", args->read.col_ranking, "Rankings column");
  add_read_options(check, *args);
  auto n = std::make_shared<size_t>(10);
  auto* suggest = command->add_subcommand(
      "suggest", "The next pairs worth comparing under the Bradley-Terry fit");
  suggest->add_option("file", args->file, "Comparisons: .csv or .jsonl, or - for standard input")
      ->required();
  suggest->add_option("--n", *n, "How many pairs")->check(CLI::Range(size_t{1}, size_t{1000000}));
  suggest->add_option("--prior", args->prior, "Gaussian prior sd on the ratings; 0: none");
  add_read_options(suggest, *args);
  check->callback([&action, args] { action = [args] { return check_command(*args); }; });
  suggest->callback(
      [&action, args, n] { action = [args, n] { return suggest_command(*args, *n); }; });
  command->callback([&action, args, command, check, suggest] {
    if (command->got_subcommand(check) || command->got_subcommand(suggest)) return;
    action = [args] {
      if (args->file.empty()) fail("rank needs FILE (comparisons or rankings, .csv or .jsonl)");
      return rank_command(*args);
    };
  });
}

}  // namespace valor::app
