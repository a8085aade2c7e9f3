#include "valor/run/sweep.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/core/progress.h"
#include "valor/run/aggregate.h"
#include "valor/run/checkpoint.h"
#include "valor/run/metrics.h"
#include "valor/run/plot.h"

namespace valor::run {

namespace {

std::vector<std::string> string_list(const toml::table& t, std::string_view key,
                                     const std::string& source, bool required) {
  const toml::node* node = t.get(key);
  if (!node) {
    if (required) fail("{}: [sweep] needs '{}', a list of names", source, key);
    return {};
  }
  const toml::array* array = node->as_array();
  if (!array || array->empty())
    fail("{}: sweep.{} must be a non-empty list of strings", source, key);
  std::vector<std::string> out;
  for (const auto& item : *array) {
    const auto s = item.value<std::string>();
    if (!s || s->empty()) fail("{}: sweep.{} must be a non-empty list of strings", source, key);
    out.push_back(*s);
  }
  return out;
}

std::string sanitize(std::string s) {
  for (char& c : s) {
    if (c == '/' || c == ':' || c == ' ') c = '_';
  }
  return s;
}

// One child process: one run, or several seeds of one cell (train.seeds) when the sweep groups
// them; all pending (new runs) or all partial (resumed runs).
struct SweepJob {
  std::vector<const SweepRun*> runs;
  bool resume = false;
  pid_t pid = 0;
};

// The --out pattern that gives each seed of a group its planned folder: the folder of `r` with its
// seed replaced by {seed} (plan_sweep names them <cell>--seed<s>).
std::string seed_pattern(const SweepRun& r) {
  std::string name = r.dir.filename().string();
  const std::string seed = std::to_string(r.seed);
  VALOR_CHECK(name.ends_with("seed" + seed), "run folder {} does not end with its seed", name);
  name.replace(name.size() - seed.size(), seed.size(), "{seed}");
  return (r.dir.parent_path() / name).string();
}

pid_t spawn_job(const SweepJob& job, const std::filesystem::path& exe) {
  const SweepRun& first = *job.runs.front();
  std::filesystem::create_directories(first.dir);
  std::vector<std::string> args = train_command(job.runs, job.resume, exe);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = (first.dir / "train.out").string();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    throw std::runtime_error(fmt::format("cannot start {}: {}", exe.string(), strerror(errno)));
  }
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec. The run gets SIGTERM (checkpoint and
    // stop) when the sweep dies for any reason, SIGKILL included; if the sweep died before the
    // request took effect, the parent is already gone and the run does not start.
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) _exit(127);
    const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(127);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// The frames of a run's last metrics row, 0 if none.
int64_t logged_frames(const std::filesystem::path& run_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(run_dir / "metrics.csv", ec)) return 0;
  try {
    const MetricsTable t = read_metrics_csv(run_dir / "metrics.csv");
    if (t.rows.empty()) return 0;
    return static_cast<int64_t>(t.rows.back()[0]);
  } catch (const std::exception&) {
    return 0;
  }
}

// Train runs checkpoint with the frame count as the step.
int64_t checkpointed_frames(const std::filesystem::path& run_dir) {
  std::error_code ec;
  const std::filesystem::path dir = run_dir / "checkpoints";
  if (!std::filesystem::is_directory(dir, ec)) return 0;  // the store would create it
  try {
    const std::optional<uint64_t> step = CheckpointStore(dir, 1).latest_step();
    return step ? static_cast<int64_t>(*step) : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

std::optional<nlohmann::json> read_summary(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir / "summary.json", ec)) return std::nullopt;
  try {
    return nlohmann::json::parse(read_file(dir / "summary.json"));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

double json_number(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return std::nan("");
  return j[key].get<double>();
}

std::string format_iqm(const std::vector<double>& values) {
  std::vector<double> v;
  for (double x : values) {
    if (!std::isnan(x)) v.push_back(x);
  }
  if (v.empty()) return "-";
  const double iqm = interquartile_mean(v);
  if (v.size() == 1) return fmt::format("{:.1f}", iqm);
  const Interval ci = stratified_bootstrap_iqm({v}, 10000, 0.95, 0);
  return fmt::format("{:.1f} [{:.1f}, {:.1f}]", iqm, ci.low, ci.high);
}

// The mean of a metrics.csv column over its rows (NaN rows skipped): the area under the run's
// learning curve per logged row. NaN when unreadable or empty.
double curve_mean(const std::filesystem::path& run_dir, const std::string& metric) {
  try {
    const MetricsTable t = read_metrics_csv(run_dir / "metrics.csv");
    const auto column = t.column_index(metric);
    if (!column) return std::nan("");
    double sum = 0.0;
    size_t n = 0;
    for (const auto& row : t.rows) {
      if (std::isnan(row[*column])) continue;
      sum += row[*column];
      ++n;
    }
    return n ? sum / static_cast<double>(n) : std::nan("");
  } catch (const std::exception&) {
    return std::nan("");
  }
}

// The [report] section: methods compared across envs on one score (rliable's aggregate IQM of
// normalised scores and probability of improvement over the baseline, with stratified
// bootstrap intervals over each env's seeds).
std::string method_comparison(
    const SweepSpec& spec, const std::string& score_name, const std::vector<std::string>& methods,
    const std::vector<std::string>& envs,
    const std::map<std::pair<std::string, std::string>, std::vector<double>>& scores) {
  const SweepSpec::Report& report = *spec.report;
  std::map<std::string, double> random(report.random.begin(), report.random.end());
  const bool normalise = random.size() == envs.size();
  const auto scores_of = [&](const std::string& method) {
    std::vector<std::vector<double>> out;
    for (const auto& env : envs) {
      const auto it = scores.find({method, env});
      if (it == scores.end() || it->second.empty()) return std::vector<std::vector<double>>{};
      out.push_back(it->second);
    }
    return out;
  };
  const auto baseline = scores_of(report.baseline);
  std::string md =
      fmt::format("### {}\n\n| method | runs |{} P(method > {}) [95% CI] |\n|---|---|{}---|\n",
                  score_name, normalise ? " normalised score, IQM [95% CI] |" : "", report.baseline,
                  normalise ? "---|" : "");
  for (const auto& method : methods) {
    const auto x = scores_of(method);
    size_t runs = 0;
    for (const auto& task : x) runs += task.size();
    std::string normalised = "-", poi = "-";
    if (!x.empty() && !baseline.empty()) {
      if (normalise) {
        std::vector<std::vector<double>> strata;
        std::vector<double> pooled;
        for (size_t e = 0; e < envs.size(); ++e) {
          const double zero = random[envs[e]];
          const double one = interquartile_mean(baseline[e]);
          std::vector<double> task;
          for (double v : x[e]) task.push_back((v - zero) / (one - zero));
          pooled.insert(pooled.end(), task.begin(), task.end());
          strata.push_back(std::move(task));
        }
        const Interval ci = stratified_bootstrap_iqm(strata, 10000, 0.95, 0);
        normalised =
            fmt::format("{:.3f} [{:.3f}, {:.3f}]", interquartile_mean(pooled), ci.low, ci.high);
      }
      if (method != report.baseline) {
        const Interval ci =
            stratified_bootstrap_probability_of_improvement(x, baseline, 10000, 0.95, 0);
        poi = fmt::format("{:.3f} [{:.3f}, {:.3f}]", probability_of_improvement(x, baseline),
                          ci.low, ci.high);
      }
    }
    md +=
        fmt::format("| {} | {} |{} {} |\n", method, x.empty() ? "incomplete" : std::to_string(runs),
                    normalise ? " " + normalised + " |" : "", poi);
  }
  return md + "\n";
}

}  // namespace

SweepSpec parse_sweep(std::string_view text, const std::string& source) {
  SweepFileHeader header = parse_sweep_header(text, source);
  const toml::table& root = header.root;
  SweepSpec spec;
  spec.source = source;
  spec.name = std::move(header.name);
  spec.description = std::move(header.description);
  for (const auto& [k, node] : root) {
    if (k != "sweep" && k != "set" && k != "variant" && k != "report") {
      fail("{}: unknown section [{}]; accepted: [sweep], [set], [[variant]], [report]", source,
           k.str());
    }
  }
  const toml::table* sweep = root["sweep"].as_table();
  if (!sweep) fail("{}: needs a [sweep] section (see docs/agents.md)", source);
  static const std::set<std::string> known = {"name",  "presets",   "envs",        "heads",
                                              "seeds", "processes", "plot_metric", "group_seeds"};
  for (const auto& [k, node] : *sweep) {
    if (!known.count(std::string(k.str()))) {
      fail(
          "{}: unknown key sweep.{}; accepted: name, presets, envs, heads, seeds, processes, "
          "plot_metric, group_seeds",
          source, k.str());
    }
  }
  spec.presets = string_list(*sweep, "presets", source, true);
  spec.envs = string_list(*sweep, "envs", source, false);
  spec.heads = string_list(*sweep, "heads", source, false);
  spec.seeds = sweep_seeds(*sweep, source);
  if (const auto* n = sweep->get("processes")) {
    const auto p = n->value_exact<int64_t>();
    if (!p || *p < 1 || *p > 256)
      fail("{}: sweep.processes must be an integer in [1, 256]", source);
    spec.processes = static_cast<int>(*p);
  }
  if (const auto* n = sweep->get("group_seeds")) {
    const auto g = n->value_exact<bool>();
    if (!g) fail("{}: sweep.group_seeds must be true or false", source);
    spec.group_seeds = *g;
  }
  if (const auto* n = sweep->get("plot_metric")) {
    const auto s = n->value<std::string>();
    if (!s || s->empty()) fail("{}: sweep.plot_metric must be a metrics.csv column name", source);
    spec.plot_metric = *s;
  }
  if (const toml::node* set = root.get("set")) {
    if (!set->as_table()) fail("{}: [set] must be a table of configuration keys", source);
    flatten_assignments(*set->as_table(), "", source + ": [set]", spec.overrides);
  }
  // Keys the grid sets for every run: a value under [set] would be silently overridden.
  const auto check_controlled = [&](const std::string& where, const std::string& o) {
    const std::string key = o.substr(0, o.find('='));
    const char* controlled_by = nullptr;
    if (key == "run.seed" || key == "train.seeds") controlled_by = "sweep.seeds";
    if (key == "run.name") controlled_by = "the sweep (runs are named preset--env--head)";
    if (key == "env.name" && !spec.envs.empty()) controlled_by = "sweep.envs";
    if (key == "value.head" && !spec.heads.empty()) controlled_by = "sweep.heads";
    if (controlled_by) {
      fail("{}: {}{} cannot be set in a sweep: it is set for each run by {}", source, where, key,
           controlled_by);
    }
    return key;
  };
  std::set<std::string> set_keys;
  for (const auto& o : spec.overrides) set_keys.insert(check_controlled("set.", o));
  if (const toml::node* variants = root.get("variant")) {
    const toml::array* list = variants->as_array();
    if (!list || list->empty() || !list->is_array_of_tables()) {
      fail("{}: variants are written as [[variant]] tables, each with a name and its keys", source);
    }
    std::set<std::string> names;
    for (size_t i = 0; i < list->size(); ++i) {
      const toml::table& t = *list->get(i)->as_table();
      const auto name = t["name"].value_exact<std::string>();
      const bool valid =
          name && !name->empty() && std::all_of(name->begin(), name->end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
                   c == '+' || c == '-';
          });
      if (!valid) {
        fail("{}: variant {} needs a name of letters, digits and _ . + - (it names run folders)",
             source, i + 1);
      }
      if (!names.insert(*name).second) fail("{}: two variants are named '{}'", source, *name);
      SweepVariant v;
      v.name = *name;
      toml::table keys = t;
      keys.erase("name");
      if (keys.empty()) fail("{}: variant '{}' sets no keys", source, *name);
      flatten_assignments(keys, "", fmt::format("{}: variant '{}'", source, *name), v.overrides);
      for (const auto& o : v.overrides) {
        const std::string key = check_controlled(fmt::format("variant '{}': ", *name), o);
        if (set_keys.count(key)) {
          fail("{}: {} is set both under [set] and by variant '{}'; set it in one place", source,
               key, *name);
        }
      }
      spec.variants.push_back(std::move(v));
    }
  }
  if (const toml::node* node = root.get("report")) {
    const toml::table* report = node->as_table();
    if (!report) fail("{}: [report] must be a table (baseline, random)", source);
    SweepSpec::Report r;
    for (const auto& [k, value] : *report) {
      if (k == "baseline") {
        const auto b = value.value_exact<std::string>();
        if (!b || b->empty()) fail("{}: report.baseline must be a method's name", source);
        r.baseline = *b;
      } else if (k == "random") {
        const toml::table* scores = value.as_table();
        if (!scores) fail("{}: report.random must be a table of env = score", source);
        for (const auto& [env, score] : *scores) {
          const auto x = score.value<double>();
          if (!x || !std::isfinite(*x)) {
            fail("{}: report.random.{} must be a finite number", source, env.str());
          }
          r.random.emplace_back(std::string(env.str()), *x);
        }
      } else {
        fail("{}: unknown key report.{}; accepted: baseline, random", source, k.str());
      }
    }
    if (r.baseline.empty()) fail("{}: [report] needs a baseline (a method's name)", source);
    spec.report = std::move(r);
  }
  return spec;
}

SweepSpec read_sweep_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail("{}: no such sweep file", path.string());
  return parse_sweep(read_file(path), path.string());
}

