// An exact Connect Four solver after Pascal Pons's "Solving Connect 4" tutorial: negamax with
// alpha-beta over the bitboard, only moves that do not lose at once, a transposition table of
// score bounds, moves ordered by the number of winning cells they create (centre columns first
// among equals), and the score found by a sequence of null-window searches that narrow
// [min, max]. Scores follow solver.h (22 - k for a win with one's k-th stone). No opening book:
// positions with few stones take seconds to minutes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "valor/game/connect_four.h"
#include "valor/game/solver.h"

namespace valor::game {

// Score bounds keyed by ConnectFourBoard::key(). Entry i holds the key's low 32 bits for the
// keys with key % size == i; with a prime size above 2^17 the pair (i, low bits) determines a key
// below 2^49, so a hit is never a different position. A new entry replaces the old one.
class BoundTable {
 public:
  // About 2^log2_entries entries (the next prime), 5 bytes each.
  explicit BoundTable(int log2_entries);
  struct Bound {
    int score = 0;
    bool lower = false;  // a lower bound (else an upper bound)
  };
  std::optional<Bound> get(uint64_t key) const {
    const size_t i = static_cast<size_t>(key % keys_.size());
    if (values_[i] == 0 || keys_[i] != static_cast<uint32_t>(key)) return std::nullopt;
    const int v = values_[i] - 1;
    return v >= kSpan ? Bound{v - kSpan + kMinScore, true} : Bound{v + kMinScore, false};
  }
  void put(uint64_t key, int score, bool lower);
  void clear();
  size_t size() const { return keys_.size(); }

  // The lowest and highest score of any Connect Four position reached by the search (a loss or
  // win with the 4th stone); bounds outside are stored clamped, which keeps them valid.
  static constexpr int kMinScore = -(ConnectFourBoard::kCells / 2) + 3;
  static constexpr int kMaxScore = (ConnectFourBoard::kCells + 1) / 2 - 3;

 private:
  static constexpr int kSpan = kMaxScore - kMinScore + 1;
  std::vector<uint32_t> keys_;
  std::vector<uint8_t> values_;  // 0: empty; 1 + offset, upper bounds then lower bounds
};

class ConnectFourSolver final : public Solver {
 public:
  static constexpr int kDefaultTableLog2 = 24;  // 16.8M entries, 84 MB, as in Pons's solver
  explicit ConnectFourSolver(int table_log2_entries = kDefaultTableLog2);

  std::string_view game_name() const override { return ConnectFourState::kName; }
  int max_score() const override { return win_score(ConnectFourBoard::kCells, 0); }
  int solve(const State& state) override;
  std::vector<std::optional<int>> analyze(const State& state) override;

  // The score of `board`, in which nobody has four in a row.
  int solve(const ConnectFourBoard& board);
  // The score of playing each column of `board` (no four in a row), std::nullopt when full.
  std::array<std::optional<int>, ConnectFourBoard::kWidth> analyze(const ConnectFourBoard& board);

  // Positions searched since construction or reset_counters().
  uint64_t nodes() const { return nodes_; }
  void reset_counters() { nodes_ = 0; }
  // Forgets every stored bound (results stay exact either way; only timing changes).
  void clear_table() { table_.clear(); }

 private:
  int negamax(const ConnectFourBoard& board, int alpha, int beta);
  BoundTable table_;
  uint64_t nodes_ = 0;
};

}  // namespace valor::game
