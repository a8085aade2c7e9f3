#include "valor/az/network_io.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <map>
#include <set>
#include <sstream>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"

namespace valor::az {
namespace {

constexpr std::string_view kSpecHeader = "valor.az.network_spec 1";

std::string join(const std::vector<int>& values) {
  return fmt::format("{}", fmt::join(values, " "));
}

// The fields in text order, each as its key and its value's text.
std::vector<std::pair<std::string, std::string>> fields(const NetworkSpec& s) {
  return {
      {"observation",
       fmt::format("{} {} {}", s.observation.planes, s.observation.rows, s.observation.cols)},
      {"num_actions", fmt::format("{}", s.num_actions)},
      {"trunk", s.trunk},
      {"hidden", join(s.hidden)},
      {"channels", fmt::format("{}", s.channels)},
      {"blocks", fmt::format("{}", s.blocks)},
      {"value_hidden", fmt::format("{}", s.value_hidden)},
      {"value_head", s.value_head},
      {"bins", fmt::format("{}", s.bins)},
      {"sigma_ratio", fmt::format("{}", s.sigma_ratio)},  // shortest round-trip form
      {"value_weight", fmt::format("{}", s.value_weight)},
  };
}

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

template <typename T>
T parse_number(std::string_view key, const std::string& word) {
  T value{};
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc() || end != word.data() + word.size()) {
    fail("network spec: '{}' is not a valid value of {}", word, key);
  }
  return value;
}

std::vector<int> parse_ints(std::string_view key, const std::string& value) {
  std::vector<int> out;
  for (const std::string& w : words(value)) out.push_back(parse_number<int>(key, w));
  return out;
}

int parse_int(std::string_view key, const std::string& value) {
  const std::vector<int> v = parse_ints(key, value);
  if (v.size() != 1) fail("network spec: {} takes one integer, got '{}'", key, value);
  return v[0];
}

}  // namespace

std::string key_value_text(std::string_view header,
                           const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string text(header);
  text += '\n';
  for (const auto& [key, value] : pairs) text += fmt::format("{} {}\n", key, value);
  return text;
}

std::vector<std::pair<std::string, std::string>> parse_key_value_text(std::string_view text,
                                                                      std::string_view header,
                                                                      std::string_view what) {
  std::istringstream in{std::string(text)};
  std::string line;
  if (!std::getline(in, line) || line != header) {
    fail("{}: the first line must be '{}', got '{}'", what, header, line);
  }
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const size_t space = line.find(' ');
    if (space == std::string::npos) fail("{}: '{}' is not a 'key value' line", what, line);
    std::string key = line.substr(0, space);
    if (!seen.insert(key).second) fail("{}: {} is given twice", what, key);
    out.emplace_back(std::move(key), line.substr(space + 1));
  }
  return out;
}

std::string network_spec_to_text(const NetworkSpec& spec) {
  return key_value_text(kSpecHeader, fields(spec));
}

NetworkSpec network_spec_from_text(std::string_view text) {
  std::map<std::string, std::string> values;
  for (auto& [key, value] : parse_key_value_text(text, kSpecHeader, "network spec")) {
    values.emplace(std::move(key), std::move(value));
  }
  const NetworkSpec defaults;
  for (const auto& [key, value] : fields(defaults)) {
    if (!values.contains(key)) fail("network spec: no {} line", key);
  }
  for (const auto& [key, value] : values) {
    bool known = false;
    for (const auto& field : fields(defaults)) known = known || field.first == key;
    if (!known) fail("network spec: unknown key '{}'", key);
  }
  NetworkSpec s;
  const std::vector<int> obs = parse_ints("observation", values["observation"]);
  if (obs.size() != 3) fail("network spec: observation takes planes rows cols");
  s.observation = {obs[0], obs[1], obs[2]};
  s.num_actions = parse_int("num_actions", values["num_actions"]);
  s.trunk = values["trunk"];
  s.hidden = parse_ints("hidden", values["hidden"]);
  s.channels = parse_int("channels", values["channels"]);
  s.blocks = parse_int("blocks", values["blocks"]);
  s.value_hidden = parse_int("value_hidden", values["value_hidden"]);
  s.value_head = values["value_head"];
  s.bins = parse_int("bins", values["bins"]);
  s.sigma_ratio = parse_number<double>("sigma_ratio", values["sigma_ratio"]);
  s.value_weight = parse_number<double>("value_weight", values["value_weight"]);
  return s;
}

