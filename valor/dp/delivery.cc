#include "valor/dp/delivery.h"

#include <array>
#include <cmath>

#include "valor/core/error.h"

namespace valor::dp {

namespace {

enum Feature { kGas = 0, kGoal = 1, kSheep = 2, kCoin = 3, kRoadBlock = 4 };

constexpr std::array<int, 4> kRowStep = {-1, 0, 1, 0};  // up, right, down, left
constexpr std::array<int, 4> kColumnStep = {0, 1, 0, -1};

bool is_terminal(DeliveryCell c) { return c == DeliveryCell::kGoal || c == DeliveryCell::kSheep; }

template <typename T>
T pick(Rng& rng, std::initializer_list<T> values) {
  return *(values.begin() + rng.below(values.size()));
}

}  // namespace

DeliveryMdp delivery_mdp(int height, int width, std::vector<DeliveryCell> cells,
                         std::vector<double> weights, std::string name) {
  if (height < 1 || width < 1)
    fail("delivery grid: sides must be >= 1, got {} x {}", height, width);
  const int n = height * width;
  if (cells.size() != static_cast<size_t>(n)) {
    fail("delivery grid: {} cells for {} x {}", cells.size(), height, width);
  }
  if (weights.size() != static_cast<size_t>(kDeliveryFeatures)) {
    fail("delivery grid: {} weights, expected {} (gas, goal, sheep, coin, road block)",
         weights.size(), kDeliveryFeatures);
  }
  for (double w : weights) {
    if (!std::isfinite(w)) fail("delivery grid: weight {} is not finite", w);
  }
  int starts = 0;
  for (auto c : cells) starts += is_terminal(c) ? 0 : 1;
  if (starts == 0) fail("delivery grid: every cell is a goal or a sheep; no episode can start");

  DeliveryMdp d;
  d.height = height;
  d.width = width;
  d.cells = std::move(cells);
  d.weights = std::move(weights);
  d.mdp = env::TabularMdp::with_shape(std::move(name), n, 4);
  d.mdp.action_names = {"up", "right", "down", "left"};
  d.features.num_states = n;
  d.features.num_actions = 4;
  d.features.num_features = kDeliveryFeatures;
  d.features.phi.assign(static_cast<size_t>(n) * 4 * kDeliveryFeatures, 0.0);
  d.mdp.picture.resize(static_cast<size_t>(height));
  for (int row = 0; row < height; ++row) {
    for (int col = 0; col < width; ++col) {
      const int s = row * width + col;
      const DeliveryCell cell = d.cells[static_cast<size_t>(s)];
      d.mdp.state_labels.push_back(fmt::format("({},{})", row, col));
      d.mdp.state_cells.push_back({row, col});
      d.mdp.terminal[static_cast<size_t>(s)] = is_terminal(cell);
      d.mdp.initial_distribution[static_cast<size_t>(s)] =
          is_terminal(cell) ? 0.0 : 1.0 / static_cast<double>(starts);
      for (int a = 0; a < 4; ++a) {
        const size_t k = static_cast<size_t>(s) * 4 + static_cast<size_t>(a);
        if (is_terminal(cell)) {
          d.mdp.rows[k] = {{s, 1.0, 0.0}};
          continue;
        }
        int next_row = row + kRowStep[static_cast<size_t>(a)];
        int next_col = col + kColumnStep[static_cast<size_t>(a)];
        double* phi = d.features.phi.data() + k * kDeliveryFeatures;
        int next = s;
        if (next_row < 0 || next_row >= height || next_col < 0 || next_col >= width) {
          phi[kGas] = 1.0;  // bumping into the edge
        } else {
          next = next_row * width + next_col;
          switch (d.cells[static_cast<size_t>(next)]) {
            case DeliveryCell::kRoad:
              phi[kGas] = 1.0;
              break;
            case DeliveryCell::kCoin:
              phi[kGas] = 1.0;
              phi[kCoin] = 1.0;
              break;
            case DeliveryCell::kRoadBlock:
              phi[kGas] = 1.0;
              phi[kRoadBlock] = 1.0;
              break;
            case DeliveryCell::kGoal:
              phi[kGoal] = 1.0;
              break;
            case DeliveryCell::kSheep:
              phi[kSheep] = 1.0;
              break;
          }
        }
        double r = 0.0;
        for (int f = 0; f < kDeliveryFeatures; ++f) r += phi[f] * d.weights[static_cast<size_t>(f)];
        d.mdp.rows[k] = {{next, 1.0, r}};
      }
    }
  }
  d.mdp.picture = [&] {
    std::vector<std::string> rows;
    const std::string text = delivery_picture(d);
    size_t start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') {
        rows.push_back(text.substr(start, i - start));
        start = i + 1;
      }
    }
    return rows;
  }();
  d.mdp.validate();
  return d;
}

