// One align run into a run directory (docs/align.md): build the task, get the preference data
// (generated or read), learn the proxy reward, then train the policy with the method (or, for
// best-of-N, evaluate each N) and write
//   metrics.csv   step, loss, gold, proxy, kl, sqrt_kl, seconds  (best-of-N: n, gold, proxy, kl,
//                 sqrt_kl) - exact by enumeration when the task is enumerable
//   summary.json  the final metrics, pi_ref's, the KL-regularised optimum's (enumerable tasks),
//                 and the wall time of each phase; written last, so a run without it is
//                 incomplete (a sweep runs it again).
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>

#include "valor/align/config.h"
#include "valor/run/run_dir.h"

namespace valor::align {

// Progress lines go to `progress` (null: none) every `progress_seconds` when not a terminal.
nlohmann::json run_align(const AlignRunSpec& spec, const run::RunDir& dir, std::FILE* progress,
                         double progress_seconds);

}  // namespace valor::align
