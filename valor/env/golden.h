// Replays golden trajectories recorded from the original environments (testdata/golden/) and
// counts mismatches. The format is detected from the content: MinAtar lines carry "game",
// classic-control lines carry "env" and "state0" (see testdata/golden/README.md).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace valor::env {

struct GoldenReport {
  std::string format;          // "minatar" or "classic_control"
  size_t trajectories = 0;     // lines replayed
  size_t steps = 0;            // steps compared
  size_t mismatches = 0;       // steps that differed; a trajectory stops at its first mismatch
  std::string first_mismatch;  // "FILE:LINE: step K: field F: expected ..., got ..." or empty
  // Classic control is checked step by step (each recorded step from the recorded state before
  // it); a free run from state0 alone is also made, for information: the episodes whose free
  // run drifted past the tolerance, and the first such drift.
  size_t free_run_diverged = 0;
  std::string free_run_note;
};

// valor::Error for an unreadable file, an empty file, or a malformed line (naming FILE:LINE).
GoldenReport check_golden_file(const std::filesystem::path& path);

}  // namespace valor::env
