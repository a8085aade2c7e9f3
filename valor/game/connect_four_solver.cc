#include "valor/game/connect_four_solver.h"

#include <algorithm>

#include "valor/core/error.h"

namespace valor::game {

namespace {

using Board = ConnectFourBoard;
constexpr int kCells = Board::kCells;

// Columns from the centre outwards: central stones take part in more lines.
constexpr std::array<int, Board::kWidth> kCentreFirst = {3, 2, 4, 1, 5, 0, 6};

bool is_prime(uint64_t n) {
  if (n < 2) return false;
  for (uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

}  // namespace

BoundTable::BoundTable(int log2_entries) {
  VALOR_CHECK(log2_entries >= 18 && log2_entries <= 32, "table size 2^{}", log2_entries);
  uint64_t n = uint64_t{1} << log2_entries;
  while (!is_prime(n)) ++n;
  keys_.assign(n, 0);
  values_.assign(n, 0);
}

void BoundTable::put(uint64_t key, int score, bool lower) {
  const size_t i = static_cast<size_t>(key % keys_.size());
  keys_[i] = static_cast<uint32_t>(key);
  // Widening a bound keeps it true: an upper bound may rise, a lower bound may fall.
  const int v = lower ? std::min(score, kMaxScore) - kMinScore + kSpan
                      : std::max(score, kMinScore) - kMinScore;
  VALOR_CHECK(v >= 0 && v < 2 * kSpan);
  values_[i] = static_cast<uint8_t>(v + 1);
}

void BoundTable::clear() {
  std::fill(keys_.begin(), keys_.end(), 0);
  std::fill(values_.begin(), values_.end(), 0);
}

ConnectFourSolver::ConnectFourSolver(int table_log2_entries) : table_(table_log2_entries) {}

// Returns the exact score when it lies in (alpha, beta); else a bound on the same side:
// <= alpha when the score is <= alpha, >= beta when it is >= beta. The mover cannot win at once.
int ConnectFourSolver::negamax(const Board& board, int alpha, int beta) {
  ++nodes_;
  const uint64_t candidates = board.non_losing_moves();
  if (candidates == 0) return -(kCells - board.moves) / 2;  // the opponent wins next move
  if (board.moves >= kCells - 2) return 0;  // neither of the last two stones can win
  // The opponent cannot win with its next stone, nor the mover with this one.
  const int lowest = -(kCells - 2 - board.moves) / 2;
  if (alpha < lowest) {
    alpha = lowest;
    if (alpha >= beta) return alpha;
  }
  const int highest = (kCells - 1 - board.moves) / 2;
  if (beta > highest) {
    beta = highest;
    if (alpha >= beta) return beta;
  }
  const uint64_t key = board.key();
  if (const auto bound = table_.get(key)) {
    if (bound->lower) {
      if (alpha < bound->score) {
        alpha = bound->score;
        if (alpha >= beta) return alpha;
      }
    } else if (beta > bound->score) {
      beta = bound->score;
      if (alpha >= beta) return beta;
    }
  }

  // Most winning cells first; the stable insertion keeps the centre first among equals.
  std::array<uint64_t, Board::kWidth> moves{};
  std::array<int, Board::kWidth> threats{};
  int n = 0;
  for (const int col : kCentreFirst) {
    const uint64_t cell = candidates & Board::column_cells(col);
    if (cell == 0) continue;
    const int t = board.threats_after(cell);
    int j = n++;
    for (; j > 0 && threats[static_cast<size_t>(j - 1)] < t; --j) {
      moves[static_cast<size_t>(j)] = moves[static_cast<size_t>(j - 1)];
      threats[static_cast<size_t>(j)] = threats[static_cast<size_t>(j - 1)];
    }
    moves[static_cast<size_t>(j)] = cell;
    threats[static_cast<size_t>(j)] = t;
  }

  for (int i = 0; i < n; ++i) {
    Board child = board;
    child.play(moves[static_cast<size_t>(i)]);
    const int score = -negamax(child, -beta, -alpha);
    if (score >= beta) {
      table_.put(key, score, /*lower=*/true);
      return score;
    }
    alpha = std::max(alpha, score);
  }
  table_.put(key, alpha, /*lower=*/false);
  return alpha;
}

int ConnectFourSolver::solve(const Board& board) {
  VALOR_CHECK(!Board::has_four(board.mover) && !Board::has_four(board.opponent()));
  if (board.moves == kCells) return 0;
  if (board.can_win_next()) return win_score(kCells, board.moves);
  int lo = -(kCells - board.moves) / 2;
  int hi = win_score(kCells, board.moves);
  // Null-window searches: each tells on which side of `probe` the score lies. Probes lean
  // towards 0 first, where most scores of real positions are.
  while (lo < hi) {
    int probe = lo + (hi - lo) / 2;
    if (probe <= 0 && lo / 2 < probe) {
      probe = lo / 2;
    } else if (probe >= 0 && hi / 2 > probe) {
      probe = hi / 2;
    }
    const int r = negamax(board, probe, probe + 1);
    if (r <= probe) {
      hi = r;
    } else {
      lo = r;
    }
  }
  return lo;
}

std::array<std::optional<int>, Board::kWidth> ConnectFourSolver::analyze(const Board& board) {
  std::array<std::optional<int>, Board::kWidth> scores;
  for (int col = 0; col < Board::kWidth; ++col) {
    if (!board.can_play(col)) continue;
    if (board.is_winning_move(col)) {
      scores[static_cast<size_t>(col)] = win_score(kCells, board.moves);
      continue;
    }
    Board child = board;
    child.play_column(col);
    scores[static_cast<size_t>(col)] = -solve(child);
  }
  return scores;
}

namespace {
const ConnectFourState& as_connect_four(const State& state) {
  const auto* c4 = dynamic_cast<const ConnectFourState*>(&state);
  VALOR_CHECK(c4 != nullptr, "the Connect Four solver got a {} state", state.game_name());
  return *c4;
}
}  // namespace

int ConnectFourSolver::solve(const State& state) {
  const ConnectFourState& c4 = as_connect_four(state);
  if (c4.is_terminal()) return terminal_score(c4, kCells);
  return solve(c4.board());
}

std::vector<std::optional<int>> ConnectFourSolver::analyze(const State& state) {
  const ConnectFourState& c4 = as_connect_four(state);
  if (c4.is_terminal()) return std::vector<std::optional<int>>(Board::kWidth);
  const auto scores = analyze(c4.board());
  return {scores.begin(), scores.end()};
}

}  // namespace valor::game
