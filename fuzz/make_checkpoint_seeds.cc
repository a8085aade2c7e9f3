// Writes small valid checkpoints into the folder given as argument, the seeds of the checkpoint
// fuzz target: a replay buffer of float observations, one of bit-packed observations, and an
// n-step assembler with pending steps, each as an entry of one checkpoint file.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "valor/agent/replay.h"
#include "valor/core/atomic_file.h"
#include "valor/run/checkpoint.h"

using valor::agent::NStepAssembler;
using valor::agent::ObsStorage;
using valor::agent::ReplayBuffer;
using valor::agent::Transition;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FOLDER\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);

  ReplayBuffer floats(64, 4, ObsStorage::kFloat32);
  ReplayBuffer bits(64, 400, ObsStorage::kBits);
  for (int i = 0; i < 5; ++i) {
    Transition t;
    t.obs = {0.1f * i, -0.2f, 0.3f, 1.0f};
    t.action = i % 3;
    t.ret = 1.0f;
    t.discount = i == 4 ? 0.0f : 0.99f;
    t.next_obs = {0.1f * (i + 1), -0.2f, 0.3f, 1.0f};
    floats.add(t);
    Transition b;
    b.obs.assign(400, 0.0f);
    b.next_obs.assign(400, 0.0f);
    b.obs[static_cast<size_t>(i * 7)] = 1.0f;
    b.next_obs[static_cast<size_t>(i * 7 + 1)] = 1.0f;
    b.action = i % 6;
    b.ret = 0.5f;
    b.discount = 0.99f;
    bits.add(b);
  }
  NStepAssembler nstep(3, 0.99);
  const std::vector<float> o1 = {0.0f, 1.0f, 2.0f, 3.0f}, o2 = {1.0f, 1.0f, 2.0f, 3.0f},
                           o3 = {2.0f, 1.0f, 2.0f, 3.0f};
  nstep.push(o1, 1, 1.0f, false, false, o2, [](const Transition&) {});
  nstep.push(o2, 2, 0.0f, false, false, o3, [](const Transition&) {});

  valor::write_file_atomically(
      dir / "replay_float.ckpt",
      valor::run::encode_checkpoint(100, {{"replay", floats.save_state()}}));
  valor::write_file_atomically(dir / "replay_bits.ckpt",
                               valor::run::encode_checkpoint(200, {{"replay", bits.save_state()}}));
  valor::write_file_atomically(
      dir / "nstep.ckpt",
      valor::run::encode_checkpoint(300, {{"nstep", nstep.save_state()}, {"x", "1"}}));
  return 0;
}
