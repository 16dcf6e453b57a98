#include "perf/workload_spec.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>

namespace mq::perf {
namespace {

constexpr int kMaxMessageSize = 1 << 20;  // the client's default max_message_bytes

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

// The value part of a line (after "key:"): unquoted, comment removed. Returns false with
// *error set when a quote is not closed or text follows the closing quote.
bool scalarValue(const std::string& raw, std::string* value, std::string* error) {
  std::string text = trim(raw);
  if (!text.empty() && (text[0] == '"' || text[0] == '\'')) {
    const char quote = text[0];
    const auto close = text.find(quote, 1);
    if (close == std::string::npos) {
      *error = fmt::format("unterminated {} quote", quote == '"' ? "double" : "single");
      return false;
    }
    const std::string rest = trim(text.substr(close + 1));
    if (!rest.empty() && rest[0] != '#') {
      *error = fmt::format("unexpected `{}` after the quoted value", rest);
      return false;
    }
    *value = text.substr(1, close - 1);
    return true;
  }
  // YAML: a comment starts at a '#' preceded by whitespace.
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) {
      text = trim(text.substr(0, i));
      break;
    }
  }
  *value = text;
  return true;
}

bool isKeyName(const std::string& key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

// Parses a whole decimal integer in [min, max].
std::string parseInt(const std::string& value, int min, int max, int* out) {
  if (value.empty() || value.find_first_not_of("0123456789+-") != std::string::npos) {
    return fmt::format("`{}` is not a whole number", value);
  }
  errno = 0;
  char* end = nullptr;
  const long long parsed = std::strtoll(value.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return fmt::format("`{}` is not a whole number", value);
  if (parsed < min || parsed > max) {
    return fmt::format("{} is out of range {}..{}", value, min, max);
  }
  *out = static_cast<int>(parsed);
  return "";
}

// Parses a finite decimal number (fractions allowed) in [min, max].
std::string parseNumber(const std::string& value, double min, double max, double* out) {
  if (value.empty() || value.find_first_not_of("0123456789+-.eE") != std::string::npos) {
    return fmt::format("`{}` is not a number", value);
  }
  errno = 0;
  char* end = nullptr;
  const double parsed = std::strtod(value.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(parsed)) {
    return fmt::format("`{}` is not a number", value);
  }
  if (parsed < min || parsed > max) {
    return fmt::format("{} is out of range {}..{}", value, min, max);
  }
  *out = parsed;
  return "";
}

std::string parseKeyDistributor(const std::string& value, KeyDistributor* out) {
  for (auto candidate :
       {KeyDistributor::kNoKey, KeyDistributor::kKeyRoundRobin, KeyDistributor::kRandomNano}) {
    if (value == keyDistributorName(candidate)) {
      *out = candidate;
      return "";
    }
  }
  return fmt::format("`{}` is not one of NO_KEY, KEY_ROUND_ROBIN, RANDOM_NANO", value);
}

using FieldParser = std::function<std::string(const std::string& value, WorkloadSpec* spec)>;

struct Field {
  FieldParser parse;
  bool required;
};

// Every key a workload file may have, with its parser. Ranges are what one machine can
// sensibly run, and keep products (topics x partitions, ...) far from overflowing.
const std::map<std::string, Field>& fields() {
  static const std::map<std::string, Field> kFields = {
      {"name",
       {[](const std::string& v, WorkloadSpec* s) {
          if (v.empty()) return std::string("must not be empty");
          s->name = v;
          return std::string();
        },
        true}},
      {"topics",
       {[](const std::string& v, WorkloadSpec* s) { return parseInt(v, 1, 1000, &s->topics); },
        true}},
      {"partitionsPerTopic",
       {[](const std::string& v, WorkloadSpec* s) {
          return parseInt(v, 1, 10000, &s->partitions_per_topic);
        },
        true}},
      {"messageSize",
       {[](const std::string& v, WorkloadSpec* s) {
          return parseInt(v, 1, kMaxMessageSize, &s->message_size);
        },
        true}},
      {"payloadFile",
       {[](const std::string& v, WorkloadSpec* s) {
          if (v.empty())
            return std::string("must not be empty (leave the key out for random bytes)");
          s->payload_file = v;
          return std::string();
        },
        false}},
      {"keyDistributor",
       {[](const std::string& v, WorkloadSpec* s) {
          return parseKeyDistributor(v, &s->key_distributor);
        },
        false}},
      {"subscriptionsPerTopic",
       {[](const std::string& v, WorkloadSpec* s) {
          return parseInt(v, 1, 100, &s->subscriptions_per_topic);
        },
        true}},
      {"producersPerTopic",
       {[](const std::string& v, WorkloadSpec* s) {
          return parseInt(v, 1, 100, &s->producers_per_topic);
        },
        true}},
      {"consumerPerSubscription",
       {[](const std::string& v, WorkloadSpec* s) {
          return parseInt(v, 1, 100, &s->consumer_per_subscription);
        },
        true}},
      {"producerRate",
       {[](const std::string& v, WorkloadSpec* s) {
          return parseNumber(v, 0, 1e8, &s->producer_rate);
        },
        true}},
      {"consumerBacklogSizeGB",
       {[](const std::string& v, WorkloadSpec* s) {
          return parseNumber(v, 0, 1e4, &s->consumer_backlog_size_gb);
        },
        false}},
      {"testDurationMinutes",
       {[](const std::string& v, WorkloadSpec* s) {
          std::string error = parseNumber(v, 0, 10080, &s->test_duration_minutes);
          if (error.empty() && s->test_duration_minutes <= 0) error = "must be > 0";
          return error;
        },
        true}},
      {"warmupDurationMinutes",
       {[](const std::string& v, WorkloadSpec* s) {
          return parseNumber(v, 0, 10080, &s->warmup_duration_minutes);
        },
        false}},
  };
  return kFields;
}

}  // namespace

const char* keyDistributorName(KeyDistributor distributor) {
  switch (distributor) {
    case KeyDistributor::kNoKey:
      return "NO_KEY";
    case KeyDistributor::kKeyRoundRobin:
      return "KEY_ROUND_ROBIN";
    case KeyDistributor::kRandomNano:
      return "RANDOM_NANO";
  }
  return "?";
}

std::string parseWorkloadSpec(const std::string& text, const std::string& base_dir,
                              WorkloadSpec* spec) {
  WorkloadSpec parsed;
  std::set<std::string> seen;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string content = trim(line);
    if (content.empty() || content[0] == '#') continue;
    if (line[0] == ' ' || line[0] == '\t') {
      return fmt::format("line {}: indented line `{}`: only flat `key: value` lines are supported",
                         number, content);
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) {
      return fmt::format("line {}: `{}` is not a `key: value` line", number, content);
    }
    const std::string key = trim(line.substr(0, colon));
    if (!isKeyName(key)) {
      return fmt::format("line {}: `{}` is not a `key: value` line", number, content);
    }
    auto field = fields().find(key);
    if (field == fields().end()) return fmt::format("line {}: unknown key `{}`", number, key);
    if (!seen.insert(key).second) return fmt::format("line {}: key `{}` given twice", number, key);
    std::string value;
    std::string error;
    if (!scalarValue(line.substr(colon + 1), &value, &error)) {
      return fmt::format("line {}: key `{}`: {}", number, key, error);
    }
    if (value.empty()) {
      return fmt::format("line {}: key `{}` has no value (nested values are not supported)", number,
                         key);
    }
    error = field->second.parse(value, &parsed);
    if (!error.empty()) return fmt::format("line {}: key `{}`: {}", number, key, error);
  }
  for (const auto& [key, field] : fields()) {
    if (field.required && !seen.count(key)) return fmt::format("missing required key `{}`", key);
  }
  if (parsed.consumer_backlog_size_gb > 0 && parsed.producer_rate == 0) {
    return "consumerBacklogSizeGB > 0 needs a fixed producerRate (the maximum rate cannot be "
           "probed while a backlog is built)";
  }
  if (!parsed.payload_file.empty() && parsed.payload_file[0] != '/' && !base_dir.empty()) {
    parsed.payload_file = base_dir + "/" + parsed.payload_file;
  }
  *spec = parsed;
  return "";
}

