// Checkpoints: a named set of byte blobs per step, one file each, written atomically.
//
// File `ckpt-<step, zero-padded to 12 digits>.bin`, all integers little-endian:
//   magic       8 bytes  "VALORCKP"
//   version     u32      1
//   step        u64
//   count       u64      number of entries
//   per entry, in ascending name order:
//     name_size u32, name bytes, blob_size u64, blob bytes
//   checksum    u64      FNV-1a 64 of every byte before it
// Any single changed byte changes the checksum, and sizes are checked against the file length,
// so corruption and truncation are detected (valor::Error naming the file).
#pragma once

#include <spdlog/logger.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace valor::run {

using Checkpoint = std::map<std::string, std::string>;

inline constexpr uint32_t kCheckpointFormatVersion = 1;

std::string encode_checkpoint(uint64_t step, const Checkpoint& checkpoint);
// `source` names the bytes' origin in error messages. Returns the step stored in the bytes.
std::pair<uint64_t, Checkpoint> decode_checkpoint(std::string_view bytes, std::string_view source);

// FNV-1a, 64-bit.
uint64_t fnv1a_64(std::string_view bytes);

class CheckpointStore {
 public:
  // `dir` is created if missing. keep_last_k >= 1 (valor::Error otherwise). `logger` (optional)
  // hears about corrupt files skipped by load_latest_valid.
  CheckpointStore(std::filesystem::path dir, size_t keep_last_k,
                  std::shared_ptr<spdlog::logger> logger = nullptr);

  // Writes the checkpoint for `step` (replacing one for the same step), then deletes all but
  // the keep_last_k highest steps. Returns the file written.
  std::filesystem::path save(uint64_t step, const Checkpoint& checkpoint);

  // Steps with a checkpoint file, ascending (files are not opened).
  std::vector<uint64_t> steps() const;
  std::optional<uint64_t> latest_step() const;

  // valor::Error naming the file if it is missing, corrupt, truncated or holds another step.
  Checkpoint load(uint64_t step) const;

  // The newest checkpoint that loads, skipping (and logging) corrupt newer ones. nullopt when
  // there are no checkpoint files; valor::Error when there are some but none loads.
  std::optional<std::pair<uint64_t, Checkpoint>> load_latest_valid() const;

  std::filesystem::path path_for(uint64_t step) const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  size_t keep_last_k_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace valor::run
