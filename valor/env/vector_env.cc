#include "valor/env/vector_env.h"

#include <algorithm>

#include "valor/core/error.h"

namespace valor::env {

VectorEnv::VectorEnv(std::vector<std::unique_ptr<Env>> envs, int threads, ObsFormat format,
                     AutoresetMode autoreset)
    : envs_(std::move(envs)), threads_(threads), format_(format), autoreset_(autoreset) {
  if (envs_.empty()) fail("a vector of environments needs at least one environment");
  if (threads < 1) fail("vector environment threads must be >= 1, got {}", threads);
  obs_size_ = spec().obs_size();
  for (const auto& e : envs_) {
    if (e->spec().name != spec().name || e->spec().obs_size() != obs_size_) {
      fail("a vector of environments must hold one kind: {} and {}", spec().name, e->spec().name);
    }
  }
  const size_t n = envs_.size();
  if (format == ObsFormat::kBytes) {
    if (!envs_.front()->offers_byte_obs()) {
      fail("{} has no byte observation (only environments whose observations are 0/1)",
           spec().name);
    }
    obs_bytes_.assign(n * obs_size_, 0);
    if (autoreset == AutoresetMode::kSameStep) final_obs_bytes_.assign(n * obs_size_, 0);
  } else {
    obs_.assign(n * obs_size_, 0.0f);
    if (autoreset == AutoresetMode::kSameStep) final_obs_.assign(n * obs_size_, 0.0f);
  }
  rewards_.assign(n, 0.0f);
  terminated_.assign(n, 0);
  truncated_.assign(n, 0);
  finished_return_.assign(n, 0.0);
  finished_length_.assign(n, 0);
  slots_.assign(n, Slot{});
  if (threads > 1 && n > 1) {
    blocks_ = std::min(n, static_cast<size_t>(threads) * kBlocksPerThread);
    pool_ = std::make_unique<WorkerPool>(threads, blocks_);
  }
}

void VectorEnv::observe(size_t i, bool final) {
  const size_t at = i * obs_size_;
  if (format_ == ObsFormat::kBytes) {
    envs_[i]->observe_bytes(
        std::span<uint8_t>(final ? final_obs_bytes_ : obs_bytes_).subspan(at, obs_size_));
  } else {
    envs_[i]->observe(std::span<float>(final ? final_obs_ : obs_).subspan(at, obs_size_));
  }
}

void VectorEnv::seed_and_reset_one(size_t i, uint64_t seed) {
  envs_[i]->seed(seed);
  envs_[i]->reset();
  observe(i, false);
  slots_[i].running_return = 0;
  slots_[i].running_length = 0;
  slots_[i].reset_pending = 0;
}

void VectorEnv::seed_and_reset(uint64_t seed) {
  for (size_t i = 0; i < envs_.size(); ++i) seed_and_reset_one(i, seed + i);
}

void VectorEnv::reset() {
  for (size_t i = 0; i < envs_.size(); ++i) {
    envs_[i]->reset();
    observe(i, false);
    slots_[i].running_return = 0;
    slots_[i].running_length = 0;
    slots_[i].reset_pending = 0;
  }
}

bool VectorEnv::replay_one(size_t i, uint64_t seed, std::span<const int32_t> actions) {
  seed_and_reset_one(i, seed);
  Env& e = *envs_[i];
  for (const int32_t a : actions) {
    const StepResult r = e.step(a);
    slots_[i].running_return += r.reward;
    slots_[i].running_length += 1;
    if (r.terminated || r.truncated) return false;
  }
  observe(i, false);
  return true;
}

void VectorEnv::step_range(size_t begin, size_t end, std::span<const int32_t> actions) {
  if (autoreset_ == AutoresetMode::kNextStep) return step_range_next(begin, end, actions);
  for (size_t i = begin; i < end; ++i) {
    Env& e = *envs_[i];
    const StepResult r = e.step(actions[i]);
    Slot& slot = slots_[i];
    slot.reward = r.reward;
    slot.terminated = r.terminated;
    slot.truncated = r.truncated;
    slot.running_return += r.reward;
    slot.running_length += 1;
    if (r.terminated || r.truncated) {
      observe(i, true);
      slot.finished_return = slot.running_return;
      slot.finished_length = slot.running_length;
      slot.running_return = 0;
      slot.running_length = 0;
      e.reset();
    } else {
      slot.finished_return = 0;
      slot.finished_length = 0;
    }
    observe(i, false);
  }
}

void VectorEnv::step_range_next(size_t begin, size_t end, std::span<const int32_t> actions) {
  for (size_t i = begin; i < end; ++i) {
    Env& e = *envs_[i];
    Slot& slot = slots_[i];
    slot.finished_return = 0;
    slot.finished_length = 0;
    if (slot.reset_pending) {
      e.reset();
      slot.reset_pending = 0;
      slot.reward = 0;
      slot.terminated = 0;
      slot.truncated = 0;
    } else {
      const StepResult r = e.step(actions[i]);
      slot.reward = r.reward;
      slot.terminated = r.terminated;
      slot.truncated = r.truncated;
      slot.running_return += r.reward;
      slot.running_length += 1;
      if (r.terminated || r.truncated) {
        slot.finished_return = slot.running_return;
        slot.finished_length = slot.running_length;
        slot.running_return = 0;
        slot.running_length = 0;
        slot.reset_pending = 1;
      }
    }
    observe(i, false);
  }
}

void VectorEnv::gather_slots() {
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot& slot = slots_[i];
    rewards_[i] = slot.reward;
    terminated_[i] = slot.terminated;
    truncated_[i] = slot.truncated;
    finished_return_[i] = slot.finished_return;
    finished_length_[i] = slot.finished_length;
  }
}

void VectorEnv::step(std::span<const int32_t> actions) {
  if (actions.size() != envs_.size()) {
    fail("vector step got {} actions for {} environments", actions.size(), envs_.size());
  }
  const int num_actions = spec().num_actions;
  for (size_t i = 0; i < actions.size(); ++i) {
    if (actions[i] < 0 || actions[i] >= num_actions) {
      fail("{}: action {} for environment {} out of range; accepted: 0..{}", spec().name,
           actions[i], i, num_actions - 1);
    }
  }
  const size_t n = envs_.size();
  if (!pool_) {
    step_range(0, n, actions);
  } else {
    auto step_block = [this, n, actions](size_t b) {
      step_range(n * b / blocks_, n * (b + 1) / blocks_, actions);
    };
    pool_->run(blocks_, step_block);
  }
  gather_slots();
}

}  // namespace valor::env
