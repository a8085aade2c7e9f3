// Checkpoint files and the replay state inside them. The input is a checkpoint file whose
// checksum (its last 8 bytes) is recomputed first, so that mutations reach the parser instead
// of all failing the checksum, the way a buggy writer or a hand edit would: run::decode_checkpoint,
// then every entry loaded as a replay buffer and as an n-step assembler state (the torch-free
// parts of a DQN checkpoint; network and optimiser tensors are checked by
// TrainCheckpoint.CraftedContentsNeverAbortAResume).
#include "valor/run/checkpoint.h"

#include <cstring>
#include <string>

#include "fuzz/fuzz_common.h"
#include "valor/agent/replay.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(valor::fuzz::as_text(data, size));
  if (bytes.size() >= 8) {
    const uint64_t sum = valor::run::fnv1a_64(std::string_view(bytes).substr(0, bytes.size() - 8));
    std::memcpy(bytes.data() + bytes.size() - 8, &sum, 8);
  }
  valor::fuzz::expect_clean([&] {
    const auto [step, checkpoint] = valor::run::decode_checkpoint(bytes, "fuzz.ckpt");
    (void)step;
    for (const auto& entry : checkpoint) {
      const std::string& blob = entry.second;
      valor::fuzz::expect_clean([&] {
        valor::agent::ReplayBuffer float_replay(64, 4, valor::agent::ObsStorage::kFloat32);
        float_replay.load_state(blob, 3);
      });
      valor::fuzz::expect_clean([&] {
        valor::agent::ReplayBuffer bit_replay(64, 400, valor::agent::ObsStorage::kBits);
        bit_replay.load_state(blob, 6);
      });
      valor::fuzz::expect_clean([&] {
        valor::agent::NStepAssembler nstep(3, 0.99);
        nstep.load_state(blob, 4, 3);
      });
    }
  });
  return 0;
}