std::vector<SweepRun> plan_sweep(const SweepSpec& spec, const std::filesystem::path& out,
                                 const ResolveRun& resolve) {
  std::vector<SweepRun> runs;
  const std::vector<std::string> no_choice = {""};
  for (const auto& preset : spec.presets) {
    for (const auto& env : spec.envs.empty() ? no_choice : spec.envs) {
      for (const auto& head : spec.heads.empty() ? no_choice : spec.heads) {
        for (size_t v = 0; v < std::max<size_t>(spec.variants.size(), 1); ++v) {
          const SweepVariant* variant = spec.variants.empty() ? nullptr : &spec.variants[v];
          for (int64_t seed : spec.seeds) {
            SweepRun r;
            r.preset = preset;
            r.seed = seed;
            r.overrides = spec.overrides;
            if (!env.empty()) r.overrides.push_back("env.name=" + env);
            if (!head.empty()) r.overrides.push_back("value.head=" + head);
            if (variant) {
              r.variant = variant->name;
              r.overrides.insert(r.overrides.end(), variant->overrides.begin(),
                                 variant->overrides.end());
            }
            r.overrides.push_back(fmt::format("run.seed={}", seed));
            const ResolvedRun resolved = resolve(preset, r.overrides);
            r.env = resolved.env;
            r.head = resolved.head;
            r.frames = resolved.frames;
            const std::string name = sanitize(preset + "--" + r.env + "--" + r.head +
                                              (variant ? "--" + variant->name : ""));
            r.overrides.push_back("run.name=" + name);
            r.dir = out / "runs" / fmt::format("{}--seed{}", name, seed);
            runs.push_back(std::move(r));
          }
        }
      }
    }
  }
  if (spec.report) {
    std::set<std::string> methods, envs;
    for (const auto& r : runs) {
      methods.insert(method_label(spec, r));
      envs.insert(r.env);
    }
    if (!methods.count(spec.report->baseline)) {
      std::string list;
      for (const auto& m : methods) list += (list.empty() ? "" : ", ") + m;
      fail("{}: report.baseline '{}' is not a method of this sweep; its methods: {}", spec.source,
           spec.report->baseline, list);
    }
    for (const auto& [env, score] : spec.report->random) {
      if (!envs.count(env)) {
        fail("{}: report.random.{}: the sweep runs no such env", spec.source, env);
      }
    }
  }
  return runs;
}

