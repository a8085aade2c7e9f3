#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>

#include "apps/valor/commands.h"
#include "valor/core/error.h"

namespace valor::app {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void request_stop(int) { g_stop.store(true); }

}  // namespace

const std::atomic<bool>& stop_on_signals() {
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  std::signal(SIGHUP, request_stop);
  return g_stop;
}

namespace {

// CLI11 reads integers with strtoll/strtoull: an overflow saturates ("--seed
// 99999999999999999999999" became 2^64 - 1), an unsigned option takes "-1" as 2^64 - 1, and a
// leading 0 means octal. Floats accept "nan" and "inf", which pass every range check. These
// validators run on the text first.
CLI::Validator integer_validator(bool is_unsigned) {
  return CLI::Validator(
      [is_unsigned](std::string& text) -> std::string {
        const char* first = text.data();
        const char* last = text.data() + text.size();
        std::from_chars_result r{};
        if (is_unsigned) {
          uint64_t v = 0;
          r = std::from_chars(first, last, v);
        } else {
          int64_t v = 0;
          r = std::from_chars(first, last, v);
        }
        const char* end = r.ptr;
        const std::errc ec = r.ec;
        if (text.empty() || end != last) {
          return fmt::format("'{}' is not {} decimal integer", text,
                             is_unsigned ? "a non-negative" : "a");
        }
        if (ec == std::errc::result_out_of_range) {
          return fmt::format("{} is out of range ({} to {})", text, is_unsigned ? "0" : "-2^63",
                             is_unsigned ? "2^64 - 1" : "2^63 - 1");
        }
        if (ec != std::errc()) return fmt::format("'{}' is not an integer", text);
        return {};
      },
      "");
}

CLI::Validator finite_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
            !std::isfinite(v)) {
          return fmt::format("'{}' is not a finite number", text);
        }
        return {};
      },
      "");
}

// Adds the validators above to every numeric option of `app` and its subcommands.
void check_numbers(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    std::string type = option->get_type_name();
    type = type.substr(0, type.find_first_of(": "));
    if (type == "INT" || type == "UINT") {
      option->check(integer_validator(type == "UINT"));
    } else if (type == "FLOAT") {
      option->check(finite_validator());
    }
  }
  for (CLI::App* sub : app.get_subcommands({})) check_numbers(*sub);
}

}  // namespace

int run_main(CLI::App& app, const Action& action, int argc, char** argv,
             const std::function<void()>& setup) {
  app.name("valor");
  app.require_subcommand(1);
  app.fallthrough();
  check_numbers(app);
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
