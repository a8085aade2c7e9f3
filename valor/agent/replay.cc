#include "valor/agent/replay.h"

#include <cmath>
#include <cstring>

#include "valor/core/byte_stream.h"
#include "valor/core/error.h"

namespace valor::agent {

namespace {
constexpr uint32_t kAssemblerTag = 0x4e535431;  // "NST1"
constexpr uint32_t kReplayTag = 0x52504c31;     // "RPL1"
}  // namespace

NStepAssembler::NStepAssembler(int n, double gamma) : n_(n), gamma_(gamma) {
  if (n < 1) fail("n-step must be >= 1, got {}", n);
  if (!(gamma >= 0 && gamma <= 1)) fail("gamma must be in [0, 1], got {}", gamma);
}

void NStepAssembler::emit_front(bool terminated, std::span<const float> next_obs,
                                const Emit& emit) {
  Transition t;
  const Step& first = pending_.front();
  t.obs = first.obs;
  t.action = first.action;
  double ret = 0.0, discount = 1.0;
  for (const Step& s : pending_) {
    ret += discount * s.reward;
    discount *= gamma_;
  }
  t.ret = static_cast<float>(ret);
  t.discount = terminated ? 0.0f : static_cast<float>(discount);
  t.next_obs.assign(next_obs.begin(), next_obs.end());
  emit(t);
  pending_.pop_front();
}

void NStepAssembler::push(std::span<const float> obs, int32_t action, float reward, bool terminated,
                          bool truncated, std::span<const float> next_obs, const Emit& emit) {
  pending_.push_back(Step{std::vector<float>(obs.begin(), obs.end()), action, reward});
  if (terminated || truncated) {
    while (!pending_.empty()) emit_front(terminated, next_obs, emit);
  } else if (pending_.size() == static_cast<size_t>(n_)) {
    emit_front(false, next_obs, emit);
  }
}

std::string NStepAssembler::save_state() const {
  ByteWriter w;
  w.put(kAssemblerTag);
  w.put<int32_t>(n_);
  w.put<uint64_t>(pending_.size());
  for (const Step& s : pending_) {
    w.put_array<float>(s.obs);
    w.put(s.action);
    w.put(s.reward);
  }
  return w.take();
}

void NStepAssembler::load_state(std::string_view bytes) {
  ByteReader r(bytes, "n-step assembler state");
  if (r.get<uint32_t>() != kAssemblerTag) fail("{}: not an n-step assembler state", r.what());
  const auto n = r.get<int32_t>();
  if (n != n_) fail("{}: saved with n = {}, this assembler has n = {}", r.what(), n, n_);
  const auto count = r.get<uint64_t>();
  if (count >= static_cast<uint64_t>(n_))
    fail("{}: {} pending steps for n = {}", r.what(), count, n_);
  std::deque<Step> pending;
  for (uint64_t i = 0; i < count; ++i) {
    Step s;
    s.obs = r.get_array<float>();
    s.action = r.get<int32_t>();
    s.reward = r.get<float>();
    pending.push_back(std::move(s));
  }
  r.expect_done();
  pending_ = std::move(pending);
}

ReplayBuffer::ReplayBuffer(size_t capacity, size_t obs_size, ObsStorage storage)
    : capacity_(capacity), obs_size_(obs_size), storage_(storage) {
  if (capacity == 0) fail("replay capacity must be >= 1");
  if (obs_size == 0) fail("replay observation size must be >= 1");
  obs_bytes_ = storage == ObsStorage::kBits ? (obs_size + 7) / 8 : obs_size * sizeof(float);
  obs_.resize(capacity * obs_bytes_);
  next_obs_.resize(capacity * obs_bytes_);
  actions_.resize(capacity);
  returns_.resize(capacity);
  discounts_.resize(capacity);
}

size_t ReplayBuffer::memory_bytes() const {
  return obs_.size() + next_obs_.size() + capacity_ * (sizeof(int32_t) + 2 * sizeof(float));
}

void ReplayBuffer::encode(std::span<const float> obs, uint8_t* out) const {
  if (storage_ == ObsStorage::kFloat32) {
    std::memcpy(out, obs.data(), obs_bytes_);
    return;
  }
  std::memset(out, 0, obs_bytes_);
  for (size_t i = 0; i < obs_size_; ++i) {
    const float v = obs[i];
    if (v == 1.0f) {
      out[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
    } else if (v != 0.0f) {
      fail("replay stores observations as bits, but element {} is {} (only 0 and 1 can be stored)",
           i, v);
    }
  }
}

void ReplayBuffer::decode(const uint8_t* in, float* out) const {
  if (storage_ == ObsStorage::kFloat32) {
    std::memcpy(out, in, obs_bytes_);
    return;
  }
  for (size_t i = 0; i < obs_size_; ++i) out[i] = static_cast<float>((in[i >> 3] >> (i & 7)) & 1);
}

void ReplayBuffer::add(const Transition& t) {
  VALOR_CHECK(t.obs.size() == obs_size_ && t.next_obs.size() == obs_size_);
  encode(t.obs, obs_.data() + next_ * obs_bytes_);
  encode(t.next_obs, next_obs_.data() + next_ * obs_bytes_);
  actions_[next_] = t.action;
  returns_[next_] = t.ret;
  discounts_[next_] = t.discount;
  next_ = (next_ + 1) % capacity_;
  if (size_ < capacity_) ++size_;
}

void ReplayBuffer::sample(size_t batch, Rng& rng, ReplayBatch& out) const {
  if (size_ == 0) fail("cannot sample from an empty replay buffer");
  out.obs.resize(batch * obs_size_);
  out.next_obs.resize(batch * obs_size_);
  out.actions.resize(batch);
  out.returns.resize(batch);
  out.discounts.resize(batch);
  for (size_t b = 0; b < batch; ++b) {
    const size_t i = rng.below(size_);
    decode(obs_.data() + i * obs_bytes_, out.obs.data() + b * obs_size_);
    decode(next_obs_.data() + i * obs_bytes_, out.next_obs.data() + b * obs_size_);
    out.actions[b] = actions_[i];
    out.returns[b] = returns_[i];
    out.discounts[b] = discounts_[i];
  }
}

std::string ReplayBuffer::save_state() const {
  ByteWriter w;
  w.put(kReplayTag);
  w.put<uint64_t>(capacity_);
  w.put<uint64_t>(obs_size_);
  w.put<uint32_t>(static_cast<uint32_t>(storage_));
  w.put<uint64_t>(size_);
  w.put<uint64_t>(next_);
  // Only the filled part: a buffer is filled from slot 0 up before it wraps.
  w.put_array(std::span<const uint8_t>(obs_.data(), size_ * obs_bytes_));
  w.put_array(std::span<const uint8_t>(next_obs_.data(), size_ * obs_bytes_));
  w.put_array(std::span<const int32_t>(actions_.data(), size_));
  w.put_array(std::span<const float>(returns_.data(), size_));
  w.put_array(std::span<const float>(discounts_.data(), size_));
  return w.take();
}

void ReplayBuffer::load_state(std::string_view bytes) {
  ByteReader r(bytes, "replay buffer state");
  if (r.get<uint32_t>() != kReplayTag) fail("{}: not a replay buffer state", r.what());
  const auto capacity = r.get<uint64_t>();
  const auto obs_size = r.get<uint64_t>();
  const auto storage = r.get<uint32_t>();
  if (capacity != capacity_ || obs_size != obs_size_ ||
      storage != static_cast<uint32_t>(storage_)) {
    fail("{}: saved for capacity {}, observation size {}, storage {}; this buffer has {}, {}, {}",
         r.what(), capacity, obs_size, storage, capacity_, obs_size_,
         static_cast<uint32_t>(storage_));
  }
  const auto size = r.get<uint64_t>();
  const auto next = r.get<uint64_t>();
  if (size > capacity_ || next >= capacity_ || (size < capacity_ && next != size)) {
    fail("{}: inconsistent size {} and position {}", r.what(), size, next);
  }
  r.get_array_into(std::span<uint8_t>(obs_.data(), size * obs_bytes_));
  r.get_array_into(std::span<uint8_t>(next_obs_.data(), size * obs_bytes_));
  r.get_array_into(std::span<int32_t>(actions_.data(), size));
  r.get_array_into(std::span<float>(returns_.data(), size));
  r.get_array_into(std::span<float>(discounts_.data(), size));
  r.expect_done();
  size_ = size;
  next_ = next;
}

}  // namespace valor::agent
