// A policy/value network described by its checkpoint alone. Trainer::save (trainer.h) writes,
// besides the weights under "network", the game's name under "game" and the NetworkSpec as text
// under "network_spec" (one "key value" line per field, the keys being the az.* names without
// "az."). From that:
//   - load_network(path) builds the network the spec describes and loads its weights, ready to
//     play (eval mode); use it for agents that play from a checkpoint;
//   - read_checkpoint_info(path) gives the game, the spec and the iteration count, e.g. to build
//     the game's states for the network or to default a resumed run's options;
//   - network_spec_difference names the first az.* key in which two specs differ, so that a
//     resumed run whose options describe another network fails with that key, not with
//     LibTorch's message about tensor shapes.
// Checkpoints written before the spec was stored are refused with a valor::Error saying so.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "valor/az/network.h"

namespace valor::az {

// Versioned "key value" text, the form of a checkpoint's text entries (the network spec, the
// trainer's training options): `header` on the first line, then one "key value" line per pair
// (the value may be empty or hold spaces). key_value_text writes it; parse_key_value_text reads
// the pairs back in order, skipping empty lines, with a valor::Error starting with `what` for
// another first line, a line without a space, or a key given twice.
std::string key_value_text(std::string_view header,
                           const std::vector<std::pair<std::string, std::string>>& pairs);
std::vector<std::pair<std::string, std::string>> parse_key_value_text(std::string_view text,
                                                                      std::string_view header,
                                                                      std::string_view what);

// The spec as text: "valor.az.network_spec 1", then one "key value" line per field.
std::string network_spec_to_text(const NetworkSpec& spec);
// The inverse; valor::Error for text that is not such a spec (unknown version, missing or unknown
// key, a malformed value). The result is not checked against check_network_spec.
NetworkSpec network_spec_from_text(std::string_view text);

// nullopt if the specs are equal in every field, else a message naming the first differing key
// with both values: "az.trunk: the checkpoint has conv, these options give mlp". Every field
// counts, also those the trunk does not use (hidden for conv), and the loss settings (bins,
// sigma_ratio, value_weight): a resumed run continues the same training.
std::optional<std::string> network_spec_difference(const NetworkSpec& checkpoint,
                                                   const NetworkSpec& options);

struct CheckpointInfo {
  std::string game;  // a game of game/registry.h
  NetworkSpec spec;
  int iteration = 0;  // completed training iterations
  // A trainer checkpoint's stored training options (trainer.h's training_options_to_text);
  // nullopt for a network file and for checkpoints written before valor stored them.
  std::optional<std::string> training_options;
};

// valor::Error if the file is missing, is not a LibTorch archive, or has no stored spec.
CheckpointInfo read_checkpoint_info(const std::filesystem::path& path);

// The network of a trainer checkpoint (Trainer::save), built from its stored spec, with the
// saved weights, in eval mode; the same outputs as the saved trainer's network() for the same
// inputs. Errors as read_checkpoint_info. LibTorch's global random stream is left as it was.
PolicyValueNet load_network(const std::filesystem::path& path);

// A network-only file: the game, the spec, the weights and the iteration count of a checkpoint,
// without the optimiser, the replay buffer and the random state (a trainer checkpoint of
// Connect Four with a full replay is ~80 MB, its network ~1 MB). load_network and
// read_checkpoint_info read it as they read a checkpoint, so it plays and evaluates; Trainer::load
// refuses it (it cannot resume training). Written atomically.
void save_network_file(const std::filesystem::path& path, std::string_view game,
                       const PolicyValueNet& network, int iteration);

// The same, one archive at a time, for callers that read or write other entries of the same
// file (Trainer::save/load, load_checkpoint_network): each file is read once.
//   - read_checkpoint_archive: the archive of a file (valor::Error naming the file if it is
//     missing or not an archive);
//   - read_archive_spec / read_archive_info: its stored spec / game, spec and iteration
//     (valor::Error naming `path` if absent);
//   - load_archive_network: its network, built from `spec`, in eval mode (as load_network);
//   - write_network_entries: the entries a network file holds (game, network_spec, network,
//     iteration), which a trainer checkpoint holds too;
//   - write_archive_atomically: the archive as `path`, written atomically;
//   - text_tensor / tensor_text: text stored as a uint8 tensor.
torch::serialize::InputArchive read_checkpoint_archive(const std::filesystem::path& path);
NetworkSpec read_archive_spec(torch::serialize::InputArchive& archive,
                              const std::filesystem::path& path);
CheckpointInfo read_archive_info(torch::serialize::InputArchive& archive,
                                 const std::filesystem::path& path);
PolicyValueNet load_archive_network(torch::serialize::InputArchive& archive,
                                    const NetworkSpec& spec);
void write_network_entries(torch::serialize::OutputArchive& archive, std::string_view game,
                           const PolicyValueNet& network, int iteration);
void write_archive_atomically(const std::filesystem::path& path,
                              torch::serialize::OutputArchive& archive);
torch::Tensor text_tensor(std::string_view text);
std::string tensor_text(const torch::Tensor& t);

}  // namespace valor::az