std::optional<std::string> network_spec_difference(const NetworkSpec& checkpoint,
                                                   const NetworkSpec& options) {
  const auto a = fields(checkpoint);
  const auto b = fields(options);
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].second == b[i].second) continue;
    std::string key = "az." + a[i].first;
    // The observation shape and the action count come from the game.
    if (a[i].first == "observation") key = "az.game (observation planes rows cols)";
    if (a[i].first == "num_actions") key = "az.game (number of actions)";
    return fmt::format("{}: the checkpoint has '{}', these options give '{}'", key, a[i].second,
                       b[i].second);
  }
  return std::nullopt;
}

torch::serialize::InputArchive read_checkpoint_archive(const std::filesystem::path& path) {
  const std::string bytes = read_file(path);
  torch::serialize::InputArchive archive;
  std::istringstream in(bytes);
  try {
    archive.load_from(in);
  } catch (const c10::Error&) {
    fail("'{}' is not a valor az checkpoint (not a LibTorch archive)", path.string());
  }
  return archive;
}

torch::Tensor text_tensor(std::string_view text) {
  torch::Tensor t = torch::empty({static_cast<int64_t>(text.size())}, torch::kUInt8);
  std::copy(text.begin(), text.end(), t.data_ptr<uint8_t>());
  return t;
}

std::string tensor_text(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  const auto* p = reinterpret_cast<const char*>(c.data_ptr<uint8_t>());
  return std::string(p, p + c.numel());
}

NetworkSpec read_archive_spec(torch::serialize::InputArchive& archive,
                              const std::filesystem::path& path) {
  torch::Tensor text;
  if (!archive.try_read("network_spec", text)) {
    fail(
        "'{}' does not describe its network (no network_spec: written before checkpoints "
        "stored it, or not a trainer checkpoint); it cannot be loaded or resumed",
        path.string());
  }
  try {
    return network_spec_from_text(tensor_text(text));
  } catch (const Error& e) {
    fail("'{}': {}", path.string(), e.what());
  }
}

CheckpointInfo read_archive_info(torch::serialize::InputArchive& archive,
                                 const std::filesystem::path& path) {
  CheckpointInfo info;
  info.spec = read_archive_spec(archive, path);
  torch::Tensor game, iteration;
  if (!archive.try_read("game", game) || !archive.try_read("iteration", iteration)) {
    fail("'{}' is not a complete valor az checkpoint (no game or iteration)", path.string());
  }
  info.game = tensor_text(game);
  info.iteration = static_cast<int>(iteration.item<int64_t>());
  torch::Tensor training;
  if (archive.try_read("training_options", training)) info.training_options = tensor_text(training);
  return info;
}

CheckpointInfo read_checkpoint_info(const std::filesystem::path& path) {
  torch::serialize::InputArchive archive = read_checkpoint_archive(path);
  return read_archive_info(archive, path);
}

void write_network_entries(torch::serialize::OutputArchive& archive, std::string_view game,
                           const PolicyValueNet& network, int iteration) {
  torch::serialize::OutputArchive net;
  network->save(net);
  archive.write("game", text_tensor(game));
  archive.write("network_spec", text_tensor(network_spec_to_text(network->spec())));
  archive.write("network", net);
  archive.write("iteration", torch::tensor({static_cast<int64_t>(iteration)}, torch::kInt64));
}

void write_archive_atomically(const std::filesystem::path& path,
                              torch::serialize::OutputArchive& archive) {
  std::ostringstream out;
  archive.save_to(out);
  write_file_atomically(path, out.str());
}

void save_network_file(const std::filesystem::path& path, std::string_view game,
                       const PolicyValueNet& network, int iteration) {
  torch::serialize::OutputArchive archive;
  write_network_entries(archive, game, network, iteration);
  write_archive_atomically(path, archive);
}

PolicyValueNet load_archive_network(torch::serialize::InputArchive& archive,
                                    const NetworkSpec& spec) {
  // Building the network draws its (soon replaced) initial weights from LibTorch's global
  // generator; put that back so that loading a network does not shift the caller's stream.
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  const at::Tensor generator_state = generator.get_state();
  PolicyValueNet net(spec);
  generator.set_state(generator_state);
  torch::serialize::InputArchive weights;
  archive.read("network", weights);
  net->load(weights);
  net->eval();
  return net;
}

PolicyValueNet load_network(const std::filesystem::path& path) {
  torch::serialize::InputArchive archive = read_checkpoint_archive(path);
  return load_archive_network(archive, read_archive_spec(archive, path));
}

}  // namespace valor::az
