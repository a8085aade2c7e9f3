#include "valor/agent/train.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "valor/core/atomic_file.h"
#include "valor/core/byte_stream.h"
#include "valor/core/error.h"
#include "valor/run/checkpoint.h"
#include "valor/run/metrics.h"
#include "valor/run/run_config.h"
#include "valor/run/testing_temp_dir.h"

namespace valor::agent {
namespace {

Config small_config(const std::string& head, std::vector<std::string> extra = {}) {
  ConfigSchema schema;
  run::declare_run_config(schema);
  declare_train_config(schema);
  Config c(schema);
  std::vector<std::string> sets = {"env.name=CartPole-v1",
                                   "network.hidden=32",
                                   "value.head=" + head,
                                   "value.v_min=0",
                                   "value.v_max=60",
                                   "value.bins=21",
                                   "value.quantiles=11",
                                   "train.frames=2400",
                                   "train.learning_starts=300",
                                   "train.batch_size=16",
                                   "train.replay_capacity=1000",
                                   "train.n_step=3",
                                   "train.double_dqn=true",
                                   "train.optimizer=adam",
                                   "train.learning_rate=0.001",
                                   "train.target_update_period=100",
                                   "train.epsilon_decay_frames=1000",
                                   "train.log_every_frames=200",
                                   "train.checkpoint_every_frames=600",
                                   "eval.every_frames=800",
                                   "eval.episodes=2",
                                   "run.seed=5",
                                   "run.checkpoint_keep=2"};
  sets.insert(sets.end(), extra.begin(), extra.end());
  for (const auto& s : sets) c.apply_override(s, "test");
  return c;
}

run::RunDir make_run(const std::filesystem::path& path, const Config& config) {
  return run::RunDir::create_at(path, config.to_toml());
}

// Every metric column except wall-clock frames/second, NaN equal to NaN, compared bit for bit.
void expect_same_metrics(const std::filesystem::path& a, const std::filesystem::path& b) {
  const run::MetricsTable ta = run::read_metrics_csv(a / "metrics.csv");
  const run::MetricsTable tb = run::read_metrics_csv(b / "metrics.csv");
  ASSERT_EQ(ta.columns, tb.columns);
  ASSERT_EQ(ta.rows.size(), tb.rows.size());
  const size_t fps = *ta.column_index("frames_per_second");
  for (size_t r = 0; r < ta.rows.size(); ++r) {
    for (size_t c = 0; c < ta.columns.size(); ++c) {
      if (c == fps) continue;
      const double x = ta.rows[r][c], y = tb.rows[r][c];
      EXPECT_TRUE((std::isnan(x) && std::isnan(y)) || x == y)
          << "row " << r << " column " << ta.columns[c] << ": " << x << " vs " << y;
    }
  }
}

TrainControl quiet() {
  TrainControl c;
  c.progress = nullptr;
  return c;
}

class TrainRun : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainRun, SameSeedGivesIdenticalMetrics) {
  run::testing::TempDir tmp;
  const Config config = small_config(GetParam());
  run::RunDir a = make_run(tmp / "a", config), b = make_run(tmp / "b", config);
  ASSERT_EQ(train(a, config, false, quiet()), TrainOutcome::kComplete);
  ASSERT_EQ(train(b, config, false, quiet()), TrainOutcome::kComplete);
  expect_same_metrics(tmp / "a", tmp / "b");
  const auto t = run::read_metrics_csv(tmp / "a" / "metrics.csv");
  EXPECT_EQ(t.rows.size(), 12u);
  const auto summary = nlohmann::json::parse(read_file(tmp / "a" / "summary.json"));
  EXPECT_TRUE(summary["complete"].get<bool>());
  EXPECT_EQ(summary["frames"].get<int64_t>(), 2400);
  EXPECT_EQ(summary["updates"].get<int64_t>(), 2100);
  for (const char* key : {"wall_seconds", "frames_per_second", "final_return_mean",
                          "final_eval_return", "episodes", "max_rss_mb"}) {
    EXPECT_TRUE(summary.contains(key)) << key;
  }
  // Another seed gives another run.
  const Config other = small_config(GetParam(), {"run.seed=6"});
  run::RunDir c = make_run(tmp / "c", other);
  train(c, other, false, quiet());
  EXPECT_NE(read_file(tmp / "a" / "metrics.csv").substr(0, 400),
            read_file(tmp / "c" / "metrics.csv").substr(0, 400));
}

// Runs `config` into tmp/crash<F>, crashing right after frame F (no checkpoint at that moment),
// resumes it from its newest checkpoint, and expects the metrics of the uninterrupted run `ref`.
void expect_crashes_resume_to(const run::testing::TempDir& tmp, const Config& config,
                              std::initializer_list<int64_t> crashes,
                              const std::filesystem::path& ref) {
  for (const int64_t crash : crashes) {
    const auto path = tmp / ("crash" + std::to_string(crash));
    {
      run::RunDir dir = make_run(path, config);
      TrainControl control = quiet();
      control.crash_after_frame = crash;
      ASSERT_EQ(train(dir, config, false, control), TrainOutcome::kInterrupted);
    }  // the crashed process's lock goes with it
    run::RunDir reopened = run::RunDir::open(path);
    ASSERT_EQ(train(reopened, config, true, quiet()), TrainOutcome::kComplete);
    SCOPED_TRACE("crash after frame " + std::to_string(crash));
    expect_same_metrics(ref, path);
  }
}

// A run that dies at any frame (no checkpoint at the moment of death) and is resumed from its
// newest checkpoint ends with the metrics of an uninterrupted run, bit for bit.
TEST_P(TrainRun, CrashAndResumeMatchesAnUninterruptedRun) {
  run::testing::TempDir tmp;
  const Config config = small_config(GetParam());
  run::RunDir ref = make_run(tmp / "ref", config);
  train(ref, config, false, quiet());
  expect_crashes_resume_to(tmp, config, {150, 600, 1313, 2399}, tmp / "ref");
}

// An interruption (the stop flag, as SIGINT sets it) checkpoints the current frame.
TEST_P(TrainRun, StopCheckpointsAndResumes) {
  run::testing::TempDir tmp;
  const Config config = small_config(GetParam());
  run::RunDir ref = make_run(tmp / "ref", config);
  train(ref, config, false, quiet());
  run::RunDir dir = make_run(tmp / "stopped", config);
  std::atomic<bool> stop{true};
  TrainControl control = quiet();
  control.stop = &stop;
  ASSERT_EQ(train(dir, config, false, control), TrainOutcome::kInterrupted);
  const auto summary = nlohmann::json::parse(read_file(tmp / "stopped" / "summary.json"));
  EXPECT_FALSE(summary["complete"].get<bool>());
  EXPECT_EQ(summary["frames"].get<int64_t>(), 1);
  ASSERT_EQ(train(dir, config, true, quiet()), TrainOutcome::kComplete);
  expect_same_metrics(tmp / "ref", tmp / "stopped");
}

INSTANTIATE_TEST_SUITE_P(Heads, TrainRun, ::testing::Values("huber", "c51", "qr"));

// train.num_envs = 4 (two threads): every iteration steps four environments and counts four
// frames; the run is deterministic, does not depend on the thread count, and resumes bit for bit
// after a crash at any iteration.
TEST(Train, FourEnvironmentsAreDeterministicAndResume) {
  run::testing::TempDir tmp;
  const Config config = small_config("huber", {"train.num_envs=4", "train.env_threads=2"});
  run::RunDir a = make_run(tmp / "a", config), b = make_run(tmp / "b", config);
  ASSERT_EQ(train(a, config, false, quiet()), TrainOutcome::kComplete);
  ASSERT_EQ(train(b, config, false, quiet()), TrainOutcome::kComplete);
  expect_same_metrics(tmp / "a", tmp / "b");
  const auto summary = nlohmann::json::parse(read_file(tmp / "a" / "summary.json"));
  EXPECT_EQ(summary["frames"].get<int64_t>(), 2400);
  // One update per frame past learning_starts, as with one environment.
  EXPECT_EQ(summary["updates"].get<int64_t>(), 2100);
  const auto t = run::read_metrics_csv(tmp / "a" / "metrics.csv");
  ASSERT_EQ(t.rows.size(), 12u);
  // Episodes from all four environments are counted (CartPole's random episodes last ~20 steps).
  EXPECT_GT(t.rows.back()[*t.column_index("episodes")], 40.0);

  const Config one_thread = small_config("huber", {"train.num_envs=4", "train.env_threads=1"});
  EXPECT_EQ(config_fingerprint(config), config_fingerprint(one_thread));
  run::RunDir c = make_run(tmp / "c", one_thread);
  ASSERT_EQ(train(c, one_thread, false, quiet()), TrainOutcome::kComplete);
  expect_same_metrics(tmp / "a", tmp / "c");

  expect_crashes_resume_to(tmp, config, {152, 600, 1316, 2396}, tmp / "a");
}

// A checkpoint written before train.num_envs existed (trainer state "TRN1": one episode and no
// count of environments) still resumes, bit for bit. It is made here from a new one by removing
// the count and restoring the old tag.
TEST(Train, CheckpointOfTheOneEnvironmentFormatResumes) {
  run::testing::TempDir tmp;
  const Config config = small_config("huber");
  run::RunDir ref = make_run(tmp / "ref", config);
  ASSERT_EQ(train(ref, config, false, quiet()), TrainOutcome::kComplete);
  run::RunDir dir = make_run(tmp / "old", config);
  TrainControl control = quiet();
  control.crash_after_frame = 700;
  ASSERT_EQ(train(dir, config, false, control), TrainOutcome::kInterrupted);

  run::CheckpointStore store(tmp / "old" / "checkpoints", 2);
  ASSERT_EQ(store.latest_step(), std::optional<uint64_t>(600));
  run::Checkpoint c = store.load(600);
  const std::string& state = c["trainer"];
  ByteReader r(state, "trainer state");
  ASSERT_EQ(r.get<uint32_t>(), 0x54524e32u);  // "TRN2"
  r.get<int64_t>();                           // frames
  r.get<int64_t>();                           // episodes
  size_t count_at = sizeof(uint32_t) + 2 * sizeof(int64_t);
  for (int k = 0; k < 4; ++k) count_at += sizeof(uint64_t) + r.get_string().size();  // generators
  ASSERT_EQ(r.get<uint64_t>(), 1u);  // one environment
  ByteWriter old;
  old.put<uint32_t>(0x54524e31);  // "TRN1"
  std::string bytes = old.take();
  bytes += state.substr(sizeof(uint32_t), count_at - sizeof(uint32_t));
  bytes += state.substr(count_at + sizeof(uint64_t));
  c["trainer"] = bytes;
  store.save(600, c);

  ASSERT_EQ(train(dir, config, true, quiet()), TrainOutcome::kComplete);
  expect_same_metrics(tmp / "ref", tmp / "old");
}

// More environments give another run, and resuming with another count is refused.
TEST(Train, NumEnvsIsPartOfTheConfiguration) {
  const Config one = small_config("huber");
  const Config four = small_config("huber", {"train.num_envs=4"});
  EXPECT_NE(config_fingerprint(one), config_fingerprint(four));
  EXPECT_EQ(fingerprint_differences(one, four).size(), 1u);
  EXPECT_EQ(config_fingerprint(one),
            config_fingerprint(small_config("huber", {"train.env_threads=2"})));
  EXPECT_THROW(train_options(small_config("huber", {"train.num_envs=7"})), Error);  // 2400 % 7
  EXPECT_THROW(train_options(small_config(
                   "huber", {"train.num_envs=3", "train.frames=2100", "train.log_every_frames=200",
                             "train.checkpoint_every_frames=600"})),
               Error);  // 200 % 3
  EXPECT_NO_THROW(train_options(small_config("huber", {"train.num_envs=8"})));
}

// The newest checkpoint of a run.
run::Checkpoint newest_checkpoint(const std::filesystem::path& run) {
  run::CheckpointStore store(run / "checkpoints", 100, nullptr);
  auto latest = store.load_latest_valid();
  if (!latest) throw std::runtime_error("no checkpoint in " + run.string());
  return latest->second;
}

// Seed s trained in a group equals seed s trained alone: the same metrics (losses, returns, update
// counts) and, at the end, the same networks, optimiser state, replay contents (observations,
// actions, returns) and n-step queue, bit for bit.
void expect_group_matches_alone(const Config& base, const std::vector<int64_t>& seeds,
                                const std::vector<int64_t>& alone, int threads) {
  run::testing::TempDir tmp;
  std::vector<Config> configs;
  std::vector<run::RunDir> dirs;
  for (int64_t s : seeds) {
    configs.push_back(base);
    configs.back().apply_override("run.seed=" + std::to_string(s), "test");
  }
  for (size_t i = 0; i < seeds.size(); ++i) {
    dirs.push_back(make_run(tmp / ("group" + std::to_string(seeds[i])), configs[i]));
  }
  std::vector<GroupRun> runs;
  for (size_t i = 0; i < seeds.size(); ++i) runs.push_back({&dirs[i], &configs[i], false});
  ASSERT_EQ(train_group(runs, threads, quiet()), TrainOutcome::kComplete);
  for (int64_t s : alone) {
    Config c = base;
    c.apply_override("run.seed=" + std::to_string(s), "test");
    const auto path = tmp / ("alone" + std::to_string(s));
    run::RunDir dir = make_run(path, c);
    ASSERT_EQ(train(dir, c, false, quiet()), TrainOutcome::kComplete);
    const auto grouped = tmp / ("group" + std::to_string(s));
    SCOPED_TRACE("seed " + std::to_string(s));
    expect_same_metrics(path, grouped);
    const auto summary = nlohmann::json::parse(read_file(grouped / "summary.json"));
    EXPECT_GE(summary["updates"].get<int64_t>(), 2000);
    EXPECT_EQ(summary["seed"].get<int64_t>(), s);
    const run::Checkpoint a = newest_checkpoint(path), g = newest_checkpoint(grouped);
    for (const char* key : {"agent", "replay", "nstep", "config_fingerprint"}) {
      EXPECT_TRUE(a.at(key) == g.at(key)) << key << " differs";
    }
  }
  // The seeds of a group are different runs.
  EXPECT_NE(read_file(tmp / "group3" / "metrics.csv"), read_file(tmp / "group5" / "metrics.csv"));
}

TEST(TrainGroup, EachSeedOfACartPoleGroupMatchesItsRunAlone) {
  const Config base = small_config("hl_gauss", {"train.frames=2300"});
  expect_group_matches_alone(base, {3, 5, 7, 9}, {5, 9}, 2);
}

TEST(TrainGroup, EachSeedOfABreakoutGroupMatchesItsRunAlone) {
  const Config base =
      small_config("huber", {"env.name=breakout", "network.kind=auto", "network.hidden=32",
                             "train.frames=2300", "train.batch_size=8", "eval.every_frames=0"});
  expect_group_matches_alone(base, {3, 5, 7, 9}, {7}, 1);
}

// A group that dies at any frame resumes, as a group on another thread count, to the runs it
// would have been alone; a stop request checkpoints every run of the group.
TEST(TrainGroup, CrashOrStopAndResumeMatchesUninterruptedRuns) {
  run::testing::TempDir tmp;
  const std::vector<int64_t> seeds = {1, 2, 3};
  std::vector<Config> configs;
  for (int64_t s : seeds) configs.push_back(small_config("c51", {"run.seed=" + std::to_string(s)}));
  for (size_t i = 0; i < seeds.size(); ++i) {
    run::RunDir ref = make_run(tmp / ("ref" + std::to_string(i)), configs[i]);
    ASSERT_EQ(train(ref, configs[i], false, quiet()), TrainOutcome::kComplete);
  }
  for (const int64_t crash : {int64_t{700}, int64_t{-2}}) {  // -2: a stop at the first frame
    const std::string name = crash < 0 ? "stop" : "crash";
    std::vector<run::RunDir> dirs;
    for (size_t i = 0; i < seeds.size(); ++i) {
      dirs.push_back(make_run(tmp / (name + std::to_string(i)), configs[i]));
    }
    std::vector<GroupRun> runs;
    for (size_t i = 0; i < seeds.size(); ++i) runs.push_back({&dirs[i], &configs[i], false});
    std::atomic<bool> stop{true};
    TrainControl control = quiet();
    if (crash >= 0) {
      control.crash_after_frame = crash;
    } else {
      control.stop = &stop;
    }
    ASSERT_EQ(train_group(runs, 2, control), TrainOutcome::kInterrupted);
    for (auto& r : runs) r.resume = true;
    ASSERT_EQ(train_group(runs, 1, quiet()), TrainOutcome::kComplete);
    for (size_t i = 0; i < seeds.size(); ++i) {
      SCOPED_TRACE(name + " of seed " + std::to_string(seeds[i]));
      expect_same_metrics(tmp / ("ref" + std::to_string(i)), tmp / (name + std::to_string(i)));
    }
  }
}

TEST(TrainGroup, SeedListsAndRanges) {
  EXPECT_EQ(parse_seed_list("", "k"), std::vector<int64_t>{});
  EXPECT_EQ(parse_seed_list("0-3", "k"), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(parse_seed_list("7, 1,10-12", "k"), (std::vector<int64_t>{7, 1, 10, 11, 12}));
  for (const char* bad : {"-1", "3-1", "a", "1,,2", "1-", "1-2-3", "0-1,1", "0-5000", "2.5"}) {
    EXPECT_THROW(parse_seed_list(bad, "train.seeds"), Error) << bad;
  }
  try {
    parse_seed_list("4,x", "train.seeds (set by --set)");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("train.seeds (set by --set): 'x'"), std::string::npos)
        << e.what();
  }
}

TEST(Train, MinAtarRunsWithBitPackedReplay) {
  run::testing::TempDir tmp;
  const Config config =
      small_config("hl_gauss", {"env.name=breakout", "network.kind=auto", "network.hidden=auto",
                                "train.frames=600", "train.learning_starts=100"});
  const TrainOptions o = train_options(config);
  EXPECT_EQ(o.dqn.network.kind, "minatar_conv");
  EXPECT_EQ(o.dqn.network.hidden, std::vector<int>{128});
  run::RunDir dir = make_run(tmp / "b", config);
  ASSERT_EQ(train(dir, config, false, quiet()), TrainOutcome::kComplete);
  const auto summary = nlohmann::json::parse(read_file(tmp / "b" / "summary.json"));
  EXPECT_EQ(summary["replay_bytes"].get<size_t>(), 1000u * (2 * 50 + 12));
}

TEST(Train, ResumeUnderAnotherConfigurationIsRefused) {
  run::testing::TempDir tmp;
  const Config config = small_config("huber", {"train.frames=700"});
  run::RunDir dir = make_run(tmp / "r", config);
  TrainControl control = quiet();
  control.crash_after_frame = 650;
  train(dir, config, false, control);
  const Config changed = small_config("huber", {"train.frames=700", "train.gamma=0.5"});
  try {
    train(dir, changed, true, quiet());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("another configuration"), std::string::npos);
  }
  const auto diffs = fingerprint_differences(config, changed);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].rfind("train.gamma: 0.99", 0), 0u) << diffs[0];
  // A longer budget is not another configuration: the run continues.
  const Config longer = small_config("huber", {"train.frames=900"});
  EXPECT_EQ(config_fingerprint(config), config_fingerprint(longer));
  EXPECT_EQ(train(dir, longer, true, quiet()), TrainOutcome::kComplete);
}

