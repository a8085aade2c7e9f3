#include "valor/run/run_dir.h"

#include <fcntl.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
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

// rename(2) that never replaces what is at `to`: false when it exists.
bool rename_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return true;
  }
  if (errno == EEXIST || errno == ENOTEMPTY) return false;
  throw std::runtime_error(fmt::format("cannot rename '{}' to '{}': {}", from.string(), to.string(),
                                       std::strerror(errno)));
}

// What an interrupted creation, or a sweep preparing a run, leaves in a folder that holds no run
// yet: its output file, a log, and empty checkpoints/ (an entry of the first two is kept).
bool leftover_of_creation(const fs::directory_entry& entry) {
  const std::string name = entry.path().filename().string();
  if (name == "train.out" || name == "log.txt" || name == ".lock") return true;
  if (name.starts_with(".") && name.find(".tmp.") != std::string::npos) return true;
  std::error_code ec;
  return name == "checkpoints" && entry.is_directory() && fs::is_empty(entry.path(), ec);
}

// A hidden folder beside `final` holding config.toml (unless `config_toml` is empty) and empty
// checkpoints/: what a new run starts with.
fs::path make_staging_folder(const fs::path& final_path, std::string_view config_toml) {
  static std::atomic<unsigned> counter{0};
  const fs::path staging =
      final_path.parent_path() / fmt::format(".{}.new.{}.{}", final_path.filename().string(),
                                             static_cast<long>(::getpid()), counter++);
  create_folders(staging / "checkpoints");
  if (!config_toml.empty()) write_file_atomically(staging / "config.toml", config_toml);
  return staging;
}

// Moves the staging folder's contents into `final_path`: the folder as a whole when nothing is
// there yet (true), else into an existing folder that holds no run, config.toml last, so that the
// run exists once config.toml does. False when `final_path` appeared meanwhile as a folder that
// cannot take the run.
bool move_into_place(const fs::path& staging, const fs::path& final_path, bool may_exist) {
  std::error_code ec;
  if (!fs::exists(final_path, ec)) {
    if (rename_no_replace(staging, final_path)) return true;
  }
  if (!may_exist) return false;
  const fs::path checkpoints = final_path / "checkpoints";
  if (fs::is_directory(checkpoints, ec)) fs::remove(checkpoints, ec);  // empty, as checked
  if (!rename_no_replace(staging / "checkpoints", checkpoints)) return false;
  if (fs::exists(staging / "config.toml", ec) &&
      !rename_no_replace(staging / "config.toml", final_path / "config.toml")) {
    return false;
  }
  fs::remove_all(staging, ec);
  return true;
}

// Deletes the temporary files of writes that a kill interrupted (.<name>.tmp.*), in `folder`.
void remove_stale_temp_files(const fs::path& folder) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".") && name.find(".tmp.") != std::string::npos) {
      fs::remove(entry.path(), ec);
    }
  }
}

}  // namespace

RunDir::RunDir(fs::path path) : path_(std::move(path)) {
  lock_ = FolderLock::acquire(path_, "run folder");
  create_folders(checkpoints_dir());
  remove_stale_temp_files(path_);
  remove_stale_temp_files(checkpoints_dir());
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
                            std::string_view config_toml,
                            std::chrono::system_clock::time_point now) {
  if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..") {
    fail("run name '{}' is not usable as a folder name: give a non-empty name without '/'", name);
  }
  create_folders(base);
  const std::string stem = fmt::format("{}-{}", name, timestamp(now));
  fs::path path = base / stem;
  const fs::path staging = make_staging_folder(path, config_toml);
  for (int suffix = 2; !move_into_place(staging, path, false); ++suffix) {
    path = base / fmt::format("{}-{}", stem, suffix);
  }
  return RunDir(path);
}

RunDir RunDir::create_at(const fs::path& out, std::string_view config_toml) {
  check_can_create_at(out);
  create_folders(out.parent_path().empty() ? fs::path(".") : out.parent_path());
  const fs::path staging = make_staging_folder(out, config_toml);
  if (!move_into_place(staging, out, true)) {
    std::error_code ec;
    fs::remove_all(staging, ec);
    check_can_create_at(out);  // names what is there now
    fail("--out '{}' was taken by another process meanwhile: choose another --out", out.string());
  }
  return RunDir(out);
}

void RunDir::check_can_create_at(const fs::path& out) {
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec)) {
    fail("--out '{}' exists and is not a folder: choose another --out", out.string());
  }
  if (!fs::exists(out, ec)) return;
  for (const char* entry : {"config.toml", "metrics.csv"}) {
    if (fs::exists(out / entry, ec)) {
      fail(
          "--out '{}' already holds a run ({} exists): resume it (`--resume {}` where the command "
          "offers it) or choose another --out",
          out.string(), entry, out.string());
    }
  }
  for (const auto& entry : fs::directory_iterator(out, ec)) {
    if (!leftover_of_creation(entry)) {
      fail(
          "--out '{}' is a folder that holds other files ({}); a run goes into a new or empty "
          "folder: choose another --out",
          out.string(), entry.path().filename().string());
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
