#include "valor/game/labelled_positions.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <unordered_set>

#include "valor/core/error.h"
#include "valor/core/random.h"

namespace valor::game {

namespace {

// The number of cells of `game`'s board (its observation's rows x cols).
int board_cells(const GameInfo& game) {
  const auto s = game.new_initial_state();
  const ObservationShape shape = s->observation_shape();
  return shape.rows * shape.cols;
}

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= text.size()) {
    const size_t j = std::min(text.find(' ', i), text.size());
    out.push_back(text.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::optional<int> parse_int(std::string_view text) {
  int v = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

void check_position_sampling(const GameInfo& game, const PositionSampling& s) {
  const int cells = board_cells(game);
  if (s.min_stones < 0 || s.max_stones < s.min_stones || s.max_stones >= cells) {
    fail(
        "--stones {}-{}: expected LO-HI with 0 <= LO <= HI < {} (the {} board has {} cells, and "
        "a full board is finished)",
        s.min_stones, s.max_stones, cells, game.name, cells);
  }
  if (s.count < 1) fail("--count must be >= 1, got {}", s.count);
  if (s.max_attempts < 1) fail("max_attempts must be >= 1, got {}", s.max_attempts);
}

std::vector<LabelledPosition> generate_labelled_positions(
    const GameInfo& game, Solver& solver, const PositionSampling& sampling,
    const std::function<void(int)>& progress) {
  check_position_sampling(game, sampling);
  VALOR_CHECK(solver.game_name() == game.name);
  Rng rng(sampling.seed);
  std::unordered_set<std::string> seen;  // to_string(): the board and the player to move
  std::vector<LabelledPosition> out;
  std::vector<Action> legal;
  while (static_cast<int>(out.size()) < sampling.count) {
    const int stones = static_cast<int>(rng.uniform_int(sampling.min_stones, sampling.max_stones));
    std::unique_ptr<State> found;
    for (int attempt = 0; attempt < sampling.max_attempts && !found; ++attempt) {
      auto state = game.new_initial_state();
      bool ended = false;
      for (int k = 0; k < stones; ++k) {
        if (state->is_terminal()) {
          ended = true;
          break;
        }
        state->legal_actions(legal);
        state->apply(legal[rng.below(legal.size())]);
      }
      if (ended || state->is_terminal()) continue;
      if (!seen.insert(state->to_string()).second) continue;
      found = std::move(state);
    }
    if (!found) {
      fail(
          "--stones: no new unfinished {} position with {} stones in {} random games; ask for "
          "fewer positions or other stone counts",
          game.name, stones, sampling.max_attempts);
    }
    LabelledPosition p;
    p.move_scores = solver.analyze(*found);
    int best = std::numeric_limits<int>::min();
    for (const auto& s : p.move_scores) {
      if (s) best = std::max(best, *s);
    }
    VALOR_CHECK(best != std::numeric_limits<int>::min());
    p.score = best;
    p.state = std::move(found);
    out.push_back(std::move(p));
    if (progress) progress(static_cast<int>(out.size()));
  }
  return out;
}

std::string format_labelled_position(const LabelledPosition& p) {
  std::string text = p.state->moves_string();
  text += ' ';
  text += std::to_string(p.score);
  for (const auto& s : p.move_scores) {
    text += ' ';
    text += s ? std::to_string(*s) : "-";
  }
  return text;
}

std::vector<LabelledPosition> read_labelled_positions(const GameInfo& game, std::istream& in,
                                                      std::string_view label) {
  // Solver::max_score() without building a solver (and its table): every game here scores a win
  // with the first stone (solver.h) highest.
  const int max_score = win_score(board_cells(game), 0);
  const int actions = game.new_initial_state()->num_distinct_actions();
  std::vector<LabelledPosition> out;
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (!text.empty() && text.front() == '#') continue;
    const auto where = [&] { return fmt::format("{}:{}", label, line); };
    const auto fields = split_spaces(text);
    if (static_cast<int>(fields.size()) != 2 + actions) {
      fail(
          "{}: {} fields; expected {}: the moves, the score, then the score of each of the {} "
          "{} moves ('-' where illegal), separated by single spaces",
          where(), text.empty() ? 0 : fields.size(), 2 + actions, actions, game.name);
    }
    LabelledPosition p;
    p.line = line;
    try {
      p.state = game.state_from_moves(fields[0]);
    } catch (const Error& e) {
      fail("{}: '{}': {}", where(), fields[0], e.what());
    }
    if (p.state->is_terminal()) fail("{}: '{}': the game is over there", where(), fields[0]);
    const auto score_of = [&](std::string_view field, std::string_view what) {
      const auto v = parse_int(field);
      if (!v || *v < -max_score || *v > max_score) {
        fail("{}: {} '{}': expected an integer in [{}, {}]", where(), what, field, -max_score,
             max_score);
      }
      return *v;
    };
    p.score = score_of(fields[1], "score");
    int best = std::numeric_limits<int>::min();
    for (int a = 0; a < actions; ++a) {
      const std::string_view f = fields[2 + a];
      const std::string what = fmt::format("the score of move {}", a + 1);
      if (!p.state->is_legal(a)) {
        if (f != "-") {
          fail("{}: {} is '{}'; expected '-': {} is illegal there", where(), what, f,
               p.state->action_to_string(a));
        }
        p.move_scores.emplace_back();
        continue;
      }
      if (f == "-")
        fail("{}: {} is '-', but {} is legal there", where(), what, p.state->action_to_string(a));
      p.move_scores.emplace_back(score_of(f, what));
      best = std::max(best, *p.move_scores.back());
    }
    if (p.score != best) {
      fail("{}: the score {} is not the best move's score {}", where(), p.score, best);
    }
    out.push_back(std::move(p));
  }
  if (in.bad()) fail("{}: read error", label);
  return out;
}

std::vector<LabelledPosition> read_labelled_positions_file(const GameInfo& game,
                                                           const std::string& path) {
  if (std::filesystem::is_directory(path)) {
    fail("{}: is a directory; expected a file of labelled positions", path);
  }
  std::ifstream in(path);
  if (!in) fail("{}: cannot open for reading", path);
  return read_labelled_positions(game, in, path);
}

}  // namespace valor::game
