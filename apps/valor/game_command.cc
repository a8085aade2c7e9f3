// valor game: two-player games, their exact solvers, and matches between agents (valor/game).
#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "apps/valor/commands.h"
#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/core/random.h"
#include "valor/game/agent.h"
#include "valor/game/labelled_positions.h"
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

struct PositionsArgs {
  std::string game = "connect4";
  std::string stones;
  int count = 1000;
  uint64_t seed = 0;
  std::string out;
  bool quiet = false;
};

// "LO-HI" or "N" into [lo, hi]; valor::Error naming --stones otherwise.
std::pair<int, int> parse_stone_range(const std::string& text) {
  const auto number = [&](std::string_view s) {
    int v = 0;
    const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || error != std::errc() || end != s.data() + s.size()) {
      fail("--stones '{}': expected LO-HI (e.g. 14-23) or one number", text);
    }
    return v;
  };
  const size_t dash = text.find('-');
  if (dash == std::string::npos) return {number(text), number(text)};
  return {number(std::string_view(text).substr(0, dash)),
          number(std::string_view(text).substr(dash + 1))};
}

int positions_command(const PositionsArgs& args) {
  const game::GameInfo& info = game::find_game(args.game);
  game::PositionSampling sampling;
  std::tie(sampling.min_stones, sampling.max_stones) = parse_stone_range(args.stones);
  sampling.count = args.count;
  sampling.seed = args.seed;
  game::check_position_sampling(info, sampling);
  const auto solver = info.new_solver();
  const auto start = std::chrono::steady_clock::now();
  const auto progress = [&](int done) {
    if (args.quiet || args.out.empty() || (done % 100 != 0 && done != args.count)) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print(stderr, "{} of {} positions labelled, {:.1f}s\n", done, args.count, seconds);
  };
  const auto positions = game::generate_labelled_positions(info, *solver, sampling, progress);
  std::string text = fmt::format(
      "# valor game positions --game {} --stones {}-{} --count {} --seed {}\n"
      "# moves, score, then the score of each move ('-' illegal); solver scores for the player "
      "to move (docs/game.md)\n",
      args.game, sampling.min_stones, sampling.max_stones, args.count, args.seed);
  for (const auto& p : positions) {
    text += game::format_labelled_position(p);
    text += '\n';
  }
  if (args.out.empty()) {
    std::cout << text;
  } else {
    const auto parent = std::filesystem::path(args.out).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    write_file_atomically(args.out, text);
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

int match_command(const MatchArgs& args, const AgentMaker& make_agent) {
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
  const auto first = make_agent(args.first, info, rng.split(0).next_u64());
  const auto second = make_agent(args.second, info, rng.split(1).next_u64());
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

struct PlayArgs {
  std::string game;
  std::string agent = "mcts-rollout:1000";
  std::string you = "first";
  uint64_t seed = 0;
  std::string start;
};

// A person against an agent in the terminal: the person types a move (1-based, as in positions)
// a line. Typed into a terminal, a move that is not one is explained and asked again; read from
// a file or a pipe, it is an error naming the line (exit 2), as in `game solve`.
int play_command(const PlayArgs& args, const AgentMaker& make_agent) {
  const game::GameInfo& info = game::find_game(args.game);
  std::unique_ptr<game::State> state;
  try {
    state = info.state_from_moves(args.start);
  } catch (const Error& e) {
    fail("--start '{}': {}", args.start, e.what());
  }
  if (state->is_terminal()) fail("--start '{}': the game is already over there", args.start);
  const auto agent = make_agent(args.agent, info, Rng(args.seed).next_u64());
  const bool interactive = isatty(STDIN_FILENO) != 0;
  // The person is player 0 when moving first from the empty board; with --start, "first"
  // means the side to move there.
  const int person = args.you == "first" ? state->current_player() : 1 - state->current_player();
  std::cout << fmt::format("{} against {}: you play {}; type a move ({}) and Enter\n", args.game,
                           args.agent, args.you, info.move_digits);
  std::cout << state->to_string() << '\n';
  std::string line;
  int line_number = 0;
  while (!state->is_terminal()) {
    if (state->current_player() == person) {
      std::cout << "your move: " << std::flush;
      if (!std::getline(std::cin, line)) {
        std::cout << fmt::format("\nstopped at {} (no more input)\n", state->moves_string().empty()
                                                                          ? std::string("the start")
                                                                          : state->moves_string());
        return 0;
      }
      ++line_number;
      if (!interactive) std::cout << line << '\n';
      const std::string moves = state->moves_string() + line;
      try {
        if (line.size() != 1) {
          fail("'{}' is not one move: type one of {}", line, info.move_digits);
        }
        state = info.state_from_moves(moves);
      } catch (const Error& e) {
        if (!interactive) fail("stdin:{}: {}", line_number, e.what());
        std::cout << e.what() << "; try again\n";
        continue;
      }
    } else {
      const game::Action a = agent->act(*state);
      state->apply(a);
      std::cout << fmt::format("{} plays {}\n", args.agent, state->action_to_string(a));
    }
    std::cout << state->to_string() << '\n';
  }
  const double r = state->player_return(person);
  std::cout << (r > 0   ? "you win"
                : r < 0 ? "you lose"
                        : "a draw")
            << " (" << state->moves_string() << ")\n";
  return 0;
}

}  // namespace

bool game_command_needs_torch(int argc, char** argv) {
  if (argc < 3 || std::string_view(argv[1]) != "game") return false;
  const std::string_view sub = argv[2];
  if (sub != "match" && sub != "play") return false;
  for (int i = 3; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with("--agent=")) arg.remove_prefix(8);
    if (game::is_network_agent_spec(arg)) return true;
  }
  return false;
}

void add_game_command(CLI::App& app, Action& action, AgentMaker make_agent) {
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

  auto positions = std::make_shared<PositionsArgs>();
  auto* g = command->add_subcommand(
      "positions",
      "Sample positions by uniformly random play and label them with the exact solver: one a "
      "line, the moves, the score for the player to move, then each move's score ('-' illegal); "
      "the stone count is uniform over --stones, positions are unfinished and distinct");
  g->add_option("--game", positions->game, "connect4 (default) or tictactoe");
  g->add_option("--stones", positions->stones, "Stones on the board: LO-HI (e.g. 14-23) or N")
      ->required();
  g->add_option("--count", positions->count, "Positions to sample (default 1000)");
  g->add_option("--seed", positions->seed, "Seed of the random games");
  g->add_option("--out", positions->out, "Write to this file (default: standard output)");
  g->add_flag("--quiet", positions->quiet, "No progress lines (with --out)");
  g->callback(
      [&action, positions] { action = [positions] { return positions_command(*positions); }; });

  auto match = std::make_shared<MatchArgs>();
  auto* m = command->add_subcommand(
      "match", "Play games between two agents; prints the first agent's wins, draws and losses");
  const std::string agents = fmt::format("Agent: {}, {} (a trained network)", game::agent_specs(),
                                         game::kNetworkAgentSpecs);
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
  m->callback([&action, match, make_agent] {
    action = [match, make_agent] { return match_command(*match, make_agent); };
  });

  auto play = std::make_shared<PlayArgs>();
  auto* p = command->add_subcommand(
      "play", "Play a game against an agent in the terminal, typing one move a line");
  p->add_option("game", play->game, "connect4 or tictactoe")->required();
  p->add_option("--agent", play->agent, agents + " (default mcts-rollout:1000)");
  p->add_option("--you", play->you, "first (default) or second: the side you play")
      ->check(CLI::IsMember({"first", "second"}));
  p->add_option("--seed", play->seed, "Seed of the agent's random choices");
  p->add_option("--start", play->start, "Start from this position (1-based moves, e.g. 4453)");
  p->callback([&action, play, make_agent] {
    action = [play, make_agent] { return play_command(*play, make_agent); };
  });
}

}  // namespace valor::app
