#include "valor/run/sweep.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/run/checkpoint.h"
#include "valor/run/testing_temp_dir.h"

namespace valor::run {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

// A metrics.csv whose rows end at `last_frames`, logged every 10000 frames.
void write_metrics(const fs::path& run_dir, int64_t last_frames) {
  std::string text = "frames,episodes,train_return\n";
  for (int64_t f = 10000; f <= last_frames; f += 10000) {
    text += std::to_string(f) + ",1,2.5\n";
  }
  write_file_atomically(run_dir / "metrics.csv", text);
}

TEST(FramesDone, AnEmptyRunHasDoneNothingAndGetsNoCheckpointFolder) {
  testing::TempDir dir;
  EXPECT_EQ(frames_done(dir.path()), 0);
  EXPECT_FALSE(fs::exists(dir / "checkpoints"));
}

TEST(FramesDone, WithoutCheckpointsTheLastMetricsRowCounts) {
  testing::TempDir dir;
  write_metrics(dir.path(), 310000);
  EXPECT_EQ(frames_done(dir.path()), 310000);
}

TEST(FramesDone, ACheckpointPastTheLastRowIsWhereTheRunResumes) {
  // A run stopped at frame 315898: its last row is 310000, its newest checkpoint 315898.
  testing::TempDir dir;
  write_metrics(dir.path(), 310000);
  CheckpointStore store(dir / "checkpoints", 3);
  store.save(300000, Checkpoint{{"x", "1"}});
  store.save(315898, Checkpoint{{"x", "2"}});
  EXPECT_EQ(frames_done(dir.path()), 315898);
}

TEST(FramesDone, ARowPastTheNewestCheckpointCounts) {
  testing::TempDir dir;
  write_metrics(dir.path(), 310000);
  CheckpointStore(dir / "checkpoints", 1).save(300000, Checkpoint{{"x", "1"}});
  EXPECT_EQ(frames_done(dir.path()), 310000);
}

TEST(FramesDone, AnUnreadableMetricsFileCountsAsAbsent) {
  testing::TempDir dir;
  write_file_atomically(dir / "metrics.csv", "frames,episodes\n10000,not-a-number\n");
  EXPECT_EQ(frames_done(dir.path()), 0);
  CheckpointStore(dir / "checkpoints", 1).save(5000, Checkpoint{{"x", "1"}});
  EXPECT_EQ(frames_done(dir.path()), 5000);
}

TEST(FramesDone, RowsWrittenBeforeTheRunRestartedCountOnlyOnceItWritesAgain) {
  // A run interrupted at 839077 whose checkpoints were lost (a fresh clone holds light files
  // only) starts again from frame 0: its old rows are not done, until it writes metrics.csv anew.
  testing::TempDir dir;
  write_metrics(dir.path(), 830000);
  const auto since = fs::last_write_time(dir / "metrics.csv") + std::chrono::seconds(1);
  EXPECT_EQ(frames_done(dir.path(), since), 0);
  EXPECT_EQ(frames_done(dir.path()), 830000);
  // With a checkpoint it resumes there, and the rows past it are done again.
  CheckpointStore(dir / "checkpoints", 1).save(800000, Checkpoint{{"x", "1"}});
  EXPECT_EQ(frames_done(dir.path(), since), 800000);
  // The restarted run writes its rows: they count.
  write_metrics(dir.path(), 820000);
  fs::last_write_time(dir / "metrics.csv", since + std::chrono::seconds(1));
  EXPECT_EQ(frames_done(dir.path(), since), 820000);
  fs::last_write_time(dir / "metrics.csv", since);
  EXPECT_EQ(frames_done(dir.path(), since), 820000);
}

// Runs of two cells (heads a and b) with seeds 0-3, every override as plan_sweep writes them.
std::vector<SweepRun> two_cells() {
  std::vector<SweepRun> runs;
  for (const char* head : {"a", "b"}) {
    for (int64_t seed = 0; seed < 4; ++seed) {
      SweepRun r;
      r.preset = "p";
      r.seed = seed;
      r.overrides = {"train.frames=10", std::string("value.head=") + head,
                     "run.seed=" + std::to_string(seed), std::string("run.name=p--") + head};
      runs.push_back(r);
    }
  }
  return runs;
}

std::vector<std::vector<size_t>> batch_runs(const std::vector<SweepRun>& runs,
                                            const std::vector<bool>& partial, int processes,
                                            bool group) {
  std::vector<const SweepRun*> pointers;
  for (const auto& r : runs) pointers.push_back(&r);
  std::vector<std::vector<size_t>> out;
  for (const auto& b : batch_sweep_runs(pointers, partial, processes, group)) {
    for (size_t i : b.runs) EXPECT_EQ(partial[i], b.resume);
    out.push_back(b.runs);
  }
  return out;
}

TEST(BatchSweepRuns, SeedsOfACellShareProcessesAndEnoughProcessesRunAtOnce) {
  const auto runs = two_cells();
  const std::vector<bool> none(8, false);
  using Batches = std::vector<std::vector<size_t>>;
  // Two cells fill two processes: one batch per cell.
  EXPECT_EQ(batch_runs(runs, none, 2, true), (Batches{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  // Four processes: each cell in two batches.
  EXPECT_EQ(batch_runs(runs, none, 4, true), (Batches{{0, 1}, {2, 3}, {4, 5}, {6, 7}}));
  // More processes than seeds: one run per batch.
  EXPECT_EQ(batch_runs(runs, none, 16, true).size(), 8u);
  // Without grouping, one run per batch.
  EXPECT_EQ(batch_runs(runs, none, 2, false), (Batches{{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}}));
  // Partial runs (resumed) never share a process with new ones.
  const std::vector<bool> some = {true, false, true, false, false, false, false, false};
  EXPECT_EQ(batch_runs(runs, some, 1, true), (Batches{{0, 2}, {1, 3}, {4, 5, 6, 7}}));
}

TEST(ParseSweep, GroupSeedsIsABoolean) {
  const std::string head = "[sweep]\npresets = [\"p\"]\nseeds = 2\n";
  EXPECT_FALSE(parse_sweep(head, "s.toml").group_seeds);
  EXPECT_TRUE(parse_sweep(head + "group_seeds = true\n", "s.toml").group_seeds);
  EXPECT_THROW(parse_sweep(head + "group_seeds = 1\n", "s.toml"), Error);
}

std::string sweep_error(const std::string& text) {
  try {
    parse_sweep(text, "s.toml");
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted:\n" << text;
  return "";
}

// Keys the grid sets for every run would be overridden without a word: they are refused.
TEST(ParseSweep, KeysTheGridSetsAreRefusedUnderSet) {
  const std::string head = "[sweep]\npresets = [\"p\"]\nseeds = 2\n";
  EXPECT_THAT(sweep_error(head + "[set]\nrun.seed = 5\n"),
              AllOf(HasSubstr("s.toml"), HasSubstr("set.run.seed"), HasSubstr("sweep.seeds")));
  EXPECT_THAT(sweep_error(head + "[set.run]\nseed = 5\n"), HasSubstr("set.run.seed"));
  EXPECT_THAT(sweep_error(head + "[set.train]\nseeds = \"0-3\"\n"), HasSubstr("set.train.seeds"));
  EXPECT_THAT(sweep_error(head + "[set]\nrun.name = \"x\"\n"), HasSubstr("set.run.name"));
  EXPECT_THAT(sweep_error(head + "envs = [\"breakout\"]\n[set]\nenv.name = \"asterix\"\n"),
              HasSubstr("sweep.envs"));
  EXPECT_THAT(sweep_error(head + "heads = [\"c51\"]\n[set.value]\nhead = \"qr\"\n"),
              HasSubstr("sweep.heads"));
  // Without a grid over envs or heads, [set] may choose them; other tables are flattened.
  const SweepSpec spec =
      parse_sweep(head + "[set]\nenv.name = \"asterix\"\n[set.train]\nframes = 100\n", "s.toml");
  EXPECT_EQ(spec.overrides, (std::vector<std::string>{"env.name=asterix", "train.frames=100"}));
}

// [[variant]] tables: each a cell of its own, its keys after [set]'s, its name in the folder.
TEST(ParseSweep, VariantsAreCellsOfTheirOwn) {
  const std::string text =
      "[sweep]\npresets = [\"p\"]\nenvs = [\"a\", \"b\"]\nseeds = [3]\n"
      "[set]\n\"train.frames\" = 100\n"
      "[[variant]]\nname = \"adam-1\"\n\"train.optimizer\" = \"adam\"\n"
      "[[variant]]\nname = \"hl\"\nvalue.head = \"hl_gauss\"\nvalue.sigma_ratio = 0.5\n";
  const SweepSpec spec = parse_sweep(text, "s.toml");
  ASSERT_EQ(spec.variants.size(), 2u);
  EXPECT_EQ(spec.variants[1].overrides,
            (std::vector<std::string>{"value.head=hl_gauss", "value.sigma_ratio=0.5"}));
  const auto resolve = [](const std::string&, const std::vector<std::string>& overrides) {
    ResolvedRun r{"", "huber", 0};
    for (const auto& o : overrides) {
      if (o.starts_with("env.name=")) r.env = o.substr(9);
      if (o.starts_with("value.head=")) r.head = o.substr(11);
    }
    return r;
  };
  const std::vector<SweepRun> runs = plan_sweep(spec, "out", resolve);
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].dir, fs::path("out/runs/p--a--huber--adam-1--seed3"));
  EXPECT_EQ(runs[1].dir, fs::path("out/runs/p--a--hl_gauss--hl--seed3"));
  EXPECT_EQ(runs[3].dir, fs::path("out/runs/p--b--hl_gauss--hl--seed3"));
  EXPECT_EQ(runs[0].cell(), "p / a / huber / adam-1");
  EXPECT_EQ(runs[0].overrides,
            (std::vector<std::string>{"train.frames=100", "env.name=a", "train.optimizer=adam",
                                      "run.seed=3", "run.name=p--a--huber--adam-1"}));
}

TEST(ParseSweep, BadVariantsAreRefusedWithTheirName) {
  const std::string head = "[sweep]\npresets = [\"p\"]\nseeds = 2\n";
  EXPECT_THAT(sweep_error(head + "[[variant]]\n\"train.frames\" = 5\n"),
              AllOf(HasSubstr("s.toml"), HasSubstr("variant 1 needs a name")));
  EXPECT_THAT(sweep_error(head + "[[variant]]\nname = \"a b\"\nx.y = 1\n"),
              HasSubstr("variant 1 needs a name"));
  EXPECT_THAT(sweep_error(head + "[[variant]]\nname = \"a\"\n"), HasSubstr("sets no keys"));
  EXPECT_THAT(
      sweep_error(head +
                  "[[variant]]\nname = \"a\"\nx.y = 1\n[[variant]]\nname = \"a\"\nx.y = 2\n"),
      HasSubstr("two variants are named 'a'"));
  EXPECT_THAT(sweep_error(head + "[set]\nx.y = 1\n[[variant]]\nname = \"a\"\nx.y = 2\n"),
              HasSubstr("x.y is set both under [set] and by variant 'a'"));
  EXPECT_THAT(sweep_error(head + "[[variant]]\nname = \"a\"\nrun.seed = 2\n"),
              AllOf(HasSubstr("variant 'a': run.seed"), HasSubstr("sweep.seeds")));
  EXPECT_THAT(
      sweep_error(head + "heads = [\"c51\"]\n[[variant]]\nname = \"a\"\nvalue.head = \"qr\"\n"),
      HasSubstr("sweep.heads"));
  EXPECT_THAT(sweep_error(head + "[[variant]]\nname = \"a\"\nx.y = [1]\n"),
              AllOf(HasSubstr("variant 'a'"), HasSubstr("x.y must be a string")));
  EXPECT_THAT(sweep_error(head + "[variant]\nname = \"a\"\n"), HasSubstr("[[variant]] tables"));
}

// The error of planning `text` (resolving every run to env "a" or its env.name, head huber).
std::string sweep_error_on_plan(const std::string& text) {
  try {
    const SweepSpec spec = parse_sweep(text, "s.toml");
    plan_sweep(spec, "out", [](const std::string&, const std::vector<std::string>& overrides) {
      ResolvedRun r{"a", "huber", 1};
      for (const auto& o : overrides) {
        if (o.starts_with("env.name=")) r.env = o.substr(9);
      }
      return r;
    });
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted:\n" << text;
  return "";
}

// [report]: methods across envs, normalised by report.random and the baseline's IQM per env.
TEST(ReportSweep, ComparesMethodsAcrossEnvsWithTheBaseline) {
  testing::TempDir dir;
  const std::string text =
      "[sweep]\npresets = [\"p\"]\nenvs = [\"a\", \"b\"]\nseeds = 3\n"
      "[[variant]]\nname = \"base\"\nx.y = 1\n[[variant]]\nname = \"new\"\nx.y = 2\n"
      "[report]\nbaseline = \"base\"\nrandom = { a = 0, b = 0.0 }\n";
  const SweepSpec spec = parse_sweep(text, "s.toml");
  const auto resolve = [](const std::string&, const std::vector<std::string>& overrides) {
    ResolvedRun r{"", "huber", 100};
    for (const auto& o : overrides) {
      if (o.starts_with("env.name=")) r.env = o.substr(9);
    }
    return r;
  };
  const std::vector<SweepRun> runs = plan_sweep(spec, dir.path(), resolve);
  ASSERT_EQ(runs.size(), 12u);
  // base: a 1 2 3, b 10 20 30; new: a 4 5 6, b 5 15 25.
  const std::map<std::string, std::vector<double>> scores = {{"a/base", {1, 2, 3}},
                                                             {"b/base", {10, 20, 30}},
                                                             {"a/new", {4, 5, 6}},
                                                             {"b/new", {5, 15, 25}}};
  for (const auto& r : runs) {
    EXPECT_EQ(method_label(spec, r), r.variant);
    const double score = scores.at(r.env + "/" + r.variant)[static_cast<size_t>(r.seed)];
    fs::create_directories(r.dir);
    write_file_atomically(r.dir / "summary.json",
                          fmt::format("{{\"complete\": true, \"final_return_mean\": {}}}", score));
    write_file_atomically(r.dir / "metrics.csv",
                          fmt::format("frames,train_return_100\n50,{}\n100,{}\n", score, score));
  }
  const SweepReport report = report_sweep(spec, runs, dir.path());
  const std::string md = read_file(report.report);
  // P(new > base): 9 of 9 pairs on a, 3 of 9 on b -> 2/3. Normalised (base IQM a 2, b 20):
  // new 2 2.5 3 0.25 0.75 1.25 -> IQM 1.625; base .5 1 1.5 .5 1 1.5 -> 1.
  EXPECT_THAT(md, HasSubstr("| base | 6 | 1.000 ["));
  EXPECT_THAT(md, HasSubstr("| new | 6 | 1.625 ["));
  EXPECT_THAT(md, HasSubstr("] | 0.667 ["));
  EXPECT_THAT(md, HasSubstr("Area under the curve"));
  // A baseline that is no method, or a random score for an env the sweep does not run.
  EXPECT_THAT(
      sweep_error_on_plan("[sweep]\npresets = [\"p\"]\nseeds = 1\n[report]\nbaseline = \"qr\"\n"),
      AllOf(HasSubstr("report.baseline 'qr'"), HasSubstr("huber")));
  EXPECT_THAT(sweep_error_on_plan("[sweep]\npresets = [\"p\"]\nenvs = [\"a\"]\nseeds = 1\n"
                                  "[report]\nbaseline = \"huber\"\nrandom = { c = 1 }\n"),
              HasSubstr("report.random.c"));
  EXPECT_THAT(sweep_error("[sweep]\npresets = [\"p\"]\nseeds = 1\n[report]\nbase = 1\n"),
              HasSubstr("unknown key report.base"));
  EXPECT_THAT(sweep_error("[sweep]\npresets = [\"p\"]\nseeds = 1\n[report]\nrandom = {}\n"),
              HasSubstr("needs a baseline"));
}

}  // namespace
}  // namespace valor::run
