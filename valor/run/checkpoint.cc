#include "valor/run/checkpoint.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <system_error>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"

namespace valor::run {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kMagic = "VALORCKP";
constexpr std::string_view kPrefix = "ckpt-";
constexpr std::string_view kSuffix = ".bin";

template <typename T>
void put_le(std::string& out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) {
    out.push_back(static_cast<char>(static_cast<uint8_t>(value >> (8 * i))));
  }
}

// Reads fields from a checkpoint's bytes; every read is bounds-checked.
class Reader {
 public:
  Reader(std::string_view bytes, std::string_view source) : bytes_(bytes), source_(source) {}

  template <typename T>
  T get(std::string_view what) {
    const std::string_view raw = take(sizeof(T), what);
    T value = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      value |= static_cast<T>(static_cast<uint8_t>(raw[i])) << (8 * i);
    }
    return value;
  }

  std::string_view take(uint64_t size, std::string_view what) {
    if (size > bytes_.size() - pos_) {
      fail(
          "checkpoint '{}' is truncated or corrupt: {} needs {} bytes at offset {} but only {} "
          "remain",
          source_, what, size, pos_, bytes_.size() - pos_);
    }
    const std::string_view raw = bytes_.substr(pos_, size);
    pos_ += size;
    return raw;
  }

  size_t remaining() const { return bytes_.size() - pos_; }

 private:
  std::string_view bytes_;
  std::string_view source_;
  size_t pos_ = 0;
};

// Parses "ckpt-<digits>.bin"; other names (temp files, strays) are not checkpoints.
std::optional<uint64_t> step_of_filename(std::string_view name) {
  if (name.size() <= kPrefix.size() + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const std::string_view digits =
      name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (digits.size() < 12) return std::nullopt;
  uint64_t step = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), step);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return step;
}

}  // namespace

