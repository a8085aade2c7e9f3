#include "valor/run/slurm.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/core/progress.h"
#include "valor/core/subprocess.h"

namespace valor::run {
namespace fs = std::filesystem;
namespace {

std::string quoted_command(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) {
    if (!out.empty()) out += ' ';
    out += shell_quote(a);
  }
  return out;
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// The states of the array's tasks still known to squeue (PENDING, RUNNING, ...); empty once every
// task has ended. std::runtime_error when squeue cannot be run or fails otherwise.
std::vector<std::string> array_states(const std::string& job_id) {
  const std::vector<std::string> command = {"squeue", "--noheader", "--array",
                                            "--jobs", job_id,       "--format=%T"};
  const ProgramResult r = run_program(command);
  if (r.exit_code != 0) {
    // A job that has left the controller's memory is not an error: it has ended.
    if (r.err.find("Invalid job id") != std::string::npos) return {};
    throw std::runtime_error(fmt::format("'{}' failed (exit status {}): {}",
                                         quoted_command(command), r.exit_code, trim(r.err)));
  }
  std::vector<std::string> states;
  size_t start = 0;
  while (start < r.out.size()) {
    size_t end = r.out.find('\n', start);
    if (end == std::string::npos) end = r.out.size();
    const std::string line = trim(r.out.substr(start, end - start));
    if (!line.empty()) states.push_back(line);
    start = end + 1;
  }
  return states;
}

struct RecordedJob {
  std::string id;
  size_t tasks = 0;
};

std::optional<RecordedJob> read_job_record(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  std::string text;
  try {
    text = read_file(file);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  RecordedJob job;
  const auto space = text.find(' ');
  job.id = trim(text.substr(0, space));
  if (space != std::string::npos) job.tasks = std::strtoull(text.c_str() + space + 1, nullptr, 10);
  if (job.id.empty()) return std::nullopt;
  return job;
}

}  // namespace

std::string slurm_array_script(const std::vector<const SweepRun*>& runs, const fs::path& exe,
                               const std::string& sweep_name) {
  std::string script = fmt::format(
      "#!/bin/bash\n"
      "# valor sweep '{}': a Slurm array, one task per run (written by `valor sweep --backend\n"
      "# slurm`, docs/cluster.md). A task resumes its run when the folder holds one, so a failed,\n"
      "# preempted, requeued or cancelled task is continued by the next task or sweep.\n"
      "set -u\n"
      "case \"${{SLURM_ARRAY_TASK_ID:-}}\" in\n",
      sweep_name);
  for (size_t i = 0; i < runs.size(); ++i) {
    const SweepRun* r = runs[i];
    script += fmt::format(
        "  {})\n"
        "    dir={}\n"
        "    mkdir -p \"$dir\" || exit 1\n"
        "    if grep -Eqs '\"complete\": *true' \"$dir/summary.json\"; then exit 0; fi\n"
        "    if [ -f \"$dir/config.toml\" ]; then\n"
        "      exec {} >>\"$dir/train.out\" 2>&1\n"
        "    fi\n"
        "    exec {} >>\"$dir/train.out\" 2>&1\n"
        "    ;;\n",
        i, shell_quote(r->dir.string()), quoted_command(train_command({r}, true, exe)),
        quoted_command(train_command({r}, false, exe)));
  }
  script +=
      "  *)\n"
      "    echo \"valor: '${SLURM_ARRAY_TASK_ID:-}' is not a task of this array\" >&2\n"
      "    exit 2\n"
      "    ;;\n"
      "esac\n";
  return script;
}

std::vector<std::string> sbatch_command(const SlurmOptions& options, size_t tasks,
                                        const fs::path& script, const fs::path& log_dir,
                                        const std::string& job_name) {
  VALOR_CHECK(tasks >= 1);
  std::string array = fmt::format("--array=0-{}", tasks - 1);
  if (options.max_concurrent > 0) array += fmt::format("%{}", options.max_concurrent);
  std::vector<std::string> command = {"sbatch",
                                      "--parsable",
                                      array,
                                      "--job-name=" + job_name,
                                      "--output=" + (log_dir / "%A_%a.out").string(),
                                      fmt::format("--cpus-per-task={}", options.cpus_per_run)};
  if (!options.partition.empty()) command.push_back("--partition=" + options.partition);
  if (!options.time.empty()) command.push_back("--time=" + options.time);
  if (!options.mem.empty()) command.push_back("--mem=" + options.mem);
  command.insert(command.end(), options.sbatch_args.begin(), options.sbatch_args.end());
  command.push_back(script.string());
  return command;
}

SlurmOutcome execute_sweep_slurm(const std::vector<SweepRun>& runs, const SlurmOptions& options,
                                 const SweepControl& control, const fs::path& out,
                                 const std::string& sweep_name) {
  SlurmOutcome outcome;
  std::vector<const SweepRun*> todo;
  int64_t total_frames = 0, done_before = 0;
  for (const auto& r : runs) {
    total_frames += r.frames;
    if (run_state(r.dir) == RunState::kComplete) {
      ++outcome.sweep.skipped;
      done_before += r.frames;
    } else {
      todo.push_back(&r);
    }
  }
  const fs::path slurm_dir = out / "slurm";
  fs::create_directories(slurm_dir);
  const fs::path record = slurm_dir / "job";
  std::FILE* log = control.progress;

  // An array of an earlier sweep that is still queued or running already holds these runs: follow
  // it rather than start a second writer for each.
  if (const auto earlier = read_job_record(record)) {
    if (!array_states(earlier->id).empty()) {
      outcome.job_id = earlier->id;
      if (log) {
        fmt::print(log, "following Slurm array {} (submitted earlier, still queued or running)\n",
                   earlier->id);
      }
    }
  }
  if (outcome.job_id.empty()) {
    if (todo.empty()) return outcome;
    size_t n = 1;
    while (fs::exists(slurm_dir / fmt::format("array-{}.sh", n))) ++n;
    const fs::path script = slurm_dir / fmt::format("array-{}.sh", n);
    write_file_atomically(script, slurm_array_script(todo, control.executable, sweep_name));
    fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
    for (const SweepRun* r : todo) fs::create_directories(r->dir);
    const auto command =
        sbatch_command(options, todo.size(), script, slurm_dir, "valor-" + sweep_name);
    const ProgramResult r = run_program(command);
    if (r.exit_code != 0) {
      throw std::runtime_error(
          fmt::format("sbatch refused the array (exit status {}): {}\ntried: {}", r.exit_code,
                      trim(r.err + r.out), quoted_command(command)));
    }
    // --parsable prints "id" or "id;cluster".
    std::string id = trim(r.out);
    id = id.substr(0, id.find(';'));
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
      throw std::runtime_error(fmt::format("sbatch printed no job id: '{}'\ntried: {}", trim(r.out),
                                           quoted_command(command)));
    }
    write_file_atomically(record, fmt::format("{} {}\n", id, todo.size()));
    outcome.job_id = id;
    outcome.submitted = true;
    if (log) {
      fmt::print(log, "submitted Slurm array {}: {} tasks, one per run (script {})\n", id,
                 todo.size(), script.string());
    }
  }
  if (!options.wait) return outcome;
  if (log) std::fflush(log);

