// A run directory: the folder one training/evaluation run writes everything into.
//
//   <run>/config.toml    the resolved config, written once at start (atomic)
//   <run>/metrics.csv    one row per logging step (see metrics.h)
//   <run>/log.txt        human-readable log, appended and flushed per message
//   <run>/summary.json   final or latest summary (atomic, pretty-printed)
//   <run>/checkpoints/   ckpt-<step>.bin files (see checkpoint.h)
//   <run>/.lock          held by the one process writing the run (folder_lock.h)
#pragma once

#include <spdlog/common.h>
#include <spdlog/logger.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "valor/run/folder_lock.h"

namespace valor::run {

class RunDir {
 public:
  // Creating a run is atomic: config.toml (`config_toml`, none when empty) and checkpoints/ are
  // made in a hidden folder beside the run's and renamed into place, so a run folder never exists
  // half made, and two processes never get the same folder.
  //
  // Creates `<base>/<name>-<YYYYmmdd-HHMMSS>/` (local time of `now`), appending -2, -3, ... when
  // that folder already exists. `base` is created if missing. `name` must be non-empty and hold
  // no '/' (valor::Error otherwise).
  static RunDir create_named(
      const std::filesystem::path& base, std::string_view name, std::string_view config_toml,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

  // Uses exactly `out` (an explicit --out), creating it if missing. valor::Error pointing at
  // resume or another --out if it already holds a run (config.toml or metrics.csv), is a file,
  // or is a folder holding anything but what an interrupted creation or a sweep leaves
  // (train.out, log.txt, an empty checkpoints/, temporary files).
  static RunDir create_at(const std::filesystem::path& out, std::string_view config_toml);
  // The checks of create_at without creating anything (to check several folders first).
  static void check_can_create_at(const std::filesystem::path& out);

  // Opens an existing run for resuming; valor::Error unless `path` is a folder holding
  // config.toml. Creates checkpoints/ if it is missing.
  static RunDir open(const std::filesystem::path& path);

  // Every RunDir holds the folder's lock (folder_lock.h) for its life: a second writer, in
  // this process or another, is refused with the holder's process id. On taking it, the
  // temporary files of writes a kill interrupted are deleted.

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path config_path() const { return path_ / "config.toml"; }
  std::filesystem::path metrics_path() const { return path_ / "metrics.csv"; }
  std::filesystem::path log_path() const { return path_ / "log.txt"; }
  std::filesystem::path summary_path() const { return path_ / "summary.json"; }
  std::filesystem::path checkpoints_dir() const { return path_ / "checkpoints"; }

  void write_config(std::string_view toml) const;
  // Pretty-printed (2-space indent) with a trailing newline.
  void write_summary(const nlohmann::json& summary) const;

  // Logger writing to log.txt (appending, flushed after every message). Not registered with
  // spdlog's global registry, so several runs can live in one process.
  const std::shared_ptr<spdlog::logger>& logger() const { return logger_; }
  // Also copy messages at `level` and above to stderr; spdlog::level::off stops the copy.
  void mirror_log_to_stderr(spdlog::level::level_enum level = spdlog::level::info);

 private:
  explicit RunDir(std::filesystem::path path);

  std::filesystem::path path_;
  FolderLock lock_;
  std::shared_ptr<spdlog::logger> logger_;
  spdlog::sink_ptr stderr_sink_;
};

}  // namespace valor::run
