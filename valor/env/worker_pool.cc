#include "valor/env/worker_pool.h"

#include "valor/core/error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace valor::env {
namespace {

// The claim word: (epoch << 32) | (front << 16) | back; blocks [front, back) are unclaimed.
constexpr uint64_t kMaxBlocks = 0xffff;
uint32_t front_of(uint64_t claim) { return static_cast<uint32_t>((claim >> 16) & 0xffff); }
uint32_t back_of(uint64_t claim) { return static_cast<uint32_t>(claim & 0xffff); }

// One iteration of a polling loop: tells the core a spin is under way (less power, and on SMT
// cores the sibling thread gets the pipeline).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Polls `done()` until it holds or `budget` has passed (the clock is read every 16 polls);
// returns whether it held.
template <typename Done>
bool spin_until(Done&& done, std::chrono::microseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (uint32_t i = 1;; ++i) {
    if (done()) return true;
    cpu_relax();
    if (i % 16 == 0 && std::chrono::steady_clock::now() >= deadline) return done();
  }
}

}  // namespace

WorkerPool::WorkerPool(int threads, size_t max_blocks) {
  VALOR_CHECK(threads >= 1, "worker pool threads must be >= 1, got {}", threads);
  VALOR_CHECK(max_blocks >= 1 && max_blocks <= kMaxBlocks, "worker pool blocks {} out of range",
              max_blocks);
  errors_.assign(max_blocks, nullptr);
  workers_.reserve(static_cast<size_t>(threads - 1));
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this] { work_loop(); });
}

WorkerPool::~WorkerPool() {
  stopping_.store(true, std::memory_order_seq_cst);
  epoch_.fetch_add(1, std::memory_order_seq_cst);
  epoch_.notify_all();
  for (auto& w : workers_) w.join();
}

void WorkerPool::run_claimed_blocks(bool from_front) {
  uint64_t claim = claim_.load(std::memory_order_acquire);
  for (;;) {
    const uint32_t front = front_of(claim), back = back_of(claim);
    if (front >= back) return;
    const uint32_t block = from_front ? front : back - 1;
    const uint64_t rest = from_front ? claim + (uint64_t{1} << 16) : claim - 1;
    // Success synchronises with the caller's publication of the batch: fn_, context_ and
    // blocks_ are its.
    if (!claim_.compare_exchange_weak(claim, rest, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      continue;
    }
    const uint32_t total = blocks_;
    try {
      fn_(context_, block);
    } catch (...) {
      errors_[block] = std::current_exception();
    }
    if (done_.fetch_add(1, std::memory_order_seq_cst) + 1 == total &&
        caller_sleeping_.load(std::memory_order_seq_cst) != 0) {
      done_.notify_one();
    }
    claim = claim_.load(std::memory_order_acquire);
  }
}

void WorkerPool::work_loop() {
  uint32_t seen = 0;  // the epoch of the last batch this worker looked at
  for (;;) {
    auto next_batch = [&] {
      return epoch_.load(std::memory_order_acquire) != seen ||
             stopping_.load(std::memory_order_relaxed);
    };
    if (!spin_until(next_batch, kWorkerSpin)) {
      // Announce the sleep before the last look at epoch_; run_blocks() bumps epoch_ before it
      // looks at sleeping_workers_, so one of the two sees the other (no lost wake-up).
      sleeping_workers_.fetch_add(1, std::memory_order_seq_cst);
      uint32_t e;
      while ((e = epoch_.load(std::memory_order_seq_cst)) == seen &&
             !stopping_.load(std::memory_order_seq_cst)) {
        epoch_.wait(e, std::memory_order_seq_cst);
      }
      sleeping_workers_.fetch_sub(1, std::memory_order_relaxed);
    }
    if (stopping_.load(std::memory_order_acquire)) return;
    seen = epoch_.load(std::memory_order_acquire);
    run_claimed_blocks(false);
  }
}

void WorkerPool::run_blocks(size_t blocks, BlockFn fn, void* context) {
  VALOR_CHECK(blocks <= errors_.size(), "{} blocks for a pool of {}", blocks, errors_.size());
  if (blocks == 0) return;
  const auto total = static_cast<uint32_t>(blocks);
  fn_ = fn;
  context_ = context;
  blocks_ = total;
  done_.store(0, std::memory_order_relaxed);
  const uint32_t epoch = epoch_.load(std::memory_order_relaxed) + 1;
  claim_.store((uint64_t{epoch} << 32) | total, std::memory_order_release);
  epoch_.store(epoch, std::memory_order_seq_cst);
  if (sleeping_workers_.load(std::memory_order_seq_cst) != 0) epoch_.notify_all();

  run_claimed_blocks(true);
  auto all_done = [&] { return done_.load(std::memory_order_acquire) == total; };
  if (!spin_until(all_done, kCallerSpin)) {
    caller_sleeping_.store(1, std::memory_order_seq_cst);
    uint32_t d;
    while ((d = done_.load(std::memory_order_seq_cst)) != total) {
      done_.wait(d, std::memory_order_seq_cst);
    }
    caller_sleeping_.store(0, std::memory_order_relaxed);
  }

  for (size_t b = 0; b < blocks; ++b) {
    if (!errors_[b]) continue;
    std::exception_ptr error = errors_[b];
    for (size_t k = b; k < blocks; ++k) errors_[k] = nullptr;
    std::rethrow_exception(error);
  }
}

}  // namespace valor::env