std::string loadWorkloadSpec(const std::string& path, WorkloadSpec* spec) {
  std::ifstream in(path);
  if (!in) return fmt::format("{}: cannot read the workload file", path);
  std::stringstream text;
  text << in.rdbuf();
  const auto slash = path.rfind('/');
  const std::string base_dir = slash == std::string::npos ? "" : path.substr(0, slash);
  std::string error = parseWorkloadSpec(text.str(), base_dir, spec);
  return error.empty() ? "" : fmt::format("{}: {}", path, error);
}

std::string loadWorkloadPayload(const WorkloadSpec& spec, std::string* payload) {
  if (spec.payload_file.empty()) {
    std::mt19937_64 random(std::random_device{}());
    payload->resize(static_cast<size_t>(spec.message_size));
    for (auto& byte : *payload) byte = static_cast<char>(random());
    return "";
  }
  std::ifstream in(spec.payload_file, std::ios::binary);
  if (!in) return fmt::format("payloadFile {}: cannot read it", spec.payload_file);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (static_cast<int64_t>(bytes.str().size()) != spec.message_size) {
    return fmt::format("payloadFile {} has {} bytes, but messageSize is {}", spec.payload_file,
                       bytes.str().size(), spec.message_size);
  }
  *payload = bytes.str();
  return "";
}

}  // namespace mq::perf
