#include "apps/valor/commands.h"
#include "valor/run/run_config.h"

namespace valor::app {

void declare_demo_config(ConfigSchema& schema);

ConfigSchema full_schema() {
  ConfigSchema schema;
  run::declare_run_config(schema);
  declare_demo_config(schema);
  return schema;
}

}  // namespace valor::app