std::string method_label(const SweepSpec& spec, const SweepRun& run) {
  std::string label = spec.presets.size() > 1 ? run.preset + "/" : "";
  if (spec.variants.empty()) return label + run.head;
  if (spec.heads.size() > 1) label += run.head + "/";
  return label + run.variant;
}

RunState run_state(const std::filesystem::path& dir) {
  if (const auto s = read_summary(dir); s && s->value("complete", false)) {
    return RunState::kComplete;
  }
  std::error_code ec;
  return std::filesystem::exists(dir / "config.toml", ec) ? RunState::kPartial : RunState::kPending;
}

int64_t frames_done(const std::filesystem::path& run_dir, std::filesystem::file_time_type since) {
  std::error_code ec;
  const auto written = std::filesystem::last_write_time(run_dir / "metrics.csv", ec);
  const int64_t logged = !ec && written >= since ? logged_frames(run_dir) : 0;
  return std::max(logged, checkpointed_frames(run_dir));
}

std::vector<SweepBatch> batch_sweep_runs(const std::vector<const SweepRun*>& runs,
                                         const std::vector<bool>& partial, int processes,
                                         bool group_seeds) {
  VALOR_CHECK(runs.size() == partial.size() && processes >= 1);
  std::vector<SweepBatch> groups;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < runs.size(); ++i) {
    std::string key = fmt::format("{}\n{}\n", partial[i] ? "resume" : "new", runs[i]->preset);
    for (const auto& o : runs[i]->overrides) {
      if (!o.starts_with("run.seed=")) key += o + "\n";
    }
    if (!group_seeds) key += std::to_string(i);
    const auto [it, added] = index.try_emplace(key, groups.size());
    if (added) groups.push_back({{}, partial[i]});
    groups[it->second].runs.push_back(i);
  }
  // Enough processes to keep `processes` busy: each group in ceil(processes / groups) chunks.
  const size_t chunks =
      (static_cast<size_t>(processes) + groups.size() - 1) / std::max<size_t>(groups.size(), 1);
  std::vector<SweepBatch> batches;
  for (const SweepBatch& g : groups) {
    const size_t n = g.runs.size(), c = std::clamp<size_t>(chunks, 1, n);
    for (size_t j = 0; j < c; ++j) {
      SweepBatch b{{}, g.resume};
      for (size_t k = j * n / c; k < (j + 1) * n / c; ++k) b.runs.push_back(g.runs[k]);
      batches.push_back(std::move(b));
    }
  }
  return batches;
}