// train.frames may grow on resume, never fall below the frames a checkpoint holds; a run whose
// checkpoints are all gone starts again from frame 0, and says so in its log.
TEST(Train, ResumeBelowTheFramesDoneIsRefusedAndLostCheckpointsAreReported) {
  run::testing::TempDir tmp;
  const Config config = small_config("huber", {"train.frames=1200"});
  run::RunDir dir = make_run(tmp / "r", config);
  TrainControl control = quiet();
  control.crash_after_frame = 700;
  ASSERT_EQ(train(dir, config, false, control), TrainOutcome::kInterrupted);
  const Config shorter = small_config("huber", {"train.frames=400"});
  try {
    train(dir, shorter, true, quiet());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at frame 600, past train.frames = 400"),
              std::string::npos)
        << e.what();
  }
  std::filesystem::remove_all(tmp / "r" / "checkpoints");
  std::filesystem::create_directories(tmp / "r" / "checkpoints");
  ASSERT_EQ(train(dir, config, true, quiet()), TrainOutcome::kComplete);
  EXPECT_NE(read_file(tmp / "r" / "log.txt").find("holds no valid checkpoint"), std::string::npos);
  run::RunDir fresh = make_run(tmp / "fresh", config);
  ASSERT_EQ(train(fresh, config, false, quiet()), TrainOutcome::kComplete);
  expect_same_metrics(tmp / "fresh", tmp / "r");
}

