// `valor reward fit|score|eval`: reward models from pairwise comparisons on features
// (docs/reward.md). fit writes a run directory (config.toml, model.json, metrics.csv,
// summary.json, log.txt, checkpoints/); an MLP fit interrupted by Ctrl-C or a kill continues
// with `valor reward fit --resume DIR`. The maths lives in valor/rank (features, linear_bt) and
// valor/reward.
#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>

#include "apps/valor/commands.h"
#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/core/progress.h"
#include "valor/rank/comparison_reader.h"
#include "valor/rank/features.h"
#include "valor/rank/linear_bt.h"
#include "valor/reward/ensemble.h"
#include "valor/reward/evaluation.h"
#include "valor/reward/model_file.h"
#include "valor/reward/scoring.h"
#include "valor/run/metrics.h"
#include "valor/run/run_dir.h"

namespace valor::app {
namespace {

namespace fs = std::filesystem;

// Where the features come from and which columns hold the labels; shared by fit, score, eval.
struct DataFlags {
  std::string covariates;
  std::string item_column = "item";
  std::string npy_a, npy_b;
  std::string features_a, features_b;
  std::string col_a = "model_a", col_b = "model_b";
  std::string col_winner = "winner", col_outcome, col_weight, col_prompt;

  void add_to(CLI::App* c) {
    c->add_option("--covariates", covariates,
                  "Item covariates (CSV: an item column, then one numeric column per covariate); "
                  "DATA then holds comparisons of named items");
    c->add_option("--item-column", item_column, "The covariates' item column");
    c->add_option("--npy-a", npy_a, "Side a's features, a 2-D .npy (row i: data row i)");
    c->add_option("--npy-b", npy_b, "Side b's features, a 2-D .npy (row i: data row i)");
    c->add_option("--features-a", features_a,
                  "Side a's features: JSONL key (default features_a) or CSV column prefix (a_)");
    c->add_option("--features-b", features_b,
                  "Side b's features: JSONL key (default features_b) or CSV column prefix (b_)");
    c->add_option("--col-a", col_a, "With --covariates: the column of the first item");
    c->add_option("--col-b", col_b, "With --covariates: the column of the second item");
    c->add_option("--col-winner", col_winner,
                  "Winner label column (a / model_a, b / model_b, tie)");
    c->add_option("--col-outcome", col_outcome,
                  "Numeric P(a preferred) column, instead of a label");
    c->add_option("--col-weight", col_weight, "Optional weight column (> 0)");
    c->add_option("--col-prompt", col_prompt,
                  "Optional prompt column (per-comparison features): comparisons sharing a prompt");
  }

  rank::FeatureData read(const std::string& file) const {
    if (!covariates.empty()) {
      if (!npy_a.empty() || !npy_b.empty())
        fail("--covariates and --npy-a/--npy-b exclude each other");
      if (!col_prompt.empty()) {
        fail("--col-prompt applies to per-comparison features, not to --covariates");
      }
      rank::ReadOptions read;
      read.col_a = col_a;
      read.col_b = col_b;
      read.col_winner = col_winner;
      read.col_outcome = col_outcome;
      read.col_weight = col_weight;
      return rank::attach_item_covariates(rank::read_comparisons(file, read), file,
                                          rank::read_item_covariates(covariates, item_column));
    }
    rank::FeatureReadOptions o;
    o.features_a = features_a;
    o.features_b = features_b;
    o.col_winner = col_winner;
    o.col_outcome = col_outcome;
    o.col_weight = col_weight;
    o.col_prompt = col_prompt;
    return rank::read_feature_comparisons(file, o, npy_a, npy_b);
  }

