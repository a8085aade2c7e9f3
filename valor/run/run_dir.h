// A run directory: the folder one training/evaluation run writes everything into.
//
//   <run>/config.toml    the resolved config, written once at start (atomic)
//   <run>/metrics.csv    one row per logging step (see metrics.h)
//   <run>/log.txt        human-readable log, appended and flushed per message
//   <run>/summary.json   final or latest summary (atomic, pretty-printed)
//   <run>/checkpoints/   ckpt-<step>.bin files (see checkpoint.h)
#pragma once

#include <spdlog/common.h>
#include <spdlog/logger.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

namespace valor::run {

class RunDir {
 public:
  // Creates `<base>/<name>-<YYYYmmdd-HHMMSS>/` (local time of `now`), appending -2, -3, ... when
  // that folder already exists. `base` is created if missing. `name` must be non-empty and hold
  // no '/' (valor::Error otherwise).
  static RunDir create_named(
      const std::filesystem::path& base, std::string_view name,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

  // Uses exactly `out` (an explicit --out), creating it if missing. If it already holds a run
  // (config.toml, metrics.csv or checkpoints/), throws valor::Error pointing at resume or
  // another --out.
  static RunDir create_at(const std::filesystem::path& out);
  // The checks of create_at without creating anything (to check several folders first).
  static void check_can_create_at(const std::filesystem::path& out);

  // Opens an existing run for resuming; valor::Error unless `path` is a folder holding
  // config.toml. Creates checkpoints/ if it is missing.
  static RunDir open(const std::filesystem::path& path);

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
  std::shared_ptr<spdlog::logger> logger_;
  spdlog::sink_ptr stderr_sink_;
};

}  // namespace valor::run
