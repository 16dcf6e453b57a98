#include "common/topic_name.h"

#include <fmt/format.h>

#include <cctype>

namespace mq {

std::optional<std::string> topicNameProblem(const std::string& name) {
  if (name.empty()) return "topic name is empty";
  if (name.size() > kMaxTopicNameLength) {
    return fmt::format("topic name is {} characters long; the limit is {}", name.size(),
                       kMaxTopicNameLength);
  }
  if (name == "." || name == "..") return fmt::format("topic name `{}` is reserved", name);
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return fmt::format(
          "topic name `{}` contains `{}`; allowed are letters, digits, '.', '_' and '-'", name, c);
    }
  }
  return std::nullopt;
}

std::optional<std::string> partitionCountProblem(int partitions) {
  if (partitions >= 1 && partitions <= kMaxPartitions) return std::nullopt;
  return fmt::format("partitions must be 1..{}, got {}", kMaxPartitions, partitions);
}

bool validClusterName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace mq
