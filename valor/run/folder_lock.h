// One writer per folder: an advisory lock (flock) on <folder>/.lock, held for the life of the
// FolderLock. The lock file holds the holder's process id, so that a refused second writer can
// say who has the folder. The kernel drops the lock when the holder exits, however it exits.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

namespace valor::run {

class FolderLock {
 public:
  // Takes the lock on `folder` (which must exist); valor::Error naming the folder and the process
  // holding it when another open file holds it (another process, or another FolderLock of this
  // one). `what` names the folder's kind in the message ("run folder", "sweep folder").
  static FolderLock acquire(const std::filesystem::path& folder, std::string_view what);

  FolderLock() = default;
  bool held() const { return fd_ != nullptr; }

 private:
  std::shared_ptr<const int> fd_;  // closed (unlocking) with the last copy
};

}  // namespace valor::run