// Checkpoints whose checksum is valid but whose contents are not (a buggy writer, a version change,
// a hand edit): every entry mutated at many places, one at a time, never aborts a resume. It
// either resumes or is refused with a valor::Error (one naming the file when the load refuses it);
// a refused newest checkpoint falls back to the previous one, saying so in the log.
TEST(TrainCheckpoint, CraftedContentsNeverAbortAResume) {
  run::testing::TempDir tmp;
  const Config config = small_config(
      "c51", {"train.frames=1000", "train.checkpoint_every_frames=200", "run.checkpoint_keep=5"});
  const auto path = tmp / "r";
  {
    run::RunDir dir = make_run(path, config);
    TrainControl control = quiet();
    control.crash_after_frame = 700;
    ASSERT_EQ(train(dir, config, false, control), TrainOutcome::kInterrupted);
  }
  run::CheckpointStore store(path / "checkpoints", 5);
  const run::Checkpoint pristine = store.load(600);
  const std::string metrics = read_file(path / "metrics.csv");
  // A newest checkpoint that cannot be used falls back to the previous one, and the log says so.
  {
    run::Checkpoint bad = pristine;
    bad["replay"] = "junk";
    store.save(600, bad);
    run::RunDir dir = run::RunDir::open(path);
    TrainControl control = quiet();
    control.crash_after_frame = 401;
    ASSERT_EQ(train(dir, config, true, control), TrainOutcome::kInterrupted);
    const std::string log = read_file(path / "log.txt");
    EXPECT_NE(log.find("ckpt-000000000600.bin cannot be used"), std::string::npos) << log;
    EXPECT_NE(log.find("resumed from the older checkpoint"), std::string::npos) << log;
  }
  for (const uint64_t step : store.steps()) {
    if (step != 600) std::filesystem::remove(store.path_for(step));
  }
  size_t attempts = 0, refused = 0;
  const auto attempt = [&](const std::string& key, size_t offset, int variant) {
    run::Checkpoint c = pristine;
    std::string& bytes = c[key];
    if (variant == 0) {
      bytes[offset] = static_cast<char>(bytes[offset] ^ 0x80);
    } else {
      for (size_t k = offset; k < std::min(bytes.size(), offset + 8); ++k) bytes[k] = '\xff';
    }
    store.save(600, c);
    write_file_atomically(path / "metrics.csv", metrics);
    run::RunDir dir = run::RunDir::open(path);
    TrainControl control = quiet();
    control.crash_after_frame = 601;  // stop right after the first iteration
    ++attempts;
    try {
      train(dir, config, true, control);
    } catch (const Error& e) {
      // Refused at load, naming the file; or (finite but absurd weights or observations) a clean
      // error once training meets the values they produce.
      if (std::string(e.what()).find("ckpt-000000000600.bin") != std::string::npos) ++refused;
    }
  };
  for (const auto& [key, bytes] : pristine) {
    if (key == "config_fingerprint") continue;
    // Every byte of the headers and of the small entries; a sample of the large ones.
    const size_t stride = bytes.size() <= 2048 ? 1 : bytes.size() / 256;
    for (size_t offset = 0; offset < bytes.size(); offset += offset < 64 ? 1 : stride) {
      attempt(key, offset, 0);
      attempt(key, offset, 1);
    }
  }
  EXPECT_GT(attempts, 1000u);
  EXPECT_GT(refused, 100u);
  std::printf("%zu crafted checkpoints, %zu refused\n", attempts, refused);
}

