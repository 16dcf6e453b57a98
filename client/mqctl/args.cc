#include "client/mqctl/args.h"

#include <fmt/format.h>

#include <algorithm>

namespace mq::mqctl {

std::optional<std::string> ParsedArgs::value(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::values(const std::string& flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

ParsedArgs parseArgs(const std::vector<std::string>& args, const std::vector<FlagSpec>& flags) {
  ParsedArgs parsed;
  bool flags_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_ended || arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
      parsed.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto spec =
        std::find_if(flags.begin(), flags.end(), [&](const FlagSpec& f) { return f.name == name; });
    if (spec == flags.end()) throw UsageError(fmt::format("unknown flag --{}", name));
    if (!spec->repeatable && parsed.has(name)) {
      throw UsageError(fmt::format("--{} given twice", name));
    }
    if (spec->value_name.empty()) {
      if (inline_value) throw UsageError(fmt::format("--{} takes no value", name));
      parsed.add(name, "");
      continue;
    }
    if (inline_value) {
      parsed.add(name, *inline_value);
    } else if (i + 1 < args.size()) {
      parsed.add(name, args[++i]);
    } else {
      throw UsageError(fmt::format("--{} needs a value ({})", name, spec->value_name));
    }
  }
  return parsed;
}

int64_t parseInteger(const std::string& text, const std::string& what, int64_t min, int64_t max) {
  size_t i = 0;
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    i = 1;
  }
  bool ok = i < text.size() && text.size() - i <= 18;
  int64_t value = 0;
  for (; ok && i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') {
      ok = false;
      break;
    }
    value = value * 10 + (text[i] - '0');
  }
  if (negative) value = -value;
  if (!ok) throw UsageError(fmt::format("{} expects a whole number, got `{}`", what, text));
  if (value < min || value > max) {
    throw UsageError(fmt::format("{} must be {}..{}, got {}", what, min, max, value));
  }
  return value;
}

std::string describeFlags(const std::vector<FlagSpec>& flags) {
  std::vector<std::string> left;
  size_t width = 0;
  for (const auto& flag : flags) {
    left.push_back(flag.value_name.empty() ? "--" + flag.name
                                           : fmt::format("--{} {}", flag.name, flag.value_name));
    width = std::max(width, left.back().size());
  }
  std::string text;
  for (size_t i = 0; i < flags.size(); ++i) {
    text += fmt::format("  {:<{}}  {}\n", left[i], width, flags[i].help);
  }
  return text;
}

}  // namespace mq::mqctl
