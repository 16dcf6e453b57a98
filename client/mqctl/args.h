// mqctl's command-line parsing: flags (`--name value`, `--name=value`, switches,
// repeatable flags) and positional arguments, with usage errors that name the problem.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mq::mqctl {

// A mistake in how mqctl was called: printed with a pointer to --help, exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FlagSpec {
  std::string name;        // without the leading "--"
  std::string value_name;  // empty: a switch that takes no value
  std::string help;
  bool repeatable = false;
};

class ParsedArgs {
 public:
  std::vector<std::string> positionals;

  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  // The flag's (last) value, or nullopt.
  std::optional<std::string> value(const std::string& flag) const;
  // Every value of a repeatable flag, in order.
  std::vector<std::string> values(const std::string& flag) const;
  void add(const std::string& flag, std::string value) {
    values_[flag].push_back(std::move(value));
  }

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

// Parses `args` against `flags`. "--" ends the flags. Throws UsageError for an unknown flag,
// a missing value, a value given to a switch, or a non-repeatable flag given twice.
ParsedArgs parseArgs(const std::vector<std::string>& args, const std::vector<FlagSpec>& flags);

// Parses a decimal integer in [min, max]; throws UsageError naming `what` ("--partitions").
int64_t parseInteger(const std::string& text, const std::string& what, int64_t min, int64_t max);

// The flags as help text: "  --name VALUE   help" lines.
std::string describeFlags(const std::vector<FlagSpec>& flags);

}  // namespace mq::mqctl
