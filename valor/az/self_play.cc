#include "valor/az/self_play.h"

#include "valor/core/error.h"
#include "valor/game/puct.h"

namespace valor::az {

void check_self_play_options(const SelfPlayOptions& o) {
  if (o.simulations < 1) fail("az.simulations must be >= 1, got {}", o.simulations);
  if (!(o.c_puct > 0)) fail("az.c_puct must be > 0, got {}", o.c_puct);
  if (!(o.dirichlet_fraction >= 0 && o.dirichlet_fraction <= 1)) {
    fail("az.dirichlet_fraction must be in [0, 1], got {}", o.dirichlet_fraction);
  }
  if (!(o.dirichlet_alpha > 0)) fail("az.dirichlet_alpha must be > 0, got {}", o.dirichlet_alpha);
  if (o.leaf_batch < 1 || o.leaf_batch > 4096) {
    fail("az.leaf_batch (--leaf-batch) must be in [1, 4096], got {}", o.leaf_batch);
  }
  if (o.temperature_moves < 0) {
    fail("az.temperature_moves must be >= 0, got {}", o.temperature_moves);
  }
  if (!(o.temperature > 0)) fail("az.temperature must be > 0, got {}", o.temperature);
  if (o.random_opening_moves < 0) {
    fail("az.random_opening_moves (--random-opening-moves) must be >= 0, got {}",
         o.random_opening_moves);
  }
  if (!(o.value_target_mix >= 0 && o.value_target_mix <= 1)) {
    fail("az.value_target_mix (--value-target-mix) must be in [0, 1], got {}", o.value_target_mix);
  }
}

namespace {

// One game of play_games: the position, its two searches and the samples so far.
struct GameInPlay {
  size_t index = 0;  // into the seeds
  std::unique_ptr<game::State> state;
  std::unique_ptr<game::PuctSearch> explore;
  std::unique_ptr<game::PuctSearch> exploit;
  game::PuctSearch* search = nullptr;  // the one searching the current position
  GameRecord record;
  std::vector<int> movers;
  int searched_moves = 0;  // moves chosen by search so far (after the random opening)
};

// The position after an opening of k uniformly random legal moves, k uniform in 0..max_moves;
// an opening that ends the game is drawn again.
std::unique_ptr<game::State> random_opening(const game::GameInfo& info, int max_moves, Rng& rng) {
  std::vector<game::Action> legal;
  while (true) {
    std::unique_ptr<game::State> state = info.new_initial_state();
    const auto k = static_cast<int>(rng.below(static_cast<uint64_t>(max_moves) + 1));
    for (int i = 0; i < k && !state->is_terminal(); ++i) {
      state->legal_actions(legal);
      state->apply(legal[rng.below(legal.size())]);
    }
    if (!state->is_terminal()) return state;
  }
}

}  // namespace

GameRecord play_game(const game::GameInfo& info, game::Evaluator& evaluator,
                     const SelfPlayOptions& options, uint64_t seed) {
  return std::move(play_games(info, evaluator, options, std::span<const uint64_t>(&seed, 1), 1)[0]);
}

std::vector<GameRecord> play_games(const game::GameInfo& info, game::Evaluator& evaluator,
                                   const SelfPlayOptions& options, std::span<const uint64_t> seeds,
                                   int parallel) {
  VALOR_CHECK(parallel >= 1 && options.leaf_batch >= 1);
  game::PuctOptions puct;
  puct.simulations = options.simulations;
  puct.c_puct = options.c_puct;
  puct.dirichlet_fraction = options.dirichlet_fraction;
  puct.dirichlet_alpha = options.dirichlet_alpha;
  puct.leaf_batch = options.leaf_batch;
  game::PuctOptions greedy = puct;
  puct.temperature = options.temperature;
  greedy.temperature = 0.0;

  std::vector<GameRecord> records(seeds.size());
  std::vector<std::unique_ptr<GameInPlay>> games;
  size_t next = 0;
  std::vector<game::Action> legal;
  const auto start_search = [&options](GameInPlay& g) {
    g.search = g.searched_moves < options.temperature_moves ? g.explore.get() : g.exploit.get();
    g.search->start(*g.state);
  };
  const auto refill = [&] {
    while (games.size() < static_cast<size_t>(parallel) && next < seeds.size()) {
      auto g = std::make_unique<GameInPlay>();
      g->index = next;
      // Streams of one seed: the exploring moves, the greedy rest, the random opening.
      Rng streams(seeds[next]);
      g->explore = std::make_unique<game::PuctSearch>(evaluator, puct, streams.next_u64());
      g->exploit = std::make_unique<game::PuctSearch>(evaluator, greedy, streams.next_u64());
      if (options.random_opening_moves > 0) {
        Rng opening(streams.next_u64());
        g->state = random_opening(info, options.random_opening_moves, opening);
      } else {
        g->state = info.new_initial_state();
      }
      start_search(*g);
      games.push_back(std::move(g));
      ++next;
    }
  };
  // A finished search: the sample of its position, then its move; true once the game is over.
  const auto play_move = [&](GameInPlay& g) {
    const game::SearchResult result = g.search->finish();
    game::State& state = *g.state;
    const int actions = state.num_distinct_actions();
    Sample sample;
    sample.observation.resize(static_cast<size_t>(state.observation_shape().size()));
    state.observation(sample.observation);
    sample.legal.assign(static_cast<size_t>(actions), 0);
    state.legal_actions(legal);
    for (game::Action a : legal) sample.legal[static_cast<size_t>(a)] = 1;
    sample.policy = result.policy;
    sample.value = result.value;  // the root value until the outcome is known
    g.record.samples.push_back(std::move(sample));
    g.movers.push_back(state.current_player());
    state.apply(result.action);
    ++g.searched_moves;
    if (!state.is_terminal()) {
      start_search(g);
      return false;
    }
    g.record.return0 = state.player_return(0);
    const double mix = options.value_target_mix;
    for (size_t i = 0; i < g.record.samples.size(); ++i) {
      float& value = g.record.samples[i].value;
      const double outcome = state.player_return(g.movers[i]);
      // mix 0: exactly the outcome.
      value = static_cast<float>(mix == 0.0 ? outcome : (1.0 - mix) * outcome + mix * value);
    }
    records[g.index] = std::move(g.record);
    return true;
  };

  std::vector<const game::State*> batch;
  std::vector<game::Evaluation> evaluations;
  refill();
  while (!games.empty()) {
    batch.clear();
    for (const auto& g : games) {
      const auto states = g->search->pending();
      batch.insert(batch.end(), states.begin(), states.end());
    }
    evaluations.resize(batch.size());
    evaluator.evaluate(batch, evaluations);
    size_t offset = 0;
    bool finished = false;
    for (auto& g : games) {
      const size_t count = g->search->pending().size();
      g->search->supply(std::span<const game::Evaluation>(evaluations).subspan(offset, count));
      offset += count;
      if (g->search->ready() && play_move(*g)) {
        g.reset();
        finished = true;
      }
    }
    if (finished) {
      std::erase(games, nullptr);
      refill();
    }
  }
  return records;
}

ReplayBuffer::ReplayBuffer(size_t capacity) : capacity_(capacity) {
  if (capacity < 1) fail("az.replay_capacity must be >= 1, got {}", capacity);
}

void ReplayBuffer::add(Sample sample) {
  if (samples_.size() < capacity_) {
    samples_.push_back(std::move(sample));
    return;
  }
  samples_[next_] = std::move(sample);
  next_ = (next_ + 1) % capacity_;
}

SampleMirror sample_mirror(const game::GameInfo& info) {
  VALOR_CHECK(info.mirror_action != nullptr);
  const std::unique_ptr<game::State> s = info.new_initial_state();
  SampleMirror mirror{s->observation_shape(), {}};
  for (game::Action a = 0; a < s->num_distinct_actions(); ++a) {
    mirror.action.push_back(info.mirror_action(a));
  }
  return mirror;
}

ReplayBuffer::Batch ReplayBuffer::sample(Rng& rng, int batch_size,
                                         const SampleMirror* mirror) const {
  VALOR_CHECK(!samples_.empty() && batch_size > 0);
  const int64_t b = batch_size;
  const int64_t n = static_cast<int64_t>(samples_.front().observation.size());
  const int64_t a = static_cast<int64_t>(samples_.front().policy.size());
  Batch batch;
  batch.observations = torch::empty({b, n});
  torch::Tensor legal = torch::empty({b, a}, torch::kUInt8);
  batch.policy = torch::empty({b, a});
  batch.value = torch::empty({b});
  float* obs = batch.observations.data_ptr<float>();
  uint8_t* lg = legal.data_ptr<uint8_t>();
  float* pol = batch.policy.data_ptr<float>();
  float* val = batch.value.data_ptr<float>();
  for (int64_t i = 0; i < b; ++i) {
    const Sample& s = samples_[rng.below(samples_.size())];
    if (mirror != nullptr && rng.below(2) == 1) {
      game::mirror_observation(mirror->shape, s.observation, {obs + i * n, s.observation.size()});
      for (size_t k = 0; k < s.policy.size(); ++k) {
        const auto to = static_cast<size_t>(i * a + mirror->action[k]);
        lg[to] = s.legal[k];
        pol[to] = s.policy[k];
      }
    } else {
      std::copy(s.observation.begin(), s.observation.end(), obs + i * n);
      std::copy(s.legal.begin(), s.legal.end(), lg + i * a);
      std::copy(s.policy.begin(), s.policy.end(), pol + i * a);
    }
    val[i] = s.value;
  }
  batch.legal = legal.to(torch::kBool);
  return batch;
}

void ReplayBuffer::save(torch::serialize::OutputArchive& archive) const {
  const int64_t b = static_cast<int64_t>(samples_.size());
  const int64_t n = b ? static_cast<int64_t>(samples_.front().observation.size()) : 0;
  const int64_t a = b ? static_cast<int64_t>(samples_.front().policy.size()) : 0;
  torch::Tensor obs = torch::empty({b, n});
  torch::Tensor legal = torch::empty({b, a}, torch::kUInt8);
  torch::Tensor policy = torch::empty({b, a});
  torch::Tensor value = torch::empty({b});
  for (int64_t i = 0; i < b; ++i) {
    const Sample& s = samples_[static_cast<size_t>(i)];
    std::copy(s.observation.begin(), s.observation.end(), obs.data_ptr<float>() + i * n);
    std::copy(s.legal.begin(), s.legal.end(), legal.data_ptr<uint8_t>() + i * a);
    std::copy(s.policy.begin(), s.policy.end(), policy.data_ptr<float>() + i * a);
    value.data_ptr<float>()[i] = s.value;
  }
  archive.write("observations", obs);
  archive.write("legal", legal);
  archive.write("policy", policy);
  archive.write("value", value);
  archive.write("next", torch::tensor({static_cast<int64_t>(next_)}, torch::kInt64));
}

void ReplayBuffer::load(torch::serialize::InputArchive& archive) {
  torch::Tensor obs, legal, policy, value, next;
  archive.read("observations", obs);
  archive.read("legal", legal);
  archive.read("policy", policy);
  archive.read("value", value);
  archive.read("next", next);
  const int64_t b = obs.size(0);
  if (static_cast<size_t>(b) > capacity_) {
    fail("az.replay_capacity ({}) is below the checkpoint's {} samples", capacity_, b);
  }
  const int64_t n = obs.size(1);
  const int64_t a = policy.size(1);
  samples_.assign(static_cast<size_t>(b), Sample{});
  for (int64_t i = 0; i < b; ++i) {
    Sample& s = samples_[static_cast<size_t>(i)];
    const float* o = obs.data_ptr<float>() + i * n;
    s.observation.assign(o, o + n);
    const uint8_t* l = legal.data_ptr<uint8_t>() + i * a;
    s.legal.assign(l, l + a);
    const float* p = policy.data_ptr<float>() + i * a;
    s.policy.assign(p, p + a);
    s.value = value.data_ptr<float>()[i];
  }
  next_ = static_cast<size_t>(next.item<int64_t>());
}

}  // namespace valor::az
