#include "valor/core/numpy_random.h"

#include <charconv>
#include <limits>

#include "valor/core/error.h"

namespace valor {
namespace {

constexpr int kN = NumpyRandomState::kStateWords;
constexpr int kM = 397;
constexpr uint32_t kMatrixA = 0x9908b0dfu;
constexpr uint32_t kUpperMask = 0x80000000u;
constexpr uint32_t kLowerMask = 0x7fffffffu;

constexpr std::string_view kStateTag = "numpy-mt19937";
constexpr std::string_view kStateVersion = "v1";

// Smallest 2^k - 1 >= range (numpy's gen_mask).
uint64_t mask_covering(uint64_t range) {
  uint64_t mask = range;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  mask |= mask >> 32;
  return mask;
}

void check_range(int64_t low, int64_t high) {
  if (low >= high) {
    fail("randint: low >= high ({} >= {}); the range [low, high) must not be empty", low, high);
  }
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::vector<std::string_view> whitespace_tokens(std::string_view text) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) tokens.push_back(text.substr(start, i - start));
  }
  return tokens;
}

// A plain decimal number (digits only) no larger than `max`.
uint64_t parse_decimal(std::string_view token, uint64_t max, std::string_view what) {
  uint64_t value = 0;
  bool digits_only = !token.empty();
  for (char c : token) digits_only = digits_only && c >= '0' && c <= '9';
  if (digits_only) {
    const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (ec == std::errc() && end == token.data() + token.size() && value <= max) return value;
  }
  fail("NumpyRandomState::load_state: {} must be a decimal integer in [0, {}], got '{}'", what, max,
       token);
}

}  // namespace

NumpyRandomState::NumpyRandomState(uint32_t seed) {
  // init_genrand from the MT19937 reference code, as numpy's mt19937_seed.
  key_[0] = seed;
  for (int i = 1; i < kN; ++i) {
    key_[i] = 1812433253u * (key_[i - 1] ^ (key_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  }
  pos_ = kN;
}

void NumpyRandomState::twist() {
  auto mix = [](uint32_t upper, uint32_t lower, uint32_t far) {
    const uint32_t y = (upper & kUpperMask) | (lower & kLowerMask);
    return far ^ (y >> 1) ^ ((y & 1u) ? kMatrixA : 0u);
  };
  int i = 0;
  for (; i < kN - kM; ++i) key_[i] = mix(key_[i], key_[i + 1], key_[i + kM]);
  for (; i < kN - 1; ++i) key_[i] = mix(key_[i], key_[i + 1], key_[i + kM - kN]);
  key_[kN - 1] = mix(key_[kN - 1], key_[0], key_[kM - 1]);
  pos_ = 0;
}

uint64_t NumpyRandomState::next_u64() {
  const uint64_t high = u32();
  return (high << 32) | u32();
}

std::vector<double> NumpyRandomState::rand(std::size_t n) {
  std::vector<double> out(n);
  for (double& x : out) x = rand();
  return out;
}

uint64_t NumpyRandomState::bounded(uint64_t range) {
  if (range == 0) return 0;
  const uint64_t mask = mask_covering(range);
  if (range <= 0xffffffffu) {
    // numpy draws 32 bits at a time whenever the range fits in 32 bits.
    uint64_t v;
    do {
      v = u32() & mask;
    } while (v > range);
    return v;
  }
  uint64_t v;
  do {
    v = next_u64() & mask;
  } while (v > range);
  return v;
}

int64_t NumpyRandomState::randint(int64_t low, int64_t high) {
  check_range(low, high);
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low) - 1;
  return static_cast<int64_t>(static_cast<uint64_t>(low) + bounded(range));
}

int64_t NumpyRandomState::randint(int64_t high) { return randint(0, high); }

std::vector<int64_t> NumpyRandomState::randint(int64_t low, int64_t high, std::size_t n) {
  check_range(low, high);
  std::vector<int64_t> out(n);
  for (int64_t& x : out) x = randint(low, high);
  return out;
}

std::string NumpyRandomState::save_state() const {
  std::string text;
  text.reserve(16 + 11 * kN);
  text += kStateTag;
  text += ' ';
  text += kStateVersion;
  text += ' ';
  text += std::to_string(pos_);
  for (uint32_t word : key_) {
    text += ' ';
    text += std::to_string(word);
  }
  return text;
}

void NumpyRandomState::load_state(std::string_view text) {
  const std::vector<std::string_view> tokens = whitespace_tokens(text);
  if (tokens.size() < 2 || tokens[0] != kStateTag || tokens[1] != kStateVersion) {
    fail(
        "NumpyRandomState::load_state: the state must start with '{} {}' (as written by "
        "save_state), got '{}'",
        kStateTag, kStateVersion, text.substr(0, 40));
  }
  if (tokens.size() != 3 + kN) {
    fail(
        "NumpyRandomState::load_state: expected '{} {} <pos> <{} key words>' ({} fields), got {} "
        "fields",
        kStateTag, kStateVersion, kN, 3 + kN, tokens.size());
  }
  NumpyRandomState loaded(0);
  loaded.pos_ = static_cast<int>(parse_decimal(tokens[2], kN, "the position"));
  for (int i = 0; i < kN; ++i) {
    loaded.key_[i] = static_cast<uint32_t>(
        parse_decimal(tokens[3 + i], std::numeric_limits<uint32_t>::max(), "a key word"));
  }
  *this = loaded;
}

}  // namespace valor
