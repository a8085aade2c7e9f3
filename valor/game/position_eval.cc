#include "valor/game/position_eval.h"

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/game/gumbel.h"
#include "valor/game/puct.h"

namespace valor::game {

namespace {

int sign(double v) { return v > 0 ? 1 : v < 0 ? -1 : 0; }

// The outcome (sign of the score) of playing `a` in `p`.
int outcome_of(const LabelledPosition& p, Action a) {
  VALOR_CHECK(a >= 0 && a < static_cast<int>(p.move_scores.size()) && p.move_scores[a],
              "a chooser picked the illegal action {}", a);
  return sign(*p.move_scores[a]);
}

Action argmax_prior(const State& state, const Evaluation& e) {
  Action best = -1;
  for (int a = 0; a < state.num_distinct_actions(); ++a) {
    if (!state.is_legal(a)) continue;
    if (best < 0 || e.priors[a] > e.priors[best]) best = a;
  }
  return best;
}

struct Tally {
  BucketEval eval;
  double drawn_abs_sum = 0.0;
  void add(int score, float value, const std::vector<bool>& preserved) {
    ++eval.positions;
    if (score != 0) {
      ++eval.value_sign.trials;
      if (sign(value) == sign(score)) ++eval.value_sign.successes;
    } else {
      ++eval.drawn;
      drawn_abs_sum += std::abs(value);
    }
    eval.outcome_preserving.resize(preserved.size());
    for (size_t i = 0; i < preserved.size(); ++i) {
      ++eval.outcome_preserving[i].trials;
      if (preserved[i]) ++eval.outcome_preserving[i].successes;
    }
  }
  BucketEval finish(size_t choosers) {
    eval.outcome_preserving.resize(choosers);
    eval.drawn_mean_abs_value = eval.drawn == 0 ? 0.0 : drawn_abs_sum / eval.drawn;
    return eval;
  }
};

}  // namespace

Interval wilson_interval(const Proportion& p, double z) {
  if (p.trials == 0) return {0.0, 1.0};
  const double n = p.trials;
  const double phat = p.rate();
  const double z2 = z * z;
  const double denominator = 1.0 + z2 / n;
  const double centre = (phat + z2 / (2 * n)) / denominator;
  const double half = z / denominator * std::sqrt(phat * (1 - phat) / n + z2 / (4 * n * n));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::string MoveChooser::name() const {
  switch (kind) {
    case Kind::kPolicy:
      return "policy";
    case Kind::kPuct:
      return "puct:" + std::to_string(simulations);
    case Kind::kGumbel:
      return "gumbel:" + std::to_string(simulations);
  }
  return "";
}

void check_position_eval_options(const PositionEvalOptions& o) {
  for (const auto& c : o.choosers) {
    if (c.kind != MoveChooser::Kind::kPolicy && (c.simulations < 1 || c.simulations > 1000000)) {
      fail("--sims: every number of simulations must be in [1, 1000000], got {}", c.simulations);
    }
  }
  if (o.bucket_width < 1) fail("--bucket-width must be >= 1, got {}", o.bucket_width);
  if (!(o.c_puct > 0)) fail("--c-puct must be > 0, got {}", o.c_puct);
  if (o.gumbel_considered < 1) {
    fail("--gumbel-considered must be >= 1, got {}", o.gumbel_considered);
  }
}

PositionEval evaluate_positions(const std::vector<LabelledPosition>& positions,
                                Evaluator& evaluator, const PositionEvalOptions& options) {
  check_position_eval_options(options);
  std::vector<MoveChooser> choosers = options.choosers;
  if (choosers.empty()) choosers.push_back({});
  PositionEval result;
  for (const auto& c : choosers) result.choosers.push_back(c.name());
  if (positions.empty()) return result;

  // The evaluator's view of every position, in batches.
  constexpr size_t kBatch = 256;
  std::vector<Evaluation> evals(positions.size());
  std::vector<const State*> batch;
  for (size_t i = 0; i < positions.size(); i += kBatch) {
    batch.clear();
    for (size_t j = i; j < std::min(positions.size(), i + kBatch); ++j) {
      batch.push_back(positions[j].state.get());
    }
    evaluator.evaluate(batch, std::span<Evaluation>(evals).subspan(i, batch.size()));
  }

  int min_stones = positions.front().stones();
  int max_stones = min_stones;
  for (const auto& p : positions) {
    min_stones = std::min(min_stones, p.stones());
    max_stones = std::max(max_stones, p.stones());
  }
  const int buckets = (max_stones - min_stones) / options.bucket_width + 1;
  std::vector<Tally> tallies(buckets);
  for (int b = 0; b < buckets; ++b) {
    tallies[b].eval.min_stones = min_stones + b * options.bucket_width;
    tallies[b].eval.max_stones =
        std::min(max_stones, tallies[b].eval.min_stones + options.bucket_width - 1);
  }
  Tally all;
  all.eval.min_stones = min_stones;
  all.eval.max_stones = max_stones;

  std::vector<std::unique_ptr<PuctSearch>> puct(choosers.size());
  std::vector<std::unique_ptr<GumbelSearch>> gumbel(choosers.size());
  for (size_t c = 0; c < choosers.size(); ++c) {
    if (choosers[c].kind == MoveChooser::Kind::kPuct) {
      PuctOptions o;
      o.simulations = choosers[c].simulations;
      o.c_puct = options.c_puct;
      puct[c] = std::make_unique<PuctSearch>(evaluator, o, options.seed);
    } else if (choosers[c].kind == MoveChooser::Kind::kGumbel) {
      GumbelOptions o;
      o.simulations = choosers[c].simulations;
      o.max_considered_actions = options.gumbel_considered;
      o.gumbel_scale = 0.0;
      gumbel[c] = std::make_unique<GumbelSearch>(evaluator, o, options.seed);
    }
  }
  std::vector<bool> preserved(choosers.size());
  for (size_t i = 0; i < positions.size(); ++i) {
    const LabelledPosition& p = positions[i];
    const int best_outcome = sign(p.score);
    for (size_t c = 0; c < choosers.size(); ++c) {
      Action a = -1;
      if (puct[c]) {
        a = puct[c]->search(*p.state).action;
      } else if (gumbel[c]) {
        a = gumbel[c]->search(*p.state).action;
      } else {
        a = argmax_prior(*p.state, evals[i]);
      }
      preserved[c] = outcome_of(p, a) == best_outcome;
    }
    tallies[(p.stones() - min_stones) / options.bucket_width].add(p.score, evals[i].value,
                                                                  preserved);
    all.add(p.score, evals[i].value, preserved);
  }
  for (auto& t : tallies) {
    if (t.eval.positions > 0) result.buckets.push_back(t.finish(choosers.size()));
  }
  result.all = all.finish(choosers.size());
  return result;
}

}  // namespace valor::game
