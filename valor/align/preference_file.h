// Preference pairs as JSON Lines (docs/align.md): one object per line,
//   {"prompt": 0, "chosen": [3, 1, 4, 1], "rejected": [5, 2, 6, 5]}
// (TRL's chosen/rejected convention), tokens as integers in [0, V), exactly L per response.
#pragma once

#include <filesystem>

#include "valor/align/preferences.h"

namespace valor::align {

// valor::Error naming file:line for malformed JSON, a missing or mistyped field, a prompt or token
// out of range, a response of the wrong length, or a contradictory pair (the chosen response is
// the rejected one); and for a file without pairs.
PreferenceData read_preferences_jsonl(const std::filesystem::path& path,
                                      const SequenceShape& shape);
// Hard-labelled pairs (outcome 0 or 1) written chosen first, atomically.
void write_preferences_jsonl(const std::filesystem::path& path, const PreferenceData& data);

}  // namespace valor::align
