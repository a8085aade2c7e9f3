#include "valor/az/checkpoint_network.h"

#include "valor/az/network_io.h"
#include "valor/core/error.h"

namespace valor::az {

CheckpointNetwork load_checkpoint_network(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path)) {
    fail("{}: no such checkpoint file (one written by valor az train --checkpoint)", path.string());
  }
  torch::serialize::InputArchive archive = read_checkpoint_archive(path);
  const CheckpointInfo info = read_archive_info(archive, path);
  CheckpointNetwork out;
  out.iteration = info.iteration;
  try {
    out.game = &game::find_game(info.game);
  } catch (const Error& e) {
    fail("{}: the checkpoint's game: {}", path.string(), e.what());
  }
  out.network = load_archive_network(archive, info.spec);
  return out;
}

}  // namespace valor::az
