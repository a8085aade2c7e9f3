// Progress of a long job: on a terminal one line redrawn in place (at most ~10 times a second);
// otherwise (CI logs, files) a plain line every `plain_interval_seconds`. Each line shows the
// count, percentage, rate, ETA and the latest metrics.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace valor {

struct ProgressOptions {
  std::string label;           // e.g. the run name
  std::string unit = "steps";  // what is counted
  uint64_t total = 0;          // 0: unknown (no percentage, no ETA)
  double plain_interval_seconds = 10.0;
  int tty = -1;                   // 1 / 0 force the terminal / plain style; -1 detects it
  std::function<double()> clock;  // seconds; defaults to a steady clock (tests inject one)
};

using ProgressMetrics = std::vector<std::pair<std::string, double>>;

class Progress {
 public:
  // `start` is the count already done when the job (re)starts; the rate counts from there.
  Progress(std::FILE* out, ProgressOptions options, uint64_t start = 0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Records the count and the latest metrics; draws when it is time to.
  void update(uint64_t done, const ProgressMetrics& metrics = {});
  // Draws the final state and ends the line. Called by the destructor if not called before.
  void finish();

  // The text of the current status line (without terminal control characters).
  std::string line() const;
  double rate() const;  // units per second since start

 private:
  void draw();
  double now() const;

  std::FILE* out_;
  ProgressOptions options_;
  bool tty_;
  uint64_t start_;
  uint64_t done_;
  ProgressMetrics metrics_;
  double t0_;
  double last_draw_;
  bool finished_ = false;
  bool drawn_ = false;
};

// "3.2s", "4m05s", "2h03m".
std::string format_duration(double seconds);

}  // namespace valor
