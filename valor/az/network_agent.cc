#include "valor/az/network_agent.h"

#include <algorithm>
#include <charconv>

#include "valor/az/checkpoint_network.h"
#include "valor/az/network_evaluator.h"
#include "valor/core/error.h"
#include "valor/game/puct.h"

namespace valor::az {

namespace {

class NetworkAgent final : public game::Agent {
 public:
  NetworkAgent(PolicyValueNet network, int simulations, uint64_t seed)
      : network_(std::move(network)), evaluator_(network_) {
    if (simulations > 0) {
      game::PuctOptions options;
      options.simulations = simulations;
      search_ = std::make_unique<game::PuctSearch>(evaluator_, options, seed);
    }
  }
  game::Action act(const game::State& state) override {
    if (search_) return search_->search(state).action;
    const game::State* states[] = {&state};
    evaluator_.evaluate(states, std::span<game::Evaluation>(&evaluation_, 1));
    game::Action best = -1;
    for (int a = 0; a < state.num_distinct_actions(); ++a) {
      if (state.is_legal(a) && (best < 0 || evaluation_.priors[a] > evaluation_.priors[best])) {
        best = a;
      }
    }
    return best;
  }

 private:
  PolicyValueNet network_;
  NetworkEvaluator evaluator_;
  std::unique_ptr<game::PuctSearch> search_;
  game::Evaluation evaluation_;
};

}  // namespace

NetworkAgentSpec parse_network_agent_spec(std::string_view spec) {
  if (!game::is_network_agent_spec(spec)) {
    fail("agent '{}' is not a network agent: expected {}", spec, game::kNetworkAgentSpecs);
  }
  std::string_view rest = spec.substr(game::kNetworkAgentPrefix.size());
  NetworkAgentSpec out;
  const size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos) {
    const std::string_view digits = rest.substr(colon + 1);
    const bool numeric = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    if (numeric) {
      const auto [end, error] =
          std::from_chars(digits.data(), digits.data() + digits.size(), out.simulations);
      if (error != std::errc() || out.simulations < 1 || out.simulations > 10000000) {
        fail("agent '{}': SIMS must be in [1, 10000000] ({})", spec, game::kNetworkAgentSpecs);
      }
      rest = rest.substr(0, colon);
    }
  }
  if (rest.empty())
    fail("agent '{}' names no checkpoint: expected {}", spec, game::kNetworkAgentSpecs);
  out.path = std::string(rest);
  return out;
}

std::unique_ptr<game::Agent> make_network_agent(std::string_view spec, const game::GameInfo& game,
                                                uint64_t seed) {
  const NetworkAgentSpec parsed = parse_network_agent_spec(spec);
  CheckpointNetwork loaded;
  try {
    loaded = load_checkpoint_network(parsed.path);
  } catch (const Error& e) {
    fail("agent '{}': {}", spec, e.what());
  }
  if (loaded.game->name != game.name) {
    fail("agent '{}': the checkpoint's network plays {}, not {}", spec, loaded.game->name,
         game.name);
  }
  return std::make_unique<NetworkAgent>(loaded.network, parsed.simulations, seed);
}

std::unique_ptr<game::Agent> make_any_agent(std::string_view spec, const game::GameInfo& game,
                                            uint64_t seed) {
  if (game::is_network_agent_spec(spec)) return make_network_agent(spec, game, seed);
  return game::make_agent(spec, game, seed);
}

}  // namespace valor::az
