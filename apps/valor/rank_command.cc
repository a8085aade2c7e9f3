#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>

#include "apps/valor/commands.h"
#include "valor/core/error.h"
#include "valor/rank/bootstrap.h"
#include "valor/rank/bradley_terry.h"
#include "valor/rank/comparison_reader.h"
#include "valor/rank/diagnostics.h"
#include "valor/rank/elo.h"
#include "valor/rank/suggest.h"

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
  rank::ReadOptions read;
};

struct Row {
  std::string name;
  double rating = 0, low = NAN, high = NAN, win_rate = 0, comparisons = 0;
};

int rank_command(const RankArgs& args) {
  rank::ReadReport report;
  const rank::ComparisonSet data = rank::read_comparisons(args.file, args.read, &report);
  const size_t n = data.num_items();
  rank::BtOptions bt;
  bt.prior_sd = args.prior;
  rank::RatingFitter fit;
  if (args.model == "bt") {
    fit = [bt](const rank::ComparisonSet& s) { return rank::bradley_terry_newton(s, bt).ratings; };
  } else if (args.model == "elo") {
    const double k = args.elo_k;
    fit = [k](const rank::ComparisonSet& s) { return rank::elo_ratings(s, k); };
  } else {
    fail("--model {}: accepted: bt, elo (thurstone and pl are not wired to the command yet)",
         args.model);
  }
  const std::vector<double> ratings = fit(data);
  // Elo ratings are already on the Elo scale; BT is converted when asked.
  const bool to_elo = args.model == "bt" && args.scale == "elo";
  auto scaled = [&](double b) { return to_elo ? rank::to_elo_scale(b) : b; };

  std::vector<Row> rows(n);
  for (size_t i = 0; i < n; ++i) {
    rows[i].name = data.name(static_cast<int32_t>(i));
    rows[i].rating = scaled(ratings[i]);
  }
  for (const auto& c : data.comparisons()) {
    rows[static_cast<size_t>(c.a)].comparisons += c.weight;
    rows[static_cast<size_t>(c.b)].comparisons += c.weight;
    rows[static_cast<size_t>(c.a)].win_rate += c.weight * c.outcome;
    rows[static_cast<size_t>(c.b)].win_rate += c.weight * (1 - c.outcome);
  }
  for (auto& r : rows) r.win_rate = r.comparisons > 0 ? r.win_rate / r.comparisons : 0;
  std::string interval = "none";
  if (args.bootstrap > 0) {
    const auto b = rank::bootstrap_ratings(data, fit, args.bootstrap, args.seed);
    for (size_t i = 0; i < n; ++i) {
      rows[i].low = scaled(b.low[i]);
      rows[i].high = scaled(b.high[i]);
    }
    interval =
        fmt::format("bootstrap percentile 95%, {} replicates, seed {}", args.bootstrap, args.seed);
  } else if (args.model == "bt") {
    const auto sd = rank::observed_information_sd(data, ratings, bt);
    for (size_t i = 0; i < n; ++i) {
      rows[i].low = scaled(ratings[i] - 1.959963984540054 * sd[i]);
      rows[i].high = scaled(ratings[i] + 1.959963984540054 * sd[i]);
    }
    interval = "observed information 95% (Wald)";
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.rating > b.rating; });

  if (args.format == "json") {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& r : rows) {
      nlohmann::json item = {
          {"name", r.name}, {"rating", r.rating}, {"n", r.comparisons}, {"win_rate", r.win_rate}};
      item["ci_low"] = std::isnan(r.low) ? nlohmann::json(nullptr) : nlohmann::json(r.low);
      item["ci_high"] = std::isnan(r.high) ? nlohmann::json(nullptr) : nlohmann::json(r.high);
      items.push_back(item);
    }
    nlohmann::json out = {{"model", args.model},       {"scale", to_elo ? "elo" : "natural"},
                          {"interval", interval},      {"comparisons", report.used},
                          {"skipped", report.skipped}, {"items", items}};
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  const bool csv = args.format == "csv", md = args.format == "md";
  if (csv) {
    fmt::print("rank,item,rating,ci_low,ci_high,comparisons,win_rate\n");
  } else if (md) {
    fmt::print(
        "| rank | item | rating | 95% interval | comparisons | win rate |\n"
        "|---:|---|---:|---|---:|---:|\n");
  } else {
    fmt::print("{} ratings ({} scale) from {} comparisons of {} items; interval: {}\n", args.model,
               to_elo ? "Elo" : "natural", report.used, n, interval);
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
      fmt::print("{},\"{}\",{},{},{},{},{}\n", k + 1, r.name, r.rating, r.low, r.high,
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
  const rank::ComparisonSet data = rank::read_comparisons(args.file, args.read, &report);
  const rank::Diagnostics d = rank::diagnose(data);
  fmt::print("{}: {} comparisons of {} items, {} distinct pairs{}\n", args.file, d.num_comparisons,
             d.num_items, d.num_pairs,
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
  return 0;
}

int suggest_command(const RankArgs& args, size_t n) {
  const rank::ComparisonSet data = rank::read_comparisons(args.file, args.read, nullptr);
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

}  // namespace

void add_rank_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<RankArgs>();
  auto* command = app.add_subcommand(
      "rank", "Rank items from pairwise comparisons (CSV or JSONL arena battle logs)");
  command->add_option("file", args->file, "Comparisons: .csv or .jsonl");
  command->add_option("--model", args->model, "bt (Bradley-Terry) or elo")
      ->check(CLI::IsMember({"bt", "elo", "thurstone", "pl"}));
  command
      ->add_option("--prior", args->prior,
                   "Gaussian prior sd on BT ratings (natural scale); 0: none")
      ->check(CLI::Range(0.0, 1e9));
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
  command->add_option("--col-a", args->read.col_a, "Column of the first item");
  command->add_option("--col-b", args->read.col_b, "Column of the second item");
  command->add_option("--col-winner", args->read.col_winner, "Column of the winner label");
  command->add_option("--col-outcome", args->read.col_outcome,
                      "Numeric outcome column (1, 0, 0.5 or a probability) instead of a winner");
  command->add_option("--col-weight", args->read.col_weight, "Optional weight column");
  command->add_flag("--skip-bad", args->read.skip_bad, "Count and report bad rows, do not stop");
  auto* check = command->add_subcommand(
      "check",
      "Diagnostics: connected components, strongly connected components of the majority "
      "graph, intransitive triads, items never compared");
  check->add_option("file", args->file, "Comparisons: .csv or .jsonl")->required();
  check->add_flag("--skip-bad", args->read.skip_bad, "Count and report bad rows, do not stop");
  auto n = std::make_shared<size_t>(10);
  auto* suggest = command->add_subcommand(
      "suggest", "The next pairs worth comparing under the Bradley-Terry fit");
  suggest->add_option("file", args->file, "Comparisons: .csv or .jsonl")->required();
  suggest->add_option("--n", *n, "How many pairs")->check(CLI::Range(size_t{1}, size_t{1000000}));
  suggest->add_option("--prior", args->prior, "Gaussian prior sd on the ratings; 0: none");
  check->callback([&action, args] { action = [args] { return check_command(*args); }; });
  suggest->callback(
      [&action, args, n] { action = [args, n] { return suggest_command(*args, *n); }; });
  command->callback([&action, args, command, check, suggest] {
    if (command->got_subcommand(check) || command->got_subcommand(suggest)) return;
    action = [args] {
      if (args->file.empty()) fail("rank needs FILE (comparisons, .csv or .jsonl)");
      return rank_command(*args);
    };
  });
}

}  // namespace valor::app