  void to_toml(toml::table& t) const {
    const auto path = [](const std::string& p) { return p.empty() ? p : fs::absolute(p).string(); };
    t.insert("covariates", path(covariates));
    t.insert("item_column", item_column);
    t.insert("npy_a", path(npy_a));
    t.insert("npy_b", path(npy_b));
    t.insert("features_a", features_a);
    t.insert("features_b", features_b);
    t.insert("col_a", col_a);
    t.insert("col_b", col_b);
    t.insert("col_winner", col_winner);
    t.insert("col_outcome", col_outcome);
    t.insert("col_weight", col_weight);
    t.insert("col_prompt", col_prompt);
  }
};

struct FitArgs {
  std::string data;
  DataFlags flags;
  std::string model = "linear";
  double prior = 0.0;
  std::vector<size_t> hidden = {64, 64};
  double dropout = 0.0;
  double learning_rate = 1e-3;
  double weight_decay = 0.0;
  size_t batch = 64;
  int epochs = 20;
  double validation = 0.1;
  int patience = 3;
  uint64_t seed = 0;
  size_t ensemble = 1;
  bool bootstrap = false;
  std::string out;
  std::string resume;
  bool quiet = false;
};

// The request as config.toml, read back by --resume: every key is written, so none is defaulted.
std::string fit_toml(const FitArgs& a) {
  toml::table t;
  t.insert("data", fs::absolute(a.data).string());
  a.flags.to_toml(t);
  t.insert("model", a.model);
  t.insert("prior", a.prior);
  toml::array hidden;
  for (const size_t h : a.hidden) hidden.push_back(static_cast<int64_t>(h));
  t.insert("hidden", hidden);
  t.insert("dropout", a.dropout);
  t.insert("learning_rate", a.learning_rate);
  t.insert("weight_decay", a.weight_decay);
  t.insert("batch", static_cast<int64_t>(a.batch));
  t.insert("epochs", a.epochs);
  t.insert("validation", a.validation);
  t.insert("patience", a.patience);
  t.insert("seed", static_cast<int64_t>(a.seed));
  t.insert("ensemble", static_cast<int64_t>(a.ensemble));
  t.insert("bootstrap", a.bootstrap);
  toml::table root;
  root.insert("reward_fit", t);
  std::ostringstream out;
  out << "# valor reward fit: the request (read back by --resume)\n" << root << "\n";
  return out.str();
}

FitArgs read_fit_toml(const fs::path& path) {
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    fail("{}: {}", path.string(), e.description());
  }
  const toml::table* t = root["reward_fit"].as_table();
  if (t == nullptr) fail("{}: no [reward_fit] table; not a `valor reward fit` run", path.string());
  const auto get = [&](const char* key) -> const toml::node& {
    const toml::node* n = t->get(key);
    if (n == nullptr) fail("{}: reward_fit.{} is missing", path.string(), key);
    return *n;
  };
  const auto str = [&](const char* key) {
    const auto v = get(key).value<std::string>();
    if (!v) fail("{}: reward_fit.{} must be a string", path.string(), key);
    return *v;
  };
  const auto num = [&](const char* key) {
    const auto v = get(key).value<double>();
    if (!v) fail("{}: reward_fit.{} must be a number", path.string(), key);
    return *v;
  };
  FitArgs a;
  a.data = str("data");
  a.flags.covariates = str("covariates");
  a.flags.item_column = str("item_column");
  a.flags.npy_a = str("npy_a");
  a.flags.npy_b = str("npy_b");
  a.flags.features_a = str("features_a");
  a.flags.features_b = str("features_b");
  a.flags.col_a = str("col_a");
  a.flags.col_b = str("col_b");
  a.flags.col_winner = str("col_winner");
  a.flags.col_outcome = str("col_outcome");
  a.flags.col_weight = str("col_weight");
  a.flags.col_prompt = str("col_prompt");
  a.model = str("model");
  a.prior = num("prior");
  a.hidden.clear();
  const toml::array* hidden = get("hidden").as_array();
  if (hidden == nullptr) fail("{}: reward_fit.hidden must be an array", path.string());
  for (const auto& h : *hidden)
    a.hidden.push_back(static_cast<size_t>(h.value<int64_t>().value_or(0)));
  a.dropout = num("dropout");
  a.learning_rate = num("learning_rate");
  a.weight_decay = num("weight_decay");
  a.batch = static_cast<size_t>(num("batch"));
  a.epochs = static_cast<int>(num("epochs"));
  a.validation = num("validation");
  a.patience = static_cast<int>(num("patience"));
  a.seed = static_cast<uint64_t>(num("seed"));
  a.ensemble = static_cast<size_t>(num("ensemble"));
  const auto bootstrap = get("bootstrap").value<bool>();
  if (!bootstrap) fail("{}: reward_fit.bootstrap must be true or false", path.string());
  a.bootstrap = *bootstrap;
  return a;
}

reward::MlpOptions mlp_options(const FitArgs& a) {
  reward::MlpOptions o;
  o.hidden = a.hidden;
  o.dropout = a.dropout;
  o.learning_rate = a.learning_rate;
  o.weight_decay = a.weight_decay;
  o.batch_size = a.batch;
  o.max_epochs = a.epochs;
  o.validation_fraction = a.validation;
  o.patience = a.patience;
  o.seed = a.seed;
  o.bootstrap = a.bootstrap;
  return o;
}

// Probabilities that a was preferred under `scores` (one per row of the data's table).
std::vector<double> pair_probabilities(const rank::FeatureData& data,
                                       const std::vector<double>& scores) {
  std::vector<double> p;
  p.reserve(data.comparisons.size());
  for (const auto& c : data.comparisons) {
    p.push_back(
        sigmoid(scores[static_cast<size_t>(c.row_a)] - scores[static_cast<size_t>(c.row_b)]));
  }
  return p;
}

reward::PairEvaluation evaluate(const rank::FeatureData& data, const std::vector<double>& scores,
                                int bins) {
  std::vector<double> o, w;
  for (const auto& c : data.comparisons) {
    o.push_back(c.outcome);
    w.push_back(c.weight);
  }
  return reward::evaluate_pairs(pair_probabilities(data, scores), o, w, bins);
}

nlohmann::json evaluation_json(const reward::PairEvaluation& e) {
  return {{"log_likelihood", e.log_likelihood},
          {"mean_log_likelihood", e.mean_log_likelihood},
          {"accuracy", e.accuracy},
          {"expected_calibration_error", e.expected_calibration_error},
          {"total_weight", e.total_weight}};
}

int run_fit(FitArgs args) {
  std::unique_ptr<run::RunDir> dir;
  rank::FeatureData data;
  if (!args.resume.empty()) {
    if (!args.data.empty() || !args.out.empty()) {
      fail("--resume continues RUN_DIR with its stored request; give no DATA or --out");
    }
    auto opened = run::RunDir::open(args.resume);
    const bool quiet = args.quiet;
    args = read_fit_toml(opened.config_path());
    args.quiet = quiet;
    dir = std::make_unique<run::RunDir>(std::move(opened));
    data = args.flags.read(args.data);
  } else {
    if (args.data.empty()) fail("reward fit needs DATA (or --resume RUN_DIR)");
    if (args.model != "mlp" && (args.ensemble != 1 || args.bootstrap)) {
      fail("--ensemble and --bootstrap train several MLP reward models; use them with --model mlp");
    }
    if (args.model == "mlp") reward::check_mlp_options(mlp_options(args));
    // The data is read before the run directory is made, so a bad input leaves nothing behind.
    data = args.flags.read(args.data);
    const std::string toml = fit_toml(args);
    dir = std::make_unique<run::RunDir>(args.out.empty()
                                            ? run::RunDir::create_named("runs", "reward", toml)
                                            : run::RunDir::create_at(args.out, toml));
  }
  dir->logger()->info("{} comparisons, {} features, from {}", data.comparisons.size(),
                      data.table.dim, data.source);
  reward::RewardModel model;
  model.kind = args.model;
  model.features = data.table.names;
  nlohmann::json summary = {{"model", args.model},
                            {"data", data.source},
                            {"comparisons", data.comparisons.size()},
                            {"features", data.table.dim}};
  if (args.model == "linear") {
    rank::LinearBtOptions o;
    o.prior_sd = args.prior;
    model.linear = rank::fit_linear_bt(data, o);
    nlohmann::json coefficients = nlohmann::json::array();
    fmt::print("linear Bradley-Terry reward on {} features from {} comparisons{}\n", data.table.dim,
               data.comparisons.size(),
               args.prior > 0 ? fmt::format(" (prior sd {})", args.prior) : "");
    fmt::print("{:<24} {:>12} {:>12}\n", "feature", "coefficient", "std. error");
    for (size_t k = 0; k < data.table.dim; ++k) {
      fmt::print("{:<24} {:>12.6f} {:>12.6f}\n", model.features[k], model.linear.coefficients[k],
                 model.linear.standard_errors[k]);
      coefficients.push_back({{"feature", model.features[k]},
                              {"coefficient", model.linear.coefficients[k]},
                              {"standard_error", model.linear.standard_errors[k]}});
    }
    summary["coefficients"] = coefficients;
    summary["iterations"] = model.linear.iterations;
    summary["prior_sd"] = args.prior;
  } else {
    const reward::PairDataset pairs = reward::make_pair_dataset(data);
    const reward::MlpOptions options = mlp_options(args);
    const std::vector<std::string> columns = {"member", "epoch", "train_loss", "validation_loss"};
    const int done = reward::checkpointed_epochs(dir->checkpoints_dir(), args.ensemble);
    run::MetricsWriter metrics = [&] {
      if (fs::exists(dir->metrics_path())) {
        auto m = run::MetricsWriter::open_for_resume(dir->metrics_path(), columns);
        m.truncate_rows(static_cast<size_t>(done));
        return m;
      }
      return run::MetricsWriter::create(dir->metrics_path(), columns);
    }();
    ProgressOptions po;
    po.label = dir->path().filename().string();
    po.unit = "epochs";
    po.total = static_cast<uint64_t>(args.ensemble) * static_cast<uint64_t>(args.epochs);
    auto progress = args.quiet ? nullptr : std::make_unique<Progress>(stderr, po, done);
    uint64_t epochs_done = static_cast<uint64_t>(done);
    const auto trained = reward::train_mlp_ensemble_resumable(
        pairs, options, args.ensemble, dir->checkpoints_dir(),
        [&](size_t member, const reward::EpochReport& r) {
          const double row[] = {static_cast<double>(member), static_cast<double>(r.epoch),
                                r.train_loss, r.validation_loss};
          metrics.append(row);
          ++epochs_done;
          if (progress) {
            progress->update(epochs_done, {{"member", static_cast<double>(member)},
                                           {"train_loss", r.train_loss},
                                           {"val_loss", r.validation_loss}});
          }
        },
        &stop_on_signals());
    if (progress) progress->finish();
    if (!trained) {
      dir->logger()->info("interrupted after {} epochs; checkpoints saved", epochs_done);
      fmt::print(stderr, "valor: interrupted; continue with: valor reward fit --resume {}\n",
                 dir->path().string());
      return 130;
    }
    model.members = *trained;
    summary["members"] = args.ensemble;
    summary["hidden"] = args.hidden;
    summary["epochs_trained"] = epochs_done;
  }
  const auto rewards = reward::model_rewards(model, data.table);
  const auto scores = reward::ensemble_scores(rewards, reward::EnsembleRule::kMean);
  const reward::PairEvaluation fit_eval = evaluate(data, scores, 10);
  summary["training_data"] = evaluation_json(fit_eval);
  reward::save_reward_model(model, dir->path() / "model.json");
  dir->write_summary(summary);
  fmt::print("training data: log-likelihood {:.6f} (mean {:.6f}), accuracy {:.4f}, ECE {:.4f}\n",
             fit_eval.log_likelihood, fit_eval.mean_log_likelihood, fit_eval.accuracy,
             fit_eval.expected_calibration_error);
  fmt::print("run directory: {}\n", dir->path().string());
  return 0;
}

struct ScoreArgs {
  std::string model, data;
  DataFlags flags;
  std::string rule = "mean";
  double lambda = 0.0;
  double reference_quantile = -1.0;
  int bins = 10;
  std::string plot;
  std::string format = "table";
  std::vector<std::string> combine;
};

std::vector<double> rule_scores(const reward::RewardModel& model, const rank::FeatureData& data,
                                const ScoreArgs& a) {
  return reward::ensemble_scores(reward::model_rewards(model, data.table),
                                 reward::parse_ensemble_rule(a.rule), a.lambda);
}

// Per row: the q-quantile of the scores of the row's prompt (of all rows without prompts).
std::vector<double> prompt_references(const rank::FeatureData& data, const std::vector<double>& s,
                                      double q) {
  std::vector<int> prompt(s.size(), 0);
  size_t prompts = 1;
  if (!data.prompts.empty()) {
    for (const auto& c : data.comparisons) {
      prompt[static_cast<size_t>(c.row_a)] = prompt[static_cast<size_t>(c.row_b)] = c.prompt;
    }
    prompts = data.prompts.size();
  }
  const auto per_prompt = reward::quantile_per_prompt(s, prompt, prompts, q);
  std::vector<double> reference;
  for (size_t r = 0; r < s.size(); ++r)
    reference.push_back(per_prompt[static_cast<size_t>(prompt[r])]);
  return reference;
}

int run_score(const ScoreArgs& a) {
  const rank::FeatureData data = a.flags.read(a.data);
  // The scores of MODEL, then of each --combine model (each by the same rule).
  std::vector<std::vector<double>> scores;
  for (const std::string& path : [&] {
         std::vector<std::string> all{a.model};
         all.insert(all.end(), a.combine.begin(), a.combine.end());
         return all;
       }()) {
    scores.push_back(rule_scores(reward::load_reward_model(path), data, a));
  }
  const std::vector<double>& s = scores[0];
  const bool transform = a.reference_quantile >= 0.0;
  if (!data.row_labels.empty() && transform) {
    fail("--reference-quantile applies to per-comparison features (responses to prompts)");
  }
  std::vector<std::vector<double>> references;
  if (transform) {
    for (const auto& model_scores : scores) {
      references.push_back(prompt_references(data, model_scores, a.reference_quantile));
    }
  }
  // --combine: the plain sum of the models' scores, or with --reference-quantile the sum of
  // their centred log-sigmoid transforms.
  std::vector<double> combined;
  if (!a.combine.empty()) {
    combined = transform ? reward::sum_transformed_rewards(scores, references)
                         : reward::sum_rewards(scores);
  }
  if (!data.row_labels.empty()) {
    fmt::print("item,reward{}\n", combined.empty() ? "" : ",combined");
    for (size_t r = 0; r < s.size(); ++r) {
      fmt::print("{},{:.17g}{}\n", data.row_labels[r], s[r],
                 combined.empty() ? "" : fmt::format(",{:.17g}", combined[r]));
    }
    return 0;
  }
  fmt::print("comparison,{}reward_a,reward_b,p_a{}{}\n", data.prompts.empty() ? "" : "prompt,",
             transform ? ",reference_a,transformed_a,reference_b,transformed_b" : "",
             combined.empty() ? "" : ",combined_a,combined_b");
  for (size_t i = 0; i < data.comparisons.size(); ++i) {
    const auto& c = data.comparisons[i];
    const auto ra = static_cast<size_t>(c.row_a), rb = static_cast<size_t>(c.row_b);
    std::string line = fmt::format("{},", i);
    if (!data.prompts.empty()) line += data.prompts[static_cast<size_t>(c.prompt)] + ",";
    line += fmt::format("{:.17g},{:.17g},{:.17g}", s[ra], s[rb], sigmoid(s[ra] - s[rb]));
    if (transform) {
      const auto& ref = references[0];
      line += fmt::format(",{:.17g},{:.17g},{:.17g},{:.17g}", ref[ra],
                          reward::centred_log_sigmoid(s[ra], ref[ra]), ref[rb],
                          reward::centred_log_sigmoid(s[rb], ref[rb]));
    }
    if (!combined.empty()) line += fmt::format(",{:.17g},{:.17g}", combined[ra], combined[rb]);
    fmt::print("{}\n", line);
  }
  return 0;
}

int run_eval(const ScoreArgs& a) {
  const reward::RewardModel model = reward::load_reward_model(a.model);
  const rank::FeatureData data = a.flags.read(a.data);
  const reward::PairEvaluation e = evaluate(data, rule_scores(model, data, a), a.bins);
  if (a.format == "json") {
    nlohmann::json j = evaluation_json(e);
    j["comparisons"] = data.comparisons.size();
    j["rule"] = a.rule;
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{} comparisons from {}; {} reward model ({} member{}, score: {})\n",
               data.comparisons.size(), data.source, model.kind, model.num_members(),
               model.num_members() == 1 ? "" : "s", a.rule);
    fmt::print("log-likelihood            {:.6f}\n", e.log_likelihood);
    fmt::print("mean log-likelihood       {:.6f}\n", e.mean_log_likelihood);
    fmt::print("accuracy                  {:.4f}\n", e.accuracy);
    fmt::print("expected calibration err. {:.4f} ({} bins)\n", e.expected_calibration_error,
               a.bins);
  }
  if (!a.plot.empty()) {
    reward::plot_reliability_diagram(
        e, a.plot, fmt::format("reliability: {}", fs::path(a.data).filename().string()));
    if (a.format != "json") fmt::print("reliability diagram: {}\n", a.plot);
  }
  return 0;
}

