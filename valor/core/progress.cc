#include "valor/core/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>

namespace valor {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return fmt::format("{:.1f}s", seconds);
  const auto s = static_cast<int64_t>(std::llround(seconds));
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

Progress::Progress(std::FILE* out, ProgressOptions options, uint64_t start)
    : out_(out), options_(std::move(options)), start_(start), done_(start) {
  if (!options_.clock) {
    options_.clock = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  }
  tty_ = options_.tty >= 0 ? options_.tty == 1 : isatty(fileno(out_)) == 1;
  t0_ = now();
  last_draw_ = t0_;
}

Progress::~Progress() {
  if (!finished_) finish();
}

double Progress::now() const { return options_.clock(); }

double Progress::rate() const {
  const double elapsed = now() - t0_;
  return elapsed > 0 ? static_cast<double>(done_ - start_) / elapsed : 0.0;
}

std::string Progress::line() const {
  std::string s = options_.label.empty() ? "" : options_.label + "  ";
  if (options_.total > 0) {
    s += fmt::format("{}/{} {} ({:.1f}%)", done_, options_.total, options_.unit,
                     100.0 * static_cast<double>(done_) / static_cast<double>(options_.total));
  } else {
    s += fmt::format("{} {}", done_, options_.unit);
  }
  const double r = rate();
  s += fmt::format("  {:.4g} {}/s", r, options_.unit);
  if (options_.total > 0) {
    const double left = static_cast<double>(options_.total - std::min(done_, options_.total));
    s += "  ETA " + (r > 0 ? format_duration(left / r) : std::string("?"));
  }
  for (const auto& [name, value] : metrics_) s += fmt::format("  {}={:.4g}", name, value);
  return s;
}

void Progress::draw() {
  if (tty_) {
    fmt::print(out_, "\r{}\033[K", line());
  } else {
    fmt::print(out_, "{}\n", line());
  }
  std::fflush(out_);
  drawn_ = true;
  last_draw_ = now();
}

void Progress::update(uint64_t done, const ProgressMetrics& metrics) {
  done_ = done;
  if (!metrics.empty()) metrics_ = metrics;
  const double interval = tty_ ? 0.1 : options_.plain_interval_seconds;
  if (now() - last_draw_ >= interval) draw();
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw();
  if (tty_) fmt::print(out_, "\n");
  std::fflush(out_);
}

}  // namespace valor