uint64_t fnv1a_64(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (const char c : bytes) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string encode_checkpoint(uint64_t step, const Checkpoint& checkpoint) {
  size_t total = kMagic.size() + 4 + 8 + 8 + 8;
  for (const auto& [name, blob] : checkpoint) total += 4 + name.size() + 8 + blob.size();
  std::string out;
  out.reserve(total);
  out.append(kMagic);
  put_le<uint32_t>(out, kCheckpointFormatVersion);
  put_le<uint64_t>(out, step);
  put_le<uint64_t>(out, checkpoint.size());
  for (const auto& [name, blob] : checkpoint) {
    VALOR_CHECK(name.size() <= UINT32_MAX, "checkpoint entry name too long");
    put_le<uint32_t>(out, static_cast<uint32_t>(name.size()));
    out.append(name);
    put_le<uint64_t>(out, blob.size());
    out.append(blob);
  }
  put_le<uint64_t>(out, fnv1a_64(out));
  return out;
}

std::pair<uint64_t, Checkpoint> decode_checkpoint(std::string_view bytes, std::string_view source) {
  constexpr size_t kMinSize = kMagic.size() + 4 + 8 + 8 + 8;
  if (bytes.size() < kMinSize) {
    fail("checkpoint '{}' is truncated: {} bytes, a checkpoint has at least {}", source,
         bytes.size(), kMinSize);
  }
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    fail("'{}' is not a valor checkpoint (its first bytes are not \"{}\")", source, kMagic);
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  Reader trailer(bytes.substr(body.size()), source);
  const uint64_t stored_checksum = trailer.get<uint64_t>("checksum");
  if (stored_checksum != fnv1a_64(body)) {
    fail("checkpoint '{}' is corrupt or truncated: its checksum does not match its content",
         source);
  }
  Reader reader(body, source);
  reader.take(kMagic.size(), "magic");
  const uint32_t version = reader.get<uint32_t>("format version");
  if (version != kCheckpointFormatVersion) {
    fail("checkpoint '{}' has format version {}; this build reads version {}", source, version,
         kCheckpointFormatVersion);
  }
  const uint64_t step = reader.get<uint64_t>("step");
  const uint64_t count = reader.get<uint64_t>("entry count");
  Checkpoint checkpoint;
  for (uint64_t i = 0; i < count; ++i) {
    const uint32_t name_size = reader.get<uint32_t>("entry name size");
    std::string name(reader.take(name_size, "entry name"));
    const uint64_t blob_size = reader.get<uint64_t>("entry size");
    std::string blob(reader.take(blob_size, fmt::format("entry '{}'", name)));
    if (!checkpoint.emplace(name, std::move(blob)).second) {
      fail("checkpoint '{}' is corrupt: entry '{}' appears twice", source, name);
    }
  }
  if (reader.remaining() != 0) {
    fail("checkpoint '{}' is corrupt: {} unexpected bytes after its {} entries", source,
         reader.remaining(), count);
  }
  return {step, std::move(checkpoint)};
}

CheckpointStore::CheckpointStore(fs::path dir, size_t keep_last_k,
                                 std::shared_ptr<spdlog::logger> logger)
    : dir_(std::move(dir)), keep_last_k_(keep_last_k), logger_(std::move(logger)) {
  if (keep_last_k_ < 1) {
    fail("checkpoints to keep is {}: it must be at least 1", keep_last_k_);
  }
  std::error_code error;
  fs::create_directories(dir_, error);
  if (error) {
    throw std::runtime_error(
        fmt::format("cannot create checkpoint folder '{}': {}", dir_.string(), error.message()));
  }
}

fs::path CheckpointStore::path_for(uint64_t step) const {
  return dir_ / fmt::format("{}{:012}{}", kPrefix, step, kSuffix);
}

fs::path CheckpointStore::save(uint64_t step, const Checkpoint& checkpoint) {
  const fs::path path = path_for(step);
  write_file_atomically(path, encode_checkpoint(step, checkpoint));
  const std::vector<uint64_t> all = steps();
  for (size_t i = 0; i + keep_last_k_ < all.size(); ++i) {
    std::error_code error;
    fs::remove(path_for(all[i]), error);
    if (error) {
      throw std::runtime_error(fmt::format("cannot delete old checkpoint '{}': {}",
                                           path_for(all[i]).string(), error.message()));
    }
  }
  return path;
}

std::vector<uint64_t> CheckpointStore::steps() const {
  std::vector<uint64_t> result;
  std::error_code error;
  for (fs::directory_iterator it(dir_, error), end; !error && it != end; it.increment(error)) {
    if (!it->is_regular_file()) continue;
    if (auto step = step_of_filename(it->path().filename().string())) result.push_back(*step);
  }
  if (error) {
    throw std::runtime_error(
        fmt::format("cannot list checkpoint folder '{}': {}", dir_.string(), error.message()));
  }
  std::sort(result.begin(), result.end());
  return result;
}

std::optional<uint64_t> CheckpointStore::latest_step() const {
  const std::vector<uint64_t> all = steps();
  if (all.empty()) return std::nullopt;
  return all.back();
}

Checkpoint CheckpointStore::load(uint64_t step) const {
  const fs::path path = path_for(step);
  auto [stored_step, checkpoint] = decode_checkpoint(read_file(path), path.string());
  if (stored_step != step) {
    fail("checkpoint '{}' holds step {}, not the step {} its name says", path.string(), stored_step,
         step);
  }
  return std::move(checkpoint);
}

std::optional<std::pair<uint64_t, Checkpoint>> CheckpointStore::load_latest_valid() const {
  const std::vector<uint64_t> all = steps();
  if (all.empty()) return std::nullopt;
  std::string reasons;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    try {
      return std::make_pair(*it, load(*it));
    } catch (const Error& e) {
      if (logger_) logger_->warn("skipping checkpoint: {}", e.what());
      reasons += fmt::format("\n  {}", e.what());
    }
  }
  fail("no usable checkpoint in '{}':{}", dir_.string(), reasons);
}

}  // namespace valor::run