void add_score_options(CLI::App* c, ScoreArgs& a) {
  c->add_option("model", a.model, "model.json, or the run directory of `valor reward fit`")
      ->required();
  c->add_option("data", a.data, "Comparisons: .csv, .jsonl (features inline, or with --npy-a/-b)")
      ->required();
  a.flags.add_to(c);
  c->add_option("--rule", a.rule, "Ensemble score: mean, wco (minimum) or uwo (mean - lambda var)")
      ->check(CLI::IsMember({"mean", "wco", "uwo"}));
  c->add_option("--lambda", a.lambda, "UWO's weight of the members' variance")
      ->check(CLI::Range(0.0, 1e12));
}

}  // namespace

void add_reward_command(CLI::App& app, Action& action) {
  auto* reward = app.add_subcommand("reward", std::string(torch_command_description("reward")));
  reward->require_subcommand(1);

  auto fit = std::make_shared<FitArgs>();
  auto* f =
      reward->add_subcommand("fit", "Fit a reward model (linear or MLP) into a run directory");
  f->add_option("data", fit->data, "Comparisons: .csv or .jsonl (see --covariates, --npy-a)");
  fit->flags.add_to(f);
  f->add_option("--model", fit->model, "linear (exact ML, Newton) or mlp")
      ->check(CLI::IsMember({"linear", "mlp"}));
  f->add_option("--prior", fit->prior, "linear: Gaussian prior sd of the coefficients (0: none)")
      ->check(CLI::Range(0.0, 1e12));
  f->add_option("--hidden", fit->hidden, "mlp: hidden layer widths, e.g. --hidden 256 256")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  f->add_option("--dropout", fit->dropout, "mlp: dropout on hidden layers, in [0, 1)");
  f->add_option("--lr", fit->learning_rate, "mlp: AdamW learning rate");
  f->add_option("--weight-decay", fit->weight_decay, "mlp: AdamW's decoupled weight decay");
  f->add_option("--batch", fit->batch, "mlp: comparisons per minibatch");
  f->add_option("--epochs", fit->epochs, "mlp: most epochs");
  f->add_option("--validation", fit->validation,
                "mlp: fraction held out for early stopping (0: none, train all epochs)");
  f->add_option("--patience", fit->patience,
                "mlp: epochs without a better validation loss before stopping");
  f->add_option("--seed", fit->seed, "mlp: seed (member k uses seed + k)");
  f->add_option("--ensemble", fit->ensemble, "mlp: members of the ensemble")
      ->check(CLI::Range(size_t{1}, size_t{1000}));
  f->add_flag("--bootstrap", fit->bootstrap, "mlp: each member on a bootstrap resample");
  f->add_option("--out", fit->out, "The run directory (default runs/reward-<time>)");
  f->add_option("--resume", fit->resume, "Continue an interrupted MLP fit in RUN_DIR");
  f->add_flag("--quiet", fit->quiet, "No progress line");
  f->callback([fit, &action] { action = [fit] { return run_fit(*fit); }; });

  auto score = std::make_shared<ScoreArgs>();
  auto* s =
      reward->add_subcommand("score", "Score both sides of each comparison (or each item) as CSV");
  add_score_options(s, *score);
  s->add_option("--reference-quantile", score->reference_quantile,
                "Add the centred log-sigmoid log sigma(r - r_ref), r_ref this quantile of the "
                "scores of the same prompt (of all scores without --col-prompt)")
      ->check(CLI::Range(0.0, 1.0));
  s->add_option("--combine", score->combine,
                "Another reward model (repeatable): adds combined_a/b, the sum of the models' "
                "scores, or of their centred log-sigmoids with --reference-quantile");
  s->callback([score, &action] { action = [score] { return run_score(*score); }; });

  auto eval = std::make_shared<ScoreArgs>();
  auto* e = reward->add_subcommand("eval", "Held-out log-likelihood, accuracy and calibration");
  add_score_options(e, *eval);
  e->add_option("--bins", eval->bins, "Calibration bins")->check(CLI::Range(1, 1000));
  e->add_option("--plot", eval->plot, "Write the reliability diagram to this PNG (needs gnuplot)");
  e->add_option("--format", eval->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  e->callback([eval, &action] { action = [eval] { return run_eval(*eval); }; });
}

}  // namespace valor::app
