#include "apps/valor/commands.h"
#include "valor/agent/train_config.h"
#include "valor/run/run_config.h"

namespace valor::app {

ConfigSchema full_schema() {
  ConfigSchema schema;
  run::declare_run_config(schema);
  agent::declare_train_config(schema);
  return schema;
}

}  // namespace valor::app
