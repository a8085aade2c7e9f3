#include "valor/run/run_dir.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <ctime>
#include <system_error>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"

namespace valor::run {
namespace fs = std::filesystem;
namespace {

std::string timestamp(std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&t, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &local);
  return text;
}

void create_folders(const fs::path& path) {
  std::error_code error;
  fs::create_directories(path, error);
  if (error) {
    throw std::runtime_error(
        fmt::format("cannot create folder '{}': {}", path.string(), error.message()));
  }
}

// Creates `path` itself; false when it already existed (so two runs never share a folder).
bool create_new_folder(const fs::path& path) {
  std::error_code error;
  const bool created = fs::create_directory(path, error);
  if (error) {
    throw std::runtime_error(
        fmt::format("cannot create folder '{}': {}", path.string(), error.message()));
  }
  return created;
}

}  // namespace

RunDir::RunDir(fs::path path) : path_(std::move(path)) {
  create_folders(checkpoints_dir());
  auto file_sink =
      std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_path().string(), /*truncate=*/false);
  stderr_sink_ = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  stderr_sink_->set_level(spdlog::level::off);
  logger_ = std::make_shared<spdlog::logger>("run:" + path_.filename().string(),
                                             spdlog::sinks_init_list{file_sink, stderr_sink_});
  logger_->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  logger_->set_level(spdlog::level::trace);
  logger_->flush_on(spdlog::level::trace);
}

RunDir RunDir::create_named(const fs::path& base, std::string_view name,
                            std::chrono::system_clock::time_point now) {
  if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..") {
    fail("run name '{}' is not usable as a folder name: give a non-empty name without '/'", name);
  }
  create_folders(base);
  const std::string stem = fmt::format("{}-{}", name, timestamp(now));
  fs::path path = base / stem;
  for (int suffix = 2; !create_new_folder(path); ++suffix) {
    path = base / fmt::format("{}-{}", stem, suffix);
  }
  return RunDir(path);
}

RunDir RunDir::create_at(const fs::path& out) {
  check_can_create_at(out);
  create_folders(out);
  return RunDir(out);
}

void RunDir::check_can_create_at(const fs::path& out) {
  if (fs::exists(out) && !fs::is_directory(out)) {
    fail("--out '{}' exists and is not a folder: choose another --out", out.string());
  }
  for (const char* entry : {"config.toml", "metrics.csv", "checkpoints"}) {
    if (fs::exists(out / entry)) {
      fail(
          "--out '{}' already holds a run ({} exists): resume it (`--resume {}` where the command "
          "offers it) or choose another --out",
          out.string(), entry, out.string());
    }
  }
}

RunDir RunDir::open(const fs::path& path) {
  if (!fs::is_directory(path)) {
    fail("run folder '{}' not found: give the folder of an existing run", path.string());
  }
  if (!fs::is_regular_file(path / "config.toml")) {
    fail("'{}' does not look like a run folder: it has no config.toml", path.string());
  }
  return RunDir(path);
}

void RunDir::write_config(std::string_view toml) const {
  write_file_atomically(config_path(), toml);
}

void RunDir::write_summary(const nlohmann::json& summary) const {
  write_file_atomically(summary_path(), summary.dump(2) + "\n");
}

void RunDir::mirror_log_to_stderr(spdlog::level::level_enum level) {
  stderr_sink_->set_level(level);
}

}  // namespace valor::run
