// The Slurm backend of `valor sweep` (docs/cluster.md): the runs that are not complete go to the
// cluster as one job array, a task per run, instead of to local child processes. Each task runs
// `valor train` with resume semantics (resume the run if its folder holds one, else start it), so a
// failed, preempted, requeued or cancelled task leaves a run that the next task or sweep resumes.
// The sweep then follows the array with squeue and the runs' own folders, and writes the same
// report as the local backend. Files under <out>/slurm/: array-<n>.sh (the script submitted),
// job (the last array's id and task count), <job>_<task>.out (each task's Slurm log).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "valor/run/sweep.h"

namespace valor::run {

struct SlurmOptions {
  std::string partition;                 // sbatch --partition (empty: the cluster's default)
  std::string time;                      // --time, e.g. "02:00:00" (empty: the partition's default)
  std::string mem;                       // --mem, e.g. "4G" (empty: the default)
  int cpus_per_run = 1;                  // --cpus-per-task
  int max_concurrent = 0;                // tasks at once (--array=...%K); 0: no limit
  std::vector<std::string> sbatch_args;  // passed to sbatch as they are, after the above
  bool wait = true;                      // follow the array until every task has ended
  double poll_seconds = 10.0;            // between squeue calls while following
};

// The array script: a bash script whose task i (SLURM_ARRAY_TASK_ID) resumes runs[i] when its
// folder holds a run (config.toml), else starts it with the command of train_command, appending
// its output to <dir>/train.out as the local backend does.
std::string slurm_array_script(const std::vector<const SweepRun*>& runs,
                               const std::filesystem::path& exe, const std::string& sweep_name);

// sbatch's command line for `tasks` tasks of `script`, logs into `log_dir`.
std::vector<std::string> sbatch_command(const SlurmOptions& options, size_t tasks,
                                        const std::filesystem::path& script,
                                        const std::filesystem::path& log_dir,
                                        const std::string& job_name);

// Submits the runs of `runs` that are not complete as one array (or, when the array recorded in
// <out>/slurm/job is still queued or running, follows that one instead of submitting again) and,
// with options.wait, follows it with a progress line until every task has ended; then counts the
// runs complete and failed (a run not complete when its task ended). control.stop while following
// stops following (the array keeps running on the cluster; interrupted is set). std::runtime_error
// (exit status 1) when sbatch or squeue cannot be run or sbatch refuses the job, with what was
// tried and what it said.
struct SlurmOutcome {
  SweepOutcome sweep;
  std::string job_id;  // of the array followed or submitted ("" when nothing was left to run)
  bool submitted = false;
};
SlurmOutcome execute_sweep_slurm(const std::vector<SweepRun>& runs, const SlurmOptions& options,
                                 const SweepControl& control, const std::filesystem::path& out,
                                 const std::string& sweep_name);

}  // namespace valor::run
