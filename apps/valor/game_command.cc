// valor game: two-player games, their exact solvers, and matches between agents (valor/game).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "apps/valor/commands.h"
#include "valor/core/error.h"
#include "valor/core/random.h"
#include "valor/game/agent.h"
#include "valor/game/position_reader.h"
#include "valor/game/registry.h"

namespace valor::app {
namespace {

struct SolveArgs {
  std::string game;
  std::vector<std::string> files;
  bool analyze = false;
  std::string format = "text";
};

// The positions of every input, in order; "-" (or no file at all) is standard input.
std::vector<game::PositionLine> read_inputs(const game::GameInfo& info,
                                            const std::vector<std::string>& files) {
  std::vector<game::PositionLine> all;
  const std::vector<std::string> inputs = files.empty() ? std::vector<std::string>{"-"} : files;
  for (const std::string& file : inputs) {
    std::vector<game::PositionLine> lines;
    if (file == "-") {
      lines = game::read_positions(info, std::cin, "stdin");
    } else {
      if (std::filesystem::is_directory(file)) {
        fail("{}: is a directory; expected a file of positions, one a line", file);
      }
      std::ifstream in(file);
      if (!in) fail("{}: cannot open for reading", file);
      lines = game::read_positions(info, in, file);
    }
    for (auto& l : lines) all.push_back(std::move(l));
  }
  return all;
}

int solve_command(const SolveArgs& args) {
  const game::GameInfo& info = game::find_game(args.game);
  const auto positions = read_inputs(info, args.files);
  const auto solver = info.new_solver();
  for (const auto& p : positions) {
    const std::string moves = p.state->moves_string();
    if (!args.analyze) {
      const int score = solver->solve(*p.state);
      if (args.format == "json") {
        std::cout << nlohmann::json{{"position", moves}, {"score", score}}.dump() << '\n';
      } else {
        std::cout << moves << ' ' << score << '\n';
      }
    } else {
      const auto scores = solver->analyze(*p.state);
      if (args.format == "json") {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& s : scores) list.push_back(s ? nlohmann::json(*s) : nlohmann::json());
        std::cout << nlohmann::json{{"position", moves}, {"scores", list}}.dump() << '\n';
      } else {
        std::cout << moves;
        for (const auto& s : scores) std::cout << ' ' << (s ? std::to_string(*s) : "-");
        std::cout << '\n';
      }
    }
    std::cout.flush();
  }
  return 0;
}

struct MatchArgs {
  std::string first;
  std::string second;
  std::string game = "tictactoe";
  int games = 10;
  uint64_t seed = 0;
  std::string start;
  std::string format = "text";
};

int match_command(const MatchArgs& args) {
  const game::GameInfo& info = game::find_game(args.game);
  std::unique_ptr<game::State> start;
  try {
    start = info.state_from_moves(args.start);
  } catch (const Error& e) {
    fail("--start '{}': {}", args.start, e.what());
  }
  if (start->is_terminal()) fail("--start '{}': the game is already over there", args.start);
  // One generator per agent, both from --seed.
  const Rng rng(args.seed);
  const auto first = game::make_agent(args.first, info, rng.split(0).next_u64());
  const auto second = game::make_agent(args.second, info, rng.split(1).next_u64());
  const game::MatchResult r = game::play_match(*first, *second, *start, args.games);
  if (args.format == "json") {
    std::cout << nlohmann::json{{"game", args.game},     {"first", args.first},
                                {"second", args.second}, {"games", args.games},
                                {"start", args.start},   {"seed", args.seed},
                                {"wins", r.wins},        {"draws", r.draws},
                                {"losses", r.losses}}
                     .dump()
              << '\n';
    return 0;
  }
  std::cout << fmt::format("{}: {} vs {}, {} games from {} (each moves first in turn), seed {}\n",
                           args.game, args.first, args.second, args.games,
                           args.start.empty() ? std::string("the start") : args.start, args.seed);
  std::cout << fmt::format("{}: {} wins, {} draws, {} losses\n", args.first, r.wins, r.draws,
                           r.losses);
  return 0;
}

}  // namespace

void add_game_command(CLI::App& app, Action& action) {
  auto* command = app.add_subcommand(
      "game", "Two-player games (connect4, tictactoe): exact solvers and matches between agents");
  command->require_subcommand(1);

  auto solve = std::make_shared<SolveArgs>();
  auto* s = command->add_subcommand(
      "solve",
      "Solve positions read one a line (the 1-based moves from the start, e.g. 4453): prints "
      "each position and its score for the player to move in Pascal Pons's convention (a quicker "
      "win scores more: Connect Four 22 - k for a win with one's k-th stone; a loss the "
      "negative; a draw 0; docs/game.md)");
  s->add_option("game", solve->game, "connect4 or tictactoe")->required();
  s->add_option("files", solve->files, "Files of positions, - for standard input (the default)");
  s->add_flag("--analyze", solve->analyze,
              "Print the score of every move instead ('-' for a full column or taken cell)");
  s->add_option("--format", solve->format,
                "text (position then scores) or json (one object a line)")
      ->check(CLI::IsMember({"text", "json"}));
  s->callback([&action, solve] { action = [solve] { return solve_command(*solve); }; });

  auto match = std::make_shared<MatchArgs>();
  auto* m = command->add_subcommand(
      "match", "Play games between two agents; prints the first agent's wins, draws and losses");
  const std::string agents = fmt::format("Agent: {}", game::agent_specs());
  m->add_option("first", match->first, agents)->required();
  m->add_option("second", match->second, agents)->required();
  m->add_option("--game", match->game, "connect4 or tictactoe")
      ->check(CLI::IsMember({"connect4", "tictactoe"}));
  m->add_option("--games", match->games, "Games to play; the agents move first in turn")
      ->check(CLI::Range(1, 1000000));
  m->add_option("--seed", match->seed, "Seed of every random choice of both agents");
  m->add_option("--start", match->start,
                "Start every game from this position (1-based moves, e.g. 4453); the solver "
                "agent needs one with enough stones in Connect Four (no opening book)");
  m->add_option("--format", match->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  m->callback([&action, match] { action = [match] { return match_command(*match); }; });
}

}  // namespace valor::app
