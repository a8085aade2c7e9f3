// The configuration keys of `valor train` (env.*, network.*, value.*, train.*, eval.*), declared
// without LibTorch so that the torch-free front end (`valor config`, `--help`) knows them too.
#pragma once

#include "valor/core/config.h"

namespace valor::agent {

// Declares env.*, network.*, value.*, train.* and eval.*.
void declare_train_config(ConfigSchema& schema);

}  // namespace valor::agent