std::vector<std::string> train_command(const std::vector<const SweepRun*>& runs, bool resume,
                                       const std::filesystem::path& exe) {
  VALOR_CHECK(!runs.empty());
  const SweepRun& first = *runs.front();
  std::vector<std::string> args = {exe.string(), "train"};
  if (resume) {
    args.push_back("--resume");
    for (const SweepRun* r : runs) args.push_back(r->dir.string());
  } else {
    args.push_back(first.preset);
    for (const auto& o : first.overrides) {
      if (runs.size() > 1 && o.starts_with("run.seed=")) continue;
      args.insert(args.end(), {"--set", o});
    }
    if (runs.size() > 1) {
      std::string seeds;
      for (const SweepRun* r : runs) seeds += (seeds.empty() ? "" : ",") + std::to_string(r->seed);
      args.insert(args.end(), {"--set", "train.seeds=" + seeds, "--out", seed_pattern(first)});
    } else {
      args.insert(args.end(), {"--out", first.dir.string()});
    }
  }
  args.push_back("--quiet");
  return args;
}

SweepOutcome execute_sweep(const std::vector<SweepRun>& runs, int processes,
                           const SweepControl& control) {
  SweepOutcome outcome;
  std::vector<const SweepRun*> todo;
  std::vector<bool> partial;
  int64_t total_frames = 0, done_before = 0;
  for (const auto& r : runs) {
    total_frames += r.frames;
    const RunState state = run_state(r.dir);
    if (state == RunState::kComplete) {
      ++outcome.skipped;
      done_before += r.frames;
    } else {
      todo.push_back(&r);
      partial.push_back(state == RunState::kPartial);
    }
  }
  if (todo.empty()) return outcome;
  std::vector<SweepJob> queue;
  for (const SweepBatch& b : batch_sweep_runs(todo, partial, processes, control.group_seeds)) {
    SweepJob job;
    job.resume = b.resume;
    for (size_t i : b.runs) job.runs.push_back(todo[i]);
    queue.push_back(std::move(job));
  }
  ProgressOptions po;
  po.label = "sweep";
  po.unit = "frames";
  po.total = static_cast<uint64_t>(total_frames);
  po.plain_interval_seconds = control.progress_seconds;
  std::optional<Progress> progress;
  // Frames an interrupted run did before this invocation are not progress made now: they start
  // the counter, so the rate and ETA count only new frames. A run resumes from its checkpoint
  // (from frame 0 without one), so its metrics rows count only once this invocation writes them.
  const auto invoked = std::filesystem::file_time_type::clock::now();
  std::vector<int64_t> logged_before(queue.size(), 0);
  int64_t pending_before = 0;
  for (size_t j = 0; j < queue.size(); ++j) {
    for (const SweepRun* r : queue[j].runs) logged_before[j] += frames_done(r->dir, invoked);
    pending_before += logged_before[j];
  }
  if (control.progress) {
    progress.emplace(control.progress, po, static_cast<uint64_t>(done_before + pending_before));
  }
  std::vector<SweepJob*> running;
  int64_t finished_frames = done_before, shown_frames = done_before + pending_before;
  size_t next = 0;
  bool forwarded = false;
  auto last_poll = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  while (next < queue.size() || !running.empty()) {
    const bool stopping = control.stop && control.stop->load();
    while (!stopping && next < queue.size() && running.size() < static_cast<size_t>(processes)) {
      SweepJob& job = queue[next];
      job.pid = spawn_job(job, control.executable);
      running.push_back(&job);
      pending_before -= logged_before[next++];
    }
    if (stopping && running.empty()) break;
    if (stopping && !forwarded) {
      // Each run checkpoints and exits with 130 on SIGTERM (a terminal's Ctrl-C reaches them too).
      for (const SweepJob* job : running) kill(job->pid, SIGTERM);
      forwarded = true;
    }
    for (size_t i = 0; i < running.size();) {
      int status = 0;
      const pid_t p = waitpid(running[i]->pid, &status, WNOHANG);
      if (p == 0) {
        ++i;
        continue;
      }
      const SweepJob& job = *running[i];
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      if (code == 0) {
        outcome.complete += job.runs.size();
        for (const SweepRun* r : job.runs) finished_frames += r->frames;
      } else if (code == 130 || (stopping && WIFSIGNALED(status))) {
        outcome.interrupted = true;
      } else {
        outcome.failed += job.runs.size();
        const auto out = (job.runs.front()->dir / "train.out").string();
        for (const SweepRun* r : job.runs) {
          outcome.failures.push_back(
              fmt::format("{}: exit status {} (see {})", r->dir.string(), code, out));
        }
      }
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
    }
    const auto now = std::chrono::steady_clock::now();
    if (progress && now - last_poll >= std::chrono::seconds(1)) {
      last_poll = now;
      int64_t frames = finished_frames + pending_before;
      size_t running_runs = 0;
      for (const SweepJob* job : running) {
        for (const SweepRun* r : job->runs) frames += frames_done(r->dir, invoked);
        running_runs += job->runs.size();
      }
      // Never show less: a run whose newest checkpoint is unreadable resumes from an older one.
      frames = std::max(frames, shown_frames);
      shown_frames = frames;
      progress->update(static_cast<uint64_t>(frames),
                       {{"runs_done", static_cast<double>(outcome.complete + outcome.skipped)},
                        {"running", static_cast<double>(running_runs)}});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (control.stop && control.stop->load()) outcome.interrupted = true;
  if (progress) progress->finish();
  return outcome;
}

SweepReport report_sweep(const SweepSpec& spec, const std::vector<SweepRun>& runs,
                         const std::filesystem::path& out) {
  struct Cell {
    std::string env, preset, head, variant;
    std::vector<double> final_return, final_eval, fps, wall;
    size_t missing = 0;
  };
  std::vector<Cell> cells;
  std::map<std::string, size_t> index;
  std::map<std::string, std::vector<std::filesystem::path>> env_runs;
  std::vector<std::string> env_order;
  for (const auto& r : runs) {
    const std::string key = r.cell();
    if (!index.count(key)) {
      index[key] = cells.size();
      cells.push_back({r.env, r.preset, r.head, r.variant, {}, {}, {}, {}, 0});
    }
    Cell& c = cells[index[key]];
    const auto s = read_summary(r.dir);
    if (!s || !s->value("complete", false)) {
      ++c.missing;
      continue;
    }
    c.final_return.push_back(json_number(*s, "final_return_mean"));
    c.final_eval.push_back(json_number(*s, "final_eval_return"));
    c.fps.push_back(json_number(*s, "frames_per_second"));
    c.wall.push_back(json_number(*s, "wall_seconds"));
    if (!env_runs.count(r.env)) env_order.push_back(r.env);
    env_runs[r.env].push_back(r.dir);
  }
  const bool variants = !spec.variants.empty();
  std::string table = fmt::format(
      "| env | preset | head |{} seeds | final return, IQM [95% CI] | final eval return, IQM "
      "[95% CI] | frames/s | wall s/run |\n|---|---|---|{}---|---|---|---|---|\n",
      variants ? " variant |" : "", variants ? "---|" : "");
  for (const Cell& c : cells) {
    double fps = 0, wall = 0;
    for (double x : c.fps) fps += x;
    for (double x : c.wall) wall += x;
    const double n = static_cast<double>(c.fps.size());
    table += fmt::format("| {} | {} | {} |{} {}{} | {} | {} | {} | {} |\n", c.env, c.preset, c.head,
                         variants ? " " + c.variant + " |" : "", c.final_return.size(),
                         c.missing ? fmt::format(" ({} missing)", c.missing) : "",
                         format_iqm(c.final_return), format_iqm(c.final_eval),
                         n > 0 ? fmt::format("{:.0f}", fps / n) : "-",
                         n > 0 ? fmt::format("{:.1f}", wall / n) : "-");
  }
  std::filesystem::create_directories(out);
  SweepReport report;
  report.table = table;
  report.report = out / "report.md";
  for (const auto& env : env_order) {
    PlotOptions po;
    po.metric = spec.plot_metric;
    po.x = "frames";
    po.out = out / ("curves-" + sanitize(env) + ".png");
    po.title = fmt::format("{}: {} (mean and 95% t-band over seeds)", env, spec.plot_metric);
    try {
      plot_runs(env_runs[env], po);
      report.plots.push_back(po.out);
    } catch (const std::exception& e) {
      report.plot_error = e.what();
      break;
    }
  }
  std::string md = fmt::format("# Sweep `{}`\n\n", spec.name);
  if (!spec.description.empty()) md += spec.description + "\n\n";
  md += fmt::format(
      "Sweep file `{}`; {} runs ({} presets x {} envs x {} heads x {}{} seeds).\n\n"
      "- *final return*: mean return of the last 100 training episodes of a run (summary.json "
      "`final_return_mean`, behaviour policy with its final epsilon).\n"
      "- *final eval return*: the run's last evaluation (`final_eval_return`: eval.episodes "
      "episodes at eval.epsilon), '-' when the runs do not evaluate.\n"
      "- IQM: interquartile mean over seeds; 95% CI: percentile bootstrap over seeds "
      "(10,000 replicates, stratified by cell; with 3 seeds the IQM is the mean).\n"
      "- frames/s and wall time: mean per run, wall-clock; runs shared the machine ({} processes "
      "at a time{}).\n\n",
      spec.source, runs.size(), spec.presets.size(),
      spec.envs.empty() ? size_t{1} : spec.envs.size(),
      spec.heads.empty() ? size_t{1} : spec.heads.size(),
      variants ? fmt::format("{} variants x ", spec.variants.size()) : "", spec.seeds.size(),
      spec.processes,
      spec.group_seeds ? "; the seeds of a cell stepped in turn in shared processes, so a run's "
                         "own rate is its process's divided among them"
                       : "");
  md += table + "\n";
  for (const auto& p : report.plots) {
    md += fmt::format("![{}]({})\n\n", p.filename().string(), p.filename().string());
  }
  if (!report.plot_error.empty()) md += "Plots not drawn: " + report.plot_error + "\n";
  if (spec.report) {
    std::vector<std::string> methods, envs;
    std::map<std::pair<std::string, std::string>, std::vector<double>> final_scores, curve_scores;
    for (const auto& r : runs) {
      const std::string method = method_label(spec, r);
      if (std::find(methods.begin(), methods.end(), method) == methods.end())
        methods.push_back(method);
      if (std::find(envs.begin(), envs.end(), r.env) == envs.end()) envs.push_back(r.env);
      const auto s = read_summary(r.dir);
      if (!s || !s->value("complete", false)) continue;
      final_scores[{method, r.env}].push_back(json_number(*s, "final_return_mean"));
      curve_scores[{method, r.env}].push_back(curve_mean(r.dir, spec.plot_metric));
    }
    std::string normalisation = "no normalised scores: report.random does not give every env's";
    if (spec.report->random.size() == envs.size()) {
      normalisation =
          "normalised score = (score - random) / (the baseline's IQM on the env - "
          "random), random: ";
      for (size_t i = 0; i < spec.report->random.size(); ++i) {
        normalisation += fmt::format("{}{} {}", i ? ", " : "", spec.report->random[i].first,
                                     spec.report->random[i].second);
      }
    }
    md += fmt::format(
        "## Methods across envs (baseline {})\n\n"
        "Over the {} envs ({}): {}; IQM over every run of a method, 95% stratified bootstrap "
        "interval (10,000 replicates, each env's seeds resampled). P(method > baseline): the "
        "probability of improvement (rliable), the chance that a run of the method beats a run "
        "of the baseline on the same env (ties count a half), averaged over envs; interval from "
        "the same bootstrap. A method without complete runs on every env is 'incomplete'.\n\n",
        spec.report->baseline, envs.size(), fmt::join(envs, ", "), normalisation);
    md += method_comparison(spec, "Final return (last 100 training episodes)", methods, envs,
                            final_scores);
    md += method_comparison(
        spec,
        fmt::format("Area under the curve (mean of {} over the metrics rows)", spec.plot_metric),
        methods, envs, curve_scores);
  }
  write_file_atomically(report.report, md);
  return report;
}

SweepFileHeader parse_sweep_header(std::string_view text, const std::string& source) {
  SweepFileHeader header;
  try {
    header.root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    fail("{}:{}:{}: {}", source, e.source().begin.line, e.source().begin.column, e.description());
  }
  header.name = std::filesystem::path(source).stem().string();
  if (text.starts_with("#")) {
    const auto end = text.find('\n');
    std::string_view line =
        text.substr(1, end == std::string_view::npos ? text.size() - 1 : end - 1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    header.description = std::string(line);
  }
  if (const toml::table* sweep = header.root["sweep"].as_table()) {
    if (const auto* n = sweep->get("name")) {
      const auto name = n->value<std::string>();
      if (!name || name->empty() || name->find('/') != std::string::npos) {
        fail("{}: sweep.name must be a non-empty string without '/'", source);
      }
      header.name = *name;
    }
  }
  return header;
}

std::vector<int64_t> sweep_seeds(const toml::table& sweep, const std::string& source) {
  const toml::node* seeds = sweep.get("seeds");
  if (!seeds) fail("{}: [sweep] needs 'seeds', a count or a list of seeds", source);
  std::vector<int64_t> out;
  if (const auto n = seeds->value_exact<int64_t>()) {
    if (*n < 1 || *n > 100000) fail("{}: sweep.seeds must be a count in [1, 100000]", source);
    for (int64_t s = 0; s < *n; ++s) out.push_back(s);
  } else if (const auto* a = seeds->as_array(); a && !a->empty()) {
    for (const auto& item : *a) {
      const auto s = item.value_exact<int64_t>();
      if (!s || *s < 0) fail("{}: sweep.seeds must list integers >= 0", source);
      out.push_back(*s);
    }
  } else {
    fail("{}: sweep.seeds must be a count or a non-empty list of seeds", source);
  }
  return out;
}

void flatten_assignments(const toml::table& table, const std::string& prefix,
                         const std::string& source, std::vector<std::string>& out) {
  for (const auto& [k, node] : table) {
    const std::string key =
        prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = node.as_table()) {
      flatten_assignments(*sub, key, source, out);
    } else if (const auto s = node.value_exact<std::string>()) {
      out.push_back(key + "=" + *s);
    } else if (const auto b = node.value_exact<bool>()) {
      out.push_back(key + "=" + (*b ? "true" : "false"));
    } else if (const auto i = node.value_exact<int64_t>()) {
      out.push_back(fmt::format("{}={}", key, *i));
    } else if (const auto d = node.value_exact<double>()) {
      out.push_back(fmt::format("{}={}", key, *d));
    } else {
      fail("{}: {} must be a string, boolean, integer or float", source, key);
    }
  }
}

}  // namespace valor::run