DeliveryMdp random_delivery_mdp(Rng& rng, double gamma, std::string name) {
  // Draws before giving up: an MDP that cannot be scored is rare (it needs random to be optimal).
  constexpr int kMaxDraws = 1000;
  for (int draw = 0; draw < kMaxDraws; ++draw) {
    const int height = pick(rng, {3, 6, 10, 15});
    const int width = pick(rng, {5, 6, 10});
    const int n = height * width;
    const double sheep = pick(rng, {0.0, 0.1, 0.3});
    double blocks = pick(rng, {0.0, 0.1, 0.5, 0.8});
    while (sheep + blocks >= 1.0) blocks = pick(rng, {0.0, 0.1, 0.5, 0.8});
    double coins = pick(rng, {0.0, 0.1, 0.2});
    while (sheep + blocks + coins >= 1.0) coins = pick(rng, {0.0, 0.1, 0.2});
    std::vector<DeliveryCell> cells(static_cast<size_t>(n), DeliveryCell::kRoad);
    std::vector<int> road(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) road[static_cast<size_t>(i)] = i;
    auto place = [&](DeliveryCell kind, double fraction) {
      const int count = static_cast<int>(std::floor(fraction * n + 1e-9));
      for (int i = 0; i < count; ++i) {
        const size_t j = rng.below(road.size());
        cells[static_cast<size_t>(road[j])] = kind;
        road[j] = road.back();
        road.pop_back();
      }
    };
    place(DeliveryCell::kSheep, sheep);
    place(DeliveryCell::kRoadBlock, blocks);
    place(DeliveryCell::kCoin, coins);
    cells[rng.below(static_cast<uint64_t>(n))] = DeliveryCell::kGoal;
    std::vector<double> weights = {-1.0, pick(rng, {0.0, 1.0, 5.0, 10.0, 50.0}),
                                   pick(rng, {-5.0, -10.0, -50.0, -100.0}), 1.0,
                                   pick(rng, {-2.0, -5.0, -10.0})};
    DeliveryMdp d = delivery_mdp(height, width, std::move(cells), std::move(weights), name);
    // Scoreable: the optimal policy beats the uniformly random one in mean start value.
    const OptimalValues best = optimal_values(d.mdp, gamma);
    std::vector<double> uniform(static_cast<size_t>(n) * 4, 0.25);
    const std::vector<double> v_u = evaluate_stochastic_policy(d.mdp, uniform, gamma);
    double gap = 0.0;
    for (int s = 0; s < n; ++s) {
      gap += d.mdp.initial_distribution[static_cast<size_t>(s)] *
             (best.v[static_cast<size_t>(s)] - v_u[static_cast<size_t>(s)]);
    }
    if (gap >= 1e-6) return d;
  }
  fail("random delivery MDP: no scoreable grid in {} draws", kMaxDraws);
}

std::string delivery_picture(const DeliveryMdp& d) {
  std::string out;
  for (int row = 0; row < d.height; ++row) {
    for (int col = 0; col < d.width; ++col) {
      switch (d.cells[static_cast<size_t>(row * d.width + col)]) {
        case DeliveryCell::kRoad:
          out += '.';
          break;
        case DeliveryCell::kCoin:
          out += 'c';
          break;
        case DeliveryCell::kRoadBlock:
          out += 'x';
          break;
        case DeliveryCell::kGoal:
          out += 'G';
          break;
        case DeliveryCell::kSheep:
          out += 's';
          break;
      }
    }
    out += '\n';
  }
  return out;
}

}  // namespace valor::dp
