#include "valor/run/slurm.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "valor/core/atomic_file.h"
#include "valor/core/subprocess.h"
#include "valor/run/testing_temp_dir.h"

namespace valor::run {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<SweepRun> two_runs(const fs::path& out) {
  std::vector<SweepRun> runs;
  for (int64_t seed : {0, 1}) {
    SweepRun r;
    r.preset = "cartpole-dqn";
    r.env = "CartPole-v1";
    r.head = "huber";
    r.seed = seed;
    r.frames = 1000;
    r.overrides = {"train.frames=1000", "run.seed=" + std::to_string(seed), "run.name=it's a name"};
    r.dir = out / "runs" / ("cell--seed" + std::to_string(seed));
    runs.push_back(r);
  }
  return runs;
}

// Replaces PATH by a folder of fake Slurm commands for the life of the object.
class FakeSlurm {
 public:
  explicit FakeSlurm(const fs::path& dir) : dir_(dir), saved_(std::getenv("PATH")) {
    fs::create_directories(dir_);
    ::setenv("PATH", (dir_.string() + ":/usr/bin:/bin").c_str(), 1);
  }
  ~FakeSlurm() { ::setenv("PATH", saved_.c_str(), 1); }
  void add(const std::string& name, const std::string& body) {
    write_file_atomically(dir_ / name, "#!/bin/sh\n" + body);
    ::chmod((dir_ / name).c_str(), 0755);
  }
  void remove(const std::string& name) { fs::remove(dir_ / name); }
  void only_fakes_on_path() { ::setenv("PATH", dir_.c_str(), 1); }

 private:
  fs::path dir_;
  std::string saved_;
};

TEST(SlurmScript, EachTaskResumesItsRunOrStartsIt) {
  testing::TempDir tmp;
  const auto runs = two_runs(tmp.path());
  const std::string script =
      slurm_array_script({&runs[0], &runs[1]}, "/opt/valor/bin/valor-torch", "demo");
  const fs::path file = tmp / "array.sh";
  write_file_atomically(file, script);
  // The script runs as bash; a fake valor prints its arguments.
  write_file_atomically(tmp / "fake-valor", "#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done\n");
  ::chmod((tmp / "fake-valor").c_str(), 0755);
  std::string text = read_file(file);
  for (size_t at; (at = text.find("/opt/valor/bin/valor-torch")) != std::string::npos;) {
    text.replace(at, std::string("/opt/valor/bin/valor-torch").size(),
                 (tmp / "fake-valor").string());
  }
  write_file_atomically(file, text);

  auto run_task = [&](const std::string& task) {
    return run_program({"env", "SLURM_ARRAY_TASK_ID=" + task, "bash", file.string()});
  };
  // A new run: `train PRESET --set ... --out DIR --quiet`, output appended to DIR/train.out.
  EXPECT_EQ(run_task("1").exit_code, 0);
  const std::string started = read_file(runs[1].dir / "train.out");
  EXPECT_THAT(started, HasSubstr("[train]\n[cartpole-dqn]\n[--set]\n[train.frames=1000]"));
  EXPECT_THAT(started, HasSubstr("[run.name=it's a name]"));
  EXPECT_THAT(started, HasSubstr("[--out]\n[" + runs[1].dir.string() + "]\n[--quiet]"));
  // A run whose folder holds one (config.toml) is resumed.
  fs::create_directories(runs[0].dir);
  write_file_atomically(runs[0].dir / "config.toml", "");
  EXPECT_EQ(run_task("0").exit_code, 0);
  EXPECT_THAT(read_file(runs[0].dir / "train.out"),
              HasSubstr("[train]\n[--resume]\n[" + runs[0].dir.string() + "]\n[--quiet]"));
  // A complete run is left alone; an unknown task is an error.
  write_file_atomically(runs[0].dir / "summary.json", "{\n  \"complete\": true\n}\n");
  fs::remove(runs[0].dir / "train.out");
  EXPECT_EQ(run_task("0").exit_code, 0);
  EXPECT_FALSE(fs::exists(runs[0].dir / "train.out"));
  const ProgramResult bad = run_task("7");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("'7' is not a task of this array"));
}

