// Persistent worker threads that run the blocks of one batch together with the calling thread.
//
// run(blocks, fn) calls fn(b) exactly once for every b in [0, blocks) and returns when all have
// returned. The caller's thread works too: every thread claims unclaimed blocks one at a time
// from one shared atomic word, the caller from the front (0, 1, ...), the workers from the back,
// so a worker that is descheduled (another process took its core) or still waking up simply
// claims less, and the caller does its share instead of waiting at a barrier; when all keep up,
// each block tends to stay on one thread from call to call (its data stays in that core's cache).
// Callers whose blocks write disjoint data get results independent of the thread count.
//
// Waiting: between batches a worker polls for the next one for kWorkerSpin, then sleeps on a
// futex (std::atomic::wait); the caller, once no block is left to claim, polls for the others'
// blocks for kCallerSpin, then sleeps until the last block is done. A sleeping thread costs a
// wake-up (a system call on notify, a few microseconds of latency), never a spinning core.
//
// Errors: an exception thrown by fn(b) is caught on the thread that ran b; the other blocks still
// run, and run() rethrows the exception of the lowest such block. run() allocates nothing once
// the pool exists (the error slots are sized for max_blocks up front).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

namespace valor::env {

class WorkerPool {
 public:
  // How long an idle worker polls for the next batch before it sleeps: longer than the gap between
  // back-to-back batches (a caller choosing the next actions, about a microsecond), short enough
  // that a worker idle between batches (a caller running a network) yields its core at once.
  static constexpr std::chrono::microseconds kWorkerSpin{20};
  // How long the caller polls for blocks still running on workers (each a few microseconds)
  // before it sleeps, freeing its core for a worker that lost its own.
  static constexpr std::chrono::microseconds kCallerSpin{20};

  // `threads` >= 1 counts the caller: threads - 1 workers are started now and joined by the
  // destructor. run() takes at most `max_blocks` blocks.
  WorkerPool(int threads, size_t max_blocks);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(b) for b in [0, blocks), blocks <= max_blocks, on the caller and the workers.
  // Not reentrant: one run() at a time, from one thread.
  template <typename Fn>
  void run(size_t blocks, Fn& fn) {
    run_blocks(
        blocks, [](void* f, size_t b) { (*static_cast<Fn*>(f))(b); }, &fn);
  }

 private:
  using BlockFn = void (*)(void*, size_t);
  void run_blocks(size_t blocks, BlockFn fn, void* context);
  void work_loop();
  // Claims and runs blocks of the current batch, from the front or the back, until none is left.
  void run_claimed_blocks(bool from_front);

  std::vector<std::thread> workers_;
  std::vector<std::exception_ptr> errors_;  // one per block

  // The batch: (epoch << 32) | (front << 16) | back, the unclaimed blocks being [front, back). A
  // claim is a compare-exchange that keeps the epoch, so a worker that read a finished batch's
  // word can never claim a block of the next.
  alignas(64) std::atomic<uint64_t> claim_{0};
  // Set before the batch's claim word is published, read after a successful claim.
  BlockFn fn_ = nullptr;
  void* context_ = nullptr;
  uint32_t blocks_ = 0;
  alignas(64) std::atomic<uint32_t> done_{0};   // blocks of the batch that returned
  std::atomic<uint32_t> caller_sleeping_{0};    // 1 while the caller sleeps on done_
  alignas(64) std::atomic<uint32_t> epoch_{0};  // bumped per batch; workers sleep on it
  std::atomic<uint32_t> sleeping_workers_{0};   // workers asleep (or about to be) on epoch_
  std::atomic<bool> stopping_{false};
};

}  // namespace valor::env
