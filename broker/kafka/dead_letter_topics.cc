#include "broker/kafka/dead_letter_topics.h"

namespace mq::kafka {
namespace {

constexpr const char* kKinds[] = {"dlq", "retry"};

std::string prefixOf(const std::string& kind) { return "mq." + kind + "."; }

}  // namespace

bool isDeadLetterTopicName(const std::string& name) {
  for (const char* kind : kKinds) {
    if (name.rfind(prefixOf(kind), 0) == 0) return true;
  }
  return false;
}

std::vector<DeadLetterPairName> deadLetterPairsNamed(
    const std::string& name, const std::function<bool(const std::string&)>& topic_exists) {
  std::vector<DeadLetterPairName> pairs;
  for (const char* kind : kKinds) {
    const std::string prefix = prefixOf(kind);
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    // The group ends at a dot: every dot after the first character is a candidate.
    for (size_t dot = rest.find('.', 1); dot != std::string::npos; dot = rest.find('.', dot + 1)) {
      const std::string topic = rest.substr(dot + 1);
      if (topic.empty() || !topic_exists(topic)) continue;
      pairs.push_back({kind, rest.substr(0, dot), topic});
    }
  }
  return pairs;
}

}  // namespace mq::kafka