  ProgressOptions po;
  po.label = "sweep (slurm " + outcome.job_id + ")";
  po.unit = "frames";
  po.total = static_cast<uint64_t>(total_frames);
  po.plain_interval_seconds = control.progress_seconds;
  std::optional<Progress> progress;
  // As in run_sweep: a task resumes from its run's checkpoint, so rows of metrics.csv written
  // before the array was submitted (when its record was written) count only once the task writes
  // the file again.
  std::error_code ec;
  auto submitted = fs::last_write_time(record, ec);
  if (ec) submitted = fs::file_time_type::min();  // every row counts, as before this rule
  int64_t started_at = done_before;
  for (const SweepRun* r : todo) started_at += frames_done(r->dir, submitted);
  if (log) progress.emplace(log, po, static_cast<uint64_t>(started_at));
  int64_t shown = started_at;
  int failures_in_a_row = 0;
  for (;;) {
    if (control.stop && control.stop->load()) {
      outcome.sweep.interrupted = true;
      break;
    }
    std::vector<std::string> states;
    try {
      states = array_states(outcome.job_id);
      failures_in_a_row = 0;
    } catch (const std::runtime_error& e) {
      // A controller that does not answer for a moment is retried; for a minute, it is an error.
      if (++failures_in_a_row * options.poll_seconds >= 60.0) throw;
      if (log) fmt::print(log, "warning: {}; retrying\n", e.what());
      states = {"UNKNOWN"};
    }
    if (progress) {
      int64_t frames = done_before;
      size_t complete = outcome.sweep.skipped;
      for (const SweepRun* r : todo) {
        frames += frames_done(r->dir, submitted);
        if (run_state(r->dir) == RunState::kComplete) ++complete;
      }
      frames = std::max(frames, shown);  // a run whose newest checkpoint is unreadable goes back
      shown = frames;
      size_t running = 0, pending = 0;
      for (const auto& s : states) {
        running += s == "RUNNING" || s == "COMPLETING";
        pending += s == "PENDING" || s == "REQUEUED" || s == "CONFIGURING";
      }
      progress->update(static_cast<uint64_t>(frames), {{"runs_done", static_cast<double>(complete)},
                                                       {"running", static_cast<double>(running)},
                                                       {"pending", static_cast<double>(pending)}});
    }
    if (states.empty()) break;
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(static_cast<int64_t>(options.poll_seconds * 1000));
    while (std::chrono::steady_clock::now() < until && !(control.stop && control.stop->load())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (progress) progress->finish();
  if (outcome.sweep.interrupted) return outcome;
  for (const SweepRun* r : todo) {
    if (run_state(r->dir) == RunState::kComplete) {
      ++outcome.sweep.complete;
    } else {
      ++outcome.sweep.failed;
      outcome.sweep.failures.push_back(fmt::format(
          "{}: not complete when its Slurm task ended (see {}/train.out and {}/{}_*.out)",
          r->dir.string(), r->dir.string(), slurm_dir.string(), outcome.job_id));
    }
  }
  return outcome;
}

}  // namespace valor::run
