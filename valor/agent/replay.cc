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

void NStepAssembler::load_state(std::string_view bytes, size_t obs_size, int num_actions) {
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
    if (obs_size > 0 && s.obs.size() != obs_size) {
      fail("{}: a pending observation of {} values, the environment's have {}", r.what(),
           s.obs.size(), obs_size);
    }
    if (num_actions > 0 && (s.action < 0 || s.action >= num_actions)) {
      fail("{}: a pending action {} (the environment has {})", r.what(), s.action, num_actions);
    }
    if (!std::isfinite(s.reward)) fail("{}: a pending reward {}", r.what(), s.reward);
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
}

size_t ReplayBuffer::memory_bytes() const {
  return capacity_ * (2 * obs_bytes_ + sizeof(int32_t) + 2 * sizeof(float));
}

size_t ReplayBuffer::allocated_slots() const {
  size_t slots = 0;
  for (const Block& b : blocks_) slots += b.actions.size();
  return slots;
}

void ReplayBuffer::allocate_through(size_t slot) {
  while (blocks_.size() <= slot / kBlockSlots) {
    const size_t first = blocks_.size() * kBlockSlots;
    const size_t n = std::min(kBlockSlots, capacity_ - first);
    Block b;
    b.obs.resize(n * obs_bytes_);
    b.next_obs.resize(n * obs_bytes_);
    b.actions.resize(n);
    b.returns.resize(n);
    b.discounts.resize(n);
    blocks_.push_back(std::move(b));
  }
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
  allocate_through(next_);
  Block& b = blocks_[next_ / kBlockSlots];
  const size_t j = next_ % kBlockSlots;
  encode(t.obs, b.obs.data() + j * obs_bytes_);
  encode(t.next_obs, b.next_obs.data() + j * obs_bytes_);
  b.actions[j] = t.action;
  b.returns[j] = t.ret;
  b.discounts[j] = t.discount;
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
  for (size_t k = 0; k < batch; ++k) {
    const size_t i = rng.below(size_);
    const Block& b = blocks_[i / kBlockSlots];
    const size_t j = i % kBlockSlots;
    decode(b.obs.data() + j * obs_bytes_, out.obs.data() + k * obs_size_);
    decode(b.next_obs.data() + j * obs_bytes_, out.next_obs.data() + k * obs_size_);
    out.actions[k] = b.actions[j];
    out.returns[k] = b.returns[j];
    out.discounts[k] = b.discounts[j];
  }
}

namespace {

// The first `slots` slots of one array of every block, as one contiguous array (a checkpoint's
// layout: the buffer is filled from slot 0 up before it wraps).
template <typename T, typename Blocks, typename Field>
std::vector<T> gather(const Blocks& blocks, size_t slots, size_t per_slot, Field field) {
  std::vector<T> out;
  out.reserve(slots * per_slot);
  for (const auto& b : blocks) {
    const auto& v = field(b);
    const size_t n = std::min(slots * per_slot - out.size(), v.size());
    out.insert(out.end(), v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n));
    if (out.size() == slots * per_slot) break;
  }
  return out;
}

template <typename T, typename Blocks, typename Field>
void scatter(const std::vector<T>& in, Blocks& blocks, Field field) {
  size_t at = 0;
  for (auto& b : blocks) {
    auto& v = field(b);
    const size_t n = std::min(in.size() - at, v.size());
    std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(at), n, v.begin());
    at += n;
    if (at == in.size()) break;
  }
}

}  // namespace

std::string ReplayBuffer::save_state() const {
  ByteWriter w;
  w.put(kReplayTag);
  w.put<uint64_t>(capacity_);
  w.put<uint64_t>(obs_size_);
  w.put<uint32_t>(static_cast<uint32_t>(storage_));
  w.put<uint64_t>(size_);
  w.put<uint64_t>(next_);
  // Only the filled part.
  w.put_array<uint8_t>(gather<uint8_t>(
      blocks_, size_, obs_bytes_, [](const Block& b) -> auto& { return b.obs; }));
  w.put_array<uint8_t>(gather<uint8_t>(
      blocks_, size_, obs_bytes_, [](const Block& b) -> auto& { return b.next_obs; }));
  w.put_array<int32_t>(gather<int32_t>(
      blocks_, size_, 1, [](const Block& b) -> auto& { return b.actions; }));
  w.put_array<float>(gather<float>(
      blocks_, size_, 1, [](const Block& b) -> auto& { return b.returns; }));
  w.put_array<float>(gather<float>(
      blocks_, size_, 1, [](const Block& b) -> auto& { return b.discounts; }));
  return w.take();
}

void ReplayBuffer::load_state(std::string_view bytes, int num_actions) {
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
  const auto obs = r.get_array<uint8_t>();
  const auto next_obs = r.get_array<uint8_t>();
  const auto actions = r.get_array<int32_t>();
  const auto returns = r.get_array<float>();
  const auto discounts = r.get_array<float>();
  r.expect_done();
  if (obs.size() != size * obs_bytes_ || next_obs.size() != size * obs_bytes_ ||
      actions.size() != size || returns.size() != size || discounts.size() != size) {
    fail("{}: arrays of {}, {}, {}, {}, {} elements for {} transitions", r.what(), obs.size(),
         next_obs.size(), actions.size(), returns.size(), discounts.size(), size);
  }
  for (size_t i = 0; i < size; ++i) {
    if (num_actions > 0 && (actions[i] < 0 || actions[i] >= num_actions)) {
      fail("{}: transition {} has action {} (the environment has {})", r.what(), i, actions[i],
           num_actions);
    }
    if (!std::isfinite(returns[i]) || !(discounts[i] >= 0.0f && discounts[i] <= 1.0f)) {
      fail("{}: transition {} has return {} and discount {} (finite, and in [0, 1])", r.what(), i,
           returns[i], discounts[i]);
    }
  }
  if (storage_ == ObsStorage::kFloat32) {
    for (const auto* array : {&obs, &next_obs}) {
      for (size_t k = 0; k < array->size(); k += sizeof(float)) {
        float v;
        std::memcpy(&v, array->data() + k, sizeof v);
        if (!std::isfinite(v)) fail("{}: an observation holds {}", r.what(), v);
      }
    }
  }
  blocks_.clear();
  if (size > 0) allocate_through(size - 1);
  scatter(
      obs, blocks_, [](Block & b) -> auto& { return b.obs; });
  scatter(
      next_obs, blocks_, [](Block & b) -> auto& { return b.next_obs; });
  scatter(
      actions, blocks_, [](Block & b) -> auto& { return b.actions; });
  scatter(
      returns, blocks_, [](Block & b) -> auto& { return b.returns; });
  scatter(
      discounts, blocks_, [](Block & b) -> auto& { return b.discounts; });
  size_ = size;
  next_ = next;
}

}  // namespace valor::agent
