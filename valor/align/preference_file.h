// Preference pairs as JSON Lines (docs/align.md): one object per line,
//   {"prompt": 0, "chosen": [3, 1, 4, 1], "rejected": [5, 2, 6, 5]}
// (TRL's chosen/rejected convention), tokens as integers in [0, V), exactly L per response; an
// optional "tie": true marks a tie (outcome 0.5; the order of the two is then immaterial).
#pragma once

#include <filesystem>

#include "valor/align/preferences.h"

namespace valor::align {

// valor::Error naming file:line for malformed JSON, a missing or mistyped field, a prompt or token
// out of range, a response of the wrong length, or a contradictory pair (the chosen response is
// the rejected one); and for a file without pairs.
PreferenceData read_preferences_jsonl(const std::filesystem::path& path,
                                      const SequenceShape& shape);
// Pairs written chosen first (outcome >= 0.5: a), ties (outcome 0.5) with "tie": true,
// atomically; other soft outcomes are written as hard labels.
void write_preferences_jsonl(const std::filesystem::path& path, const PreferenceData& data);

}  // namespace valor::align