TEST(SlurmScript, SbatchGetsTheArrayAndTheOptions) {
  SlurmOptions o;
  EXPECT_THAT(sbatch_command(o, 6, "/s/a.sh", "/s", "valor-x"),
              ElementsAre("sbatch", "--parsable", "--array=0-5", "--job-name=valor-x",
                          "--output=/s/%A_%a.out", "--cpus-per-task=1", "/s/a.sh"));
  o.partition = "short";
  o.time = "01:00:00";
  o.mem = "2G";
  o.cpus_per_run = 2;
  o.max_concurrent = 3;
  o.sbatch_args = {"--qos=low", "--requeue"};
  EXPECT_THAT(sbatch_command(o, 1, "/s/a.sh", "/s", "v"),
              ElementsAre("sbatch", "--parsable", "--array=0-0%3", "--job-name=v",
                          "--output=/s/%A_%a.out", "--cpus-per-task=2", "--partition=short",
                          "--time=01:00:00", "--mem=2G", "--qos=low", "--requeue", "/s/a.sh"));
}

TEST(SlurmSweep, SubmitsFollowsAndCountsRunsThatDidNotFinish) {
  testing::TempDir tmp;
  const auto runs = two_runs(tmp / "out");
  FakeSlurm slurm(tmp / "bin");
  // sbatch records its arguments and answers with a job id; squeue reports the array ended.
  slurm.add("sbatch", "echo \"$@\" > " + (tmp / "sbatch.args").string() + "\necho '4242;c1'\n");
  slurm.add("squeue", "exit 0\n");
  SweepControl control;
  control.executable = "/opt/valor";
  control.progress = nullptr;
  SlurmOptions options;
  options.poll_seconds = 0.1;
  const SlurmOutcome first = execute_sweep_slurm(runs, options, control, tmp / "out", "t");
  EXPECT_TRUE(first.submitted);
  EXPECT_EQ(first.job_id, "4242");
  EXPECT_THAT(read_file(tmp / "sbatch.args"), HasSubstr("--array=0-1 "));
  EXPECT_EQ(read_file(tmp / "out" / "slurm" / "job"), "4242 2\n");
  EXPECT_TRUE(fs::exists(tmp / "out" / "slurm" / "array-1.sh"));
  EXPECT_EQ(first.sweep.failed, 2u);  // the fake ran nothing
  ASSERT_EQ(first.sweep.failures.size(), 2u);
  EXPECT_THAT(first.sweep.failures[0], HasSubstr("not complete when its Slurm task ended"));

  // One run completes: the next sweep submits only the other, as array-2.sh.
  write_file_atomically(runs[0].dir / "summary.json", "{\"complete\": true}");
  const SlurmOutcome second = execute_sweep_slurm(runs, options, control, tmp / "out", "t");
  EXPECT_EQ(second.sweep.skipped, 1u);
  EXPECT_THAT(read_file(tmp / "sbatch.args"), HasSubstr("--array=0-0 "));
  EXPECT_TRUE(fs::exists(tmp / "out" / "slurm" / "array-2.sh"));

  // An array still queued is followed, not submitted again.
  slurm.add("sbatch", "echo should-not-run; exit 1\n");
  slurm.add("squeue", "if [ -e " + (tmp / "ended").string() +
                          " ]; then exit 0; fi\n"
                          "touch " +
                          (tmp / "ended").string() + "\necho PENDING\n");
  const SlurmOutcome third = execute_sweep_slurm(runs, options, control, tmp / "out", "t");
  EXPECT_FALSE(third.submitted);
  EXPECT_EQ(third.job_id, "4242");

  // sbatch refusing the job, and a missing sbatch, are errors that say what was tried.
  slurm.add("squeue", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1\n");
  slurm.add("sbatch", "echo 'sbatch: error: invalid partition specified: nope' >&2; exit 1\n");
  try {
    execute_sweep_slurm(runs, options, control, tmp / "out", "t");
    ADD_FAILURE() << "a refused submission was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("invalid partition"));
    EXPECT_THAT(e.what(), HasSubstr("tried: 'sbatch' '--parsable'"));
  }
  fs::remove(tmp / "out" / "slurm" / "job");
  slurm.remove("sbatch");
  slurm.only_fakes_on_path();  // a real sbatch may be installed
  try {
    execute_sweep_slurm(runs, options, control, tmp / "out", "t");
    ADD_FAILURE() << "a missing sbatch was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot run 'sbatch'"));
    EXPECT_THAT(e.what(), HasSubstr("not found on PATH"));
  }
}

TEST(Subprocess, CapturesOutputAndStatusAndQuotesForTheShell) {
  const ProgramResult r = run_program({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  const std::string tricky = "it's $HOME `x` \"q\"";
  EXPECT_EQ(run_program({"sh", "-c", "printf %s " + shell_quote(tricky)}).out, tricky);
  EXPECT_THROW(run_program({"/nonexistent/program"}), std::runtime_error);
}

}  // namespace
}  // namespace valor::run
