#include "common/options.h"

#include <cstdint>
#include <fstream>
#include <iostream>

namespace mq {

bool parseOptions(int argc, char** argv, const std::string& usage,
                  const po::options_description& options, po::variables_map& values,
                  int* exit_code) {
  po::options_description generic("General");
  generic.add_options()("help,h", "print this help and exit")(
      "config,c", po::value<std::string>(), "read options from this file (name = value lines)");
  po::options_description all;
  all.add(generic).add(options);
  try {
    const auto parsed = po::command_line_parser(argc, argv).options(all).run();
    // No positional arguments: a stray word (`--switch on`, a value after a switch) is an
    // error that names it, not ignored.
    for (const auto& option : parsed.options) {
      if (option.position_key >= 0 && !option.value.empty()) {
        std::cerr << "error: unexpected argument `" << option.value.front()
                  << "` (options take the form --name VALUE; see --help)\n";
        *exit_code = 2;
        return false;
      }
    }
    po::store(parsed, values);
    if (values.count("help")) {
      std::cout << usage << "\n\n" << all << "\n";
      *exit_code = 0;
      return false;
    }
    if (values.count("config")) {
      const auto path = values["config"].as<std::string>();
      std::ifstream file(path);
      if (!file) {
        std::cerr << "error: cannot read config file " << path << "\n";
        *exit_code = 2;
        return false;
      }
      po::store(po::parse_config_file(file, options), values);
    }
    po::notify(values);
  } catch (const po::error& e) {
    std::cerr << "error: " << e.what() << " (see --help)\n";
    *exit_code = 2;
    return false;
  }
  return true;
}

bool parseDurationMs(const std::string& text, int64_t* ms) {
  if (text.empty()) return false;
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) return false;
  int64_t number = std::stoll(text.substr(0, digits));
  std::string unit = text.substr(digits);
  int64_t factor;
  if (unit.empty() || unit == "ms") {
    factor = 1;
  } else if (unit == "s") {
    factor = 1000;
  } else if (unit == "m") {
    factor = 60 * 1000;
  } else if (unit == "h") {
    factor = 3600 * 1000;
  } else if (unit == "d") {
    factor = 24 * 3600 * 1000;
  } else {
    return false;
  }
  *ms = number * factor;
  return true;
}

bool parseBytes(const std::string& text, int64_t* bytes) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) return false;
  const int64_t number = std::stoll(text.substr(0, digits));
  const std::string unit = text.substr(digits);
  int shift;
  if (unit.empty()) {
    shift = 0;
  } else if (unit == "KiB") {
    shift = 10;
  } else if (unit == "MiB") {
    shift = 20;
  } else if (unit == "GiB") {
    shift = 30;
  } else {
    return false;
  }
  if (number > (INT64_MAX >> shift)) return false;
  *bytes = number << shift;
  return true;
}

}  // namespace mq
