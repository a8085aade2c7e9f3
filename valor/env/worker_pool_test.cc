#include "valor/env/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace valor::env {
namespace {

TEST(WorkerPool, RunsEveryBlockExactlyOnce) {
  for (int threads : {1, 2, 3, 4}) {
    WorkerPool pool(threads, 64);
    EXPECT_EQ(pool.threads(), threads);
    std::vector<std::atomic<int>> runs(64);
    for (size_t blocks : {size_t{1}, size_t{2}, size_t{7}, size_t{64}}) {
      for (int batch = 0; batch < 2000; ++batch) {
        for (auto& r : runs) r.store(0, std::memory_order_relaxed);
        auto fn = [&](size_t b) { runs[b].fetch_add(1, std::memory_order_relaxed); };
        pool.run(blocks, fn);
        for (size_t b = 0; b < runs.size(); ++b) {
          ASSERT_EQ(runs[b].load(), b < blocks ? 1 : 0)
              << "threads " << threads << " blocks " << blocks << " batch " << batch;
        }
      }
    }
  }
}

// Workers that went to sleep between batches (the caller was busy elsewhere) wake for the next.
TEST(WorkerPool, WorkersWakeAfterSleeping) {
  WorkerPool pool(3, 8);
  std::set<std::thread::id> seen;
  std::mutex m;
  for (int batch = 0; batch < 20; ++batch) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // > kWorkerSpin: all asleep
    std::atomic<int> sum{0};
    auto fn = [&](size_t b) {
      sum.fetch_add(static_cast<int>(b) + 1);
      std::this_thread::sleep_for(std::chrono::microseconds(200));  // long enough to share
      std::lock_guard<std::mutex> lock(m);
      seen.insert(std::this_thread::get_id());
    };
    pool.run(8, fn);
    ASSERT_EQ(sum.load(), 36);
  }
  EXPECT_GE(seen.size(), 2u);  // the blocks did not all run on the caller
}

// An exception in a block reaches the caller (the lowest failing block's), the other blocks still
// run, and the pool keeps working.
TEST(WorkerPool, ErrorsReachTheCaller) {
  for (int threads : {1, 2}) {
    WorkerPool pool(threads, 16);
    for (int batch = 0; batch < 200; ++batch) {
      std::atomic<int> ran{0};
      auto fn = [&](size_t b) {
        ran.fetch_add(1);
        if (b == 5 || b == 11) throw std::runtime_error("block " + std::to_string(b));
      };
      try {
        pool.run(16, fn);
        FAIL() << "no exception";
      } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "block 5");
      }
      EXPECT_EQ(ran.load(), 16);
      std::atomic<int> again{0};
      auto ok = [&](size_t) { again.fetch_add(1); };
      pool.run(16, ok);
      EXPECT_EQ(again.load(), 16);
    }
  }
}

TEST(WorkerPool, DestroysWhileWorkersSpinOrSleep) {
  for (int k = 0; k < 50; ++k) {
    WorkerPool pool(4, 4);
    auto fn = [](size_t) {};
    if (k % 2 == 0) pool.run(4, fn);
    if (k % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

}  // namespace
}  // namespace valor::env