TEST(Train, OptionsAreCrossChecked) {
  EXPECT_THROW(train_options(small_config("huber", {"train.checkpoint_every_frames=300"})), Error);
  EXPECT_THROW(train_options(small_config("huber", {"eval.every_frames=300"})), Error);
  EXPECT_THROW(train_options(small_config("huber", {"value.v_min=100"})), Error);
  EXPECT_THROW(train_options(small_config("huber", {"network.kind=minatar_conv"})), Error);
  EXPECT_THROW(train_options(small_config("huber", {"train.batch_size=5000"})), Error);
  EXPECT_THROW(train_options(small_config("huber", {"env.name=pong"})), Error);
  // A replay that can never fit in memory is refused up front (44 GB of CartPole transitions,
  // checked where the machine has less); one that a short run never fills is fine.
  const Config huge =
      small_config("huber", {"train.replay_capacity=1000000000", "train.frames=1000000000",
                             "train.log_every_frames=1000", "train.checkpoint_every_frames=1000"});
  if (static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE)) <
      4.0e10) {
    EXPECT_THROW(train_options(huge), Error);
  }
  EXPECT_NO_THROW(train_options(small_config("huber", {"train.replay_capacity=1000000000"})));
}

TEST(Train, EpsilonSchedule) {
  TrainOptions o;
  o.learning_starts = 100;
  o.epsilon_start = 1.0;
  o.epsilon_end = 0.1;
  o.epsilon_decay_frames = 1000;
  EXPECT_EQ(o.epsilon(0), 1.0);
  EXPECT_EQ(o.epsilon(99), 1.0);
  EXPECT_EQ(o.epsilon(100), 1.0);
  EXPECT_NEAR(o.epsilon(600), 0.55, 1e-12);
  EXPECT_NEAR(o.epsilon(1100), 0.1, 1e-12);
  EXPECT_NEAR(o.epsilon(100000), 0.1, 1e-12);
}

}  // namespace
}  // namespace valor::agent
