#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "apps/valor/commands.h"
#include "valor/core/error.h"

namespace valor::app {

int run_main(CLI::App& app, const Action& action, int argc, char** argv,
             const std::function<void()>& setup) {
  app.name("valor");
  app.require_subcommand(1);
  app.fallthrough();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    if (setup) setup();
    return action ? action() : 0;
  } catch (const valor::Error& e) {
    fmt::print(stderr, "valor: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "valor: failed: {}\n", e.what());
    return 1;
  }
}

}  // namespace valor::app
