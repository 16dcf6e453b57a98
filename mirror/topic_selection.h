// Which source topics a mirror copies: exact names and name prefixes from its configuration,
// never the mirrors' own checkpoint topic (mq-mirror.*).
#pragma once

#include <string>
#include <vector>

namespace mq::mirror {

class TopicSelection {
 public:
  TopicSelection(std::vector<std::string> names, std::vector<std::string> prefixes);

  bool matches(const std::string& topic) const;
  // The topics of `available` that match, sorted, without duplicates.
  std::vector<std::string> select(const std::vector<std::string>& available) const;
  bool empty() const { return names_.empty() && prefixes_.empty(); }

 private:
  std::vector<std::string> names_;
  std::vector<std::string> prefixes_;
};

// Topics whose name starts with this belong to the mirrors (checkpoints) and are never copied.
inline constexpr const char* kInternalTopicPrefix = "mq-mirror.";

}  // namespace mq::mirror
